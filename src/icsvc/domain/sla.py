"""The clocks of a request, worked out from its replayed history and its provider's calendar.

Rules (see the README's "Provider's day" section):
- SLA clocks start when the request was created, or at its latest redirect (the new
  provider's clocks start then), and run only in the provider's business hours.
- They pause while the request is `waiting-on-customer` (a *late* request for information,
  made after the acknowledgement, pauses the resolve clock only when
  `settings.pause_on_late_info` is true), and while it sat `resolved` (or `closed`) before
  being reopened.
  A paused clock's `due` is projected as if it resumed now.
- `acknowledge` is met by the first provider response: a status change to anything but
  `new`/`cancelled` (acknowledge, need-info, decline, resolve...). A redirect meets the old
  provider's clock and starts the new one.
- `resolve` is met when the request reaches `resolved` or `closed`; a decline ends it
  `declined` (answered, nothing delivered: neither met nor breached). When the customer's
  need-by is later than where the SLA's target ends, the need-by is the resolve target
  (`basis` `needed_by`: planned work is measured against the customer's date). A
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
from typing import Any

from icsvc.domain.calendar import BusinessCalendar
from icsvc.domain.catalogue import Catalogue
from icsvc.domain.durations import parse_duration
from icsvc.domain.history.state import RequestState, Stint
from icsvc.domain.lifecycle import DELIVERED, RESOLVING, UPDATE_ACTIVE
from icsvc.errors import IcsvcError

STATES = ("ok", "at-risk", "breached", "met", "paused", "declined", "pending")
"""`declined`: the resolve clock of a declined request (answered, nothing delivered: neither
met nor breached); `pending`: the update clock before the provider's first update."""

Span = tuple[datetime, datetime | None]
"""A time span; `None` as the end means open-ended."""


@dataclass
class Clock:
    """One SLA clock of a request at a moment: its target, due time and state."""

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
    """When a cancellation or a decline stopped the clock."""
    basis: str = "sla"
    """What `due` is: the SLA's target (`sla`), or the customer's need-by when it is later
    (`needed_by`: planned work is measured against the customer's date)."""
    sla_due: datetime | None = None
    """Where the SLA's own target ends, when the need-by replaced it (`basis` `needed_by`)."""

    @property
    def left(self) -> timedelta:
        return self.target - self.elapsed


def _pauses(stint: Stint, state: RequestState, count_late: bool) -> list[Span]:
    """Intervals that do not count: waiting on the customer (late requests only when
    `count_late`), or delivered (resolved, maybe closed) then reopened."""
    out: list[Span] = []
    late = {w.at for w in state.waits if w.late and w.provider == stint.provider}
    paused_at: datetime | None = None
    statuses = stint.statuses
    # delivered (resolved, then maybe closed) and later reopened: the time it sat delivered
    reopened_after = [False] * len(statuses)
    later = False
    for i in range(len(statuses) - 1, -1, -1):
        status = statuses[i][1]
        reopened_after[i] = later and status in DELIVERED
        later = status not in RESOLVING or (later and status in DELIVERED)
    for i, (at, status) in enumerate(statuses):
        reopened = reopened_after[i]
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


@dataclass(slots=True)
class RunPlan:
    """What an `acknowledge` or `resolve` clock is worked out from, without `now`: its
    pauses (the last one may still be open) and, once, the business time of the windows
    that closed before `settled`, the due date unless an open pause moves it, and the
    elapsed time of a clock that stopped. From `settled` on, a running clock at `now` costs
    one look at the calendar for its open window."""

    name: str
    target: timedelta
    start: datetime
    met_at: datetime | None
    stopped_at: datetime | None
    pauses: tuple[Span, ...]
    waiting: bool
    """The request waits on its customer now (an open pause pauses this clock)."""
    settled: datetime
    prefix: timedelta
    due: datetime | None
    """None while an open pause projects it from now."""
    elapsed: timedelta | None
    """The business time counted, once the clock stopped (met or cancelled)."""
    need: datetime | None = None
    """The customer's need-by (the resolve clock's): the target when it is later."""
    declined: bool = False
    """A decline ended the (resolve) clock."""


@dataclass(slots=True)
class UpdatePlan:
    """The `update` clock without `now`: the last status change or progress note, and what
    the request's status makes of it (`active`, `waiting`, `new` or `done`)."""

    target: timedelta
    last: datetime
    kind: str
    late_before: bool
    due: datetime | None
    """Fixed except while waiting (then it is projected from now)."""
    updated: bool = True
    """The provider updated the customer at least once (else the clock is pending)."""


