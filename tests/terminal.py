"""Running the installed `icsvc` under a real pseudo-terminal: prompts, pager, progress bars.

Reads use `select` with a deadline, so a command that waits for an answer nobody gives
fails the test instead of hanging the suite.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time
from dataclasses import dataclass
from pathlib import Path

from conftest import ICSVC


@dataclass
class Screen:
    code: int
    raw: str

    @property
    def text(self) -> str:
        """What a person read: colours and carriage returns taken out."""
        return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", self.raw).replace("\r\n", "\n")


def on_terminal(args: list[str], env: dict[str, str], cwd: Path,
                answers: list[tuple[str, str]] = (), *, rows: int = 24, cols: int = 100,
                timeout: float = 60) -> Screen:
    """Run `icsvc ARGS` on a pty of `rows` x `cols`; for each (prompt, answer), wait for the
    prompt text, then type the answer and Enter. Returns the exit code and all it showed."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes icsvc on the terminal
        os.chdir(cwd)
        os.execve(ICSVC or "icsvc", ["icsvc", *args], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    deadline = time.monotonic() + timeout
    shown = b""
    seen = b""

    def read() -> bytes:
        left = deadline - time.monotonic()
        if left <= 0:
            return b""
        ready, _, _ = select.select([fd], [], [], min(left, 1.0))
        if not ready:
            return b"\0"  # nothing yet: keep waiting
        try:
            return os.read(fd, 4096)
        except OSError:
            return b""

    try:
        for prompt, answer in answers:
            while prompt.encode() not in seen:
                chunk = read()
                if not chunk:
                    break
                seen += chunk.replace(b"\0", b"")
            assert prompt.encode() in seen, (
                f"no prompt {prompt!r}; the terminal showed:\n"
                + (shown + seen).decode(errors="replace"))
            shown += seen
            seen = b""
            os.write(fd, answer.encode() + b"\r")
        while True:
            chunk = read()
            if not chunk:
                break
            seen += chunk.replace(b"\0", b"")
        shown += seen
    finally:
        grace = time.monotonic() + 5
        done, status = os.waitpid(pid, os.WNOHANG)
        while done == 0 and time.monotonic() < min(grace, deadline + 1):
            time.sleep(0.05)
            done, status = os.waitpid(pid, os.WNOHANG)
        if done == 0:  # still running at the deadline: stop it, and fail
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(fd)
            raise AssertionError("icsvc did not finish on the terminal; it showed:\n"
                                 + shown.decode(errors="replace"))
        os.close(fd)
    return Screen(os.waitstatus_to_exitcode(status), shown.decode(errors="replace"))
