"""Durations: small pure functions with exact expectations (typed dates: test_dates.py)."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from icsvc.domain.calendar import BusinessCalendar
from icsvc.domain.durations import Duration, format_timedelta, parse_duration

NY = BusinessCalendar("ny", "America/New_York", frozenset(range(5)),
                      ((time(9), time(17)),), frozenset({date(2026, 11, 26)}))
SUN_THU = BusinessCalendar("dxb", "Asia/Dubai", frozenset({6, 0, 1, 2, 3}),
                           ((time(8), time(16)),), frozenset())


@pytest.mark.parametrize(("text", "hours"), [
    ("30m", 0.5), ("4h", 4), ("2d", 16), ("1w", 40), ("1d4h", 12), ("1h30m", 1.5),
    ("2D", 16),
])
def test_durations_in_a_calendar(text: str, hours: float) -> None:
    assert parse_duration(text).in_calendar(NY) == timedelta(hours=hours)


@pytest.mark.parametrize("bad", ["", "4", 4, "4x", "h4", "1h1d", "1h 1h", "-2h", True, None,
                                 "2.5h", [1]])
def test_bad_durations_name_what_is_accepted(bad: object) -> None:
    with pytest.raises(ValueError, match="accepted: a number and unit"):
        parse_duration(bad)


@given(st.integers(0, 10), st.integers(0, 10), st.integers(0, 23), st.integers(0, 59))
def test_duration_round_trip(w: int, d: int, h: int, m: int) -> None:
    parts = "".join(f"{n}{u}" for n, u in ((w, "w"), (d, "d"), (h, "h"), (m, "m")) if n)
    if not parts:
        return
    parsed = parse_duration(parts)
    assert parsed == Duration(parts, w, d, h, m)
    assert parsed.in_calendar(NY) == timedelta(hours=40 * w + 8 * d + h, minutes=m)


def test_format_timedelta() -> None:
    day = timedelta(hours=8)
    assert format_timedelta(timedelta(hours=11), day) == "1d 3h"
    assert format_timedelta(timedelta(minutes=45), day) == "45m"
    assert format_timedelta(timedelta(minutes=-130), day) == "-2h 10m"
    assert format_timedelta(timedelta(0), day) == "0m"
