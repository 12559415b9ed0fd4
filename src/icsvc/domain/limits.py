"""Every bound icsvc puts on what it reads, in one place.

A store is shared through git, so any file in it may come from someone else: each limit
keeps one hostile or mistaken file from stopping every command (a billion-laughs note, a
duration of ten thousand years, a date in year 9999, a FIFO where a request should be).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

REQUEST_FILE_BYTES = 256 * 1024
"""A request file larger than this is refused (the biggest real ones are a few KiB)."""

PROVIDERS_FILE_BYTES = 2 * 1024 * 1024
"""providers.yaml larger than this is refused."""

ALIAS_EXPANSION_NODES = 100_000
"""providers.yaml may use YAML anchors and aliases (a shared SLA block, say), but not expand
to more nodes than this. Request files may not use them at all."""

EARLIEST = date(1970, 1, 1)
LATEST = date(2200, 12, 31)
DATE_RANGE = f"dates from {EARLIEST.isoformat()} to {LATEST.isoformat()}"
"""Every date and time read (files, options, ICSVC_NOW) must fall in this range."""

MAX_DURATION = timedelta(days=5 * 365 + 1)
MAX_DURATION_TEXT = "at most 5 years, e.g. 260w or 1826d"
"""A duration (SLA target, lead time) counts weeks as 7 days and days as 1 for this bound."""

MAX_COST = 1e15
"""`impact.cost`: a finite amount from 0 to this (sums of many stay finite)."""

NUMBER_DIGITS = 100
"""A whole number read (YAML, JSON) may have at most this many digits: Python refuses to
print one of more than 4,300, so a longer one would stop every command that names it."""

EVENT_FILE_BYTES = 4 * 1024 * 1024
"""A GitHub event (`icsvc intake --event`) larger than this is refused (an issue body holds
at most 65,536 characters; a whole event is a few dozen KiB)."""

NOTIFY_RECORD_BYTES = 16 * 1024 * 1024
"""`.icsvc/notify.json`, the record of what was sent, larger than this is refused."""

JSON_DEPTH = 64
"""JSON read (an event, the notification record) may nest lists and objects this deep at
most (GitHub's events nest fewer than ten)."""

MAX_ISSUE_NUMBER = 2**31 - 1
"""The largest GitHub issue number (a 32-bit integer in GitHub's API)."""

QUARTER_RANGE = f"quarters from {EARLIEST.year}Q1 to {LATEST.year}Q4"
"""Quarters typed or read must fall in `DATE_RANGE` too."""


def date_in_range(value: date | datetime) -> bool:
    """Whether a date, or an instant (by its own calendar date), lies in `DATE_RANGE`."""
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST <= day <= LATEST
