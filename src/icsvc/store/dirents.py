"""What icsvc may read in the store's folders (`requests/`, `surveys/`): one rule for every
listing and for `check`.

A file is read when it is a regular file, or a symlink to one inside the store, and its name
is UTF-8 text. Anything else (a FIFO, a device, a symlink leading out of the store, a name
whose bytes are not UTF-8) is skipped with a one-line reason, which listings warn about and
`check` reports; a folder that cannot be listed is an error for `check`, never an empty
folder.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from icsvc.store.files import file_type

REQUESTS_DIR = "requests"
SURVEYS_DIR = "surveys"
"""The quarterly survey's answers (`store/answer_files.py`)."""
NOT_UTF8 = "the name is not UTF-8 text; icsvc does not read it (rename it)"


def from_root(root: Path, path: Path | str) -> str:
    """`path` from the store's root (as it is when outside it)."""
    if type(path) is str:  # a listing's path, joined by icsvc (checked: 100,000 of them)
        prefix = str(root)
        if path.startswith(prefix) and path[len(prefix):len(prefix) + 1] == "/":
            rest = path[len(prefix) + 1:]
            parts = rest.split("/")
            if "" not in parts and "." not in parts:  # what Path would drop
                return rest
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return str(path)


def is_text(name: str) -> bool:
    """Whether a name (as Python reads it from the file system or git) is UTF-8 text: one
    that is not holds surrogates, which no file, index or output can take."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def outside(root: Path | str, path: str) -> str | None:
    """A problem when `path` is a symlink leading out of the store at `root`."""
    if not os.path.islink(path):
        return None
    target = os.path.realpath(path)
    top = os.path.realpath(root)
    if target == top or target.startswith(top + os.sep):
        return None
    return f"a symlink leading out of the store (to {target}); icsvc does not follow it"


def entry_problem(root: Path | str, path: str, what: str = "a request") -> str | None:
    """Why a folder entry cannot be read as `what` (None: a regular file, or a symlink to
    one inside the store)."""
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            problem = outside(root, path)
            if problem is not None:
                return problem
            st = os.stat(path)
    except OSError as exc:
        return f"cannot read: {exc.strerror}"
    if stat.S_ISREG(st.st_mode):
        return None
    return f"not a regular file ({file_type(st.st_mode)}); {what} must be a plain file"


def folder_problem(path: str) -> str | None:
    """Why a folder of the store (`requests/`, `surveys/`, one of their folders) cannot be
    listed; None when it can, or when it does not exist at all (a store without requests
    yet). A dangling symlink, a file or a FIFO in its place, or a folder without read
    permission is a problem: nothing in it can be served, and `check` must not say "ok"."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot read the folder: {exc.strerror}"
    if stat.S_ISLNK(st.st_mode):
        try:
            st = os.stat(path)
        except OSError as exc:
            return f"a symlink to nothing usable ({exc.strerror}); it must be a folder"
    if not stat.S_ISDIR(st.st_mode):
        kind = "a file" if stat.S_ISREG(st.st_mode) else file_type(st.st_mode)
        return f"not a folder ({kind}); it must be a folder"
    try:
        with os.scandir(path):
            pass
    except OSError as exc:
        return f"cannot read the folder: {exc.strerror}"
    return None


@dataclass
class Listing:
    """The request folders' entries, from one pass over file names (no file is opened)."""

    files: list[tuple[str, str, str]] = field(default_factory=list)
    """(provider folder, file name, full path) of each request file, in a stable order."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(full path, why) of entries that are not request files icsvc may read: FIFOs,
    devices, folders, symlinks leading out of the store."""
    temps: list[str] = field(default_factory=list)
    """Full paths of temp files (`.<name>.<random>.tmp`) a killed write left behind."""
