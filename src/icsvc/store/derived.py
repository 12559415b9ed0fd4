"""`.icsvc/`: what icsvc derives and keeps beside the store (the index and its clock, the write
lock and who holds it, a redirect's journal, the record of notifications sent, the allowed
signers), git-ignored and safe to delete at any time.

Every file in it is opened here, the same way: never through a symlink and never blocking
(`O_NOFOLLOW | O_NONBLOCK`, then `fstat`: a FIFO or a device in a derived file's place
cannot hang a command, a symlink cannot make icsvc read or write outside the store). What
icsvc owns and can make again (the clock, the lock files, the journal of deliveries) is
replaced when something else is in its place; what it must not lose (the record of
notifications) is refused with a message saying what to do.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from icsvc.errors import IcsvcError
from icsvc.store.files import file_type

DERIVED_DIR = ".icsvc"
IGNORE_FILE = ".gitignore"
IGNORE_TEXT = "# derived by icsvc; safe to delete\n*\n"
"""`.icsvc/.gitignore`: everything in the folder (itself included), so `git add -A` never
commits derived data, whatever the store's own `.gitignore` says."""


class NotPlain(OSError):
    """Something other than a regular file (a FIFO, a symlink, a folder) where icsvc keeps
    a derived file."""

    def __init__(self, path: Path, kind: str) -> None:
        super().__init__(errno.EINVAL, f"not a regular file ({kind})", str(path))
        self.kind = kind


def folder(root: Path) -> Path:
    """`.icsvc/` of the store at `root`, made when missing, always with its own `.gitignore`
    (made again when missing). A symlink or anything but a folder in its place is refused:
    icsvc never follows derived data out of the store."""
    path = root / DERIVED_DIR
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        try:
            path.mkdir()
        except FileExistsError:
            pass
        st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode):
        kind = "a symlink" if stat.S_ISLNK(st.st_mode) else "not a folder"
        raise IcsvcError(
            f"{DERIVED_DIR} is {kind}; icsvc keeps its derived data (index, lock, records) "
            "there and will not use it: delete it (it holds only derived data) and retry")
    ignore = path / IGNORE_FILE
    try:
        if not stat.S_ISREG(os.lstat(ignore).st_mode):
            write(ignore, IGNORE_TEXT)
    except FileNotFoundError:
        write(ignore, IGNORE_TEXT)
    return path


def open_plain(path: Path, flags: int, mode: int = 0o666) -> int:
    """A descriptor of the regular file at `path` (created when `flags` say so), opened
    without following a symlink and without blocking on a FIFO, in blocking mode once it is
    known to be a regular file. `NotPlain` for anything else."""
    try:
        fd = os.open(path, flags | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_CLOEXEC", 0), mode)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENXIO, errno.EISDIR, errno.EMLINK):
            raise NotPlain(path, _kind(path)) from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotPlain(path, file_type(st.st_mode))
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _kind(path: Path) -> str:
    try:
        return file_type(os.lstat(path).st_mode)
    except OSError:
        return "not a regular file"


def read(path: Path, limit: int = 1 << 20) -> str:
    """The text of a derived file (at most `limit` bytes are read). FileNotFoundError when
    there is none, `NotPlain` when it is not a regular file."""
    fd = open_plain(path, os.O_RDONLY)
    with os.fdopen(fd, "rb") as f:
        return f.read(limit).decode("utf-8", errors="replace")


def replaced(path: Path) -> None:
    """Make room for a derived file icsvc can make again: whatever is at `path` and is not
    a regular file (a symlink, never followed, or a FIFO) is removed. A folder there is
    refused."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISREG(st.st_mode):
        return
    if stat.S_ISDIR(st.st_mode):
        raise IcsvcError(f"{DERIVED_DIR}/{path.name} is a folder; icsvc keeps a file of its "
                         f"own there: delete it (it holds only derived data) and retry")
    path.unlink(missing_ok=True)


def open_own(path: Path, flags: int) -> int:
    """`open_plain` of a derived file icsvc can make again: something else in its place is
    removed first (`replaced`)."""
    try:
        return open_plain(path, flags | os.O_CREAT)
    except NotPlain:
        replaced(path)
        return open_plain(path, flags | os.O_CREAT)


def write(path: Path, text: str) -> None:
    """Write a small derived file icsvc can make again (not atomically: a torn one is as
    good as none), replacing whatever else is in its place."""
    fd = open_own(path, os.O_WRONLY | os.O_TRUNC)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def append(path: Path, text: str) -> None:
    """Append to a derived file icsvc can make again (a journal)."""
    fd = open_own(path, os.O_WRONLY | os.O_APPEND)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        f.write(text)


def touch(path: Path) -> int:
    """Set a derived file's times to now (made when missing); its change time, the store
    file system's "now" in nanoseconds."""
    fd = open_own(path, os.O_WRONLY)
    try:
        os.utime(fd)
        return os.fstat(fd).st_ctime_ns
    finally:
        os.close(fd)