@dataclass(slots=True)
class NeedPlan:
    """The `needed_by` clock without `now`."""

    due: datetime
    start: datetime
    met_at: datetime | None
    stopped_at: datetime | None


ClockPlan = RunPlan | UpdatePlan | NeedPlan


def clocks(state: RequestState, cat: Catalogue, now: datetime) -> dict[str, Clock]:
    """The `acknowledge`, `resolve`, `update` (when the SLA sets an interval) and
    `needed_by` (when the requester gave one) clocks of a request."""
    return evaluate(plan(state, cat), holder_calendar(state, cat), now, cat.at_risk)


def holder_calendar(state: RequestState, cat: Catalogue) -> BusinessCalendar:
    """The calendar of the provider the history gives the request to: its clocks run in
    it. IcsvcError when the catalogue does not name that provider (a history edited by
    hand, or a provider removed: `icsvc check` shows where)."""
    provider = cat.providers.get(state.provider)
    if provider is None:
        raise IcsvcError(f"{state.id}: its history gives it to {state.provider!r}, a provider "
                         "providers.yaml does not name (icsvc check shows where)")
    return provider.calendar


def plan(state: RequestState, cat: Catalogue) -> dict[str, ClockPlan]:
    """Everything about a request's clocks that does not depend on `now` (see `evaluate`):
    what listings keep in the index for open requests. IcsvcError: `holder_calendar`."""
    cal = holder_calendar(state, cat)
    stint = state.stint
    statuses = stint.statuses
    paused_now = state.status == "waiting-on-customer"
    cancelled_at = statuses[-1][0] if state.status == "cancelled" else None
    all_pauses = _pauses(stint, state, True)
    out: dict[str, ClockPlan] = {}
    declined = state.status == "declined"
    for name, met_at in (("acknowledge", state.responded_at),
                         ("resolve", None if declined else state.resolved_at)):
        pauses = all_pauses
        if name == "resolve" and not cat.settings.pause_on_late_info:
            pauses = _pauses(stint, state, False)
        target = parse_duration(state.targets[name]).in_calendar(cal)
        stopped_at = cancelled_at if met_at is None else None
        if name == "resolve" and declined:
            stopped_at = statuses[-1][0]
        end = met_at or stopped_at
        own = tuple(_truncate(pauses, end) if end is not None else pauses)
        spans = windows(stint.start, list(own), stint.start)
        fixed = spans[:-1]
        prefix, due = _closed(cal, fixed, target)
        settled = max([stint.start, *(b for _, b in fixed if b is not None),
                       *(t for span in own for t in span if t is not None)])
        elapsed = None
        if all(pe is not None for _, pe in own):  # the open window starts where it will
            tail = spans[-1][0]
            due = due or cal.add(tail, target - prefix)
            if end is not None and end >= settled:
                elapsed = prefix + cal.between(tail, end)
        resolve = name == "resolve"
        out[name] = RunPlan(name, target, stint.start, met_at, stopped_at, own, paused_now,
                            settled, prefix, due, elapsed,
                            state.needed_by if resolve else None, resolve and declined)
    if state.targets.get("update"):
        out["update"] = _update_plan(state, cal)
    if state.needed_by is not None:
        met_at = state.resolved_at if state.status in DELIVERED else None
        stopped = (statuses[-1][0] if met_at is None and state.status in ("declined",
                                                                           "cancelled")
                   else None)
        out["needed_by"] = NeedPlan(state.needed_by, state.created_at, met_at, stopped)
    return out


def plans_to_json(plans: dict[str, ClockPlan]) -> list[list[Any]]:
    """Plans as plain JSON values (times as ISO 8601 text, durations in microseconds)."""
    iso = time_to_json
    out: list[list[Any]] = []
    for name, p in plans.items():
        if isinstance(p, RunPlan):
            out.append([name, "run", _us(p.target), iso(p.start), iso(p.met_at),
                        iso(p.stopped_at), [[iso(a), iso(b)] for a, b in p.pauses],
                        p.waiting, iso(p.settled), _us(p.prefix), iso(p.due),
                        None if p.elapsed is None else _us(p.elapsed), iso(p.need),
                        p.declined])
        elif isinstance(p, UpdatePlan):
            out.append([name, "update", _us(p.target), iso(p.last), p.kind, p.late_before,
                        iso(p.due), p.updated])
        else:
            out.append([name, "need", iso(p.due), iso(p.start), iso(p.met_at),
                        iso(p.stopped_at)])
    return out


