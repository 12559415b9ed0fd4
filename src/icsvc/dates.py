"""Dates typed by people: ISO dates and date-times, `today`, `tomorrow`, weekday names,
`+3d` / `+2w` (calendar days or weeks ahead), `+4h` (hours ahead), and plain dates such as
`Dec 7` or `7 December 2026 3pm` (read by dateutil's parser, month first).

A date without a time means the end of that business day in the provider's calendar.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from icsvc.calendar import WEEKDAYS, BusinessCalendar

ACCEPTED = (
    "YYYY-MM-DD, an ISO date-time, today, tomorrow, a weekday name (mon..sun), +3d, +2w, +4h "
    "or a plain date such as 'Dec 7' or '7 December 2026 3pm'"
)
_RELATIVE = re.compile(r"^\+(\d{1,4})([dwh])$")


def parse_when(text: str, now: datetime, cal: BusinessCalendar) -> datetime:
    """Parse a user date; ValueError with what is accepted (`limits.DATE_RANGE` included)."""
    from icsvc.limits import DATE_RANGE, date_in_range

    try:
        value = _parse_when(text, now, cal)
    except OverflowError:
        value = None
    if value is None or not date_in_range(value):
        raise ValueError(f"{text!r} is out of range (accepted: {DATE_RANGE})")
    return value


def _parse_when(text: str, now: datetime, cal: BusinessCalendar) -> datetime:
    raw = text.strip().lower()
    local_now = now.astimezone(cal.tz)
    today = local_now.date()
    day: date | None = None
    if raw == "today":
        day = today
    elif raw == "tomorrow":
        day = today + timedelta(days=1)
    elif raw[:3] in WEEKDAYS and raw in {WEEKDAYS[i] for i in range(7)} | _FULL_NAMES:
        target = WEEKDAYS.index(raw[:3])
        ahead = (target - today.weekday()) % 7 or 7
        day = today + timedelta(days=ahead)
    elif match := _RELATIVE.match(raw):
        amount, unit = int(match.group(1)), match.group(2)
        if unit == "h":
            return (local_now + timedelta(hours=amount)).astimezone(cal.tz)
        day = today + timedelta(days=amount * (7 if unit == "w" else 1))
    else:
        try:
            if len(raw) == 10:
                day = date.fromisoformat(raw)
            else:
                value = datetime.fromisoformat(text.strip())
                if value.tzinfo is None:
                    value = value.replace(tzinfo=cal.tz)
                return value.astimezone(cal.tz)
        except ValueError:
            parsed = _human(text, local_now)
            if parsed is None:
                raise ValueError(f"{text!r} is not a date (accepted: {ACCEPTED})") from None
            if isinstance(parsed, datetime):
                return parsed.replace(tzinfo=cal.tz).astimezone(cal.tz)
            day = parsed
    return cal.end_of_day(day)


def _human(text: str, local_now: datetime) -> date | datetime | None:
    """`Dec 7`, `7 December 2026`, `2026/12/07 3pm`: dateutil's parser, read twice with two
    default times so a date typed without a time is recognised as a date."""
    from dateutil import parser

    base = local_now.replace(tzinfo=None, second=0, microsecond=0)
    try:
        first = parser.parse(text, default=base.replace(hour=1, minute=0))
        second = parser.parse(text, default=base.replace(hour=2, minute=0))
    except (ValueError, OverflowError):
        return None
    if first.tzinfo is not None:
        return None  # an explicit zone belongs in ISO form; avoid guessing abbreviations
    if first == second:
        return first
    return first.date()


_FULL_NAMES = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
}
