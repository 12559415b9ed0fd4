"""Reading store files: what could hang or exhaust a command is refused before parsing
(anything but a regular file, files over the size limit, git conflict markers), and a
problem the domain finds in the data is located at its line in the text.

Reading a store file goes through `load_yaml_file`, the one loader for the commands and
`check` alike, so `check` refuses exactly what the commands would.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from icsvc.domain import limits
from icsvc.domain.catalogue import Catalogue, parse_catalogue
from icsvc.errors import ValidationError

if TYPE_CHECKING:
    from icsvc.domain.history.request import Request

T = TypeVar("T")


@dataclass(frozen=True)
class FileKind:
    """How a kind of store file is read: its size limit and whether aliases are allowed."""

    what: str
    max_bytes: int
    aliases: bool


REQUEST_FILE = FileKind("a request file", limits.REQUEST_FILE_BYTES, aliases=False)
ANSWER_FILE = FileKind("a survey answer file", limits.REQUEST_FILE_BYTES, aliases=False)
CATALOGUE_FILE = FileKind("providers.yaml", limits.PROVIDERS_FILE_BYTES, aliases=True)


def store_text(path: Path, data: dict[str, Any], old_text: str = "",
               kind: FileKind = REQUEST_FILE) -> str:
    """The text to write for a store file (a request, a survey answer), keeping the
    comments of `old_text` (`yamlio.dump_preserving`). Every writer of one gets its text
    here, so none writes a file that `read_store_file` would refuse: one over the size
    limit is refused (before anything is written) with what to do instead."""
    from icsvc.store import yamlio

    text = yamlio.dump_preserving(old_text, data)
    size = len(text.encode("utf-8"))
    if size > kind.max_bytes:
        raise ValidationError(path, f"too big to write: it would be {size:,} bytes, more "
                                    f"than {kind.what} may hold (up to "
                                    f"{kind.max_bytes // 1024:,} KiB); write a shorter text, "
                                    "or put the long part in a document of its own and link "
                                    "to it")
    return text


def read_store_file(path: Path | str, kind: FileKind = REQUEST_FILE) -> str:
    """The text of a store file, refusing what could hang or exhaust a command: anything
    but a regular file (a FIFO, a device: checked before opening, and the file is opened
    non-blocking in case it is swapped meanwhile) and files over the size limit. (`path`
    may be text: a clone's first listing reads 100,000 files.)"""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise ValidationError(path, f"not a regular file ({file_type(st.st_mode)}); "
                                        f"{kind.what} must be a plain file")
        if st.st_size > kind.max_bytes:
            raise ValidationError(path, _too_big(st.st_size, kind))
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_CLOEXEC", 0))
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise ValidationError(path, f"not a regular file; {kind.what} must be a plain "
                                            "file")
            # the size it has now (a buffer of the limit's size costs more than the read),
            # then, when it grew or the read fell short of that size, on to the end, up to
            # one byte over the limit
            data = os.read(fd, min(st.st_size, kind.max_bytes) + 1)
            chunk = data if len(data) != st.st_size else b""
            while chunk and len(data) <= kind.max_bytes:
                chunk = os.read(fd, min(1 << 16, kind.max_bytes + 1 - len(data)))
                data += chunk
        finally:
            os.close(fd)
    except OSError as exc:
        raise ValidationError(path, f"cannot read: {exc.strerror}") from None
    if len(data) > kind.max_bytes:
        raise ValidationError(path, _too_big(len(data), kind))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(path, "not UTF-8 text") from None


def _too_big(size: int, kind: FileKind) -> str:
    return (f"{size:,} bytes is too big for {kind.what} (accepted: up to "
            f"{kind.max_bytes // 1024:,} KiB)")


def file_type(mode: int) -> str:
    """What a non-regular file is, in words."""
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symlink")):
        if test(mode):
            return name
    return "not a regular file"


def load_yaml_file(path: Path, kind: FileKind = REQUEST_FILE) -> tuple[Any, str]:
    """Read and parse a store file (a request file unless `kind` says otherwise); every
    problem becomes a located ValidationError."""
    from icsvc.store import yamlio

    text = read_store_file(path, kind)
    if "\n<<<<<<< " in f"\n{text}" or "\n>>>>>>> " in text:
        line = next(i for i, ln in enumerate(text.splitlines(), 1)
                    if ln.startswith(("<<<<<<< ", ">>>>>>> ", "=======")))
        raise ValidationError(
            path,
            "git conflict markers: run 'icsvc sync' (or 'icsvc git-setup' then redo the merge) "
            "so the icsvc merge driver merges request files field by field",
            line=line,
        )
    try:
        return yamlio.load(text, aliases=kind.aliases), text
    except Exception as exc:
        import yaml  # (only PyYAML raises: the plain form is read without it)

        from icsvc.store import pyyamlio

        if not isinstance(exc, yaml.YAMLError):
            raise
        problem = str(getattr(exc, "problem", None) or exc).splitlines()[0]
        if not isinstance(exc, pyyamlio.StructureError | yaml.constructor.ConstructorError):
            problem = f"not valid YAML: {problem}"
        raise ValidationError(path, problem, line=pyyamlio.error_line(exc)) from None


def parsed(path: Path, text: str, data: Any, parse: Callable[[Path, Any], T]) -> T:
    """`parse(path, data)`, its errors located at their line of `text`."""
    try:
        return parse(path, data)
    except ValidationError as exc:
        if exc.line is None and exc.keys:
            from icsvc.store import yamlio

            raise exc.located(yamlio.line_of(text, exc.keys)) from None
        raise


def from_text(path: Path, text: str, parse: Callable[[Path, Any], T],
              aliases: bool = False) -> T:
    """A record parsed from a file's text (a git revision's, say)."""
    from icsvc.store import yamlio

    return parsed(path, text, yamlio.load(text, aliases=aliases), parse)


def load(path: Path, parse: Callable[[Path, Any], T], kind: FileKind | None = None) -> T:
    data, text = load_yaml_file(path, kind or REQUEST_FILE)
    return parsed(path, text, data, parse)


def load_request(path: Path) -> Request:
    from icsvc.domain.history.request import parse_request

    return load(path, parse_request)


def request_from_text(path: Path, text: str) -> Request:
    from icsvc.domain.history.request import parse_request

    return from_text(path, text, parse_request)


def load_catalogue(path: Path) -> Catalogue:
    return load(path, parse_catalogue, CATALOGUE_FILE)


def catalogue_from_text(path: Path, text: str) -> Catalogue:
    return from_text(path, text, parse_catalogue, aliases=True)

