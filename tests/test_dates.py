"""Typed dates: one parser for every date option; a typed date is that calendar day."""

from __future__ import annotations

import warnings
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PROVIDERS, Store, make_store
from icsvc.cli import common as cli
from icsvc.cli import reports as cli_reports
from icsvc.domain.calendar import BusinessCalendar
from icsvc.domain.dates import DAY_FORMS, FORMS, DateError, day_off_note, parse_day, parse_when

# Thanksgiving week: Thursday 26 and Friday 27 November are holidays
NY = BusinessCalendar("ny", "America/New_York", frozenset(range(5)), ((time(9), time(17)),),
                      frozenset({date(2026, 11, 26), date(2026, 11, 27)}))
DXB = BusinessCalendar("dxb", "Asia/Dubai", frozenset({6, 0, 1, 2, 3}), ((time(8), time(16)),),
                       frozenset())
ALL_DAY = BusinessCalendar("24h", "America/Chicago", frozenset(range(7)),
                           ((time(0), time.max),), frozenset())
WED = datetime.fromisoformat("2026-11-25T08:30:00-05:00")  # the issue's morning
TUE = datetime.fromisoformat("2026-11-24T10:00:00-05:00")


def at(text: str, now: datetime = WED, cal: BusinessCalendar = NY) -> str:
    return parse_when(text, now, cal).isoformat()


