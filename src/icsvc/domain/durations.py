"""Business durations: `30m`, `4h`, `2d`, `1w`, or combinations such as `1d4h`.

`m` and `h` are working minutes and hours; `1d` is one working day of the calendar (its daily
hours, e.g. 8h for 09:00-17:00); `1w` is one working week (as many working days as the
calendar has in a week). So a duration is a fixed amount of working time per calendar, and
adding it is plain business-time arithmetic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from icsvc.domain.calendar import BusinessCalendar

ACCEPTED = "a number and unit such as 30m, 4h, 2d, 1w (or 1d4h)"
_PART = re.compile(r"(\d{1,9})([mhdw])")
_UNITS = {"w": 0, "d": 1, "h": 2, "m": 3}


@dataclass(frozen=True)
class Duration:
    """A duration as the catalogue writes it (`2d 4h`), in weeks, days, hours, minutes."""

    text: str
    weeks: int = 0
    days: int = 0
    hours: int = 0
    minutes: int = 0

    def in_calendar(self, cal: BusinessCalendar) -> timedelta:
        day = cal.day_length
        return (
            day * (self.days + self.weeks * len(cal.days))
            + timedelta(hours=self.hours, minutes=self.minutes)
        )

    def __str__(self) -> str:
        return self.text


def parse_duration(value: object) -> Duration:
    """Parse a duration; ValueError naming what is accepted."""
    if isinstance(value, str):
        return _parse_text(value)
    return _parse(value)


@lru_cache(maxsize=1024)
def _parse_text(value: str) -> Duration:
    """Clocks parse the same few target strings for every request: remember them."""
    return _parse(value)


def _parse(value: object) -> Duration:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"expected a duration, got {value!r} (accepted: {ACCEPTED})")
    text = str(value).strip().lower().replace(" ", "")
    if isinstance(value, int) or not text:
        raise ValueError(f"{value!r} has no unit (accepted: {ACCEPTED})")
    pos = 0
    amounts = [0, 0, 0, 0]
    seen: set[str] = set()
    last_rank = -1
    for match in _PART.finditer(text):
        unit = match.group(2)
        if match.start() != pos or unit in seen or _UNITS[unit] < last_rank:
            break
        seen.add(unit)
        last_rank = _UNITS[unit]
        amounts[_UNITS[unit]] = int(match.group(1))
        pos = match.end()
    if pos != len(text) or not seen:
        raise ValueError(f"{value!r} is not a duration (accepted: {ACCEPTED})")
    from icsvc.domain.limits import MAX_DURATION, MAX_DURATION_TEXT

    weeks, days, hours, minutes = amounts
    if ((weeks * 7 + days) * 24 + hours) * 60 + minutes > MAX_DURATION // timedelta(minutes=1):
        raise ValueError(f"{value!r} is too long (accepted: {MAX_DURATION_TEXT})")
    return Duration(text, *amounts)


def format_timedelta(delta: timedelta, day: timedelta | None = None) -> str:
    """Render business time compactly: `1d 3h`, `45m`, `-2h 10m` (days only when `day` is given)."""
    total = int(delta.total_seconds() // 60)
    sign = "-" if total < 0 else ""
    total = abs(total)
    parts = []
    if day is not None and day.total_seconds() > 0:
        per_day = int(day.total_seconds() // 60)
        days, total = divmod(total, per_day)
        if days:
            parts.append(f"{days}d")
    hours, minutes = divmod(total, 60)
    if hours:
        parts.append(f"{hours}h")
    if minutes or not parts:
        parts.append(f"{minutes}m")
    return sign + " ".join(parts)
