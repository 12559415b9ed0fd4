"""Business calendars: working hours, holidays and DST-correct business-time arithmetic.

A :class:`BusinessCalendar` describes when a department works: a set of working weekdays,
one or more daily local wall-clock intervals and a set of holiday dates, all in one IANA
timezone.  Optionally it names a country (and a subdivision of it) whose public holidays, as
the ``holidays`` library knows them, are days off too.  It answers questions such as "when
is a request that arrives now and has an SLA of two business hours due?"
(:meth:`BusinessCalendar.add`) and "how much business time elapsed between these two
instants?" (:meth:`BusinessCalendar.between`).

Semantics
---------
* Every instant passed in must be timezone-aware; any offset is accepted.  All arithmetic is
  done on UTC instants, so it is exact (``timedelta``, microsecond precision) and unaffected by
  wall-clock jumps.  Returned instants are aware datetimes in the calendar's timezone.
* On a working date ``d`` (weekday in ``days``, not in ``holidays`` and not a public holiday of
  ``country``/``subdivision``) each configured interval
  ``[start, end)`` becomes the span of instants ``[I(d, start), I(d, end))`` where ``I(d, t)``
  is *the first instant at which the local wall clock reads at least ``d t``*.  That is:

  - normally, the instant whose local wall-clock time is ``d t``;
  - if ``d t`` falls in a spring-forward gap, the instant the clock jumps at (e.g. 02:30 on
    2026-03-08 in America/New_York resolves to 03:00 EDT);
  - if ``d t`` is ambiguous (fall-back), its first occurrence (``fold=0``);
  - an end of ``time.max`` means 24:00, i.e. ``I(d + 1 day, 00:00)``.

  Equivalently: an instant is working when the *monotone* local clock (the wall clock that
  does not run backwards; during a repeated fall-back hour it stays at the latest reading seen
  before the jump) lies inside an interval of a working date.  Intervals that collapse to
  nothing (entirely inside a spring-forward gap) are dropped.

Performance
-----------
Each calendar memoises the resolved intervals of every local date it has looked at and a
table of cumulative working time at the start of each date, extended lazily in chunks in
either direction.  ``between`` is then a difference of two table look-ups and ``add`` /
``next_working`` a bisection of the table, whatever the span: O(log n) once the table covers
the dates involved.  The memo is not part of equality, hashing, repr or pickles.

Public holidays are computed lazily, one year at a time, when a calendar with a country first
needs a date of that year (the per-date interval memo asks :meth:`is_working_day`, so the
table sees them), and kept in a module-level cache shared by equal calendars and reused by
every calendar of the same country and subdivision.  The ``holidays`` library is imported
only then: calendars without a country never load it.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "WEEKDAYS",
    "BusinessCalendar",
    "zone",
    "parse_days",
    "parse_hours",
    "public_holidays",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

#: How far (in days) to look for working time before concluding that there is none.
SEARCH_LIMIT_DAYS = 3660

_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)
_MIDNIGHT = time(0, 0)
_US = timedelta(microseconds=1)
_MEMO = "_memo_state"  # instance attribute holding the calendar's _Memo (not a dataclass field)
_CHUNK_DAYS = 32  # the cumulative table grows by at least this many dates at a time (a
# listing of recent requests needs a few weeks: a larger chunk is paid by every command)
# Chunks stop short of the ends of the date range (only explicitly needed dates go further).
_MIN_SAFE = date.min.toordinal() + 3
_MAX_SAFE = date.max.toordinal() - 3


@cache
def _zone(name: str) -> ZoneInfo:
    from icsvc.domain.tzrules import use_newest

    use_newest()
    return ZoneInfo(name)


def zone(name: str) -> ZoneInfo:
    """The zone `name` under the newest rules available (see tzrules); ZoneInfoNotFoundError
    or ValueError for an unknown name."""
    return _zone(name)


#: Public holidays by (country, subdivision, year): date -> the library's name for it.
_PUBLIC: dict[tuple[str, str | None, int], dict[date, str]] = {}


def public_holidays(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    """The public holidays of ``country`` (and ``subdivision``) in ``year``, with their names.

    Imports the ``holidays`` library on first use and memoises each year.  Raises ValueError
    if the library does not know the country or subdivision (the catalogue checks both with
    located errors before building a calendar, so this only guards direct use).
    """
    key = (country, subdivision, year)
    found = _PUBLIC.get(key)
    if found is None:
        import holidays

        try:
            table = holidays.country_holidays(country, subdiv=subdivision, years=year)
        except NotImplementedError as exc:
            raise ValueError(f"holidays library: {exc}") from exc
        found = _PUBLIC[key] = {d: str(n) for d, n in table.items() if d.year == year}
    return found


def _time_offset(t: time) -> timedelta:
    """Offset of a wall-clock time from midnight; ``time.max`` means 24:00."""
    if t == time.max:
        return _ONE_DAY
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


def _fmt_time(t: time) -> str:
    if t == time.max:
        return "24:00"
    if t.second or t.microsecond:
        return t.isoformat()
    return t.strftime("%H:%M")


def _to_utc(at: datetime, what: str = "datetime") -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {at.isoformat()}")
    return at.astimezone(UTC)


@dataclass(frozen=True)
class BusinessCalendar:
    """Working time of a department.  See the module docstring for the exact semantics."""

    name: str
    timezone: str  # IANA name, e.g. "America/New_York"
    days: frozenset[int]  # working weekdays, 0 = Monday .. 6 = Sunday
    hours: tuple[tuple[time, time], ...]  # sorted, non-overlapping [start, end); time.max = 24:00
    holidays: frozenset[date]  # local dates that are not worked (besides public holidays)
    country: str | None = None  # public holidays of this country (a `holidays` library code)
    subdivision: str | None = None  # and of this state/region of it (a library code)

    def __post_init__(self) -> None:
        # Normalise container types (callers may pass sets/lists) and validate eagerly.
        object.__setattr__(self, "days", frozenset(self.days))
        object.__setattr__(self, "hours", tuple((s, e) for s, e in self.hours))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        try:
            _zone(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(
                f"calendar {self.name!r}: unknown timezone {self.timezone!r} "
                "(expected an IANA name such as 'Europe/Berlin' or 'America/New_York')"
            ) from exc
        for day in self.days:
            if not isinstance(day, int) or not 0 <= day <= 6:
                raise ValueError(
                    f"calendar {self.name!r}: invalid weekday {day!r} (expected 0 = Monday .. 6)"
                )
        _validate_hours(self.hours, f"calendar {self.name!r}: ")
        if self.subdivision is not None and self.country is None:
            raise ValueError(
                f"calendar {self.name!r}: subdivision {self.subdivision!r} needs a country"
            )

    # ------------------------------------------------------------------ basic properties

    @property
    def tz(self) -> ZoneInfo:
        """The calendar's timezone (cached per name)."""
        return _zone(self.timezone)

    @property
    def day_length(self) -> timedelta:
        """Nominal length of a working day: the sum of the daily intervals.

        Days containing a DST change may be shorter or longer in real elapsed time.
        """
        memo = self._memo()
        if memo.day_length is None:
            memo.day_length = sum((_time_offset(e) - _time_offset(s) for s, e in self.hours), _ZERO)
        return memo.day_length

    def describe(self, public_holidays: bool = True) -> str:
        """Its working time as people read it: `mon, tue, wed, thu, fri 09:00-17:00
        America/New_York, off on public holidays of US (NY)`."""
        days = ", ".join(WEEKDAYS[d] for d in sorted(self.days))
        spans = ", ".join(f"{_fmt_time(a)}-{_fmt_time(b)}" for a, b in self.hours)
        public = ""
        if self.country is not None and public_holidays:
            public = f", off on public holidays of {self.country}" + (
                f" ({self.subdivision})" if self.subdivision else "")
        return f"{days} {spans} {self.timezone}{public}"

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a working weekday and not a holiday (explicit or public)."""
        return d.weekday() in self.days and not self.is_holiday(d)

    def is_holiday(self, d: date) -> bool:
        """Whether ``d`` is an explicit holiday or a public holiday of the country."""
        if d in self.holidays:
            return True
        return self.country is not None and d in self._public(d.year)

    def holiday_name(self, d: date) -> str | None:
        """The library's name of the public holiday ``d``, ``"holiday"`` for an explicit
        holiday date, None if ``d`` is neither."""
        if self.country is not None:
            name = self._public(d.year).get(d)
            if name is not None:
                return name
        return "holiday" if d in self.holidays else None

    def holidays_between(self, start: date, end: date) -> list[date]:
        """Explicit and public holidays in ``[start, end]`` (inclusive), sorted, whatever
        their weekday."""
        found = {d for d in self.holidays if start <= d <= end}
        if self.country is not None:
            for year in range(start.year, end.year + 1):
                found.update(d for d in self._public(year) if start <= d <= end)
        return sorted(found)

    def is_working(self, at: datetime) -> bool:
        """Whether the instant ``at`` lies inside working time."""
        u = _to_utc(at)
        local_day = self._local_date(u)
        for offset in (-1, 0, 1):
            for a, b in self._utc_intervals(local_day + timedelta(days=offset)):
                if a <= u < b:
                    return True
        return False

    def intervals_on(self, d: date) -> list[tuple[datetime, datetime]]:
        """The working intervals of local date ``d`` as aware instants ([] if not worked)."""
        tz = self.tz
        return [(a.astimezone(tz), b.astimezone(tz)) for a, b in self._utc_intervals(d)]

    # ------------------------------------------------------------------ arithmetic
    #
    # The fast paths rest on the cumulative working time ``C(u)``: the working time of all
    # intervals (of all dates) before the instant ``u``, counted from an arbitrary origin.  It
    # is the per-date table ``_Memo.cum`` (working time before the start of each local date)
    # plus the part of the working time of the dates around ``u`` that lies before ``u``.
    # ``between(a, b) = C(b) - C(a)``; ``add`` bisects the table for ``C(start) + duration``.
    # The ``*_walk`` methods are the original day-by-day walks: the reference the tests compare
    # the fast paths with, and the fallback when a search reaches ``SEARCH_LIMIT_DAYS``.

    def next_working(self, at: datetime) -> datetime:
        """``at`` itself if it is working time, else the start of the next working interval.

        Raises ValueError if there is no working time within ``SEARCH_LIMIT_DAYS`` days.
        """
        u = _to_utc(at)
        self._require_work()
        d = self._local_date(u)
        for day in (d - _ONE_DAY, d, d + _ONE_DAY):
            for a, b in self._utc_intervals(day):
                if b > u:
                    return max(a, u).astimezone(self.tz)
        # The first date after d + 1 with any working time: its first interval.
        found = self._first_date_reaching(self._cum_at(d + 2 * _ONE_DAY), d, strict=True)
        if found is None:
            return self._next_working_walk(at)
        return self._utc_intervals(found)[0][0].astimezone(self.tz)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant ``e >= start`` with ``between(start, e) == duration``.

        A zero duration returns ``next_working(start)``.  Landing exactly on the end of an
        interval returns that end (17:00, not the next morning).  Raises ValueError for a
        negative duration or if no working time exists within ``SEARCH_LIMIT_DAYS`` days.
        """
        if duration < _ZERO:
            raise ValueError(f"duration must not be negative, got {duration}")
        if duration == _ZERO:
            return self.next_working(start)
        u = _to_utc(start, "start")
        self._require_work()
        target = self._cumulative(u) + duration // _US
        day = self._first_date_reaching(target, self._local_date(u), strict=False)
        if day is None:
            return self._add_walk(start, duration)
        remaining = target - self._cum_at(day)
        for a, b in self._utc_intervals(day):
            available = (b - a) // _US
            if remaining <= available:
                return (a + timedelta(microseconds=remaining)).astimezone(self.tz)
            remaining -= available
        raise AssertionError("unreachable")  # pragma: no cover

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time inside ``[start, end)``; zero if ``end <= start``."""
        a, b = _to_utc(start, "start"), _to_utc(end, "end")
        if b <= a:
            return _ZERO
        return timedelta(microseconds=self._cumulative(b) - self._cumulative(a))

    def segments(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The working intervals clipped to ``[start, end)``, in order (not merged across days)."""
        tz = self.tz
        return [
            (a.astimezone(tz), b.astimezone(tz))
            for a, b in self._clipped(_to_utc(start, "start"), _to_utc(end, "end"))
        ]

    def end_of_day(self, d: date) -> datetime:
        """End of the last working interval of local date ``d``.

        If ``d`` has no working time, the end of the last working day before ``d``.  Raises
        ValueError if there is none within ``SEARCH_LIMIT_DAYS`` days.
        """
        for back in range(SEARCH_LIMIT_DAYS + 1):
            intervals = self._utc_intervals(d - timedelta(days=back))
            if intervals:
                return intervals[-1][1].astimezone(self.tz)
        raise ValueError(
            f"calendar {self.name!r} has no working time within {SEARCH_LIMIT_DAYS} days "
            f"before {d.isoformat()}"
        )

    def skipped(self, start: datetime, end: datetime) -> dict[str, int]:
        """Counts of non-working periods skipped in ``[start, end)``.

        All zero if ``end <= start``.  A local date is *touched* when its local day
        ``[I(d, 00:00), I(d + 1, 00:00))`` overlaps ``[start, end)`` for a positive duration
        (so partially covered first/last dates count).

        * ``"weekend_days"``: touched dates whose weekday is not a working weekday (whether or
          not they are also holidays).
        * ``"holidays"``: touched dates that are holidays (explicit or public) and fall on a
          working weekday.
        * ``"nights"``: pairs of consecutive local dates ``(d, d + 1)`` that both have working
          time, where the gap from the end of ``d``'s last interval to the start of
          ``d + 1``'s first interval is non-empty and overlaps ``[start, end)`` for a positive
          duration.  Gaps adjoining a weekend day or holiday are therefore not nights, and
          breaks inside a day (lunch) are not counted.
        """
        result = {"nights": 0, "weekend_days": 0, "holidays": 0}
        a = _to_utc(start, "start")
        b = _to_utc(end, "end")
        if b <= a:
            return result
        first = self._local_date(a) - _ONE_DAY
        last = self._local_date(b) + _ONE_DAY
        d = first
        day_start = self._resolve(d, _MIDNIGHT)
        previous: tuple[tuple[datetime, datetime], ...] = ()
        while d <= last:
            day_end = self._resolve(d + _ONE_DAY, _MIDNIGHT)
            if day_start < b and day_end > a:
                if d.weekday() not in self.days:
                    result["weekend_days"] += 1
                elif self.is_holiday(d):
                    result["holidays"] += 1
            current = self._utc_intervals(d)
            if previous and current:
                gap_start, gap_end = previous[-1][1], current[0][0]
                if gap_start < gap_end and max(gap_start, a) < min(gap_end, b):
                    result["nights"] += 1
            previous = current
            day_start = day_end
            d += _ONE_DAY
        return result

    # ------------------------------------------------------------------ pickling

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the fields only: the memo is rebuilt lazily (and may be large)."""
        state = dict(self.__dict__)
        state.pop(_MEMO, None)
        return state

    # ------------------------------------------------------------------ internals

    def _memo(self) -> _Memo:
        memo: _Memo | None = self.__dict__.get(_MEMO)
        if memo is None:
            memo = _Memo()
            object.__setattr__(self, _MEMO, memo)
        return memo

    def _public(self, year: int) -> dict[date, str]:
        """This calendar's public holidays of ``year`` (the country must be set)."""
        assert self.country is not None
        return public_holidays(self.country, self.subdivision, year)

    def _require_work(self) -> None:
        if not self.days or not self.hours:
            raise ValueError(f"calendar {self.name!r} has no working days or hours")

    def _local_date(self, u: datetime) -> date:
        return u.astimezone(self.tz).date()

    def _resolve(self, d: date, t: time) -> datetime:
        """First UTC instant at which the local wall clock reads at least ``d t``."""
        naive = datetime.combine(d, t)
        tz = self.tz
        # fold=0: the first occurrence if ambiguous; after the jump if in a gap.
        after = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
        if after.astimezone(tz).replace(tzinfo=None) == naive:
            return after
        # Spring-forward gap: find the transition instant by bisection between the reading
        # with the pre-transition offset (fold=1 maps before the jump) and ``after``.
        before = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
        if before >= after:  # pragma: no cover - defensive, never seen with tzdata
            return after
        lo, hi = 0, (after - before) // timedelta(microseconds=1)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            probe = before + timedelta(microseconds=mid)
            if probe.astimezone(tz).replace(tzinfo=None) >= naive:
                hi = mid
            else:
                lo = mid
        return before + timedelta(microseconds=hi)

    def _utc_intervals(self, d: date) -> tuple[tuple[datetime, datetime], ...]:
        """Non-empty working intervals of local date ``d`` as UTC instants (memoised)."""
        cache = self._memo().intervals
        found = cache.get(d)
        if found is None:
            found = cache[d] = self._resolve_intervals(d)
        return found

    def _resolve_intervals(self, d: date) -> tuple[tuple[datetime, datetime], ...]:
        if not self.is_working_day(d):
            return ()
        out: list[tuple[datetime, datetime]] = []
        for s, e in self.hours:
            a = self._resolve(d, s)
            b = self._resolve(d + _ONE_DAY, _MIDNIGHT) if e == time.max else self._resolve(d, e)
            if a < b:
                out.append((a, b))
        return tuple(out)

    def _day_work(self, ordinal: int) -> int:
        """Working microseconds of the local date with proleptic ordinal ``ordinal``: the
        nominal day when the UTC offset is the same at its start and at the next day's (no
        clock change), else its intervals resolved. (A listing's table covers the months
        its open requests span: resolving every day cost 15 us each.)"""
        d = date.fromordinal(ordinal)
        if not self.is_working_day(d):
            return 0
        if self._steady(d):
            return self.day_length // _US
        return sum((b - a) // _US for a, b in self._utc_intervals(d))

    def _cum_at(self, d: date) -> int:
        """Working microseconds of all dates before ``d`` (from the memo's origin)."""
        memo = self._memo()
        k = d.toordinal() - memo.base
        if not 0 <= k < len(memo.cum):
            self._extend(memo, d.toordinal())
            k = d.toordinal() - memo.base
        return memo.cum[k]

    def _extend(self, memo: _Memo, ordinal: int) -> None:
        """Extend the cumulative table (in chunks) until it holds the date ``ordinal``."""
        if not memo.cum:
            memo.base, memo.cum = ordinal, [0]
        if ordinal < memo.base:
            first = min(ordinal, max(memo.base - _CHUNK_DAYS, _MIN_SAFE))
            acc = memo.cum[0]
            prefix = [0] * (memo.base - first)
            for o in range(memo.base - 1, first - 1, -1):
                acc -= self._day_work(o)
                prefix[o - first] = acc
            memo.cum[:0] = prefix
            memo.base = first
        top = memo.base + len(memo.cum) - 1
        if ordinal > top:
            last = max(ordinal, min(top + _CHUNK_DAYS, _MAX_SAFE))
            acc = memo.cum[-1]
            for o in range(top, last):
                acc += self._day_work(o)
                memo.cum.append(acc)

    def _cumulative(self, u: datetime) -> int:
        """``C(u)``: working microseconds before the UTC instant ``u`` (from the origin).

        Dates before ``local date - 1`` end before ``u`` and dates after ``local date + 1``
        start after it (as in the walks), so only three dates need looking at.
        """
        memo = self._memo()
        known = memo.points.get(u)
        if known is not None:
            return known
        if len(memo.points) > _POINTS:
            memo.points.clear()
        memo.points[u] = total = self._cumulative_of(memo, u)
        return total

    def _cumulative_of(self, memo: _Memo, u: datetime) -> int:
        local = u.astimezone(self.tz)
        d = local.date() - _ONE_DAY
        k = d.toordinal() - memo.base
        if not (0 <= k and k + 1 < len(memo.cum)):
            self._extend(memo, d.toordinal())
            self._extend(memo, d.toordinal() + 1)
            k = d.toordinal() - memo.base
        if self._steady(d + _ONE_DAY):
            # no clock change on u's date: every date before it is in the table, and its
            # own hours are wall-clock times at one offset (a listing looks at thousands of
            # instants, each on a date whose intervals it would otherwise resolve)
            return memo.cum[k + 1] + self._worked_before(local)
        total = memo.cum[k]
        cache = memo.intervals
        for day in (d, d + _ONE_DAY, d + 2 * _ONE_DAY):
            intervals = cache.get(day)
            if intervals is None:
                intervals = self._utc_intervals(day)
            for a, b in intervals:
                if a >= u:
                    return total
                total += (min(b, u) - a) // _US
        return total

    def _steady(self, d: date) -> bool:
        """Whether the UTC offset is the same at the start of ``d`` and of the next date (no
        clock change on ``d``: its hours are wall-clock times at one offset; memoised)."""
        cache = self._memo().steady
        found = cache.get(d)
        if found is None:
            tz = self.tz
            found = cache[d] = (datetime.combine(d, _MIDNIGHT, tz).utcoffset()
                                == datetime.combine(d + _ONE_DAY, _MIDNIGHT, tz).utcoffset())
        return found

    def _worked_before(self, local: datetime) -> int:
        """Working microseconds of ``local``'s date before it, its hours read as wall-clock
        times (a date with no clock change)."""
        if not self.is_working_day(local.date()):
            return 0
        memo = self._memo()
        if memo.hours is None:
            memo.hours = tuple((_time_offset(s) // _US, _time_offset(e) // _US)
                               for s, e in self.hours)
        at = (((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000
              + local.microsecond)
        total = 0
        for start, end in memo.hours:
            if at <= start:
                break
            total += min(at, end) - start
        return total

    def _first_date_reaching(self, target: int, near: date, *, strict: bool) -> date | None:
        """The first date whose cumulative working time at its end reaches ``target``.

        That is the date ``d`` with ``C(start of d) < target <= C(end of d)`` (``strict``:
        ``C(start of d) <= target < C(end of d)``).  None when ``d`` is not within the
        distance the walks search from ``near`` (``SEARCH_LIMIT_DAYS``) without giving up:
        the caller then falls back to the walk, which finds it or raises the same error.
        """
        memo = self._memo()
        horizon = near.toordinal() + SEARCH_LIMIT_DAYS - 1
        find = bisect_right if strict else bisect_left
        while True:
            i = find(memo.cum, target)
            if i < len(memo.cum):
                ordinal = memo.base + i - 1
                return date.fromordinal(ordinal) if ordinal <= horizon else None
            top = memo.base + len(memo.cum) - 1
            if top > horizon or top >= _MAX_SAFE:
                return None
            self._extend(memo, memo.base + len(memo.cum))

    # ------------------------------------------------------------------ reference walks

    def _between_walk(self, start: datetime, end: datetime) -> timedelta:
        """``between`` by walking day by day (the reference for the tests)."""
        total = _ZERO
        for a, b in self._clipped(_to_utc(start, "start"), _to_utc(end, "end")):
            total += b - a
        return total

    def _add_walk(self, start: datetime, duration: timedelta) -> datetime:
        """``add`` by walking day by day (the reference, and the fallback near the limit)."""
        if duration < _ZERO:
            raise ValueError(f"duration must not be negative, got {duration}")
        if duration == _ZERO:
            return self._next_working_walk(start)
        u = _to_utc(start, "start")
        remaining = duration
        for a, b in self._intervals_from(u):
            seg_start = max(a, u)
            available = b - seg_start
            if remaining <= available:
                return (seg_start + remaining).astimezone(self.tz)
            remaining -= available
        raise AssertionError("unreachable")  # pragma: no cover

    def _next_working_walk(self, at: datetime) -> datetime:
        """``next_working`` by walking day by day (the reference, and the fallback)."""
        u = _to_utc(at)
        for a, _b in self._intervals_from(u):
            return max(a, u).astimezone(self.tz)
        raise AssertionError("unreachable")  # pragma: no cover

    def _intervals_from(self, u: datetime) -> Iterator[tuple[datetime, datetime]]:
        """UTC working intervals ending after ``u``, in order; endless unless no work exists."""
        self._require_work()
        d = self._local_date(u) - _ONE_DAY
        idle = 0
        while True:
            found = False
            for a, b in self._utc_intervals(d):
                if b > u:
                    found = True
                    yield a, b
            if found:
                idle = 0
            else:
                idle += 1
                if idle > SEARCH_LIMIT_DAYS:
                    raise ValueError(
                        f"calendar {self.name!r} has no working time within "
                        f"{SEARCH_LIMIT_DAYS} days after {d - timedelta(days=idle)}"
                    )
            d += _ONE_DAY

    def _clipped(self, a: datetime, b: datetime) -> Iterator[tuple[datetime, datetime]]:
        """UTC working intervals clipped to ``[a, b)``, non-empty, in order."""
        if b <= a:
            return
        d = self._local_date(a) - _ONE_DAY
        last = self._local_date(b) + _ONE_DAY
        while d <= last:
            for s, e in self._utc_intervals(d):
                lo, hi = max(s, a), min(e, b)
                if lo < hi:
                    yield lo, hi
            d += _ONE_DAY


_POINTS = 65536
"""How many instants' cumulative working time `_cumulative` remembers."""


class _Memo:
    """Per-calendar caches, kept out of equality, hashing, repr and pickles."""

    __slots__ = ("intervals", "base", "cum", "day_length", "points", "steady", "hours")

    def __init__(self) -> None:
        self.intervals: dict[date, tuple[tuple[datetime, datetime], ...]] = {}
        self.steady: dict[date, bool] = {}
        """Whether a date has no clock change (`_steady`)."""
        self.hours: tuple[tuple[int, int], ...] | None = None
        """The working hours in microseconds from midnight."""
        self.base = 0
        """Proleptic ordinal of the date ``cum[0]`` belongs to."""
        self.cum: list[int] = []
        """``cum[k]``: working microseconds before local date ``base + k``, from an arbitrary
        origin (negative before it); non-decreasing."""
        self.day_length: timedelta | None = None
        self.points: dict[datetime, int] = {}
        """``C(u)`` of instants already looked at (the same `now` comes back for every
        request of a listing); the table only grows at its ends, so these stay right."""


# ---------------------------------------------------------------------- parsing

_HOURS_HELP = (
    "expected 'HH:MM-HH:MM' (e.g. '09:00-17:00') or a list of such ranges "
    "(e.g. ['09:00-12:00', '13:00-17:00']); start must be before end, ranges must not "
    "overlap, and '24:00' is allowed only as an end"
)
_RANGE_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _parse_clock(hour: str, minute: str, *, is_end: bool, text: str) -> time:
    h, m = int(hour), int(minute)
    if h == 24 and m == 0:
        if not is_end:
            raise ValueError(
                f"invalid hours {text!r}: '24:00' is only allowed as an end; {_HOURS_HELP}"
            )
        return time.max
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise ValueError(f"invalid hours {text!r}: {hour}:{minute} is not a time; {_HOURS_HELP}")
    return time(h, m)


def _validate_hours(hours: tuple[tuple[time, time], ...], prefix: str = "") -> None:
    previous_end: time | None = None
    for start, end in hours:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError(f"{prefix}working hours must be naive local times")
        if start == time.max or _time_offset(start) >= _time_offset(end):
            raise ValueError(
                f"{prefix}invalid hours {_fmt_time(start)}-{_fmt_time(end)}: "
                "start must be before end"
            )
        if previous_end is not None and _time_offset(start) < _time_offset(previous_end):
            raise ValueError(
                f"{prefix}hours must be sorted and must not overlap: "
                f"{_fmt_time(start)}-{_fmt_time(end)} starts before {_fmt_time(previous_end)}"
            )
        previous_end = end


def parse_hours(value: str | list[str]) -> tuple[tuple[time, time], ...]:
    """Parse ``"09:00-17:00"`` or ``["09:00-12:00", "13:00-17:00"]`` into sorted intervals.

    A string may also hold several comma-separated ranges.  ``"24:00"`` (end only) becomes
    ``time.max``.  Raises ValueError explaining the accepted format on bad input.
    """
    if isinstance(value, str):
        items = [part for part in value.split(",") if part.strip()] if "," in value else [value]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ValueError(f"invalid hours {value!r}: {_HOURS_HELP}")
    if not items:
        raise ValueError(f"no working hours given: {_HOURS_HELP}")
    parsed: list[tuple[time, time]] = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"invalid hours {item!r}: {_HOURS_HELP}")
        match = _RANGE_RE.match(item)
        if match is None:
            raise ValueError(f"invalid hours {item!r}: {_HOURS_HELP}")
        sh, sm, eh, em = match.groups()
        start = _parse_clock(sh, sm, is_end=False, text=item)
        end = _parse_clock(eh, em, is_end=True, text=item)
        if _time_offset(start) >= _time_offset(end):
            raise ValueError(f"invalid hours {item!r}: start must be before end; {_HOURS_HELP}")
        parsed.append((start, end))
    parsed.sort(key=lambda iv: _time_offset(iv[0]))
    for (s1, e1), (s2, e2) in zip(parsed, parsed[1:], strict=False):
        if _time_offset(s2) < _time_offset(e1):
            raise ValueError(
                f"invalid hours: {_fmt_time(s1)}-{_fmt_time(e1)} overlaps "
                f"{_fmt_time(s2)}-{_fmt_time(e2)}; {_HOURS_HELP}"
            )
    return tuple(parsed)


def parse_days(value: list[str]) -> frozenset[int]:
    """Parse weekday names (``["mon", "tue", ...]``, case-insensitive) into ``0..6``.

    Full names ("monday") are accepted too.  Raises ValueError naming the bad value and
    listing the accepted names.
    """
    accepted = ", ".join(WEEKDAYS)
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise ValueError(f"working days must be a list of day names ({accepted}), got {value!r}")
    result: set[int] = set()
    for item in value:
        key = item.strip().lower() if isinstance(item, str) else ""
        if key in WEEKDAYS:
            result.add(WEEKDAYS.index(key))
        elif key in _FULL_WEEKDAYS:
            result.add(_FULL_WEEKDAYS.index(key))
        else:
            raise ValueError(f"unknown day {item!r}: accepted names are {accepted} (or full names)")
    if not result:
        raise ValueError(f"at least one working day is required (accepted names: {accepted})")
    return frozenset(result)