@pytest.mark.parametrize(("text", "expected"), [
    # a typed date is that day: on a holiday too, at the usual closing time
    ("fri", "2026-11-27T17:00:00-05:00"),
    ("friday", "2026-11-27T17:00:00-05:00"),
    ("next friday", "2026-11-27T17:00:00-05:00"),
    ("friday 3pm", "2026-11-27T15:00:00-05:00"),
    ("3pm friday", "2026-11-27T15:00:00-05:00"),
    ("Friday at 3:30pm", "2026-11-27T15:30:00-05:00"),
    ("thu", "2026-11-26T17:00:00-05:00"),
    ("sat", "2026-11-28T17:00:00-05:00"),
    ("wednesday", "2026-12-02T17:00:00-05:00"),  # a weekday name is the next one, not today
    ("this wednesday", "2026-11-25T17:00:00-05:00"),
    ("today", "2026-11-25T17:00:00-05:00"),
    ("tomorrow", "2026-11-26T17:00:00-05:00"),
    ("today 3pm", "2026-11-25T15:00:00-05:00"),
    ("tomorrow noon", "2026-11-26T12:00:00-05:00"),
    ("noon", "2026-11-25T12:00:00-05:00"),
    ("8am", "2026-11-26T08:00:00-05:00"),  # a time alone is the next such time
    ("eod", "2026-11-25T17:00:00-05:00"),
    ("end of day", "2026-11-25T17:00:00-05:00"),
    ("end of week", "2026-11-25T17:00:00-05:00"),  # the week's last working day
    ("end of month", "2026-11-30T17:00:00-05:00"),
    ("in 3 days", "2026-11-28T17:00:00-05:00"),
    ("in 2 weeks", "2026-12-09T17:00:00-05:00"),
    ("in an hour", "2026-11-25T09:30:00-05:00"),
    ("in 1 month", "2026-12-25T17:00:00-05:00"),
    ("+3d", "2026-11-28T17:00:00-05:00"),
    ("+1w", "2026-12-02T17:00:00-05:00"),
    ("+2h", "2026-11-25T10:30:00-05:00"),
    ("+90m", "2026-11-25T10:00:00-05:00"),
    ("2026-12-07", "2026-12-07T17:00:00-05:00"),
    ("2026-12-07T08:15", "2026-12-07T08:15:00-05:00"),
    ("2026-12-07 08:15", "2026-12-07T08:15:00-05:00"),
    ("2026-12-07T08:15:00Z", "2026-12-07T03:15:00-05:00"),
    ("2026-12-07 15:00 -03:00", "2026-12-07T13:00:00-05:00"),
    ("2026/12/07", "2026-12-07T17:00:00-05:00"),
    ("Dec 7", "2026-12-07T17:00:00-05:00"),
    ("dec 7th", "2026-12-07T17:00:00-05:00"),
    ("7 December", "2026-12-07T17:00:00-05:00"),
    ("7th of December 2026 3pm", "2026-12-07T15:00:00-05:00"),
    ("Monday, December 7, 2026", "2026-12-07T17:00:00-05:00"),
    ("December 7 at 9:30am", "2026-12-07T09:30:00-05:00"),
    ("Jan 5", "2027-01-05T17:00:00-05:00"),  # no year: the next such date
    ("Nov 25", "2026-11-25T17:00:00-05:00"),  # today is still ahead
    ("Nov 24", "2027-11-24T17:00:00-05:00"),
    ("Feb 29", "2028-02-29T17:00:00-05:00"),
    ("25/12", "2026-12-25T17:00:00-05:00"),  # only one reading: day first
    ("12/25/2026", "2026-12-25T17:00:00-05:00"),  # only one reading: month first
    ("07/07/2027", "2027-07-07T17:00:00-04:00"),  # both readings agree
    ("3pm EST", "2026-11-25T15:00:00-05:00"),
    ("3pm PST", "2026-11-25T18:00:00-05:00"),
    ("3pm Europe/London", "2026-11-25T10:00:00-05:00"),
    ("3pm europe/london", "2026-11-25T10:00:00-05:00"),
    ("tomorrow 9am +01:00", "2026-11-26T03:00:00-05:00"),
    ("15:00 UTC", "2026-11-25T10:00:00-05:00"),
])
def test_forms(text: str, expected: str) -> None:
    assert at(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("someday", "'someday' is not a date (accepted: 2026-12-07"),
    ("", "empty (accepted:"),
    ("+3x", "is not a date"),
    ("next week", "is not a date"),
    ("07/12/2026", "'07/12/2026' reads two ways: 7 Dec 2026 (day first) or Jul 12 2026 "
                   "(month first)"),
    ("03/04", "reads two ways"),
    ("13/13/2026", "is not a date"),
    ("2026-13-01", "is not a date"),
    ("2026-02-30", "is not a date"),
    ("Feb 30", "'Feb 30' is not a date: February has no day 30"),
    ("Feb 29 2027", "February 2027 has no day 29"),
    ("Mon Dec 4 2026", "4 December 2026 is a Friday, not a Monday"),
    ("Dec 7 EST", "a time zone goes with a time"),
    ("3pm XYZ", "unknown time zone 'XYZ'"),
    ("3pm Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
    ("3pm IST", "the time zone 'IST' is ambiguous"),
    ("3pm +15:00", "not a UTC offset"),
    ("tomorrow 25:00", "'25:00' is not a time"),
    ("tomorrow 13pm", "'13pm' is not a time"),
    ("-2d", "a date in the past is not accepted here"),
    ("1969-12-31", "out of range (accepted: years 1970 to 2200)"),
    ("2201-01-01T00:00Z", "out of range"),
    ("0001-01-01T00:00+05:00", "out of range"),
    ("+9999w", "out of range"),
])
def test_refusals_are_one_line(text: str, message: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # never a Python warning (dateutil used to warn)
        with pytest.raises(DateError) as caught:
            parse_when(text, WED, NY)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_another_calendar() -> None:
    # Friday and Saturday are the weekend in Dubai: kept, at the closing time
    assert at("fri", TUE, DXB) == "2026-11-27T16:00:00+04:00"
    assert day_off_note(parse_when("fri", TUE, DXB), DXB, "Ops") == (
        "Friday 27 Nov is not a working day in Ops's calendar: work will count from Sun 29 Nov")
    # a calendar open until midnight closes at 23:59 on the day itself
    assert at("2026-12-07", TUE, ALL_DAY) == "2026-12-07T23:59:00-06:00"


def test_day_off_notes() -> None:
    assert day_off_note(parse_when("fri", WED, NY), NY, "Engineering") == (
        "Friday 27 Nov is a holiday in Engineering's calendar: work will count from Mon 30 Nov")
    assert day_off_note(parse_when("sun", WED, NY), NY, "Engineering") == (
        "Sunday 29 Nov is not a working day in Engineering's calendar: work will count from "
        "Mon 30 Nov")
    assert day_off_note(parse_when("tue", WED, NY), NY, "Engineering") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("today", "2026-11-25"), ("yesterday", "2026-11-24"),
    ("wednesday", "2026-11-25"),  # looking back, a weekday name may be today
    ("monday", "2026-11-23"), ("last wednesday", "2026-11-18"),
    ("3 weeks ago", "2026-11-04"), ("-2w", "2026-11-11"), ("a month ago", "2026-10-25"),
    ("Nov 1", "2026-11-01"), ("Dec 24", "2025-12-24"),  # no year: the most recent one
    ("end of month", "2026-11-30"), ("end of week", "2026-11-29"),
    ("2026-11-01", "2026-11-01"), ("1 November 2026", "2026-11-01"),
])
def test_report_days_look_back(text: str, expected: str) -> None:
    assert parse_day(text, WED, ZoneInfo("America/New_York")).isoformat() == expected


def test_report_days_refuse_a_time() -> None:
    with pytest.raises(DateError, match="whole days"):
        parse_day("today 3pm", WED, ZoneInfo("UTC"))


def test_the_help_lists_the_same_forms() -> None:
    assert cli.DATE_FORMS == FORMS
    assert cli_reports.DAY_FORMS == DAY_FORMS
    for form in ("next friday", "in 3 days", "eod", "end of week", "noon", "3pm EST"):
        assert form in FORMS


