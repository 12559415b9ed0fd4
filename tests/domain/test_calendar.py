"""Tests for icsvc.domain.calendar: examples plus property tests against a brute-force oracle."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from icsvc.domain.calendar import (
    SEARCH_LIMIT_DAYS,
    WEEKDAYS,
    BusinessCalendar,
    parse_days,
    parse_hours,
)

# --------------------------------------------------------------------------- hypothesis profiles
# Random exploration locally; deterministic (derandomized) runs when CI is set.  The profile is
# only registered here if nobody (e.g. a conftest) registered one under that name already.
try:
    settings.get_profile("ci")
except InvalidArgument:
    settings.register_profile("ci", derandomize=True, deadline=None)
_IN_CI = bool(os.environ.get("CI"))
if _IN_CI:
    settings.load_profile("ci")

PROPERTY_SETTINGS = settings(
    deadline=None,
    derandomize=_IN_CI,
    suppress_health_check=[HealthCheck.too_slow],
)

NY = ZoneInfo("America/New_York")
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
MON_FRI = frozenset(range(5))
ALL_DAYS = frozenset(range(7))
THANKSGIVING = date(2026, 11, 26)


def make(
    hours: str | list[str] = "09:00-17:00",
    *,
    tz: str = "America/New_York",
    days: frozenset[int] = MON_FRI,
    holidays: frozenset[date] = frozenset(),
    name: str = "test",
) -> BusinessCalendar:
    return BusinessCalendar(name, tz, days, parse_hours(hours), holidays)


def at(
    tz: str,
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    microsecond: int = 0,
    *,
    fold: int = 0,
) -> datetime:
    return datetime(
        year, month, day, hour, minute, second, microsecond, tzinfo=ZoneInfo(tz), fold=fold
    )


def same_instant(got: datetime, expected: datetime, cal: BusinessCalendar) -> None:
    """Compare instants in UTC (same-tzinfo comparisons ignore fold) and check the zone."""
    assert got.astimezone(UTC) == expected.astimezone(UTC), (got, expected)
    assert got.tzinfo is not None
    assert getattr(got.tzinfo, "key", None) == cal.timezone


@pytest.fixture
def ny() -> BusinessCalendar:
    return make(holidays=frozenset({THANKSGIVING}), name="ny")


# =========================================================================== examples


def test_thanksgiving_request_lands_friday(ny: BusinessCalendar) -> None:
    start = datetime(2026, 11, 25, 16, 30, tzinfo=timezone(timedelta(hours=-5)))
    due = ny.add(start, 2 * HOUR)
    same_instant(due, at("America/New_York", 2026, 11, 27, 10, 30), ny)
    assert due.utcoffset() == timedelta(hours=-5)
    assert ny.between(start, due) == 2 * HOUR
    assert ny.segments(start, due) == [
        (at("America/New_York", 2026, 11, 25, 16, 30), at("America/New_York", 2026, 11, 25, 17)),
        (at("America/New_York", 2026, 11, 27, 9), at("America/New_York", 2026, 11, 27, 10, 30)),
    ]
    assert ny.skipped(start, due) == {"nights": 0, "weekend_days": 0, "holidays": 1}


def test_any_input_offset_gives_same_result(ny: BusinessCalendar) -> None:
    local = at("America/New_York", 2026, 11, 25, 16, 30)
    for tzinfo in (UTC, timezone(timedelta(hours=5, minutes=30)), ZoneInfo("Asia/Tokyo")):
        due = ny.add(local.astimezone(tzinfo), 2 * HOUR)
        same_instant(due, at("America/New_York", 2026, 11, 27, 10, 30), ny)


def test_saturday_arrival_starts_monday(ny: BusinessCalendar) -> None:
    saturday = at("America/New_York", 2026, 11, 28, 10, 15)
    monday_9 = at("America/New_York", 2026, 11, 30, 9)
    same_instant(ny.next_working(saturday), monday_9, ny)
    same_instant(ny.add(saturday, timedelta(0)), monday_9, ny)
    same_instant(ny.add(saturday, HOUR), at("America/New_York", 2026, 11, 30, 10), ny)
    assert not ny.is_working(saturday)
    assert ny.between(saturday, monday_9) == timedelta(0)


def test_next_working_returns_at_itself_when_working(ny: BusinessCalendar) -> None:
    inside = at("America/New_York", 2026, 11, 30, 11, 11, 11)
    same_instant(ny.next_working(inside), inside, ny)
    assert ny.is_working(inside)
    assert ny.is_working(at("America/New_York", 2026, 11, 30, 9))
    assert not ny.is_working(at("America/New_York", 2026, 11, 30, 17))
    assert not ny.is_working(at("America/New_York", 2026, 11, 26, 12))  # holiday


def test_landing_exactly_at_end_of_day_stays(ny: BusinessCalendar) -> None:
    same_instant(
        ny.add(at("America/New_York", 2026, 11, 30, 15), 2 * HOUR),
        at("America/New_York", 2026, 11, 30, 17),
        ny,
    )
    same_instant(
        ny.add(at("America/New_York", 2026, 11, 30, 9), 8 * HOUR),
        at("America/New_York", 2026, 11, 30, 17),
        ny,
    )
    # One second more spills into the next morning.
    same_instant(
        ny.add(at("America/New_York", 2026, 11, 30, 9), 8 * HOUR + timedelta(seconds=1)),
        at("America/New_York", 2026, 12, 1, 9, 0, 1),
        ny,
    )
    # Starting at 17:00 with zero duration moves to the next morning (17:00 is not working).
    same_instant(
        ny.add(at("America/New_York", 2026, 11, 30, 17), timedelta(0)),
        at("America/New_York", 2026, 12, 1, 9),
        ny,
    )


def test_lunch_break() -> None:
    cal = make(["09:00-12:00", "13:00-17:00"])
    assert cal.day_length == 7 * HOUR
    day = (2026, 6, 3)
    same_instant(cal.add(at(cal.timezone, *day, 11), 2 * HOUR), at(cal.timezone, *day, 14), cal)
    same_instant(
        cal.add(at(cal.timezone, *day, 11, 30), 30 * MINUTE), at(cal.timezone, *day, 12), cal
    )
    same_instant(cal.next_working(at(cal.timezone, *day, 12, 30)), at(cal.timezone, *day, 13), cal)
    assert cal.between(at(cal.timezone, *day, 0), at(cal.timezone, *day, 23)) == 7 * HOUR
    assert cal.intervals_on(date(*day)) == [
        (at(cal.timezone, *day, 9), at(cal.timezone, *day, 12)),
        (at(cal.timezone, *day, 13), at(cal.timezone, *day, 17)),
    ]
    assert cal.intervals_on(date(2026, 6, 6)) == []  # Saturday
    # The lunch break is not a "night".
    assert cal.skipped(at(cal.timezone, *day, 11), at(cal.timezone, *day, 14))["nights"] == 0


def test_working_weeks_across_months(ny: BusinessCalendar) -> None:
    start = at("America/New_York", 2026, 11, 20, 10)
    due = ny.add(start, 10 * ny.day_length)  # 10 working days = 80h
    # Nov 23-25, 27, 30, Dec 1-4 are 9 days; the 10th working day ends Dec 7 at 10:00.
    same_instant(due, at("America/New_York", 2026, 12, 7, 10), ny)
    far = ny.add(start, 2000 * ny.day_length)
    assert ny.between(start, far) == 2000 * ny.day_length


def test_sub_minute_precision(ny: BusinessCalendar) -> None:
    start = at("America/New_York", 2026, 12, 1, 16, 59, 30, 250_000)
    due = ny.add(start, timedelta(minutes=1, microseconds=1))
    same_instant(due, at("America/New_York", 2026, 12, 2, 9, 0, 30, 250_001), ny)
    assert ny.between(start, due) == timedelta(minutes=1, microseconds=1)


# --------------------------------------------------------------------------- DST


def test_new_york_spring_forward_window() -> None:
    cal = make("01:00-04:00", days=ALL_DAYS)
    # 2026-03-08: 02:00 EST jumps to 03:00 EDT, so 01:00-04:00 is only two real hours.
    (interval,) = cal.intervals_on(date(2026, 3, 8))
    assert interval[0].astimezone(UTC) == datetime(2026, 3, 8, 6, tzinfo=UTC)
    assert interval[1].astimezone(UTC) == datetime(2026, 3, 8, 8, tzinfo=UTC)
    assert interval[1].utcoffset() == timedelta(hours=-4)
    start = at(cal.timezone, 2026, 3, 8, 1, 30)
    same_instant(cal.add(start, HOUR), at(cal.timezone, 2026, 3, 8, 3, 30), cal)
    same_instant(cal.add(start, 90 * MINUTE), at(cal.timezone, 2026, 3, 8, 4), cal)
    same_instant(cal.add(start, 91 * MINUTE), at(cal.timezone, 2026, 3, 9, 1, 1), cal)


def test_new_york_fall_back_window() -> None:
    cal = make("01:00-04:00", days=ALL_DAYS)
    # 2026-11-01: 02:00 EDT falls back to 01:00 EST, so 01:00-04:00 lasts four real hours.
    (interval,) = cal.intervals_on(date(2026, 11, 1))
    assert interval[0].astimezone(UTC) == datetime(2026, 11, 1, 5, tzinfo=UTC)
    assert interval[1].astimezone(UTC) == datetime(2026, 11, 1, 9, tzinfo=UTC)
    first_130 = at(cal.timezone, 2026, 11, 1, 1, 30, fold=0)  # EDT
    second_130 = at(cal.timezone, 2026, 11, 1, 1, 30, fold=1)  # EST
    assert cal.between(first_130, second_130) == HOUR
    due = cal.add(first_130, HOUR)
    assert due.astimezone(UTC) == second_130.astimezone(UTC)
    assert due.fold == 1 and due.utcoffset() == timedelta(hours=-5)


def test_full_day_calendar_dst_day_lengths() -> None:
    cal = make("00:00-24:00", days=ALL_DAYS)
    assert cal.day_length == timedelta(days=1)
    march_8 = at(cal.timezone, 2026, 3, 8)
    march_9 = at(cal.timezone, 2026, 3, 9)
    assert cal.between(march_8, march_9) == 23 * HOUR
    nov_1 = at(cal.timezone, 2026, 11, 1)
    nov_2 = at(cal.timezone, 2026, 11, 2)
    assert cal.between(nov_1, nov_2) == 25 * HOUR
    same_instant(cal.add(nov_1, 25 * HOUR), nov_2, cal)
    same_instant(cal.end_of_day(date(2026, 11, 1)), nov_2, cal)
    # Consecutive 24h days have no gap between them: no nights are skipped.
    assert cal.skipped(march_8, march_9 + 3 * HOUR)["nights"] == 0


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/London", "Australia/Sydney",
                                  "Asia/Kolkata", "America/Havana", "Asia/Tehran"])
@pytest.mark.parametrize("hours", ["09:00-17:00", "00:00-24:00", ["00:30-02:30", "22:00-24:00"]])
def test_a_days_work_is_its_resolved_intervals_on_every_day_of_the_year(
        zone: str, hours: str | list[str]) -> None:
    """A day's working time is taken as the nominal day unless the clocks change between
    its start and the next day's: the same as resolving its intervals, every day of two
    years, in zones whose clocks change at night, at midnight (Havana) or not at all."""
    cal = make(hours, days=ALL_DAYS, tz=zone)
    first = date(2025, 1, 1).toordinal()
    for ordinal in range(first, first + 730):
        exact = sum((b.astimezone(UTC) - a.astimezone(UTC)) // timedelta(microseconds=1)
                    for a, b in cal.intervals_on(date.fromordinal(ordinal)))
        assert cal._day_work(ordinal) == exact, (zone, date.fromordinal(ordinal))


def test_bounds_inside_dst_gap_and_fold() -> None:
    gap = make("02:30-03:30", days=ALL_DAYS)
    # 02:30 does not exist on 2026-03-08; the interval starts when the clock jumps (03:00 EDT).
    (interval,) = gap.intervals_on(date(2026, 3, 8))
    assert interval[0].astimezone(UTC) == datetime(2026, 3, 8, 7, tzinfo=UTC)
    assert interval[1] - interval[0] == 30 * MINUTE
    vanished = make(["02:00-02:30", "09:00-10:00"], days=ALL_DAYS)
    assert len(vanished.intervals_on(date(2026, 3, 8))) == 1
    # 01:30 is ambiguous on 2026-11-01: bounds use the first occurrence (EDT).
    fold = make("01:30-02:00", days=ALL_DAYS)
    (interval,) = fold.intervals_on(date(2026, 11, 1))
    assert interval[0].astimezone(UTC) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert interval[1].astimezone(UTC) == datetime(2026, 11, 1, 7, tzinfo=UTC)


def test_weekday_calendar_across_dst_weekend() -> None:
    cal = make()
    friday = at(cal.timezone, 2026, 3, 6, 16)  # EST
    due = cal.add(friday, 2 * HOUR)
    same_instant(due, at(cal.timezone, 2026, 3, 9, 10), cal)  # EDT
    assert due.utcoffset() == timedelta(hours=-4)
    assert cal.between(friday, due) == 2 * HOUR
    assert cal.skipped(friday, due) == {"nights": 0, "weekend_days": 2, "holidays": 0}


def test_europe_london_dst() -> None:
    cal = make("00:00-03:00", tz="Europe/London", days=ALL_DAYS)
    # 2026-03-29 01:00 GMT -> 02:00 BST; 2026-10-25 02:00 BST -> 01:00 GMT.
    assert cal.between(at(cal.timezone, 2026, 3, 29), at(cal.timezone, 2026, 3, 30)) == 2 * HOUR
    assert cal.between(at(cal.timezone, 2026, 10, 25), at(cal.timezone, 2026, 10, 26)) == 4 * HOUR
    gap = make("01:30-09:00", tz="Europe/London", days=ALL_DAYS)
    (interval,) = gap.intervals_on(date(2026, 3, 29))
    assert interval[0].astimezone(UTC) == datetime(2026, 3, 29, 1, tzinfo=UTC)  # 02:00 BST
    office = make(tz="Europe/London")
    friday = at(office.timezone, 2026, 10, 23, 16)  # BST
    same_instant(office.add(friday, 2 * HOUR), at(office.timezone, 2026, 10, 26, 10), office)


def test_sunday_to_thursday_calendar() -> None:
    cal = make("08:00-16:00", tz="Asia/Dubai", days=parse_days(["sun", "mon", "tue", "wed", "thu"]))
    thursday = at(cal.timezone, 2026, 1, 15, 15)
    due = cal.add(thursday, 2 * HOUR)
    same_instant(due, at(cal.timezone, 2026, 1, 18, 9), cal)
    assert cal.skipped(thursday, due) == {"nights": 0, "weekend_days": 2, "holidays": 0}
    assert not cal.is_working_day(date(2026, 1, 16))  # Friday
    assert cal.is_working_day(date(2026, 1, 18))  # Sunday
    same_instant(cal.end_of_day(date(2026, 1, 17)), at(cal.timezone, 2026, 1, 15, 16), cal)


# --------------------------------------------------------------------------- end_of_day


def test_end_of_day(ny: BusinessCalendar) -> None:
    tz = ny.timezone
    same_instant(ny.end_of_day(date(2026, 11, 25)), at(tz, 2026, 11, 25, 17), ny)
    same_instant(ny.end_of_day(THANKSGIVING), at(tz, 2026, 11, 25, 17), ny)
    same_instant(ny.end_of_day(date(2026, 11, 29)), at(tz, 2026, 11, 27, 17), ny)  # Sunday
    late = make(["09:00-12:00", "20:00-24:00"])
    same_instant(late.end_of_day(date(2026, 11, 27)), at(tz, 2026, 11, 28, 0), late)


# --------------------------------------------------------------------------- skipped


def test_skipped_counts(ny: BusinessCalendar) -> None:
    tz = ny.timezone
    mon, tue, wed = (at(tz, 2026, 11, d, 10) for d in (23, 24, 25))
    assert ny.skipped(mon, wed) == {"nights": 2, "weekend_days": 0, "holidays": 0}
    assert ny.skipped(wed, at(tz, 2026, 11, 30, 10)) == {
        "nights": 0,
        "weekend_days": 2,
        "holidays": 1,
    }
    # Arriving in the middle of the night still skips (the rest of) that night.
    assert ny.skipped(at(tz, 2026, 11, 24, 3), tue)["nights"] == 1
    # Starting exactly when work resumes skips nothing; ending at 17:00 neither.
    assert ny.skipped(at(tz, 2026, 11, 24, 9), at(tz, 2026, 11, 24, 17)) == {
        "nights": 0,
        "weekend_days": 0,
        "holidays": 0,
    }
    # Arriving on a Saturday: Saturday (partially) and Sunday are skipped.
    saturday = at(tz, 2026, 11, 28, 10)
    assert ny.skipped(saturday, ny.add(saturday, HOUR))["weekend_days"] == 2
    # Empty / reversed range.
    assert ny.skipped(wed, mon) == {"nights": 0, "weekend_days": 0, "holidays": 0}
    # A holiday on a weekend day counts as a weekend day only.
    xmas_sat = make(holidays=frozenset({date(2027, 12, 25)}))
    fri = at(tz, 2027, 12, 24, 10)
    assert xmas_sat.skipped(fri, fri + 3 * 24 * HOUR) == {
        "nights": 0,
        "weekend_days": 2,
        "holidays": 0,
    }


# --------------------------------------------------------------------------- parsing & errors


def test_parse_hours_accepts() -> None:
    assert parse_hours("09:00-17:00") == ((time(9), time(17)),)
    assert parse_hours(" 9:00 - 17:30 ") == ((time(9), time(17, 30)),)
    assert parse_hours(["13:00-17:00", "09:00-12:00"]) == (
        (time(9), time(12)),
        (time(13), time(17)),
    )
    assert parse_hours("09:00-12:00,13:00-17:00") == parse_hours(["09:00-12:00", "13:00-17:00"])
    assert parse_hours("00:00-24:00") == ((time(0), time.max),)
    assert parse_hours(["09:00-12:00", "12:00-13:00"]) == (
        (time(9), time(12)),
        (time(12), time(13)),
    )


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("9-17", "HH:MM-HH:MM"),
        ("09:00", "HH:MM-HH:MM"),
        ("09:00-25:00", "not a time"),
        ("09:60-10:00", "not a time"),
        ("17:00-09:00", "start must be before end"),
        ("09:00-09:00", "start must be before end"),
        ("24:00-24:00", "only allowed as an end"),
        (["09:00-12:00", "11:00-13:00"], "overlaps"),
        ([], "no working hours"),
        ([9], "HH:MM-HH:MM"),
    ],
)
def test_parse_hours_rejects(value: str | list[str], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment) as excinfo:
        parse_hours(value)
    assert "HH:MM-HH:MM" in str(excinfo.value)


def test_parse_days() -> None:
    assert parse_days(["mon", "tue", "wed", "thu", "fri"]) == MON_FRI
    assert parse_days(["Sun", " THU ", "monday"]) == frozenset({6, 3, 0})
    with pytest.raises(ValueError) as excinfo:
        parse_days(["mon", "funday"])
    message = str(excinfo.value)
    assert "'funday'" in message
    assert all(name in message for name in WEEKDAYS)
    with pytest.raises(ValueError, match="at least one"):
        parse_days([])
    with pytest.raises(ValueError, match="list of day names"):
        parse_days("mon")  # type: ignore[arg-type]


def test_invalid_calendars_and_inputs(ny: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="unknown timezone"):
        make(tz="Mars/Olympus_Mons")
    with pytest.raises(ValueError, match="overlap"):
        BusinessCalendar(
            "x", "UTC", MON_FRI, ((time(9), time(12)), (time(11), time(13))), frozenset()
        )
    with pytest.raises(ValueError, match="start must be before end"):
        BusinessCalendar("x", "UTC", MON_FRI, ((time(12), time(9)),), frozenset())
    with pytest.raises(ValueError, match="weekday"):
        BusinessCalendar("x", "UTC", frozenset({7}), ((time(9), time(12)),), frozenset())
    with pytest.raises(ValueError, match="timezone-aware"):
        ny.add(datetime(2026, 11, 25, 10), HOUR)
    with pytest.raises(ValueError, match="negative"):
        ny.add(at(ny.timezone, 2026, 11, 25, 10), -HOUR)


def test_no_working_time_raises() -> None:
    nothing = BusinessCalendar("never", "UTC", frozenset(), parse_hours("09:00-17:00"), frozenset())
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="no working"):
        nothing.add(start, HOUR)
    with pytest.raises(ValueError, match="no working"):
        nothing.next_working(start)
    with pytest.raises(ValueError, match="no working"):
        nothing.end_of_day(date(2026, 1, 1))
    assert nothing.between(start, start + 1000 * HOUR) == timedelta(0)
    # Mondays only, but every Monday for more than the search limit is a holiday.
    mondays = frozenset(
        date(2026, 1, 5) + timedelta(weeks=w) for w in range(SEARCH_LIMIT_DAYS // 7 + 10)
    )
    blocked = make(days=frozenset({0}), holidays=mondays, tz="UTC")
    with pytest.raises(ValueError, match="no working time within"):
        blocked.add(start, HOUR)


# =========================================================================== property tests
#
# Oracle: walk minute by minute in UTC.  A minute is working when the local wall-clock reading
# (via zoneinfo) lies inside one of the intervals of a working, non-holiday local date.  The
# only refinement is the fall-back repeated hour: the oracle uses the *monotone* local clock
# (running maximum of the readings, i.e. the clock does not run backwards), which is exactly
# the "first occurrence" rule for ambiguous bounds.  Spring-forward gaps need no special
# handling: the first reading at or after a bound inside the gap is the post-jump time.

TIMEZONES = {
    "America/New_York": [date(2026, 3, 8), date(2026, 11, 1)],
    "Europe/London": [date(2026, 3, 29), date(2026, 10, 25)],
    "Europe/Berlin": [date(2026, 3, 29), date(2026, 10, 25)],
    "Australia/Sydney": [date(2026, 4, 5), date(2026, 10, 4)],
    "Asia/Kolkata": [date(2026, 3, 8), date(2026, 10, 25)],
    "UTC": [date(2026, 3, 29), date(2026, 11, 1)],
}
WARM_UP_MINUTES = 180  # longer than any DST shift, so the running maximum is primed


def quarter(q: int) -> time:
    return time.max if q == 96 else time(q // 4, q % 4 * 15)


@dataclass(frozen=True)
class Scenario:
    cal: BusinessCalendar
    start: datetime  # UTC, on the minute grid
    anchor: date

    def interval_minutes(self) -> list[int]:
        return [
            int((e.hour * 60 + e.minute if e != time.max else 1440) - (s.hour * 60 + s.minute))
            for s, e in self.cal.hours
        ]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    tz_name = draw(st.sampled_from(sorted(TIMEZONES)))
    anchor = draw(st.sampled_from(TIMEZONES[tz_name]))
    days = frozenset(draw(st.sets(st.integers(0, 6), min_size=1)))
    count = draw(st.integers(1, 3))
    points = sorted(
        draw(
            st.lists(
                st.one_of(st.integers(0, 96), st.integers(4, 12)),  # bias to 01:00-03:00
                min_size=2 * count,
                max_size=2 * count,
                unique=True,
            )
        )
    )
    hours = tuple((quarter(points[i]), quarter(points[i + 1])) for i in range(0, len(points), 2))
    holidays = frozenset(
        anchor + timedelta(days=offset)
        for offset in draw(st.sets(st.integers(-16, 30), max_size=6))
    )
    cal = BusinessCalendar("prop", tz_name, days, hours, holidays)
    tz = ZoneInfo(tz_name)
    if draw(st.booleans()):
        # Any minute within two weeks of the DST change.
        midnight = datetime.combine(anchor, time(0), tzinfo=UTC)
        start = midnight + timedelta(minutes=draw(st.integers(-14 * 1440, 14 * 1440)))
    else:
        # A local quarter-hour (often an interval bound), either fold.
        day = anchor + timedelta(days=draw(st.integers(-3, 3)))
        q = draw(st.sampled_from(points + [0, 4, 8, 12]))
        naive = datetime.combine(day, time(0)) + timedelta(minutes=15 * q)
        start = naive.replace(tzinfo=tz, fold=draw(st.integers(0, 1))).astimezone(UTC)
    return Scenario(cal, start, anchor)


def oracle_flags(cal: BusinessCalendar, start: datetime, minutes: int) -> list[bool]:
    """Working flag of each UTC minute [start + i min, start + (i+1) min), i < minutes."""
    tz = ZoneInfo(cal.timezone)
    bounds = [
        (s.hour * 60 + s.minute, 1440 if e == time.max else e.hour * 60 + e.minute)
        for s, e in cal.hours
    ]
    origin = start - WARM_UP_MINUTES * MINUTE
    running_max: datetime | None = None
    flags: list[bool] = []
    day_cache: dict[date, bool] = {}
    for i in range(WARM_UP_MINUTES + minutes):
        local = (origin + i * MINUTE).astimezone(tz).replace(tzinfo=None)
        if running_max is None or local > running_max:
            running_max = local
        if i < WARM_UP_MINUTES:
            continue
        d = running_max.date()
        working_day = day_cache.get(d)
        if working_day is None:
            working_day = d.weekday() in cal.days and d not in cal.holidays
            day_cache[d] = working_day
        if not working_day:
            flags.append(False)
            continue
        m = running_max.hour * 60 + running_max.minute
        flags.append(any(lo <= m < hi for lo, hi in bounds))
    return flags


def minutes_between(a: datetime, b: datetime) -> int:
    delta = b.astimezone(UTC) - a.astimezone(UTC)
    assert delta % MINUTE == timedelta(0), delta
    return delta // MINUTE


@settings(PROPERTY_SETTINGS, max_examples=200)
@given(
    scenario=scenarios(), span=st.integers(-60, 10 * 1440), offset_minutes=st.integers(-720, 840)
)
def test_between_matches_oracle(scenario: Scenario, span: int, offset_minutes: int) -> None:
    cal, a = scenario.cal, scenario.start
    b = a + span * MINUTE
    # Inputs in an arbitrary fixed offset must not matter.
    shown = timezone(timedelta(minutes=offset_minutes))
    got = cal.between(a.astimezone(shown), b)
    if span <= 0:
        assert got == timedelta(0)
        assert cal.segments(a, b) == []
        return
    flags = oracle_flags(cal, a, span)
    assert got == sum(flags) * MINUTE
    segments = cal.segments(a, b)
    # Subtract in UTC: aware datetimes sharing a tzinfo subtract as wall-clock times.
    assert sum((e.astimezone(UTC) - s for s, e in segments), timedelta(0)) == got
    for (s1, e1), (s2, _e2) in zip(segments, segments[1:], strict=False):
        assert s1.astimezone(UTC) < e1.astimezone(UTC) <= s2.astimezone(UTC)
    for i in range(0, span, max(1, span // 25)):
        assert cal.is_working(a + i * MINUTE) == flags[i], i


@settings(PROPERTY_SETTINGS, max_examples=200)
@given(scenario=scenarios(), data=st.data())
def test_add_matches_oracle(scenario: Scenario, data: st.DataObject) -> None:
    cal, a = scenario.cal, scenario.start
    lengths = scenario.interval_minutes()
    day_minutes = sum(lengths)
    duration = data.draw(
        st.one_of(
            st.integers(0, 3 * day_minutes),
            st.sampled_from([0, 1, *lengths, day_minutes, day_minutes + 1]),
        ),
        label="duration_minutes",
    )
    due = cal.add(a, duration * MINUTE)
    assert getattr(due.tzinfo, "key", None) == cal.timezone
    n = minutes_between(a, due)
    assert n >= 0
    flags = oracle_flags(cal, a, n + 1)
    assert sum(flags[:n]) == duration
    assert cal.between(a, due) == duration * MINUTE
    if duration > 0:
        assert flags[n - 1], "the minute before the due instant must be working (minimality)"
    else:
        same_instant(due, cal.next_working(a), cal)
        assert not any(flags[:n]) and flags[n]


@settings(PROPERTY_SETTINGS, max_examples=150)
@given(scenario=scenarios())
def test_next_working_matches_oracle(scenario: Scenario) -> None:
    cal, a = scenario.cal, scenario.start
    nxt = cal.next_working(a)
    n = minutes_between(a, nxt)
    flags = oracle_flags(cal, a, n + 1)
    assert not any(flags[:n])
    assert flags[n]
    assert cal.is_working(a) == flags[0] == (n == 0)


def test_a_due_time_after_a_gap_less_one_microsecond_counts_less() -> None:
    """Two hours of 00:00-02:00 from midnight on the day New York springs forward end at
    03:00 EDT (02:00 does not exist): one microsecond before it, as an instant, is inside
    the last working minute (the case the property below once drew, with wall-clock
    arithmetic that read 02:59:59.999999 as EST, an hour later)."""
    cal = make("00:00-02:00", days=ALL_DAYS)
    a = at("America/New_York", 2026, 3, 8)
    due = cal.add(a, timedelta(hours=2))
    assert due.astimezone(UTC) == datetime(2026, 3, 8, 7, tzinfo=UTC)
    assert cal.between(a, due.astimezone(UTC) - timedelta(microseconds=1)) \
        == timedelta(hours=2) - timedelta(microseconds=1)


@settings(PROPERTY_SETTINGS, max_examples=200)
@given(
    scenario=scenarios(),
    jitter=st.integers(0, 60_000_000 - 1),
    duration=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=30)),
    split=st.floats(0, 1),
)
def test_sub_minute_arithmetic_is_exact(
    scenario: Scenario, jitter: int, duration: timedelta, split: float
) -> None:
    cal = scenario.cal
    a = scenario.start + timedelta(microseconds=jitter)
    due = cal.add(a, duration)
    assert due.astimezone(UTC) >= a
    assert cal.between(a, due) == duration
    if duration > timedelta(0):  # (an instant's arithmetic in UTC: `due` may follow a gap,
        # where its wall-clock time less 1 us does not exist and reads an hour later)
        assert cal.between(a, due.astimezone(UTC) - timedelta(microseconds=1)) < duration
    mid = a + (due.astimezone(UTC) - a) * split
    assert cal.between(a, mid) + cal.between(mid, due) == duration


# --------------------------------------------------------------------------- fast paths
#
# between/add/next_working use a memoised cumulative table; the day-by-day walks they replaced
# are kept as private reference implementations.  The reference runs on a separate, equal
# calendar instance so that it shares no memo with the calendar under test.

LONG_DAYS = 3 * 366
DAY_MICROSECONDS = 86_400 * 1_000_000


def micros(min_days: int, max_days: int) -> st.SearchStrategy[int]:
    """Microseconds spread over whole days (hypothesis favours small integers otherwise)."""
    return st.builds(
        lambda days, part: days * DAY_MICROSECONDS + part,
        st.integers(min_days, max_days),
        st.integers(0, DAY_MICROSECONDS - 1),
    )


@st.composite
def long_scenarios(draw: st.DrawFn) -> Scenario:
    """A scenario whose calendar also has holidays scattered over three years either side."""
    scenario = draw(scenarios())
    cal = scenario.cal
    extra = frozenset(
        scenario.anchor + timedelta(days=offset)
        for offset in draw(st.sets(st.integers(-3 * 366, 3 * 366), max_size=40))
    )
    cal = BusinessCalendar(cal.name, cal.timezone, cal.days, cal.hours, cal.holidays | extra)
    return Scenario(cal, scenario.start, scenario.anchor)


def reference(cal: BusinessCalendar) -> BusinessCalendar:
    return BusinessCalendar(cal.name, cal.timezone, cal.days, cal.hours, cal.holidays)


@pytest.mark.slow  # the fast path against the walk; the oracle tests stay quick
@settings(PROPERTY_SETTINGS, max_examples=60)
@given(
    scenario=long_scenarios(),
    spans=st.lists(
        st.tuples(micros(-LONG_DAYS, LONG_DAYS), micros(-30, LONG_DAYS)),
        min_size=1,
        max_size=4,
    ),
)
def test_fast_between_matches_walk(scenario: Scenario, spans: list[tuple[int, int]]) -> None:
    # Several calls per calendar, starting before and after each other, so the table is
    # extended in both directions between calls.
    cal, ref = scenario.cal, reference(scenario.cal)
    for shift, length in spans:
        a = scenario.start + timedelta(microseconds=shift)
        b = a + timedelta(microseconds=length)
        assert cal.between(a, b) == ref._between_walk(a, b), (a, b)


@pytest.mark.slow  # the fast path against the walk; the oracle tests stay quick
@settings(PROPERTY_SETTINGS, max_examples=60)
@given(
    scenario=long_scenarios(),
    calls=st.lists(
        st.tuples(
            micros(-LONG_DAYS, LONG_DAYS),
            # Working time: up to ~3 years of 8h days, or up to 3 days (often whole days).
            st.one_of(
                micros(0, LONG_DAYS // 3),
                st.integers(0, 3 * DAY_MICROSECONDS),
                st.integers(0, 72).map(lambda hours: hours * 3_600_000_000),
            ),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_fast_add_and_next_working_match_walk(
    scenario: Scenario, calls: list[tuple[int, int]]
) -> None:
    cal, ref = scenario.cal, reference(scenario.cal)
    for shift, amount in calls:
        a = scenario.start + timedelta(microseconds=shift)
        duration = timedelta(microseconds=amount)
        due = cal.add(a, duration)
        expected = ref._add_walk(a, duration)
        same_instant(due, expected, cal)
        assert due.fold == expected.fold and due.utcoffset() == expected.utcoffset()
        nxt, expected = cal.next_working(a), ref._next_working_walk(a)
        same_instant(nxt, expected, cal)
        assert nxt.fold == expected.fold


def test_memo_is_not_pickled_compared_or_hashed(ny: BusinessCalendar) -> None:
    import pickle

    fresh = make(holidays=frozenset({THANKSGIVING}), name="ny")
    size = len(pickle.dumps(fresh))
    start = at("America/New_York", 2026, 11, 20, 10)
    due = ny.add(start, 300 * ny.day_length)  # fills ny's memo with over a year of dates
    assert ny == fresh and hash(ny) == hash(fresh) and repr(ny) == repr(fresh)
    assert len(pickle.dumps(ny)) == size
    copy = pickle.loads(pickle.dumps(ny))
    assert copy == ny
    assert copy.between(start, due) == 300 * ny.day_length


# --------------------------------------------------------------------------- public holidays

US_NY = BusinessCalendar("us-ny", "America/New_York", MON_FRI, parse_hours("09:00-17:00"),
                         frozenset({date(2026, 12, 24)}), country="US", subdivision="NY")


def test_public_holidays_are_days_off() -> None:
    us = BusinessCalendar("us", "America/New_York", MON_FRI, parse_hours("09:00-17:00"),
                          frozenset(), country="US")
    for cal in (US_NY, us):
        assert not cal.is_working_day(THANKSGIVING)
        assert not cal.is_working_day(date(2026, 7, 3))  # Independence Day, observed
        assert cal.intervals_on(THANKSGIVING) == []
        assert cal.is_working_day(date(2026, 11, 25))
    # Lincoln's Birthday is a New York holiday, not a federal one.
    assert not US_NY.is_working_day(date(2026, 2, 12))
    assert us.is_working_day(date(2026, 2, 12))
    # The explicit date still counts alongside the public ones.
    assert not US_NY.is_working_day(date(2026, 12, 24))
    # Wednesday 10:00 + 2d skips Thanksgiving (public, not listed) and the weekend.
    wed = at(US_NY.timezone, 2026, 11, 25, 10)
    same_instant(US_NY.add(wed, 2 * US_NY.day_length), at(US_NY.timezone, 2026, 11, 30, 10),
                 US_NY)
    assert US_NY.skipped(wed, at(US_NY.timezone, 2026, 11, 30, 10)) == {
        "nights": 0, "weekend_days": 2, "holidays": 1,
    }


def test_holiday_names_and_holidays_between() -> None:
    assert US_NY.holiday_name(THANKSGIVING) == "Thanksgiving Day"
    assert US_NY.holiday_name(date(2026, 7, 3)) == "Independence Day (observed)"
    assert US_NY.holiday_name(date(2026, 12, 24)) == "holiday"
    assert US_NY.holiday_name(date(2026, 11, 25)) is None
    assert make(holidays=frozenset({THANKSGIVING})).holiday_name(THANKSGIVING) == "holiday"
    got = US_NY.holidays_between(date(2026, 11, 26), date(2027, 1, 1))  # inclusive
    assert got == [THANKSGIVING, date(2026, 12, 24), date(2026, 12, 25), date(2027, 1, 1)]
    assert US_NY.holidays_between(date(2026, 11, 27), date(2026, 12, 23)) == []
    # Weekend holidays are listed too (July 4, 2026 is a Saturday).
    assert date(2026, 7, 4) in US_NY.holidays_between(date(2026, 7, 1), date(2026, 7, 31))
    plain = make(holidays=frozenset({THANKSGIVING, date(2027, 5, 1)}))
    assert plain.holidays_between(date(2026, 1, 1), date(2026, 12, 31)) == [THANKSGIVING]


def test_country_is_part_of_identity() -> None:
    import pickle

    other = BusinessCalendar(US_NY.name, US_NY.timezone, US_NY.days, US_NY.hours,
                             US_NY.holidays, country="US")
    assert other != US_NY and hash(other) != hash(US_NY)
    copy = pickle.loads(pickle.dumps(US_NY))
    assert copy == US_NY and hash(copy) == hash(US_NY) and copy.subdivision == "NY"
    assert not copy.is_working_day(THANKSGIVING)
    with pytest.raises(ValueError, match="needs a country"):
        BusinessCalendar("x", "UTC", MON_FRI, parse_hours("09:00-17:00"), frozenset(),
                         subdivision="NY")
    unknown = BusinessCalendar("x", "UTC", MON_FRI, parse_hours("09:00-17:00"), frozenset(),
                               country="XX")
    with pytest.raises(ValueError, match="XX"):
        unknown.is_working_day(THANKSGIVING)


def test_holidays_library_is_imported_only_when_a_country_needs_it() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from datetime import date, datetime, timedelta, timezone\n"
        "from icsvc.domain.calendar import BusinessCalendar, parse_hours\n"
        "h = parse_hours('09:00-17:00')\n"
        "plain = BusinessCalendar('p', 'UTC', range(5), h, [date(2026, 11, 26)])\n"
        "us = BusinessCalendar('u', 'UTC', range(5), h, [], country='US')\n"
        "start = datetime(2026, 11, 20, 10, tzinfo=timezone.utc)\n"
        "plain.add(start, timedelta(days=30))\n"
        "print('holidays' in sys.modules)\n"
        "us.add(start, timedelta(days=30))\n"
        "print('holidays' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "True"]


def explicit_public_holidays(cal: BusinessCalendar, first: int, last: int) -> BusinessCalendar:
    """``cal`` without a country, its public holidays of ``first..last`` listed instead."""
    listed = set(cal.holidays)
    for year in range(first, last + 1):
        listed.update(cal.holidays_between(date(year, 1, 1), date(year, 12, 31)))
    return BusinessCalendar(cal.name, cal.timezone, cal.days, cal.hours, frozenset(listed))


@settings(PROPERTY_SETTINGS, max_examples=60)
@given(
    days=st.sampled_from([MON_FRI, frozenset({0, 1, 2, 3}), frozenset({6, 0, 1, 2, 3}),
                          ALL_DAYS]),
    hours=st.sampled_from(["09:00-17:00", ["08:00-12:00", "13:00-17:30"], "00:00-24:00",
                           "01:30-03:00"]),
    extra=st.sets(st.dates(date(2025, 1, 1), date(2028, 12, 31)), max_size=5),
    calls=st.lists(
        st.tuples(
            st.integers(0, 4 * 365 * 24 * 60),  # start: minutes into 2025..2028
            st.integers(0, 400 * 24 * 60),  # span for between, in minutes
            st.integers(0, 150 * 8 * 60),  # duration for add, in minutes
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_country_calendar_equals_listing_its_public_holidays(
    days: frozenset[int], hours: str | list[str], extra: set[date],
    calls: list[tuple[int, int, int]],
) -> None:
    cal = BusinessCalendar("us-ny", "America/New_York", days, parse_hours(hours),
                           frozenset(extra), country="US", subdivision="NY")
    # Generous years either side: an `add` from late 2028 may run well into 2029.
    listed = explicit_public_holidays(cal, 2024, 2031)
    origin = at(cal.timezone, 2025, 1, 1)
    for start, span, amount in calls:
        a = origin + timedelta(minutes=start)
        b = a + timedelta(minutes=span)
        assert cal.between(a, b) == listed.between(a, b), (a, b)
        duration = timedelta(minutes=amount)
        same_instant(cal.add(a, duration), listed.add(a, duration), cal)
        same_instant(cal.next_working(a), listed.next_working(a), cal)
        assert cal.skipped(a, b) == listed.skipped(a, b)
