"""Crash-safe writes: a file replaced whole or not at all, a deletion made durable.

Apart from the YAML module (`yamlio`, which re-exports these) so that commands that write no
YAML, and the store's listing (which skips temp files), need not load PyYAML.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

TEMP_SUFFIX = ".tmp"
"""Temp files are `.<name>.<random>.tmp` beside their target (`requests/**/.*.tmp`)."""


def is_temp_name(name: str) -> bool:
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` so that a crash at any point leaves either the old file or
    the new one: write a temp file beside it, fsync it, rename it over the target, fsync the
    folder. The file gets the target's mode, or the user's umask for a new file."""
    write_atomic_bytes(path, text.encode("utf-8"))


def write_atomic_bytes(path: Path, data: bytes) -> None:
    """`write_atomic` of bytes (a mail's attachment)."""
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    # `secrets.token_hex`'s bytes, without its 7 ms import (OpenSSL's hashes)
    tmp = folder / f".{path.name}.{os.urandom(4).hex()}{TEMP_SUFFIX}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(
        os, "O_CLOEXEC", 0)
    fd = os.open(tmp, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            try:
                os.fchmod(f.fileno(), stat.S_IMODE(os.stat(path).st_mode))
            except FileNotFoundError:
                pass
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    sync_folder(folder)


def remove_durably(path: Path) -> None:
    """Delete a file and make the deletion durable (fsync its folder)."""
    path.unlink(missing_ok=True)
    sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    """fsync a folder, so a rename or deletion in it survives a power cut."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:  # some file systems cannot sync a folder: nothing more to do
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)
