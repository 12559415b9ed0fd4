"""The clocks of a request, worked out from its replayed history and its provider's calendar.

Rules (see the README's "Provider's day" section):
- SLA clocks start when the request was created, or at its latest redirect (the new
  provider's clocks start then), and run only in the provider's business hours.
- They pause while the request is `waiting-on-customer` (a *late* request for information,
  made after the acknowledgement, pauses the resolve clock only when
  `settings.pause_on_late_info` is true), and while it sat `resolved` before being reopened.
  A paused clock's `due` is projected as if it resumed now.
- `acknowledge` is met by the first provider response: a status change to anything but
  `new`/`cancelled` (acknowledge, need-info, decline, resolve...). A redirect meets the old
  provider's clock and starts the new one.
- `resolve` is met when the request reaches `resolved`, `closed` or `declined`. A
  cancellation stops the clocks where they stand: `breached` if they were already late,
  else `ok` (`stopped_at` says when), never `met`.
- `update` (where the SLA has an update interval) applies to open, acknowledged requests:
  it is due one interval after the last status change or provider progress note (a `note`,
  a `progress` change, or any change the provider explains with a note; a customer's
  comment does not count). A finished request's update clock is `met`, or `breached` if any
  such gap was longer than the interval.
- `needed_by` (when the requester gave a need-by date) is the customer's own deadline, in
  wall-clock time: met when the request is resolved (or closed) by then, `breached` when it
  passes unresolved, `at-risk` when less than the at-risk share of the time from creation to
  the need-by is left. A decline or cancellation before the date stops it (`ok`), after it
  counts as missed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from icsvc.store.catalogue import Catalogue
from icsvc.time.calendar import BusinessCalendar
from icsvc.time.durations import parse_duration
from icsvc.workflow.history import DELIVERED, RESOLVING, RequestState, Stint

STATES = ("ok", "at-risk", "breached", "met", "paused")
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
    these windows runs out (wall-clock time for `needed_by`)."""
    stopped_at: datetime | None = None
    """When a cancellation (or, for `needed_by`, a decline) stopped the clock."""
    late_pauses_skipped: int = 0
    """Late requests for information that did not pause this clock (settings)."""

    @property
    def left(self) -> timedelta:
        return self.target - self.elapsed


def _pauses(stint: Stint, state: RequestState, count_late: bool) -> list[Span]:
    """Intervals that do not count: waiting on the customer (late requests only when
    `count_late`), or resolved then reopened."""
    out: list[Span] = []
    late = {w.at for w in state.waits if w.late and w.provider == stint.provider}
    paused_at: datetime | None = None
    statuses = stint.statuses
    last = len(statuses) - 1
    for i, (at, status) in enumerate(statuses):
        reopened = status == "resolved" and i < last and statuses[i + 1][1] not in RESOLVING
        waiting = status == "waiting-on-customer" and (count_late or at not in late)
        pausing = waiting or reopened
        if pausing and paused_at is None:
            paused_at = at
        elif not pausing and paused_at is not None:
            out.append((paused_at, at))
            paused_at = None
    if paused_at is not None:
        out.append((paused_at, stint.end))
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


def clocks(state: RequestState, cat: Catalogue, now: datetime) -> dict[str, Clock]:
    """The `acknowledge`, `resolve`, `update` (when the SLA sets an interval) and
    `needed_by` (when the requester gave one) clocks of a request."""
    cal = cat.providers[state.provider].calendar
    at_risk = cat.at_risk
    stint = state.stint
    statuses = stint.statuses
    paused_now = state.status == "waiting-on-customer"
    ack_at = state.responded_at
    resolved_at = state.resolved_at
    cancelled_at = statuses[-1][0] if state.status == "cancelled" else None
    all_pauses = _pauses(stint, state, True)
    out: dict[str, Clock] = {}
    for name, met_at in (("acknowledge", ack_at), ("resolve", resolved_at)):
        pauses = all_pauses
        skipped = 0
        if name == "resolve" and not cat.settings.pause_on_late_info:
            pauses = _pauses(stint, state, False)
            skipped = sum(1 for w in state.waits if w.late and w.provider == stint.provider
                          and w.at >= stint.start)
        target = parse_duration(state.targets[name]).in_calendar(cal)
        stopped_at = cancelled_at if met_at is None else None
        end = met_at or stopped_at
        own_pauses = _truncate(pauses, end) if end is not None else pauses
        spans = windows(stint.start, own_pauses, now)
        elapsed, due = measure(cal, spans, target, end or max(now, stint.start))
        waiting = paused_now and end is None and any(pe is None for _, pe in own_pauses)
        clock_state = _state(due, met_at, stopped_at, now, waiting, target - elapsed, target,
                             at_risk)
        out[name] = Clock(name, target, stint.start, due, clock_state, elapsed, met_at,
                          own_pauses, spans, stopped_at, skipped)
    if state.targets.get("update"):
        out["update"] = _update_clock(state, cal, now, at_risk)
    if state.needed_by is not None:
        out["needed_by"] = needed_by_clock(state, now, at_risk)
    return out