def plans_from_json(data: Any) -> dict[str, ClockPlan]:
    """`plans_to_json`'s values back, every value checked; ValueError for anything else (a
    damaged or foreign index row). Each plan's values are checked against the types they
    may have in one comparison: listings read thousands of plans."""
    if type(data) is not list:
        raise ValueError("not a list of clock plans")
    try:
        items = [_plan_from_json(item) for item in data]
    except (TypeError, IndexError, OverflowError) as exc:
        raise ValueError(f"not a clock plan: {exc}") from None
    plans = dict(items)
    if len(plans) != len(items) or not {"acknowledge", "resolve"} <= plans.keys():
        raise ValueError("not the clocks of a request")
    return plans


_S, _NONE = str, type(None)
_RUN_TYPES = frozenset((str, str, int, str, met, stop, list, bool, str, int, due, el,
                        need, bool)
                       for met in (_S, _NONE) for stop in (_S, _NONE) for due in (_S, _NONE)
                       for el in (int, _NONE) for need in (_S, _NONE))
_UPDATE_TYPES = frozenset((str, str, int, str, str, bool, due, bool) for due in (_S, _NONE))
_NEED_TYPES = frozenset((str, str, str, str, met, stop) for met in (_S, _NONE)
                        for stop in (_S, _NONE))
_UPDATE_KINDS = frozenset({"active", "waiting", "new", "done"})


def _plan_from_json(item: Any) -> tuple[str, ClockPlan]:
    if type(item) is not list or len(item) < 2:
        raise ValueError("not a clock plan")
    types = tuple(map(type, item))
    name, kind = item[0], item[1]
    if kind == "run" and types in _RUN_TYPES and name in ("acknowledge", "resolve"):
        pauses = []
        for span in item[6]:
            if type(span) is not list or len(span) != 2 or type(span[0]) is not str or (
                    span[1] is not None and type(span[1]) is not str):
                raise ValueError("not a pause")
            pauses.append((time_from_json(span[0]), opt_time_from_json(span[1])))
        start, met, stop, settled, due, need = _times(item[3], item[4], item[5], item[8],
                                                      item[10], item[12])
        assert start is not None and settled is not None
        return name, RunPlan(name, timedelta(microseconds=item[2]), start, met, stop,
                             tuple(pauses), item[7], settled,
                             timedelta(microseconds=item[9]), due,
                             None if item[11] is None else timedelta(microseconds=item[11]),
                             need, item[13])
    if kind == "update" and types in _UPDATE_TYPES and name == "update" and (
            item[4] in _UPDATE_KINDS):
        last, due = _times(item[3], item[6])
        assert last is not None
        return name, UpdatePlan(timedelta(microseconds=item[2]), last, item[4], item[5], due,
                                item[7])
    if kind == "need" and types in _NEED_TYPES and name == "needed_by":
        due, start, met, stop = _times(item[2], item[3], item[4], item[5])
        assert due is not None and start is not None
        return name, NeedPlan(due, start, met, stop)
    raise ValueError(f"not a clock plan: {item!r:.60}")


def _times(*texts: str | None) -> list[datetime | None]:
    """Aware times from ISO 8601 texts (None stays None); ValueError for a naive time.
    Through `time_from_json`: a plan repeats its request's moments (its start is the
    creation, so is the moment its windows settled)."""
    return [None if t is None else time_from_json(t) for t in texts]


def _us(value: timedelta) -> int:
    return value // timedelta(microseconds=1)


def time_to_json(value: datetime | None) -> str | None:
    """A time as ISO 8601 text (None stays None): what `time_from_json` reads back."""
    return value.isoformat() if value is not None else None


_READ: dict[str, datetime] = {}
"""Times read back (`time_from_json`), by their text: a report reads some 200,000, each
moment several times (a request's creation is also its first stint's start and status),
and the same object for the same text holds it in memory once."""
_READ_MAX = 1 << 18


def time_from_json(value: Any) -> datetime:
    """An aware time from its ISO 8601 text; ValueError for anything else."""
    found = _READ.get(value) if type(value) is str else None
    if found is None:
        if type(value) is not str:
            raise ValueError("not a time")
        found = datetime.fromisoformat(value)
        if found.tzinfo is None:
            raise ValueError("a time without its offset")
        if len(_READ) >= _READ_MAX:
            _READ.clear()
        _READ[value] = found
    return found


def opt_time_from_json(value: Any) -> datetime | None:
    """`time_from_json`, None staying None."""
    return None if value is None else time_from_json(value)


def _closed(cal: BusinessCalendar, spans: list[Span], target: timedelta
            ) -> tuple[timedelta, datetime | None]:
    """The business time inside closed `spans`, and where `target` of it runs out (None
    when it does not inside them), as `measure` counts them."""
    total = timedelta(0)
    due: datetime | None = None
    for a, b in spans:
        assert b is not None
        whole = cal.between(a, b)
        if due is None and whole >= target - total:
            due = cal.add(a, target - total)
        total += whole
    return total, due


