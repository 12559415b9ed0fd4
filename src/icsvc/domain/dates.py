"""Dates typed by people: the one parser behind every date option of every command.

The rules (README, "Dates you can type"):
- a typed date means that calendar day, never another one. Without a time it means the end
  of that business day in the provider's calendar (its closing time); on one of the
  provider's days off it stays on that day, at the calendar's usual closing time, and
  `day_off_note` says when work will count from;
- a date without a year is the next such date (the most recent one where the command looks
  back, as a report does); a numeric date that reads two ways (07/12/2026) is refused with
  both readings;
- a time zone (`3pm EST`, `3pm Europe/London`, `15:00 +01:00`) is honoured, or refused in
  one line; without one, times are in the provider's timezone.

The grammar is ours rather than a general-purpose parser's, so every accepted form is listed
in `FORMS` and nothing is guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icsvc.domain import limits
from icsvc.domain.calendar import WEEKDAYS, BusinessCalendar

FORMS = (
    "2026-12-07, 2026-12-07T15:00, Dec 7, 7 December 2026 3pm, 25/12, today, tomorrow noon, "
    "fri, next friday, friday 3pm, in 3 days, +2w, +4h, eod, end of week, end of month, "
    "noon, 3pm EST, 15:00 Europe/London"
)
"""Every date option's help and error messages list these forms."""

DAY_FORMS = (
    "2026-11-01, Nov 1, 1 November 2026, today, yesterday, monday, last monday, "
    "3 weeks ago, -2w, end of month"
)
"""The forms of a whole day (report periods)."""

FIRST_YEAR, LAST_YEAR = limits.EARLIEST.year, limits.LATEST.year  # the one range
"""Dates outside these years are refused (the store's limits)."""


class DateError(ValueError):
    """A date a person typed that cannot be read; the message says what is accepted."""


# -- zones -----------------------------------------------------------------------------------

_ABBREVIATIONS: dict[str, float] = {
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2,
    "EET": 2, "EEST": 3, "MSK": 3, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7,
    "MDT": -6, "PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10, "JST": 9,
    "KST": 9, "HKT": 8, "SGT": 8, "AEST": 10, "AEDT": 11, "ACST": 9.5, "AWST": 8,
    "NZST": 12, "NZDT": 13,
}
"""Time-zone abbreviations with one meaning. Those with several (IST: India, Ireland or
Israel) are refused, asking for an IANA name or an offset."""

_AMBIGUOUS_ZONES = {"IST": "Asia/Kolkata, Europe/Dublin or Asia/Jerusalem",
                    "AST": "America/Halifax or Asia/Riyadh", "BRT": "America/Sao_Paulo"}
_OFFSET = r"(?i)^(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?$"


def _zone(token: str) -> tzinfo | None:
    """The zone a trailing word names, None when it names none; DateError when it looks like
    a zone but is not a known one."""
    upper = token.upper()
    if upper in _ABBREVIATIONS:
        hours = _ABBREVIATIONS[upper]
        return timezone(timedelta(hours=hours), upper)
    if upper in _AMBIGUOUS_ZONES:
        raise DateError(f"the time zone {token!r} is ambiguous (write {_AMBIGUOUS_ZONES[upper]}"
                        ", or an offset such as +05:30)")
    match = re.match(_OFFSET, token)
    if match and (token[0] in "+-" or token[:3].upper() in ("UTC", "GMT")):
        sign, hh, mm = match.groups()
        delta = timedelta(hours=int(hh), minutes=int(mm or 0))
        if delta > timedelta(hours=14):
            raise DateError(f"{token!r} is not a UTC offset (accepted: -12:00 to +14:00)")
        return timezone(-delta if sign == "-" else delta)
    if "/" in token:
        return _iana(token)
    return None


