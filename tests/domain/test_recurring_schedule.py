"""The schedule arithmetic of recurring requests (`domain/recurring.py`) against a
brute-force walk over every day, and its edges: Feb 29, month ends, holidays, DST."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from icsvc.domain.calendar import BusinessCalendar
from icsvc.domain.recurring import Schedule, due, occurrence, parse_key

NY = "America/New_York"


def calendar(days: frozenset[int] = frozenset(range(5)), holidays: frozenset[date] = frozenset(),
             tz: str = NY) -> BusinessCalendar:
    return BusinessCalendar("c", tz, days, ((time(9), time(17)),), holidays)


# -- brute force: one day at a time ------------------------------------------------------


def brute_nominal(s: Schedule, start: date, end: date) -> list[date]:
    out, day = [], start
    while day <= end:
        if s.kind == "monthly":
            hit = day.day == 1
        elif s.anchor is not None:
            hit = day >= s.anchor and (day - s.anchor).days % (7 * s.every) == 0
        else:
            hit = day.weekday() == s.weekday
        if hit:
            out.append(day)
        day += timedelta(days=1)
    return out


def brute_day(s: Schedule, nominal: date, cal: BusinessCalendar) -> date | None:
    if s.kind == "monthly":
        days, day = [], nominal
        while day.month == nominal.month:
            days.append(day)
            day += timedelta(days=1)
        if s.which == "last-working-day":
            days.reverse()
        return next((d for d in days if cal.is_working_day(d)), None)
    day = nominal
    while (nominal - day).days < 7 * s.every:
        if cal.is_working_day(day):
            return day
        day -= timedelta(days=1)
    return None


def brute_create_day(day: date, ahead: int, cal: BusinessCalendar) -> date:
    found = day
    while ahead:
        found -= timedelta(days=1)
        if cal.is_working_day(found):
            ahead -= 1
    return found


days = st.dates(date(2024, 1, 1), date(2030, 12, 31))
schedules = st.one_of(
    st.builds(lambda w, a: Schedule("weekly", every=w, weekday=a.weekday(), anchor=a),
              st.integers(1, 6), days),
    st.builds(lambda wd: Schedule("weekly", every=1, weekday=wd), st.integers(0, 6)),
    st.builds(lambda a: Schedule("pay_period", every=2, weekday=4,
                                 anchor=a + timedelta(days=(4 - a.weekday()) % 7)), days),
    st.sampled_from([Schedule("monthly", which="first-working-day"),
                     Schedule("monthly", which="last-working-day")]),
)
calendars = st.builds(
    lambda d, h: calendar(frozenset(d), frozenset(h)),
    st.sets(st.integers(0, 6), min_size=1, max_size=7),
    st.sets(days, max_size=40))


@settings(max_examples=80, deadline=None)
@given(schedules, days, st.integers(0, 120), calendars, st.integers(0, 5))
def test_schedule_matches_a_day_walk(s: Schedule, start: date, span: int,
                                     cal: BusinessCalendar, ahead: int) -> None:
    end = start + timedelta(days=span)
    nominal = list(s.nominal(start, end))
    assert nominal == brute_nominal(s, start, end)
    for n in nominal:
        occ = occurrence(s, n, ahead, cal)
        day = brute_day(s, n, cal)
        if day is None:
            assert occ is None
            continue
        assert occ is not None and occ.day == day
        assert occ.need_by == datetime.combine(day, time(17), ZoneInfo(NY))
        assert occ.create_at == datetime.combine(brute_create_day(day, ahead, cal), time(9),
                                                 ZoneInfo(NY))
        assert parse_key(occ.key) == n


@settings(max_examples=40, deadline=None)
@given(schedules, calendars, st.integers(0, 3), days,
       st.lists(st.integers(1, 40), min_size=1, max_size=12))
def test_runs_at_any_times_make_each_occurrence_once(
        s: Schedule, cal: BusinessCalendar, ahead: int, first: date, gaps: list[int]) -> None:
    """However often or rarely it runs, each occurrence is made once, and once one was made
    every later one due is made (a missed run catches up)."""
    tz = ZoneInfo(NY)
    made: list[str] = []
    now = datetime.combine(first, time(12), tz)
    for gap in [0, *gaps]:
        now += timedelta(days=gap)
        last = max((parse_key(k) for k in made), default=None)
        found = due(s, ahead, cal, now, last)
        again = due(s, ahead, cal, now, max((parse_key(k) for k in made + [o.key for o in found]),
                                            default=last))
        assert again == []  # a second run at the same time makes nothing
        made.extend(o.key for o in found)
    assert len(made) == len(set(made))
    if made:
        first_made = parse_key(made[0])
        assert first_made is not None
        expected = []
        for n in brute_nominal(s, first_made, now.date() + timedelta(days=400)):
            occ = occurrence(s, n, ahead, cal)
            if occ is not None and occ.create_at <= now:
                expected.append(occ.key)
        assert made == expected


def test_first_run_makes_only_what_is_still_needed() -> None:
    cal = calendar()
    s = Schedule("pay_period", every=2, weekday=4, anchor=date(2026, 1, 9))
    now = datetime(2026, 3, 4, 10, tzinfo=ZoneInfo(NY))  # a Wednesday
    found = due(s, 2, cal, now, None)
    assert [o.key for o in found] == ["2026-03-06"]
    # with the one before made, the same run catches up from there
    assert [o.key for o in due(s, 2, cal, now, date(2026, 2, 6))] == ["2026-02-20",
                                                                       "2026-03-06"]


def test_feb_29_and_month_ends() -> None:
    cal = calendar()
    leap = Schedule("weekly", every=52, weekday=date(2028, 2, 29).weekday(),
                    anchor=date(2028, 2, 29))
    assert list(leap.nominal(date(2028, 1, 1), date(2029, 12, 31))) == [
        date(2028, 2, 29), date(2029, 2, 27)]
    last = Schedule("monthly", which="last-working-day")
    # Feb 2026 ends on a Saturday: the last working day is Friday the 27th
    occ = occurrence(last, date(2026, 2, 1), 0, cal)
    assert occ is not None and occ.day == date(2026, 2, 27) and occ.key == "2026-02"
    occ = occurrence(last, date(2028, 2, 1), 0, cal)  # Feb 29 2028 is a Tuesday
    assert occ is not None and occ.day == date(2028, 2, 29)
    first = Schedule("monthly", which="first-working-day")
    holidays = calendar(holidays=frozenset({date(2027, 1, 1)}))
    occ = occurrence(first, date(2027, 1, 1), 1, holidays)  # Jan 1 a Friday and a holiday
    assert occ is not None and occ.day == date(2027, 1, 4)
    assert occ.create_at.date() == date(2026, 12, 31)  # a working day before, last year
    assert list(first.nominal(date(2026, 12, 2), date(2027, 2, 1))) == [
        date(2027, 1, 1), date(2027, 2, 1)]


def test_a_holiday_moves_the_day_not_the_key() -> None:
    s = Schedule("pay_period", every=2, weekday=4, anchor=date(2026, 12, 11))
    before = occurrence(s, date(2026, 12, 25), 0, calendar())
    after = occurrence(s, date(2026, 12, 25), 0,
                       calendar(holidays=frozenset({date(2026, 12, 25), date(2026, 12, 24)})))
    assert before is not None and after is not None
    assert (before.key, before.day) == ("2026-12-25", date(2026, 12, 25))
    assert (after.key, after.day) == ("2026-12-25", date(2026, 12, 23))
    # no working day at all since the previous occurrence: none
    assert occurrence(s, date(2026, 12, 25), 0, calendar(days=frozenset({0}),
                      holidays=frozenset({date(2026, 12, 14), date(2026, 12, 21)}))) is None


def test_dst_days_keep_local_hours() -> None:
    for tz, day in ((NY, date(2026, 3, 8)), (NY, date(2026, 11, 1)),
                    ("Europe/London", date(2026, 3, 29))):
        cal = calendar(days=frozenset(range(7)), tz=tz)
        s = Schedule("weekly", every=1, weekday=6)  # Sundays, the days clocks change
        occ = occurrence(s, day, 0, cal)
        assert occ is not None
        assert occ.need_by == datetime.combine(day, time(17), ZoneInfo(tz))
        assert occ.create_at == datetime.combine(day, time(9), ZoneInfo(tz))


def test_describe() -> None:
    assert Schedule("pay_period", every=2, weekday=4, anchor=date(2026, 1, 9)).describe() == \
        "each pay period (every second fri from 2026-01-09)"
    assert Schedule("monthly", which="first-working-day").describe() == \
        "the first working day of each month"
    assert parse_key("2026-13") is None and parse_key("nope") is None
