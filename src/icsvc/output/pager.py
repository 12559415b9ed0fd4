"""Long output on a terminal goes through a pager, as git and gh do.

On a terminal, a paged command's standard output is collected (Rich still sees a terminal:
colours and width stay); if it holds more lines than the terminal, it goes to
`$ICSVC_PAGER`, else `$PAGER`, else `less -R` (with `LESS=FRX` unless `LESS` is set), and is
printed directly otherwise. `ICSVC_PAGER=cat` (or empty) and `--no-pager` turn it off; off a
terminal nothing changes (and `shutil` and `subprocess` are not even imported: 8 ms of a
small command). Commands that ask questions are never paged.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


class _Screen(io.StringIO):
    """Collects output that was going to a terminal, and says it is one."""

    def isatty(self) -> bool:
        return True


def pager_command() -> str | None:
    """The pager to use, or None for none (`cat`, or an empty ICSVC_PAGER)."""
    for var in ("ICSVC_PAGER", "PAGER"):
        if var in os.environ:
            value = os.environ[var].strip()
            return None if value in ("", "cat") else value
    import shutil

    return "less -R" if shutil.which("less") else None


@contextmanager
def paged(enabled: bool = True) -> Iterator[None]:
    """Page what the block prints to stdout, when it is long and stdout is a terminal."""
    real = sys.stdout
    command = pager_command() if enabled and real.isatty() else None
    if command is None:
        yield
        return
    import shutil

    from icsvc.output import ui

    height = shutil.get_terminal_size().lines
    screen = _Screen()
    sys.stdout = screen
    ui.reset()
    try:
        yield
    finally:
        sys.stdout = real
        ui.reset()
        text = screen.getvalue()
        if text.count("\n") < height - 1:
            real.write(text)
            real.flush()
        else:
            _page(command, text)


def _page(command: str, text: str) -> None:
    import shlex
    import shutil
    import subprocess

    try:
        program = shlex.split(command)[0]
    except (ValueError, IndexError):
        program = ""
    if not shutil.which(program):  # a pager that is not installed: print it all
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    env.setdefault("LV", "-c")
    try:
        proc = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        sys.stdout.write(text)
        return
    assert proc.stdin is not None
    try:
        proc.stdin.write(text.encode("utf-8", "replace"))
        proc.stdin.close()
    except BrokenPipeError:
        pass  # the reader quit the pager before the end
    while True:
        try:
            proc.wait()
            break
        except KeyboardInterrupt:
            continue  # Ctrl-C belongs to the pager; wait for it to exit