@settings(max_examples=150, deadline=None)
@given(st.dates(date(1970, 1, 2), date(2199, 12, 30)), st.sampled_from([NY, DXB, ALL_DAY]))
def test_a_typed_date_is_that_day(day: date, cal: BusinessCalendar) -> None:
    """Every spelling of a date gives the same instant, on that very calendar day."""
    now = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))
    forms = [day.isoformat(), f"{day:%b} {day.day} {day.year}", f"{day.day} {day:%B %Y}",
             f"{day:%A}, {day:%B} {day.day}, {day.year}", f"{day.year}/{day.month}/{day.day}"]
    values = {parse_when(form, now, cal) for form in forms}
    assert len(values) == 1
    value = values.pop()
    assert value.astimezone(cal.tz).date() == day
    assert (day_off_note(value, cal, "X") is None) == cal.is_working_day(day)


@settings(max_examples=100, deadline=None)
@given(st.dates(date(2000, 1, 1), date(2100, 12, 31)), st.integers(1, 12), st.integers(1, 28))
def test_yearless_dates_are_the_next_one(today: date, month: int, day: int) -> None:
    now = datetime.combine(today, time(12), tzinfo=NY.tz)
    got = parse_when(f"{date(2000, month, day):%b} {day}", now, NY).date()
    assert (got.month, got.day) == (month, day)
    assert today <= got < today + timedelta(days=366)
    past = parse_day(f"{date(2000, month, day):%b} {day}", now, NY.tz)
    assert today - timedelta(days=366) < past <= today


# -- end to end: every date option goes through the parser and says when a day is off ------

HOLIDAY_FRIDAY = PROVIDERS.replace("holidays: [2026-11-26, 2026-12-25]",
                                   "holidays: [2026-11-26, 2026-11-27, 2026-12-25]")
ISSUE_NOW = "2026-11-25T08:30:00-05:00"
DRAWING = ["-p", "engineering", "-s", "drawing-review", "-t", "Check the drawing",
           "--justification", "j"]


@pytest.fixture
def thanksgiving(tmp_path) -> Store:  # type: ignore[no-untyped-def]
    return make_store(tmp_path / "store", HOLIDAY_FRIDAY)


def test_needed_by_on_a_holiday_is_kept_and_said(thanksgiving: Store) -> None:
    r = thanksgiving.ok("new", *DRAWING, "--needed-by", "fri", "-f", "json",
                        actor="maria@example.com", now=ISSUE_NOW)
    assert r.json()["needed_by"] == "2026-11-27T17:00:00-05:00"
    assert r.err == ("note: Friday 27 Nov is a holiday in Engineering's calendar: work will "
                     "count from Mon 30 Nov\n")
    r = thanksgiving.ok("new", *DRAWING, "--needed-by", "friday 3pm", actor="maria@example.com",
                        now=ISSUE_NOW)
    rid = r.out.split()[1]
    data = yaml.safe_load(thanksgiving.request_file(rid).read_text())
    assert data["needed_by"].isoformat() == "2026-11-27T15:00:00-05:00"
    assert "  note: Friday 27 Nov is a holiday" in r.out and r.err == ""


def test_promises_take_the_same_forms(thanksgiving: Store) -> None:
    rid = thanksgiving.new(*DRAWING, now=ISSUE_NOW)
    r = thanksgiving.ok("triage", rid, "--ack", "--promise", "next friday noon",
                        actor="ana@example.com", now=ISSUE_NOW)
    assert "promised Fri 2026-11-27 12:00 -0500" in r.out
    assert "note: Friday 27 Nov is a holiday in Engineering's calendar" in r.out
    r = thanksgiving.ok("update", rid, "--promise", "Dec 2 3pm Europe/London", "--note",
                        "CNC time moved", actor="ana@example.com", now=ISSUE_NOW)
    assert "promised Wed 2026-12-02 10:00 -0500" in r.out and r.err == ""
    r = thanksgiving.fails("update", rid, "--promise", "07/12/2026", code=2,
                           actor="ana@example.com", now=ISSUE_NOW)
    assert r.err.startswith("icsvc: error: --promise: '07/12/2026' reads two ways")
    assert r.err.count("\n") == 1


def test_a_new_need_by_date_takes_the_same_forms(thanksgiving: Store) -> None:
    rid = thanksgiving.new(*DRAWING, "--needed-by", "Dec 14", now=ISSUE_NOW)
    r = thanksgiving.ok("update", rid, "--needed-by", "friday 4pm", "--note", "The line moved",
                        actor="maria@example.com", now=ISSUE_NOW)
    assert "note: Friday 27 Nov is a holiday in Engineering's calendar" in r.out
    data = thanksgiving.ok("show", rid, "-f", "json").json()
    assert data["needed_by"] == "2026-11-27T16:00:00-05:00"


def test_report_days_use_the_parser(store: Store) -> None:
    data = store.ok("report", "--since", "monday", "--until", "today", "-f", "json",
                    now="2026-11-25T08:30:00-05:00").json()
    assert data["period"]["label"] == "2026-11-23 to 2026-11-25"
    r = store.fails("report", "--since", "Dec 7 3pm", code=2)
    assert "whole days" in r.err and r.err.count("\n") == 1