def _iana(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    import zoneinfo

    folded = {z.lower(): z for z in zoneinfo.available_timezones()}
    if name.lower() in folded:
        return ZoneInfo(folded[name.lower()])
    raise DateError(f"unknown time zone {name!r} (accepted: an IANA name such as "
                    "Europe/London, an abbreviation such as EST, or an offset such as -05:00)")


# -- the grammar -----------------------------------------------------------------------------
# The patterns are kept as text and compiled by `re` when a date is first read (and cached
# there): most commands only write dates, and compiling them all cost every start 4 ms.

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|"
          r"aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_WEEKDAY = (r"(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|"
            r"fri(?:day)?|sat(?:urday)?|sun(?:day)?)")
_TIME = (r"(?P<time>noon|midday|(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>[ap])\.?m\.?|"
         r"(?P<h24>\d{1,2}):(?P<m24>\d{2}))")
_DAYNUM = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>\d{4}))?"
_AT = r"(?:(?:,?\s+at|,)?\s+" + _TIME + ")?"
_WD_PREFIX = r"(?:(?P<wd>" + _WEEKDAY + r"),?\s+)?"

_MONTH_DAY = rf"^{_WD_PREFIX}{_MONTH}\.?\s+{_DAYNUM}{_YEAR}{_AT}$"
_DAY_MONTH = rf"^{_WD_PREFIX}{_DAYNUM}\s+(?:of\s+)?{_MONTH}\.?{_YEAR}{_AT}$"
_NUMERIC = r"^(?P<a>\d{1,4})[/.-](?P<b>\d{1,2})(?:[/.-](?P<c>\d{1,4}))?" + _AT + "$"
_PHRASE = (
    r"^(?:(?P<word>today|tonight|tomorrow|tmrw|yesterday)|"
    r"(?:(?P<which>next|this|last|coming)\s+)?(?P<weekday>" + _WEEKDAY + r"))" + _AT + "$"
)
_TIME_FIRST = r"^" + _TIME + r"\s+(?:on\s+)?(?P<rest>.+)$"
_BARE_TIME = r"^(?:at\s+)?" + _TIME + "$"
_ENDS = {
    "eod": "day", "end of day": "day", "end of the day": "day", "cob": "day",
    "close of business": "day", "end of business": "day",
    "eow": "week", "end of week": "week", "end of the week": "week",
    "eom": "month", "end of month": "month", "end of the month": "month",
}
_RELATIVE = (
    r"^(?:(?P<sign>[+-])\s*(?P<n>\d{1,4})\s*(?P<unit>m|min|h|d|w)|"
    r"in\s+(?P<n2>\d{1,4}|an?|one)\s+(?P<unit2>minutes?|mins?|hours?|hrs?|days?|weeks?|"
    r"months?)|"
    r"(?P<n3>\d{1,4}|an?|one)\s+(?P<unit3>days?|weeks?|months?)\s+ago)$"
)


@dataclass(frozen=True)
class _Reading:
    """What the text said: a day and/or a time of day, in a zone (None: the caller's), or an
    exact instant, or the end of a day/week/month."""

    day: date | None = None
    clock: time | None = None
    zone: tzinfo | None = None
    instant: datetime | None = None
    end: str | None = None


def _clock(match: re.Match[str]) -> time | None:
    if not match.group("time"):
        return None
    word = match.group("time")
    if word in ("noon", "midday"):
        return time(12)
    if match.group("h24") is not None:
        hour, minute = int(match.group("h24")), int(match.group("m24"))
        if hour > 23 or minute > 59:
            raise DateError(f"{word!r} is not a time (accepted: 00:00 to 23:59)")
        return time(hour, minute)
    hour, minute = int(match.group("h")), int(match.group("m") or 0)
    if not 1 <= hour <= 12 or minute > 59:
        raise DateError(f"{word!r} is not a time (accepted: 1am to 12pm, e.g. 3pm, 3:30pm)")
    hour = hour % 12 + (12 if match.group("ampm") == "p" else 0)
    return time(hour, minute)


def _month(name: str) -> int:
    return _MONTHS.index(name[:3]) + 1


def _weekday(name: str) -> int:
    return WEEKDAYS.index(name[:3])


def _make_date(year: int, month: int, day: int, text: str, *, yearless: bool = False) -> date:
    if not 1 <= month <= 12:
        raise DateError(f"{text!r} is not a date: there is no month {month}")
    try:
        return date(year, month, day)
    except ValueError:
        month_name = date(2000, month, 1).strftime("%B") + ("" if yearless else f" {year}")
        raise DateError(f"{text!r} is not a date: {month_name} has no day {day}") from None


