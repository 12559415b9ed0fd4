"""The store's write lock, and what a killed writer can leave that the next one mends.

Every command that changes the store holds one store-wide lock (`.icsvc/write.lock`) across
read-modify-write, so concurrent commands queue instead of losing each other's changes; a
writer that waits too long fails naming the holder (`write.lock.holder`). The lock is the
one filelock's `FileLock` takes on POSIX, `flock` on the file: taken directly where the
system has it (importing filelock 4 costs 20-30 ms of a command's start), through filelock
where it does not (a filesystem without `flock`, another system), so writers of either
way exclude each other.

A redirect writes the request's new file, then removes the old one. Between the two it keeps
a journal (`redirect.journal`) naming both, so that a kill in between is finished by the
next writer without a look at every file: the old copy is removed when it is an
interrupted redirect's (`interrupted_redirect`).
"""

from __future__ import annotations

import errno
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from icsvc.domain import ids
from icsvc.errors import IcsvcError, UsageError, ValidationError
from icsvc.store import atomic, derived
from icsvc.store.derived import DERIVED_DIR
from icsvc.store.dirents import REQUESTS_DIR, from_root
from icsvc.store.files import load_request

if TYPE_CHECKING:
    from icsvc.domain.history.request import Request

LOCK_FILE = "write.lock"
HOLDER_FILE = "write.lock.holder"
"""Who holds the write lock (pid, command, since), for the message of a writer that waits."""
MOVING_FILE = "redirect.journal"
"""A redirect in progress: written before the new file, removed after the old one."""
LOCK_TIMEOUT = 10.0
"""Seconds a writer waits for the lock (ICSVC_LOCK_TIMEOUT overrides)."""


def lock_timeout() -> float:
    raw = os.environ.get("ICSVC_LOCK_TIMEOUT", "").strip()
    if not raw:
        return LOCK_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise UsageError(f"ICSVC_LOCK_TIMEOUT: {raw!r} is not a number of seconds "
                         "(accepted: 0 to 3600)")
    return value


class Held(Protocol):
    """A write lock held: `release()` lets the next writer in."""

    def release(self) -> None: ...


POLL = 0.05
"""Seconds between two tries of a waiting writer (filelock's own interval)."""


class _Busy(Exception):
    """Another writer held the lock for the whole wait."""


def acquire(root: Path, command: str) -> Held:
    """Take the write lock of the store at `root` (waiting up to `lock_timeout()`), and
    record who holds it; release it with `.release()`."""
    folder = derived.folder(root)
    timeout = lock_timeout()
    lock_path = folder / LOCK_FILE
    try:
        held = _flocked(lock_path, timeout) or _filelocked(lock_path, timeout)
    except _Busy:
        raise IcsvcError(
            f"the store is busy: {from_root(root, lock_path)} is held by another icsvc command "
            f"({_holder(folder)}); waited {timeout:g}s: retry when it has finished "
            "(ICSVC_LOCK_TIMEOUT sets how long to wait)") from None
    _set_holder(folder, command)
    return held


class _Flock:
    """The lock held by `flock` on an open descriptor of the lock file."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def release(self) -> None:
        import fcntl

        try:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            os.close(self.fd)


_CONTENDED = frozenset({errno.EACCES, errno.EAGAIN, errno.EWOULDBLOCK})
"""What `flock` says when another holds the lock (some filesystems say EACCES)."""


def _flocked(lock_path: Path, timeout: float) -> _Flock | None:
    """The lock taken with `flock`, as filelock takes it on POSIX; None where it cannot be
    (no `fcntl`, a filesystem without `flock`, a lock file that cannot be opened): filelock
    then takes it, or says why it cannot."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return None
    try:
        fd = derived.open_own(lock_path, os.O_RDWR)
    except (OSError, IcsvcError):
        return None
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return _Flock(fd)
            except OSError as exc:
                if exc.errno not in _CONTENDED:
                    os.close(fd)
                    return None
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Busy
            time.sleep(min(POLL, left))
    except BaseException:  # _Busy, or an interrupt while waiting
        os.close(fd)
        raise


