"""Recurring requests: the schedule arithmetic of `recurring:` in providers.yaml.

A recurrence asks a provider for the same thing on a schedule (Payroll's timesheets every
pay period). Each *occurrence* has a nominal date, the date the schedule names: the anchor
plus a whole number of periods for `weekly` and `pay_period`, the first of the month for
`monthly`. Its key (`2026-01-09`, or `2026-03` for a month) marks the request made for it,
so it is never made twice, whatever the calendar says later (a holiday added afterwards
moves the day needed, not the key).

In the provider's calendar:
- the day needed is the nominal date, or the working day before it when the provider does
  not work that day (a pay day on a holiday is paid the day before); for `monthly`, the
  first or last working day of the month;
- the need-by is the end of that day's working hours;
- the request is made at the start of the working day `ahead` working days before it.

`due()` says which occurrences a run at `now` makes: every one after the last made (a
missed run catches up), or, when none was ever made, those whose need-by is still ahead.
Making them is the workflow's (`workflow/recurrences.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icsvc.domain.calendar import WEEKDAYS, BusinessCalendar

MONTHLY = ("first-working-day", "last-working-day")
KINDS = ("weekly", "monthly", "pay_period")
PAY_DAY = 4
"""A pay period ends every second Friday."""
MAX_EVERY = 52
MAX_AHEAD = 60
"""At most this many working days ahead (about three months)."""
_SEARCH_DAYS = 3660


@dataclass(frozen=True)
class Schedule:
    """When a recurrence falls due: `weekly` (every `every` weeks on `weekday`, counted from
    `anchor` when given), `pay_period` (weekly every 2 weeks on Friday from `anchor`) or
    `monthly` (`which` of MONTHLY)."""

    kind: str
    every: int = 1
    weekday: int = PAY_DAY
    anchor: date | None = None
    which: str = ""

    def describe(self) -> str:
        if self.kind == "monthly":
            return f"the {self.which.replace('-', ' ')} of each month"
        day = WEEKDAYS[self.weekday]
        since = f" from {self.anchor.isoformat()}" if self.anchor is not None else ""
        if self.kind == "pay_period":
            return f"each pay period (every second {day}{since})"
        every = "every week" if self.every == 1 else f"every {self.every} weeks"
        return f"{every} on {day}{since}"

    def nominal(self, start: date, end: date) -> Iterator[date]:
        """The nominal dates in `[start, end]`, in order."""
        if self.kind == "monthly":
            month = date(start.year, start.month, 1)
            if month < start:
                month = _next_month(month)
            while month <= end:
                yield month
                month = _next_month(month)
            return
        period = 7 * self.every
        if self.anchor is not None:
            if start <= self.anchor:
                first = self.anchor
            else:
                first = self.anchor + timedelta(days=-(-(start - self.anchor).days // period)
                                                * period)
        else:
            first = start + timedelta(days=(self.weekday - start.weekday()) % 7)
        day = first
        while day <= end:
            yield day
            day += timedelta(days=period)

    def key(self, nominal: date) -> str:
        """The occurrence's key: its nominal date (a month: `YYYY-MM`)."""
        return nominal.strftime("%Y-%m") if self.kind == "monthly" else nominal.isoformat()

    def day_needed(self, nominal: date, cal: BusinessCalendar) -> date | None:
        """The working day the occurrence is needed on, None when the calendar has none for
        it (a month without a working day; no working day since the previous occurrence)."""
        if self.kind == "monthly":
            days = [nominal + timedelta(days=i) for i in range(31)
                    if (nominal + timedelta(days=i)).month == nominal.month]
            if self.which == "last-working-day":
                days.reverse()
            return next((d for d in days if cal.is_working_day(d)), None)
        for back in range(7 * self.every):
            day = nominal - timedelta(days=back)
            if cal.is_working_day(day):
                return day
        return None


def parse_key(text: str) -> date | None:
    """The nominal date of an occurrence key (`2026-01-09`, or `2026-03` for its month's
    first day); None when it is neither."""
    try:
        if len(text) == 7:
            return date.fromisoformat(f"{text}-01")
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


@dataclass(frozen=True)
class Occurrence:
    """One time a recurrence falls due."""

    key: str
    nominal: date
    day: date
    """The working day it is needed on."""
    need_by: datetime
    """The end of that day's working hours."""
    create_at: datetime
    """The start of the working day `ahead` working days before."""


def working_day_before(day: date, count: int, cal: BusinessCalendar) -> date:
    """The working day `count` working days before `day` (`day` itself for 0)."""
    found = day
    for _ in range(count):
        found -= timedelta(days=1)
        for _ in range(_SEARCH_DAYS):
            if cal.is_working_day(found):
                break
            found -= timedelta(days=1)
        else:
            raise ValueError(f"calendar {cal.name!r} has no working day before {day}")
    return found


def occurrence(schedule: Schedule, nominal: date, ahead: int,
               cal: BusinessCalendar) -> Occurrence | None:
    """The occurrence of this nominal date (None: no working day for it)."""
    day = schedule.day_needed(nominal, cal)
    if day is None:
        return None
    need_by = cal.end_of_day(day)
    create_day = working_day_before(day, ahead, cal)
    create_at = cal.intervals_on(create_day)[0][0]
    return Occurrence(schedule.key(nominal), nominal, day, need_by, create_at)


def due(schedule: Schedule, ahead: int, cal: BusinessCalendar, now: datetime,
        last: date | None, start: date | None = None,
        until: date | None = None) -> list[Occurrence]:
    """The occurrences a run at `now` makes, in order: those made by now (`create_at`) whose
    nominal date is after `last` (the latest one made: a missed run catches up) or, when
    none was made, those still needed (`need_by` after now). `start`/`until` bound the
    nominal dates."""
    today = now.astimezone(cal.tz).date()
    horizon = today + timedelta(days=7 * (ahead + 1) + 62)
    if last is not None:
        lower = last + timedelta(days=1)
    else:
        lower = today - timedelta(days=7 * schedule.every + 31)
    if start is not None:
        lower = max(lower, start)
    upper = min(horizon, until) if until is not None else horizon
    out = []
    for nominal in schedule.nominal(lower, upper):
        found = occurrence(schedule, nominal, ahead, cal)
        if found is None or found.create_at > now:
            continue
        if last is None and found.need_by <= now:
            continue
        out.append(found)
    return out