def _yearless(month: int, day: int, today: date, past: bool, text: str) -> date:
    """A date typed without its year: the next such date (the most recent when looking back).
    29 February goes to the next (or last) leap year."""
    step = -1 if past else 1
    year = today.year
    for _ in range(9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            year += step
            continue
        if (candidate >= today) if not past else (candidate <= today):
            return candidate
        year += step
    raise DateError(f"{text!r} is not a date")


def _check_weekday(match: re.Match[str], value: date, text: str) -> None:
    typed = match.group("wd")
    if typed and _weekday(typed) != value.weekday():
        raise DateError(f"{text!r}: {value.day} {value:%B %Y} is a {value:%A}, not a "
                        f"{WEEKDAYS_FULL[_weekday(typed)]} (check the date)")


WEEKDAYS_FULL = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _numeric(match: re.Match[str], today: date, past: bool, text: str) -> date:
    a, b, c = match.group("a"), match.group("b"), match.group("c")
    if len(a) == 4:  # 2026/12/07: year, month, day
        if c is None or len(c) > 2:
            raise DateError(f"{text!r} is not a date (accepted: YYYY-MM-DD, or {FORMS})")
        return _make_date(int(a), int(b), int(c), text)
    if len(a) > 2 or (c is not None and len(c) not in (2, 4)):
        raise DateError(f"{text!r} is not a date (accepted: {FORMS})")
    first, second = int(a), int(b)
    if first > 12 and second <= 12:
        day, month = first, second
    elif second > 12 and first <= 12:
        month, day = first, second
    elif first == second and first <= 12:
        day = month = first
    elif first <= 12 and second <= 12:
        typed_year = f" {c}" if c else ""
        raise DateError(
            f"{text!r} reads two ways: {first} {_MONTHS[second - 1].title()}{typed_year} "
            f"(day first) or {_MONTHS[first - 1].title()} {second}{typed_year} (month first); "
            "write "
            "it with a month name (7 Dec) or as YYYY-MM-DD"
        )
    else:
        raise DateError(f"{text!r} is not a date (accepted: {FORMS})")
    if c is None:
        _make_date(2000, month, day, text, yearless=True)
        return _yearless(month, day, today, past, text)
    year = int(c) + (2000 if len(c) == 2 else 0)
    return _make_date(year, month, day, text)


def _named(match: re.Match[str], today: date, past: bool, text: str) -> date:
    month, day = _month(match.group("month")), int(match.group("day"))
    if match.group("year"):
        value = _make_date(int(match.group("year")), month, day, text)
    else:
        _make_date(2000, month, day, text, yearless=True)  # 2000 has a 29 February
        value = _yearless(month, day, today, past, text)
    _check_weekday(match, value, text)
    return value


def _phrase(match: re.Match[str], today: date, past: bool) -> date:
    word = match.group("word")
    if word in ("today", "tonight"):
        return today
    if word in ("tomorrow", "tmrw"):
        return today + timedelta(days=1)
    if word == "yesterday":
        return today - timedelta(days=1)
    target = _weekday(match.group("weekday"))
    which = match.group("which")
    if which == "last" or (which is None and past):
        back = (today.weekday() - target) % 7  # looking back, a bare weekday may be today
        if which == "last":
            back = back or 7
        return today - timedelta(days=back)
    ahead = (target - today.weekday()) % 7
    if which != "this":
        ahead = ahead or 7  # a weekday name is the next one, never today
    return today + timedelta(days=ahead)


def _relative(match: re.Match[str], now: datetime, today: date, past: bool) -> _Reading:
    if match.group("sign"):
        n, unit = int(match.group("n")), match.group("unit")
        sign = -1 if match.group("sign") == "-" else 1
    elif match.group("n2"):
        n, unit, sign = _count(match.group("n2")), match.group("unit2"), 1
    else:
        n, unit, sign = _count(match.group("n3")), match.group("unit3"), -1
    if sign < 0 and not past:
        raise DateError("a date in the past is not accepted here (accepted: a future date)")
    unit = unit[:2] if unit.startswith("mo") else unit[:1]
    if unit in ("m", "mi"):
        return _Reading(instant=now + sign * timedelta(minutes=n))
    if unit == "h":
        return _Reading(instant=now + sign * timedelta(hours=n))
    if unit == "mo":
        month0 = today.month - 1 + sign * n
        year, month = today.year + month0 // 12, month0 % 12 + 1
        last = _month_end(year, month).day
        return _Reading(day=date(year, month, min(today.day, last)))
    days = n * (7 if unit == "w" else 1)
    return _Reading(day=today + sign * timedelta(days=days))


def _count(word: str) -> int:
    return 1 if word in ("a", "an", "one") else int(word)


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def _read(text: str, now: datetime, default_zone: tzinfo, past: bool) -> _Reading:
    """Read `text` into a `_Reading`; DateError when it is none of the accepted forms."""
    raw = " ".join(text.strip().split())
    if not raw:
        raise DateError(f"empty (accepted: {FORMS})")
    zone: tzinfo | None = None
    words = raw.rsplit(" ", 1)
    if len(words) == 2:
        try:
            zone = _zone(words[1])
        except DateError:
            if _looks_like_time(words[0]):
                raise
        if zone is not None:
            raw = words[0]
    iso = _iso(raw)
    if iso is not None:
        if zone is not None and (iso.instant is not None or iso.clock is None):
            raise DateError(f"{text!r}: give one time zone, with a time (e.g. "
                            "2026-12-07T15:00 Europe/London)")
        return _Reading(day=iso.day, clock=iso.clock, zone=zone) if zone else iso
    low = raw.lower().rstrip(".")
    local_now = now.astimezone(zone or default_zone)
    today = local_now.date()
    if low in _ENDS:
        if zone is not None:
            raise DateError(f"{text!r}: a time zone goes with a time (e.g. 'tomorrow 3pm EST')")
        return _Reading(end=_ENDS[low])
    if match := re.match(_RELATIVE, low):
        if zone is not None:
            raise DateError(f"{text!r}: a time zone goes with a time (e.g. 'tomorrow 3pm EST')")
        return _relative(match, now, today, past)
    if first := re.match(_TIME_FIRST, low):
        low = f"{first.group('rest')} {first.group('time')}"  # "3pm friday" = "friday 3pm"
    day: date | None = None
    if match := re.match(_BARE_TIME, low):
        clock = _clock(match)
        assert clock is not None
        day = today
        if datetime.combine(today, clock) <= local_now.replace(tzinfo=None) and not past:
            day = today + timedelta(days=1)  # a time alone is the next such time
        return _Reading(day=day, clock=clock, zone=zone)
    for pattern, reader in ((_PHRASE, "phrase"), (_MONTH_DAY, "named"), (_DAY_MONTH, "named"),
                            (_NUMERIC, "numeric")):
        match = re.match(pattern, low)
        if match is None:
            continue
        if reader == "phrase":
            day = _phrase(match, today, past)
        elif reader == "named":
            day = _named(match, today, past, raw)
        else:
            day = _numeric(match, today, past, raw)
        clock = _clock(match)
        if zone is not None and clock is None:
            raise DateError(f"{text!r}: a time zone goes with a time (e.g. 'tomorrow 3pm EST')")
        return _Reading(day=day, clock=clock, zone=zone)
    if len(words) == 2 and zone is None and _looks_like_time(words[0]) and words[1].isalpha():
        _iana(words[1])  # "3pm XYZ": say that the zone is unknown
    raise DateError(f"{text.strip()!r} is not a date (accepted: {FORMS})")


def _looks_like_time(text: str) -> bool:
    return bool(re.search(r"\d\s*[ap]\.?m\.?$|\d:\d\d$|noon$|midday$", text.lower()))


def _iso(raw: str) -> _Reading | None:
    """ISO 8601: a date (2026-12-07), or a date-time with or without an offset."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        try:
            return _Reading(day=date.fromisoformat(raw))
        except ValueError:
            raise DateError(f"{raw!r} is not a date (accepted: YYYY-MM-DD with a real month "
                            "and day, or " + FORMS + ")") from None
    if not re.match(r"\d{4}-\d{2}-\d{2}[T ]\d", raw):
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        if raw[10] == " ":
            return None  # "2026-12-07 3pm": read as a date and a time below
        raise DateError(f"{raw!r} is not a date-time (accepted: ISO 8601 such as "
                        "2026-12-07T15:00 or 2026-12-07T15:00-05:00)") from None
    if value.tzinfo is None:
        return _Reading(day=value.date(), clock=value.time().replace(microsecond=0))
    return _Reading(instant=value)


# -- what a reading means --------------------------------------------------------------------


def closing_time(d: date, cal: BusinessCalendar) -> datetime:
    """The end of local date `d` as a business day: the end of its last working interval,
    else (a day off) the calendar's usual closing time that day. Always on `d` itself: a
    calendar open until midnight closes at 23:59."""
    intervals = cal.intervals_on(d)
    latest = datetime.combine(d, time(23, 59), tzinfo=cal.tz)
    if intervals:
        return min(intervals[-1][1], latest)
    closing = cal.hours[-1][1] if cal.hours else time(23, 59)
    if closing >= time(23, 59):
        return latest
    return datetime.combine(d, closing, tzinfo=cal.tz).astimezone(cal.tz)


def _end_of(kind: str, today: date, cal: BusinessCalendar) -> datetime:
    """`eod`, `end of week`, `end of month`: the end of the last working day of that period
    from today on (today's period, or the next one when no working day is left in it)."""
    if kind == "day":
        return closing_time(today, cal)
    for _ in range(3):
        last = (today + timedelta(days=6 - today.weekday()) if kind == "week"
                else _month_end(today.year, today.month))
        day = last
        while day >= today:
            if cal.is_working_day(day):
                return closing_time(day, cal)
            day -= timedelta(days=1)
        today = last + timedelta(days=1)
    return closing_time(today, cal)


def _in_range(value: date | datetime, text: str) -> None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise DateError(f"{text.strip()!r} is out of range (accepted: years {FIRST_YEAR} to "
                        f"{LAST_YEAR})")


def parse_when(text: str, now: datetime, cal: BusinessCalendar) -> datetime:
    """A moment typed for a provider (a need-by date, a promise), in its calendar's timezone.

    A date without a time is the end of that business day (`closing_time`); `eod`, `end of
    week` and `end of month` are the end of the last working day of that period. DateError
    (a ValueError) says what is accepted."""
    reading = _read(text, now, cal.tz, past=False)
    if reading.instant is not None:
        value = reading.instant
        _in_range(value, text)
    elif reading.end is not None:
        value = _end_of(reading.end, now.astimezone(cal.tz).date(), cal)
    else:
        assert reading.day is not None
        _in_range(reading.day, text)
        if reading.clock is None:
            value = closing_time(reading.day, cal)
        else:
            value = datetime.combine(reading.day, reading.clock, tzinfo=reading.zone or cal.tz)
    _in_range(value.astimezone(cal.tz), text)
    return value.astimezone(cal.tz)


def parse_day(text: str, now: datetime, zone: tzinfo) -> date:
    """A whole calendar day typed for a report period. It looks back: a date without a year
    and a weekday name are the most recent such day (today included). A time is refused, as
    the period is made of whole days."""
    reading = _read(text, now, zone, past=True)
    if reading.clock is not None or reading.instant is not None:
        raise DateError(f"{text.strip()!r}: a report period is made of whole days; give a "
                        f"day without a time (accepted: {DAY_FORMS})")
    today = now.astimezone(zone).date()
    if reading.end is not None:
        if reading.end == "day":
            return today
        if reading.end == "week":
            return today + timedelta(days=6 - today.weekday())
        return _month_end(today.year, today.month)
    assert reading.day is not None
    _in_range(reading.day, text)
    return reading.day


def day_off_note(value: datetime, cal: BusinessCalendar, owner: str) -> str | None:
    """`Friday 27 Nov is a holiday in Engineering's calendar: work will count from Mon 30 Nov`
    when `value` falls on a day off of the calendar; None on a working day."""
    local = value.astimezone(cal.tz)
    d = local.date()
    if cal.is_working_day(d):
        return None
    name = cal.holiday_name(d)
    if name is not None:
        what = f"a holiday ({name})" if name != "holiday" else "a holiday"
    else:
        what = "not a working day"
    try:
        resumes = cal.next_working(local)
        after = f": work will count from {resumes:%a} {resumes.day} {resumes:%b}"
    except ValueError:
        after = ""
    return f"{d:%A} {d.day} {d:%b} is {what} in {owner}'s calendar{after}"


def when(value: datetime | str | None) -> str:
    """An instant as people read it: `Tue 2026-11-24 15:00 -0500` (`-` for none)."""
    if not value:
        return "-"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.strftime("%a %Y-%m-%d %H:%M %z")
