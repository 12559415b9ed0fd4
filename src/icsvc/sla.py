"""The SLA clocks of a request, worked out from its history and its provider's calendar.

Rules (see the README's "Provider's day" section):
- Clocks start when the request was created, or at its latest redirect (the new provider's
  clocks start then), and run only in the provider's business hours.
- They pause while the request is `waiting-on-customer`, and while it sat `resolved` before
  being reopened. A paused clock's `due` is projected as if it resumed now.
- `acknowledge` is met by the first provider response: a status change to anything but
  `new`/`cancelled` (acknowledge, need-info, decline, resolve...). A redirect meets the old
  provider's clock and starts the new one.
- `resolve` is met when the request reaches `resolved`, `closed` or `declined`. A
  cancellation stops the clocks where they stand: `breached` if they were already late,
  else `ok` (`stopped_at` says when), never `met`.
- `update` (where the SLA has an update interval) applies to open, acknowledged requests:
  it is due one interval after the last status change or provider progress note (a `note`,
  a `progress` change, or any change the provider explains with a note; a requester's
  comment does not count). A finished request's update clock is `met`,
  or `breached` if any such gap was longer than the interval.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from icsvc.calendar import BusinessCalendar
from icsvc.durations import parse_duration
from icsvc.model import Entry, Request

STATES = ("ok", "at-risk", "breached", "met", "paused")
RESOLVING = frozenset({"resolved", "closed", "declined"})
PAUSING = frozenset({"waiting-on-customer", "resolved"})
UPDATE_ACTIVE = frozenset({"acknowledged", "in-progress"})
"""Statuses in which the provider owes the customer progress updates."""

Span = tuple[datetime, datetime | None]
"""A time span; `None` as the end means open-ended."""


@dataclass
class Clock:
    name: str
    target: timedelta
    start: datetime
    due: datetime
    state: str
    elapsed: timedelta
    met_at: datetime | None = None
    pauses: list[Span] = field(default_factory=list)
    windows: list[Span] = field(default_factory=list)
    """When the clock runs: from `start`, minus the pauses (a pause still open is taken to
    end now); the last window is open-ended. `due` is where `target` of business time inside
    these windows runs out."""
    stopped_at: datetime | None = None
    """When a cancellation stopped the clock."""

    @property
    def left(self) -> timedelta:
        return self.target - self.elapsed


@dataclass
class Timeline:
    start: datetime
    statuses: list[tuple[datetime, str]]
    """(when, status) from the clock start, in history order."""
    start_index: int = 0
    """Index in the history of the entry that started the clocks (created or redirect)."""
    redirect: Entry | None = None
    """The latest redirect, when the clocks started there."""


def timeline(request: Request) -> Timeline:
    tl = Timeline(request.created_at, [(request.created_at, "new")])
    for i, entry in enumerate(request.history):
        if entry.type == "redirect":
            tl = Timeline(entry.at, [(entry.at, "new")], i, entry)
        elif entry.type == "status" and entry.get("to"):
            tl.statuses.append((entry.at, str(entry.get("to"))))
    return tl


def _pauses(tl: Timeline) -> list[Span]:
    """Intervals that do not count: waiting on the customer, or resolved then reopened."""
    out: list[Span] = []
    paused_at: datetime | None = None
    last = len(tl.statuses) - 1
    for i, (at, status) in enumerate(tl.statuses):
        reopened = status == "resolved" and i < last and tl.statuses[i + 1][1] not in RESOLVING
        pausing = status == "waiting-on-customer" or reopened
        if pausing and paused_at is None:
            paused_at = at
        elif not pausing and paused_at is not None:
            out.append((paused_at, at))
            paused_at = None
    if paused_at is not None:
        out.append((paused_at, None))
    return out


def _truncate(pauses: list[Span], end: datetime) -> list[Span]:
    """The pauses before `end` (a clock that stopped at `end` ignores later pauses)."""
    return [(ps, end if pe is None or pe > end else pe) for ps, pe in pauses if ps < end]


def windows(start: datetime, pauses: list[Span], now: datetime) -> list[Span]:
    """When a clock started at `start` runs, given its pauses; an open pause resumes now."""
    out: list[Span] = []
    cursor = start
    for ps, pe in pauses:
        resume = pe if pe is not None else max(now, ps)
        if ps > cursor:
            out.append((cursor, ps))
        cursor = max(cursor, resume)
    out.append((cursor, None))
    return out


def measure(cal: BusinessCalendar, spans: list[Span], target: timedelta,
            until: datetime) -> tuple[timedelta, datetime]:
    """In one pass over `spans`: the business time inside them before `until`, and the
    instant `target` of business time inside them runs out (the due date). A window wholly
    before `until` is measured once and serves both."""
    elapsed = timedelta(0)
    remaining = target
    due: datetime | None = None
    for a, b in spans:
        if due is not None and a >= until:
            break
        whole = cal.between(a, b) if b is not None else None
        if a < until:
            if b is not None and whole is not None and b <= until:
                elapsed += whole
            else:
                elapsed += cal.between(a, until if b is None else min(b, until))
        if due is None:
            if whole is not None and whole < remaining:
                remaining -= whole
            else:
                due = cal.add(a, remaining)
    if due is None:  # pragma: no cover - the last window is open-ended
        raise AssertionError("the last window is open-ended")
    return elapsed, due


def _resolved_since(statuses: list[tuple[datetime, str]]) -> datetime | None:
    """When the current run of resolving statuses began (resolved then closed: resolved)."""
    since: datetime | None = None
    for at, status in statuses:
        if status not in RESOLVING:
            since = None
        elif since is None:
            since = at
    return since


def resolved_since(request: Request) -> datetime | None:
    """When the request was (last) resolved, or None if it is not resolved now."""
    return _resolved_since(timeline(request).statuses)


def _state(due: datetime, met_at: datetime | None, stopped_at: datetime | None,
           now: datetime, paused: bool, left: timedelta, target: timedelta,
           at_risk: float) -> str:
    if met_at is not None:
        return "met" if met_at <= due else "breached"
    if stopped_at is not None:
        return "breached" if stopped_at > due else "ok"
    if now > due:
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
    pauses = _pauses(tl)
    paused_now = request.status == "waiting-on-customer"
    ack_at = next((at for at, s in tl.statuses[1:] if s not in ("new", "cancelled")), None)
    resolved_at = _resolved_since(tl.statuses)
    cancelled_at = tl.statuses[-1][0] if request.status == "cancelled" else None
    out: dict[str, Clock] = {}
    for name, met_at in (("acknowledge", ack_at), ("resolve", resolved_at)):
        target = parse_duration(request.targets[name]).in_calendar(cal)
        stopped_at = cancelled_at if met_at is None else None
        end = met_at or stopped_at
        own_pauses = _truncate(pauses, end) if end is not None else pauses
        spans = windows(tl.start, own_pauses, now)
        elapsed, due = measure(cal, spans, target, end or max(now, tl.start))
        state = _state(due, met_at, stopped_at, now, paused_now and end is None,
                       target - elapsed, target, at_risk)
        out[name] = Clock(name, target, tl.start, due, state, elapsed, met_at, own_pauses,
                          spans, stopped_at)
    if request.targets.get("update"):
        out["update"] = _update_clock(request, cal, now, at_risk, tl)
    return out


def is_update(entry: Entry, request: Request) -> bool:
    """Whether an entry keeps the customer informed (resets the update clock): a status
    change, or the provider's progress note, progress change or any change with a note."""
    if entry.type == "status":
        return True
    if entry.by == request.customer_email:
        return False
    return entry.type in ("note", "progress") or (
        bool(entry.get("note")) and entry.type not in ("escalation", "feedback", "conflict"))


