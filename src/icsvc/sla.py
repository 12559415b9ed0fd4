"""The SLA clocks of a request, worked out from its history and its provider's calendar.

Rules (see the README's "SLA clock" section):
- Clocks start when the request was created, or at its latest redirect (the new provider's
  clocks start then), and run only in the provider's business hours.
- They pause while the request is `waiting-on-customer`, and while it sat `resolved` before
  being reopened.
- `acknowledge` is met by the first provider response: a status change to anything but
  `new`/`cancelled` (acknowledge, need-info, decline, resolve...). A redirect meets the old
  provider's clock and starts the new one.
- `resolve` is met when the request reaches `resolved`, `closed` or `declined`; a
  cancellation stops the clocks where they stand.
- `update` (where the SLA has an update interval) applies to open, acknowledged requests:
  it is due one interval after the last progress note, progress change or status change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from icsvc.calendar import BusinessCalendar
from icsvc.durations import parse_duration
from icsvc.lifecycle import DONE
from icsvc.model import Request

STATES = ("ok", "at-risk", "breached", "met", "paused")
RESOLVING = frozenset({"resolved", "closed", "declined"})
PAUSING = frozenset({"waiting-on-customer", "resolved"})


@dataclass
class Clock:
    name: str
    target: timedelta
    start: datetime
    due: datetime
    state: str
    elapsed: timedelta
    met_at: datetime | None = None
    pauses: list[tuple[datetime, datetime | None]] = field(default_factory=list)

    @property
    def left(self) -> timedelta:
        return self.target - self.elapsed


@dataclass
class Timeline:
    start: datetime
    statuses: list[tuple[datetime, str]]
    """(when, status) from the clock start, in history order."""


def timeline(request: Request) -> Timeline:
    start = request.created_at
    statuses: list[tuple[datetime, str]] = [(start, "new")]
    for entry in request.history:
        if entry.type == "redirect":
            start = entry.at
            statuses = [(entry.at, "new")]
        elif entry.type == "status" and entry.get("to"):
            statuses.append((entry.at, str(entry.get("to"))))
    return Timeline(start, statuses)


def _pauses(tl: Timeline, final_status: str) -> list[tuple[datetime, datetime | None]]:
    """Intervals that do not count: waiting on the customer, or resolved then reopened."""
    out: list[tuple[datetime, datetime | None]] = []
    open_at: datetime | None = None
    for i, (at, status) in enumerate(tl.statuses):
        pausing = status == "waiting-on-customer" or (
            status == "resolved" and i < len(tl.statuses) - 1
        )
        if pausing and open_at is None:
            open_at = at
        elif not pausing and open_at is not None:
            out.append((open_at, at))
            open_at = None
    if open_at is not None:
        out.append((open_at, None))
    return out


def _active_time(cal: BusinessCalendar, start: datetime, end: datetime,
                 pauses: list[tuple[datetime, datetime | None]]) -> timedelta:
    total = timedelta(0)
    cursor = start
    for ps, pe in pauses:
        if ps >= end:
            break
        total += cal.between(cursor, min(ps, end))
        if pe is None:
            return total
        cursor = max(cursor, pe)
    if cursor < end:
        total += cal.between(cursor, end)
    return total


def _due(cal: BusinessCalendar, start: datetime, target: timedelta,
         pauses: list[tuple[datetime, datetime | None]], now: datetime) -> datetime:
    remaining = target
    cursor = start
    for ps, pe in pauses:
        if ps < cursor:
            if pe is None:
                return cal.add(max(now, cursor), remaining)
            cursor = max(cursor, pe)
            continue
        avail = cal.between(cursor, ps)
        if avail >= remaining:
            return cal.add(cursor, remaining)
        remaining -= avail
        if pe is None:  # paused now: project as if the clock resumed now
            return cal.add(max(now, ps), remaining)
        cursor = pe
    return cal.add(cursor, remaining)


def _state(clock_due: datetime, met_at: datetime | None, now: datetime, paused: bool,
           left: timedelta, target: timedelta, at_risk: float) -> str:
    if met_at is not None:
        return "met" if met_at <= clock_due else "breached"
    if now > clock_due:
        return "breached"
    if paused:
        return "paused"
    if left < target * at_risk:
        return "at-risk"
    return "ok"


def clocks(request: Request, cal: BusinessCalendar, now: datetime,
           at_risk: float = 0.25) -> dict[str, Clock]:
    """The `acknowledge`, `resolve` and (when the SLA sets one) `update` clocks."""
    tl = timeline(request)
    pauses = _pauses(tl, request.status)
    paused_now = request.status == "waiting-on-customer"
    ack_at = next((at for at, s in tl.statuses[1:] if s not in ("new", "cancelled")), None)
    done_at: datetime | None = None
    for at, status in tl.statuses:
        if status in DONE and done_at is None:
            done_at = at
        elif status not in DONE:
            done_at = None
    cancelled = request.status == "cancelled"
    out: dict[str, Clock] = {}
    for name, met_at in (("acknowledge", ack_at), ("resolve", done_at)):
        target = parse_duration(request.targets[name]).in_calendar(cal)
        stop = met_at
        if cancelled and name == "acknowledge" and ack_at is None:
            stop = done_at
        until = stop if stop is not None else max(now, tl.start)
        elapsed = _active_time(cal, tl.start, until, pauses)
        due = _due(cal, tl.start, target, pauses, now)
        state = _state(due, stop, now, paused_now, target - elapsed, target, at_risk)
        out[name] = Clock(name, target, tl.start, due, state, elapsed, stop, pauses)
    if request.targets.get("update"):
        out["update"] = _update_clock(request, cal, now, at_risk, tl, paused_now)
    return out


def _update_clock(request: Request, cal: BusinessCalendar, now: datetime, at_risk: float,
                  tl: Timeline, paused_now: bool) -> Clock:
    target = parse_duration(request.targets["update"]).in_calendar(cal)
    last = tl.start
    for entry in request.history:
        if entry.at >= tl.start and entry.type in ("note", "progress", "status"):
            last = max(last, entry.at)
    due = cal.add(last, target)
    active = request.status in ("acknowledged", "in-progress")
    if not active:
        state = "paused" if paused_now else ("met" if request.status in DONE else "ok")
        return Clock("update", target, last, due, state, timedelta(0))
    elapsed = cal.between(last, max(now, last))
    state = _state(due, None, now, False, target - elapsed, target, at_risk)
    return Clock("update", target, last, due, state, elapsed)


def promise_state(request: Request, now: datetime) -> str | None:
    """`kept`, `broken` or `pending` for the current promise; None when nothing is promised."""
    if request.promised_by is None:
        return None
    resolved_at = next(
        (e.at for e in reversed(request.history)
         if e.type == "status" and e.get("to") in RESOLVING), None,
    )
    if request.status in RESOLVING and resolved_at is not None:
        return "kept" if resolved_at <= request.promised_by else "broken"
    if request.status == "cancelled":
        return None
    return "broken" if now > request.promised_by else "pending"
