"""Small validation helpers: each failure is a ValidationError with the file, line and field."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from icsvc import yamlio
from icsvc.errors import ValidationError

T = TypeVar("T")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
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
        if pattern is not None and not pattern.match(text):
            self.fail(keys, f"{text!r} is not valid (accepted: {accepted})")
        return text

    def email(self, value: Any, keys: Sequence[Key]) -> str:
        text = self.string(value, keys)
        if not EMAIL.match(text):
            self.fail(keys, f"{text!r} is not an email address (accepted: name@domain)")
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
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(keys, f"expected a number, got {value!r}")
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
        return dt

    def date(self, value: Any, keys: Sequence[Key]) -> date:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(keys, f"{value!r} is not a date (accepted: YYYY-MM-DD)")

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


def load_yaml_file(path: Path) -> tuple[Any, str]:
    """Read and parse a YAML file; parse errors become located ValidationErrors."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(path, f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ValidationError(path, "not UTF-8 text") from None
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
        return yamlio.load(text), text
    except yaml.YAMLError as exc:
        problem = str(getattr(exc, "problem", None) or exc).splitlines()[0]
        raise ValidationError(path, f"not valid YAML: {problem}",
                              line=yamlio.error_line(exc)) from None