def _filelocked(lock_path: Path, timeout: float) -> Held:
    """The lock taken by filelock (which falls back to a lock of its own where the
    filesystem has no `flock`)."""
    from filelock import FileLock, Timeout

    derived.replaced(lock_path)  # a symlink or FIFO there: never locked through
    lock = FileLock(str(lock_path), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise _Busy from None
    return lock


def _holder(folder: Path) -> str:
    try:
        text = derived.read(folder / HOLDER_FILE, 4096)
    except OSError:
        return "holder unknown"
    return " ".join(text.split())[:200] or "holder unknown"


def _set_holder(folder: Path, command: str) -> None:
    since = datetime.now(UTC).astimezone().isoformat(timespec="seconds")
    what = f"pid {os.getpid()}" + (f", {command}" if command else "") + f", since {since}"
    try:
        derived.write(folder / HOLDER_FILE, what + "\n")
    except (OSError, IcsvcError):
        pass  # only the waiting writer's message needs it


# -- the redirect journal ----------------------------------------------------------------------


def write_journal(root: Path, new: Path, old: Path) -> None:
    """Note a redirect about to write `new` and remove `old` (paths inside `root`)."""
    import json

    folder = derived.folder(root)
    atomic.write_atomic(folder / MOVING_FILE, json.dumps(
        {"to": from_root(root, new), "from": from_root(root, old)}) + "\n")


def clear_journal(root: Path) -> None:
    (root / DERIVED_DIR / MOVING_FILE).unlink(missing_ok=True)


def journal_entry(root: Path) -> tuple[Path, Path] | None:
    """(new, old) file of the redirect the journal names, when it names two request files
    of one ID; None when there is no journal or it is not one icsvc wrote."""
    from icsvc.store import jsonio

    try:
        data = jsonio.loads(derived.read(root / DERIVED_DIR / MOVING_FILE, 4096))
        new, old = (root / _request_path(data[key]) for key in ("to", "from"))
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError):
        return None
    return (new, old) if new.name == old.name and new != old else None


def _request_path(text: Any) -> str:
    """`requests/<folder>/<ID>.yaml` from the journal, refusing anything else."""
    parts = str(text).split("/")
    if (type(text) is not str or len(parts) != 3 or parts[0] != REQUESTS_DIR
            or not ids.is_valid(parts[2].removesuffix(".yaml"))
            or parts[1] in ("", ".", "..")):
        raise ValueError(text)
    return text


def path_problem(request: Request, path: Path) -> str | None:
    """How a request file's content disagrees with its path, if it does."""
    if path.stem.upper() != request.id:
        return f"its id {request.id} differs from its file name {path.name}"
    if path.parent.name != request.provider:
        return (f"it is in requests/{path.parent.name}/ but its provider is "
                f"{request.provider!r}")
    return None


def interrupted_redirect(paths: list[Path]) -> tuple[Path, Path] | None:
    """(new copy, old copy) when two files of one request are a redirect stopped halfway:
    the new copy's last redirect went from the old copy's folder to its own, and the old
    copy's history is the start of the new one's (so removing the old copy loses nothing)."""
    if len(paths) != 2:
        return None
    from icsvc.domain.history.kinds import Redirect

    try:
        first, second = (load_request(p) for p in paths)
    except ValidationError:
        return None
    for (new_path, new), (old_path, old) in (((paths[0], first), (paths[1], second)),
                                             ((paths[1], second), (paths[0], first))):
        last = new.last(Redirect)
        if (isinstance(last, Redirect) and new.id == old.id
                and path_problem(new, new_path) is None and path_problem(old, old_path) is None
                and last.from_ == old_path.parent.name
                and last.to == new_path.parent.name
                and len(old.history) < len(new.history)
                and [e.key for e in old.history]
                == [e.key for e in new.history[:len(old.history)]]):
            return new_path, old_path
    return None
