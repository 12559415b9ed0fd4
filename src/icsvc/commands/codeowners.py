"""`icsvc codeowners`: each provider's requests/ folder reviewed by its own team."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from icsvc.commands import open_store, output_target, write_output
from icsvc.commands.context import Context
from icsvc.errors import IcsvcError
from icsvc.git import codeowners


@dataclass
class Owners:
    """The CODEOWNERS file and its icsvc block (`lines`, the markers included): whether the
    file was stale (or missing) and whether it was written (not with --check)."""

    path: Path
    lines: list[str]
    stale: bool
    written: bool


def run(ctx: Context, output: Path | None, check_only: bool, force: bool = False) -> Owners:
    store = open_store(ctx)
    lines = codeowners.block(store.catalogue, store.root)
    if output is None:
        path = codeowners.default_path(store.root)
    else:  # (checking reads only: any existing file may be checked)
        path = output_target(ctx, store, "--output", output, force=force or check_only,
                             ours=codeowners.has_block)
    existing = _existing(path)
    try:
        text = codeowners.render(existing, lines)
    except codeowners.UnclosedBlock as exc:
        raise IcsvcError(f"{path}: {exc}") from None
    stale = text != existing
    if stale and not check_only:
        write_output(path, text, "--output")
    return Owners(path, lines, stale, stale and not check_only)


def _existing(path: Path) -> str:
    """The CODEOWNERS file's text ('' when there is none); anything but a readable regular
    file is refused (a FIFO would block the command)."""
    import os
    import stat

    if not os.path.lexists(path):
        return ""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise IcsvcError(f"{path}: not a regular file; CODEOWNERS must be a plain file")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise IcsvcError(f"{path}: cannot read: {why}") from None
