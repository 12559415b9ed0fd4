"""Checking parsed data (a request, the catalogue, a survey answer): each failure is a
ValidationError naming the file and the field; the store, which read the text, adds the
line (`store.files`)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from icsvc.domain import limits
from icsvc.errors import ValidationError

T = TypeVar("T")
EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f-\x9f]{1,200}@[^@\s\x00-\x1f\x7f-\x9f]{1,200}")
"""An email address (use `is_email`: the whole text must match)."""
EMAIL_ACCEPTED = "name@domain, without spaces or control characters"


def suggestions(value: str, choices: Iterable[str]) -> list[str]:
    """Close names, best first: names the value starts (`eng` -> engineering), then names
    that differ by a typo (difflib). For names people type and keys files hold alike."""
    low = value.strip().lower()
    pool = list(dict.fromkeys(choices))
    folded = {c.lower(): c for c in pool}
    starts = [c for c in pool if low and c.lower().startswith(low)]
    import difflib  # (only when a name is wrong)

    close = [folded[c] for c in difflib.get_close_matches(low, list(folded), n=3, cutoff=0.6)]
    return list(dict.fromkeys([*starts, *close]))[:3]


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """`; did you mean calendar?` for a close name, else nothing."""
    close = suggestions(value, choices)
    return f"; did you mean {' or '.join(close)}?" if close else ""


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
    """Raises errors naming one file and the field at fault."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, keys: Sequence[Key], problem: str) -> NoReturn:
        raise ValidationError(self.path, problem, field=dotted(keys), keys=tuple(keys))

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
        req = required if type(required) is tuple else list(required)
        if allowed is not None:
            # a frozenset holding the required keys is used as it is (a request file's
            # entries are read by the thousand)
            allowed_set = allowed if (type(allowed) is frozenset
                                      and allowed.issuperset(req)) else {*allowed, *req}
            for key in value:
                if isinstance(key, bool):  # YAML 1.1 reads a key on, off, yes or no so
                    self.fail([*keys, str(key).lower()],
                              f"a key read as {str(key).lower()}: YAML reads on, off, yes "
                              "and no as true or false; quote it (accepted: "
                              f"{', '.join(sorted(allowed_set))})")
                if key not in allowed_set:
                    self.fail(
                        [*keys, str(key)],
                        f"unknown key{did_you_mean(str(key), sorted(allowed_set))} "
                        f"(accepted: {', '.join(sorted(allowed_set))})",
                    )
        for key in req:
            if key not in value or value[key] is None:
                self.fail(keys, f"missing required key '{key}'")
        return value

    def string(self, value: Any, keys: Sequence[Key], *, pattern: re.Pattern[str] | None = None,
               accepted: str = "") -> str:
        if type(value) is str:
            text = value
        elif isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(keys, f"expected text, got {_kind(value)}")
        else:
            text = str(value)
        if not text.strip():
            self.fail(keys, "must not be empty")
        if pattern is not None and not pattern.fullmatch(text):
            self.fail(keys, f"{text!r} is not valid (accepted: {accepted})")
        return text

    def known(self, value: Any, keys: Sequence[Key], choices: Iterable[str],
              subject: str) -> str:
        """A name that must be one of `choices` (a provider, a service, a department)."""
        text = self.string(value, keys)
        pool = list(choices)
        if text not in pool:
            self.fail(keys, f"unknown {subject} {text!r}{did_you_mean(text, pool)} "
                            f"(accepted: {', '.join(pool) or 'none defined'})")
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
