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


def date_in_range(value: date | datetime) -> bool:
    """Whether a date, or an instant (by its own calendar date), lies in `DATE_RANGE`."""
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST <= day <= LATEST
