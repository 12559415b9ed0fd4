"""Benchmark: business-time arithmetic of icsvc.domain.calendar over long spans.

    python benchmarks/bench_calendar.py [--calls N]

Times N calls each of `between` (spans of 1-500 days), `add` (durations of 1-300 working
days) and `next_working` on a Mon-Fri 09:00-12:00,13:00-17:00 New York calendar with
holidays, using a fresh calendar (cold caches) for each block. Prints seconds per block and
microseconds per call. Nothing is asserted: speed is measured, not tested.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from icsvc.domain.calendar import BusinessCalendar, parse_days, parse_hours  # noqa: E402


def calendar() -> BusinessCalendar:
    holidays = frozenset(
        date(year, month, day)
        for year in range(2024, 2029)
        for month, day in ((1, 1), (7, 4), (11, 26), (12, 25), (12, 26))
    )
    return BusinessCalendar(
        "bench", "America/New_York", parse_days(["mon", "tue", "wed", "thu", "fri"]),
        parse_hours(["09:00-12:00", "13:00-17:00"]), holidays,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(11)
    origin = datetime(2025, 6, 1, tzinfo=ZoneInfo("America/New_York"))
    starts = [origin + timedelta(minutes=rng.randrange(0, 60 * 24 * 540))
              for _ in range(args.calls)]
    spans = [timedelta(days=rng.uniform(1, 500)) for _ in range(args.calls)]
    durations = [timedelta(minutes=rng.randrange(1, 300 * 7 * 60)) for _ in range(args.calls)]

    def between() -> None:
        cal = calendar()
        for a, span in zip(starts, spans, strict=True):
            cal.between(a, a + span)

    def add() -> None:
        cal = calendar()
        for a, d in zip(starts, durations, strict=True):
            cal.add(a, d)

    def next_working() -> None:
        cal = calendar()
        for a in starts:
            cal.next_working(a)

    print(f"{'operation':<14} {'calls':>7} {'seconds':>9} {'us/call':>9}")
    for name, fn in (("between", between), ("add", add), ("next_working", next_working)):
        began = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - began
        print(f"{name:<14} {args.calls:>7} {elapsed:>9.3f} {elapsed / args.calls * 1e6:>9.1f}")


if __name__ == "__main__":
    main()