def evaluate(plans: dict[str, ClockPlan], cal: BusinessCalendar, now: datetime,
             at_risk: float) -> dict[str, Clock]:
    """The clocks at `now` from their plans."""
    out: dict[str, Clock] = {}
    for name, p in plans.items():
        if isinstance(p, RunPlan):
            out[name] = _run_clock(p, cal, now, at_risk)
        elif isinstance(p, UpdatePlan):
            out[name] = _update_clock(p, cal, now, at_risk)
        else:
            out[name] = _need_clock(p, now, at_risk)
    return out


def _run_clock(p: RunPlan, cal: BusinessCalendar, now: datetime, at_risk: float) -> Clock:
    end = p.met_at or p.stopped_at
    spans = windows(p.start, list(p.pauses), now)
    until = end or max(now, p.start)
    if until >= p.settled:
        # every window but the open-ended last one closed before `until`: `measure` would
        # add them up again; only the last window needs the calendar
        tail = spans[-1][0]
        elapsed = p.elapsed if end is not None and p.elapsed is not None else (
            p.prefix + cal.between(tail, until))
        due = p.due or cal.add(tail, p.target - p.prefix)
    else:
        elapsed, due = measure(cal, spans, p.target, until)
    waiting = p.waiting and end is None and any(pe is None for _, pe in p.pauses)
    target, basis, sla_due = p.target, "sla", None
    if p.need is not None and p.need > due:  # planned work: the customer's own date
        due, basis, sla_due = p.need, "needed_by", due
        target = elapsed + (cal.between(until, due) if until < due else
                            -cal.between(due, until))
    if p.declined:
        state = "declined"
    else:
        state = _state(due, p.met_at, p.stopped_at, now, waiting, target - elapsed, target,
                       at_risk)
    return Clock(p.name, target, p.start, due, state, elapsed, p.met_at, list(p.pauses),
                 spans, p.stopped_at, basis, sla_due)


def _update_plan(state: RequestState, cal: BusinessCalendar) -> UpdatePlan:
    target = parse_duration(state.targets["update"]).in_calendar(cal)
    stint = state.stint
    status = "new"
    last = stint.start
    late_before = False
    updated = False
    statuses = iter(stint.statuses[1:])
    pending = next(statuses, None)
    for at, by_provider in state.informed:
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
        updated = updated or by_provider
    while pending is not None:
        last = max(last, pending[0])
        status = pending[1]
        pending = next(statuses, None)
    if state.status in UPDATE_ACTIVE:
        kind = "active"
    elif state.status == "waiting-on-customer":
        return UpdatePlan(target, last, "waiting", late_before, None, updated)
    else:
        kind = "new" if state.status == "new" else "done"
    return UpdatePlan(target, last, kind, late_before, cal.add(last, target), updated)


def _update_clock(p: UpdatePlan, cal: BusinessCalendar, now: datetime,
                  at_risk: float) -> Clock:
    target, last = p.target, p.last
    if p.kind == "waiting" or p.due is None:
        resume = max(now, last)
        return Clock("update", target, last, cal.add(resume, target), "paused", timedelta(0),
                     windows=[(resume, None)])
    if p.kind == "active":
        elapsed = cal.between(last, max(now, last))
        clock_state = _state(p.due, None, None, now, False, target - elapsed, target, at_risk)
        return Clock("update", target, last, p.due, clock_state, elapsed,
                     windows=[(last, None)])
    if p.kind == "new" or not p.updated:  # nobody has updated the customer yet
        return Clock("update", target, last, p.due, "pending", timedelta(0),
                     windows=[(last, None)])
    return Clock("update", target, last, p.due, "breached" if p.late_before else "met",
                 timedelta(0), met_at=last, windows=[(last, None)])


def _need_clock(p: NeedPlan, now: datetime, at_risk: float) -> Clock:
    due, start, met_at, stopped_at = p.due, p.start, p.met_at, p.stopped_at
    target = max(due - start, timedelta(0))
    end = met_at or stopped_at or now
    elapsed = max(min(end, now) - start, timedelta(0)) if end >= start else timedelta(0)
    clock_state = _state(due, met_at, stopped_at, now, False, target - elapsed, target,
                         at_risk)
    return Clock("needed_by", target, start, due, clock_state, elapsed, met_at,
                 windows=[(start, None)], stopped_at=stopped_at)


def worst(clock_states: list[str]) -> str:
    """The most severe of several clock states."""
    order = ("breached", "at-risk", "paused", "ok", "pending", "met", "declined")
    return min(clock_states, key=order.index) if clock_states else "ok"
