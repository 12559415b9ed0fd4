"""What a request's history comes to at a moment: its clocks and how each ended, how each
promise turned out, the lapses, the cost. Worked out here once, and read by every view:
`show`, `list` and `queue`, `explain`, the report (and the facts it keeps), notifications
and the digest.

The rules (the README's "What each figure means"):
- a clock is met when the provider stopped it (`met_at`) by its due time, breached when its
  due time passed without that (known at the due time); a clock a cancellation (or, for the
  need-by, a decline) stopped before its due time is not measured;
- a promise is `kept` when the request was delivered by the first date promised, `moved`
  when it was moved before its date and delivered by the new one (or is still pending
  after a move), `broken` when moved after its date passed or not delivered by its date,
  `withdrawn` when the request left the provider, or was cancelled or declined, before the
  date, and `pending` while its date is ahead;
- a request lapses for its customer when its resolve target is breached, its need-by date
  is missed, or it is cancelled or declined after its need-by passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from icsvc.domain.catalogue import Catalogue
from icsvc.domain.history.state import PromiseRecord, RequestState
from icsvc.domain.lifecycle import DELIVERED, Status
from icsvc.domain.sla import Clock, ClockPlan, clocks, evaluate


def from_kept(status: str, plans: dict[str, ClockPlan], cat: Catalogue, holder: str,
              promised_by: datetime | None, now: datetime) -> Outcome:
    """The outcome of an open request from what a listing keeps of it (its clock plans and
    its promise; `workflow.cards`): an open request is neither delivered nor ended."""
    cal = cat.providers[holder].calendar
    return at(status, evaluate(plans, cal, now, cat.at_risk), [], Ends(None, None), now,
              promised_by)

Result = tuple[datetime, bool]
"""(when an outcome is known, met?)."""


def clock_result(clock: Clock) -> Result | None:
    """How a clock ended: (when it is known, met?), or None when it is never measured."""
    if clock.met_at is not None and clock.met_at <= clock.due:
        return clock.met_at, True
    if clock.stopped_at is not None and clock.stopped_at <= clock.due:
        return None
    return clock.due, False


def known(result: Result | None, as_of: datetime) -> Result | None:
    """`result` (from `clock_result`) if it is known at `as_of`."""
    if result is None or (not result[1] and result[0] > as_of):
        return None
    return result


@dataclass(frozen=True, slots=True)
class Ends:
    """When the request was delivered (resolved or closed), and when it was cancelled or
    declined, if it was."""

    delivered: datetime | None
    ended: datetime | None

    @classmethod
    def of(cls, state: RequestState) -> Ends:
        last = state.stint.statuses[-1][0]
        return cls(state.resolved_at if state.status in DELIVERED else None,
                   last if state.status in (Status.CANCELLED, Status.DECLINED) else None)


def promise_result(record: PromiseRecord, ends: Ends, now: datetime) -> str:
    """How a promise turned out (see the module's rules)."""
    delivered = ends.delivered
    if record.withdrawn_at is not None:
        delivered = None if delivered is None or delivered > record.withdrawn_at else delivered
    if record.moved_after_date:
        return "broken"
    if delivered is not None:
        if delivered <= record.first:
            return "kept"
        return "moved" if delivered <= record.date else "broken"
    end = record.withdrawn_at or ends.ended
    if end is not None:
        return "broken" if end > record.date else "withdrawn"
    if now > record.date:
        return "broken"
    return "moved" if record.moves else "pending"


def lapses(status: str, all_clocks: dict[str, Clock]) -> list[tuple[datetime, str]]:
    """When the request lapses for its customer, each way: its resolve target breached, its
    need-by date missed, or cancelled or declined after its need-by passed unresolved."""
    found: list[tuple[datetime, str]] = []
    resolve = clock_result(all_clocks["resolve"])
    if resolve is not None and not resolve[1]:
        found.append((resolve[0], "resolve"))
    need = all_clocks.get("needed_by")
    if need is not None:
        result = clock_result(need)
        if result is not None and not result[1]:
            found.append((result[0], "needed_by"))
        if need.stopped_at is not None and need.due < need.stopped_at:
            found.append((need.stopped_at, f"{status} after need-by"))
    return found


def update_overdue(all_clocks: dict[str, Clock]) -> bool:
    """An open, acknowledged request whose last progress update is older than the interval."""
    clock = all_clocks.get("update")
    return clock is not None and clock.met_at is None and clock.state == "breached"


@dataclass(frozen=True, slots=True)
class CostFigure:
    """What a lapse cost the customer: an estimate given up front, or the actual figure
    recorded after the fact."""

    amount: float
    actual: bool
    note: str | None

    @classmethod
    def of(cls, state: RequestState) -> CostFigure | None:
        if state.cost is None:
            return None
        note = (state.cost_revisions[-1][1] if state.cost_revisions
                else (state.impact or {}).get("note"))
        return cls(state.cost, bool(state.cost_revisions),
                   str(note) if note is not None else None)


@dataclass(slots=True)
class Outcome:
    """A request at a moment, as every view reads it: the state its history tells
    (`state`: fields, stints, waits, escalations, the negotiation, the alternate of a
    decline, reopenings) and what it comes to at that moment."""

    state: RequestState | None
    """None for an outcome worked out from kept plans (`from_kept`)."""
    clocks: dict[str, Clock]
    results: dict[str, Result | None]
    """How each clock ended (`clock_result`)."""
    promises: list[tuple[PromiseRecord, str]]
    """Each promise, with how it turned out (`promise_result`)."""
    promise: str | None
    """How the promise in force stands (None: nothing is promised)."""
    lapses: list[tuple[datetime, str]]
    update_overdue: bool
    ends: Ends
    cost: CostFigure | None


def at(status: str, all_clocks: dict[str, Clock], promises: list[PromiseRecord],
       ends: Ends, now: datetime, promised_by: datetime | None,
       state: RequestState | None = None) -> Outcome:
    """The outcome from the clocks at `now` and the promise records (`state`, when known,
    gives the rest)."""
    told = [(record, promise_result(record, ends, now)) for record in promises]
    current = told[-1][1] if told and promised_by is not None else None
    return Outcome(
        state=state, clocks=all_clocks,
        results={name: clock_result(clock) for name, clock in all_clocks.items()},
        promises=told, promise=current,
        lapses=lapses(status, all_clocks),
        update_overdue=update_overdue(all_clocks), ends=ends,
        cost=CostFigure.of(state) if state is not None else None)


def outcome(state: RequestState, cat: Catalogue, now: datetime) -> Outcome:
    """What the request's history comes to at `now`."""
    return at(state.status, clocks(state, cat, now), state.promises, Ends.of(state), now,
              state.promised_by, state)


def from_plans(state: RequestState, plans: dict[str, ClockPlan], cat: Catalogue,
               now: datetime) -> Outcome:
    """`outcome`, with clock plans worked out before (`sla.plan`)."""
    cal = cat.providers[state.provider].calendar
    return at(state.status, evaluate(plans, cal, now, cat.at_risk), state.promises,
              Ends.of(state), now, state.promised_by, state)