def _update_clock(request: Request, cal: BusinessCalendar, now: datetime, at_risk: float,
                  tl: Timeline) -> Clock:
    target = parse_duration(request.targets["update"]).in_calendar(cal)
    status = "new"
    last = tl.start
    late_before = False
    for entry in request.history[tl.start_index + 1:]:
        if not is_update(entry, request):
            continue
        if status in UPDATE_ACTIVE and cal.between(last, entry.at) > target:
            late_before = True
        last = max(last, entry.at)
        if entry.type == "status" and entry.get("to"):
            status = str(entry.get("to"))
    if request.status in UPDATE_ACTIVE:
        due = cal.add(last, target)
        elapsed = cal.between(last, max(now, last))
        state = _state(due, None, None, now, False, target - elapsed, target, at_risk)
        return Clock("update", target, last, due, state, elapsed, windows=[(last, None)])
    if request.status == "waiting-on-customer":
        resume = max(now, last)
        return Clock("update", target, last, cal.add(resume, target), "paused", timedelta(0),
                     windows=[(resume, None)])
    if request.status == "new":
        return Clock("update", target, last, cal.add(last, target), "ok", timedelta(0),
                     windows=[(last, None)])
    state = "breached" if late_before else "met"
    return Clock("update", target, last, cal.add(last, target), state, timedelta(0),
                 met_at=last, windows=[(last, None)])


def update_overdue(all_clocks: dict[str, Clock]) -> bool:
    """An open, acknowledged request whose last progress update is older than the interval."""
    clock = all_clocks.get("update")
    return clock is not None and clock.met_at is None and clock.state == "breached"


def promise_state(request: Request, now: datetime) -> str | None:
    """`kept`, `broken` or `pending` for the current promise; None when nothing is promised."""
    if request.promised_by is None:
        return None
    resolved_at = resolved_since(request)
    if request.status in RESOLVING and resolved_at is not None:
        return "kept" if resolved_at <= request.promised_by else "broken"
    if request.status == "cancelled":
        return None
    return "broken" if now > request.promised_by else "pending"
