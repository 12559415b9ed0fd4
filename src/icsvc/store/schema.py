"""Small validation helpers: each failure is a ValidationError with the file, line and field.

Reading a store file goes through `load_yaml_file`, the one loader for the commands and
`check` alike, so `check` refuses exactly what the commands would.
"""

from __future__ import annotations

import math
import os
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from icsvc.errors import ValidationError
from icsvc.store import limits, yamlio

T = TypeVar("T")
EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f-\x9f]{1,200}@[^@\s\x00-\x1f\x7f-\x9f]{1,200}")
"""An email address (use `is_email`: the whole text must match)."""
EMAIL_ACCEPTED = "name@domain, without spaces or control characters"


def is_email(text: str) -> bool:
    """The one check of an email address, for files and options alike."""
    return EMAIL.fullmatch(text) is not None
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
NAME_ACCEPTED = "lowercase letters, digits, '-' and '_'"

Key = str | int


def dotted(keys: Sequence[Key]) -> str:
    out = ""
    for key in keys:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out


class FileChecker:
    """Raises located errors for one file; the line is only looked up when an error occurs."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text

    def fail(self, keys: Sequence[Key], problem: str) -> NoReturn:
        raise ValidationError(
            self.path, problem, line=yamlio.line_of(self.text, keys), field=dotted(keys)
        )

    def mapping(
        self,
        value: Any,
        keys: Sequence[Key],
        *,
        required: Iterable[str] = (),
        allowed: Iterable[str] | None = None,
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(keys, f"expected a mapping, got {_kind(value)}")
        req = list(required)
        if allowed is not None:
            allowed_set = set(allowed) | set(req)
            for key in value:
                if key not in allowed_set:
                    self.fail(
                        [*keys, str(key)],
                        f"unknown key (accepted: {', '.join(sorted(allowed_set))})",
                    )
        for key in req:
            if key not in value or value[key] is None:
                self.fail(keys, f"missing required key '{key}'")
        return value

    def string(self, value: Any, keys: Sequence[Key], *, pattern: re.Pattern[str] | None = None,
               accepted: str = "") -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(keys, f"expected text, got {_kind(value)}")
        text = str(value)
        if not text.strip():
            self.fail(keys, "must not be empty")
        if pattern is not None and not pattern.fullmatch(text):
            self.fail(keys, f"{text!r} is not valid (accepted: {accepted})")
        return text

    def email(self, value: Any, keys: Sequence[Key]) -> str:
        text = self.string(value, keys)
        if not is_email(text):
            self.fail(keys, f"{text!r} is not an email address (accepted: {EMAIL_ACCEPTED})")
        return text.lower()

    def string_list(self, value: Any, keys: Sequence[Key],
                    item: Callable[[Any, Sequence[Key]], str] | None = None) -> list[str]:
        if not isinstance(value, list):
            self.fail(keys, f"expected a list, got {_kind(value)}")
        check = item or self.string
        return [check(v, [*keys, i]) for i, v in enumerate(value)]

    def choice(self, value: Any, keys: Sequence[Key], choices: Sequence[str]) -> str:
        text = self.string(value, keys)
        if text not in choices:
            self.fail(keys, f"{text!r} is not valid (accepted: {', '.join(choices)})")
        return text

    def boolean(self, value: Any, keys: Sequence[Key]) -> bool:
        if not isinstance(value, bool):
            self.fail(keys, f"expected true or false, got {value!r}")
        return value

    def integer(self, value: Any, keys: Sequence[Key], lo: int | None = None,
                hi: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(keys, f"expected a whole number, got {value!r}")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            self.fail(keys, f"{value} is out of range (accepted: {lo} to {hi})")
        return value

    def number(self, value: Any, keys: Sequence[Key]) -> float:
        """An amount: a finite number from 0 to `limits.MAX_COST`."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(keys, f"expected a number, got {value!r}")
        if not (math.isfinite(value) and 0 <= value <= limits.MAX_COST):
            self.fail(keys, f"{value!r} is out of range (accepted: a number from 0 to "
                            f"{limits.MAX_COST:.0e})")
        return float(value)

    def timestamp(self, value: Any, keys: Sequence[Key]) -> datetime:
        if isinstance(value, datetime):
            dt = value
        elif isinstance(value, str):
            try:
                dt = datetime.fromisoformat(value)
            except ValueError:
                self.fail(keys, f"{value!r} is not a date-time "
                                "(accepted: ISO 8601 with offset, e.g. 2026-11-24T09:30:00-05:00)")
        else:
            self.fail(keys, f"expected an ISO 8601 date-time with offset, got {_kind(value)}")
        if dt.tzinfo is None:
            self.fail(keys, f"{value!s} has no UTC offset "
                            "(accepted: ISO 8601 with offset, e.g. 2026-11-24T09:30:00-05:00)")
        if not limits.date_in_range(dt):
            self.fail(keys, f"{dt.isoformat()} is out of range (accepted: {limits.DATE_RANGE})")
        return dt

    def date(self, value: Any, keys: Sequence[Key]) -> date:
        day: date | None = None
        if isinstance(value, date) and not isinstance(value, datetime):
            day = value
        elif isinstance(value, str):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                pass
        if day is None:
            self.fail(keys, f"{value!r} is not a date (accepted: YYYY-MM-DD)")
        if not limits.date_in_range(day):
            self.fail(keys, f"{day.isoformat()} is out of range (accepted: {limits.DATE_RANGE})")
        return day

    def convert(self, value: Any, keys: Sequence[Key], parse: Callable[[Any], T]) -> T:
        """Run a parser that raises ValueError, turning its message into a located error."""
        try:
            return parse(value)
        except ValueError as exc:
            self.fail(keys, str(exc))


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


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
    text = yamlio.dump_preserving(old_text, data)
    size = len(text.encode("utf-8"))
    if size > kind.max_bytes:
        raise ValidationError(path, f"too big to write: it would be {size:,} bytes, more "
                                    f"than {kind.what} may hold (up to "
                                    f"{kind.max_bytes // 1024:,} KiB); write a shorter text, "
                                    "or put the long part in a document of its own and link "
                                    "to it")
    return text


def read_store_file(path: Path, kind: FileKind = REQUEST_FILE) -> str:
    """The text of a store file, refusing what could hang or exhaust a command: anything
    but a regular file (a FIFO, a device: checked before opening, and the file is opened
    non-blocking in case it is swapped meanwhile) and files over the size limit."""
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
            # then on to the end, in case it grew, up to one byte over the limit
            data = os.read(fd, min(st.st_size, kind.max_bytes) + 1)
            chunk = data
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
    import yaml

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
    except yaml.YAMLError as exc:
        problem = str(getattr(exc, "problem", None) or exc).splitlines()[0]
        if not isinstance(exc, yamlio.StructureError | yaml.constructor.ConstructorError):
            problem = f"not valid YAML: {problem}"
        raise ValidationError(path, problem, line=yamlio.error_line(exc)) from None