def _update_clock(state: RequestState, cal: BusinessCalendar, now: datetime,
                  at_risk: float) -> Clock:
    target = parse_duration(state.targets["update"]).in_calendar(cal)
    stint = state.stint
    status = "new"
    last = stint.start
    late_before = False
    statuses = iter(stint.statuses[1:])
    pending = next(statuses, None)
    for at in state.informed:
        if at < stint.start or (at == stint.start and stint.start_index):
            continue
        while pending is not None and pending[0] <= at:
            if status in UPDATE_ACTIVE and cal.between(last, pending[0]) > target:
                late_before = True
            last = max(last, pending[0])
            status = pending[1]
            pending = next(statuses, None)
        if status in UPDATE_ACTIVE and cal.between(last, at) > target:
            late_before = True
        last = max(last, at)
    while pending is not None:
        last = max(last, pending[0])
        status = pending[1]
        pending = next(statuses, None)
    if state.status in UPDATE_ACTIVE:
        due = cal.add(last, target)
        elapsed = cal.between(last, max(now, last))
        clock_state = _state(due, None, None, now, False, target - elapsed, target, at_risk)
        return Clock("update", target, last, due, clock_state, elapsed, windows=[(last, None)])
    if state.status == "waiting-on-customer":
        resume = max(now, last)
        return Clock("update", target, last, cal.add(resume, target), "paused", timedelta(0),
                     windows=[(resume, None)])
    if state.status == "new":
        return Clock("update", target, last, cal.add(last, target), "ok", timedelta(0),
                     windows=[(last, None)])
    clock_state = "breached" if late_before else "met"
    return Clock("update", target, last, cal.add(last, target), clock_state, timedelta(0),
                 met_at=last, windows=[(last, None)])


def needed_by_clock(state: RequestState, now: datetime, at_risk: float) -> Clock:
    """The customer's need-by date as a wall-clock commitment."""
    assert state.needed_by is not None
    due = state.needed_by
    start = state.created_at
    target = max(due - start, timedelta(0))
    met_at = state.resolved_at if state.status in DELIVERED else None
    stopped_at = None
    if met_at is None and state.status in ("declined", "cancelled"):
        stopped_at = state.stint.statuses[-1][0]
    end = met_at or stopped_at or now
    elapsed = max(min(end, now) - start, timedelta(0)) if end >= start else timedelta(0)
    clock_state = _state(due, met_at, stopped_at, now, False, target - elapsed, target,
                         at_risk)
    return Clock("needed_by", target, start, due, clock_state, elapsed, met_at,
                 windows=[(start, None)], stopped_at=stopped_at)


def update_overdue(all_clocks: dict[str, Clock]) -> bool:
    """An open, acknowledged request whose last progress update is older than the interval."""
    clock = all_clocks.get("update")
    return clock is not None and clock.met_at is None and clock.state == "breached"


def promise_state(state: RequestState, now: datetime) -> str | None:
    """`kept`, `broken` or `pending` for the current promise; None when nothing is promised."""
    if state.promised_by is None:
        return None
    if state.status in RESOLVING and state.resolved_at is not None:
        return "kept" if state.resolved_at <= state.promised_by else "broken"
    if state.status == "cancelled":
        return None
    return "broken" if now > state.promised_by else "pending"


def worst(clock_states: list[str]) -> str:
    """The most severe of several clock states."""
    order = ("breached", "at-risk", "paused", "ok", "met")
    return min(clock_states, key=order.index) if clock_states else "ok"
