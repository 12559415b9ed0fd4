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

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from icsvc.domain.catalogue import Catalogue
from icsvc.domain.history.state import PromiseRecord, RequestState, Stint, provider_at
from icsvc.domain.lifecycle import DELIVERED, Status
from icsvc.domain.sla import Clock, ClockPlan, clocks, evaluate

Result = tuple[datetime, bool]
"""(when an outcome is known, met?)."""
_At = TypeVar("_At", datetime, int)


def clock_result(clock: Clock) -> Result | None:
    """How a clock ended: (when it is known, met?), or None when it is never measured (a
    decline answers a request but delivers nothing: its resolve clock is neither)."""
    if clock.state == "declined":
        return None
    if clock.met_at is not None and clock.met_at <= clock.due:
        return clock.met_at, True
    if clock.stopped_at is not None and clock.stopped_at <= clock.due:
        return None
    return clock.due, False


def known(result: tuple[_At, bool] | None, as_of: _At) -> tuple[_At, bool] | None:
    """`result` (from `clock_result`) if it is known at `as_of` (times, or the report's
    instants)."""
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


@dataclass(frozen=True, slots=True)
class Lapse:
    """One way a request lapsed for its customer, and whom it is charged to."""

    at: datetime
    """When it became known."""
    way: str
    """`resolve` (its target breached), `needed_by` (missed), `delivered wrong` (reopened
    after a delivery), `cancelled after need-by` or `declined after need-by`."""
    party: str
    """Whom it is charged to: a provider, or the requesting department."""
    customer: bool
    """Charged to the requesting department: the time it kept the provider waiting for
    information is what made the date pass."""


@dataclass(frozen=True, slots=True)
class Course:
    """What charging a lapse reads of a request besides its clocks."""

    status: str
    department: str
    stints: list[Stint]
    created_at: datetime
    waits: list[tuple[datetime, datetime | None, bool]]
    """(asked, answered, late?) of each wait on the customer."""
    reopens: list[datetime]
    late_paused: bool = True
    """Late requests for information pause the resolve clock (`settings`)."""

    @classmethod
    def of(cls, state: RequestState, cat: Catalogue) -> Course:
        return cls(state.status, state.customer_department, state.stints, state.created_at,
                   [(w.at, w.until, w.late) for w in state.waits], list(state.reopens),
                   cat.settings.pause_on_late_info)

    def waited(self, until: datetime, late_only: bool = False) -> timedelta:
        """How long the customer kept the provider waiting before `until`."""
        total = timedelta(0)
        for start, end, late in self.waits:
            if late_only and not late:
                continue
            stop = min(end or until, until)
            if stop > start:
                total += stop - start
        return total


def lapses(course: Course, all_clocks: dict[str, Clock], ends: Ends,
           now: datetime) -> list[Lapse]:
    """Each way the request lapses for its customer, charged to its cause (see the module's
    rules): the provider that held it, or delivered the wrong answer, unless the time the
    customer kept it waiting for information is what made the date pass."""
    finish = ends.delivered or ends.ended or now
    found: list[Lapse] = []

    def charge(at: datetime, way: str, due: datetime, waited: timedelta) -> None:
        if waited and finish <= due + waited:
            found.append(Lapse(at, way, course.department, True))
        else:
            found.append(Lapse(at, way, provider_at(course, at), False))

    resolve = all_clocks["resolve"]
    result = clock_result(resolve)
    if result is not None and not result[1]:
        # the clock pauses while the customer is asked (late requests too, by default);
        # a late request it did not pause for counts as the customer's when answered late
        unpaused = timedelta(0) if course.late_paused else \
            course.waited(finish, late_only=True)
        charge(result[0], "resolve", resolve.due, unpaused)
    need = all_clocks.get("needed_by")
    if need is not None:
        waited = course.waited(finish)
        result = clock_result(need)
        if result is not None and not result[1]:
            charge(result[0], "needed_by", need.due, waited)
        if need.stopped_at is not None and need.due < need.stopped_at:
            charge(need.stopped_at, f"{course.status} after need-by", need.due, waited)
    for at in course.reopens:  # a wrong answer, whenever it is found
        found.append(Lapse(at, "delivered wrong", provider_at(course, at), False))
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
        return cls(state.cost, state.cost_is_actual, str(note) if note is not None else None)


@dataclass(slots=True)
class Outcome:
    """A request at a moment, as every view reads it: the state its history tells
    (`state`: fields, stints, waits, escalations, the negotiation, the alternate of a
    decline, reopenings) and what it comes to at that moment (`now`). How its clocks ended
    and its lapses are worked out when first read: a listing reads only the clocks."""

    state: RequestState | None
    """None for an outcome worked out from kept plans (`from_kept`)."""
    clocks: dict[str, Clock]
    promises: list[tuple[PromiseRecord, str]]
    """Each promise, with how it turned out (`promise_result`)."""
    promise: str | None
    """How the promise in force stands (None: nothing is promised)."""
    update_overdue: bool
    ends: Ends
    cost: CostFigure | None
    course: Course
    now: datetime
    _results: dict[str, Result | None] | None = field(default=None, repr=False,
                                                      compare=False)
    _lapses: list[Lapse] | None = field(default=None, repr=False, compare=False)

    @property
    def results(self) -> dict[str, Result | None]:
        """How each clock ended (`clock_result`)."""
        if self._results is None:
            self._results = {name: clock_result(clock) for name, clock in self.clocks.items()}
        return self._results

    @property
    def lapses(self) -> list[Lapse]:
        """Each way the request lapses for its customer (`lapses`)."""
        if self._lapses is None:
            self._lapses = lapses(self.course, self.clocks, self.ends, self.now)
        return self._lapses


def at(course: Course, all_clocks: dict[str, Clock], promises: list[PromiseRecord],
       ends: Ends, now: datetime, promised_by: datetime | None,
       state: RequestState | None = None) -> Outcome:
    """The outcome from the clocks at `now` and the promise records (`state`, when known,
    gives the rest)."""
    told = [(record, promise_result(record, ends, now)) for record in promises]
    current = told[-1][1] if told and promised_by is not None else None
    return Outcome(
        state=state, clocks=all_clocks, promises=told, promise=current,
        update_overdue=update_overdue(all_clocks), ends=ends,
        cost=CostFigure.of(state) if state is not None else None, course=course, now=now)


def outcome(state: RequestState, cat: Catalogue, now: datetime) -> Outcome:
    """What the request's history comes to at `now`."""
    return at(Course.of(state, cat), clocks(state, cat, now), state.promises, Ends.of(state),
              now, state.promised_by, state)


def from_plans(state: RequestState, plans: dict[str, ClockPlan], cat: Catalogue,
               now: datetime) -> Outcome:
    """`outcome`, with clock plans worked out before (`sla.plan`)."""
    cal = cat.providers[state.provider].calendar
    return at(Course.of(state, cat), evaluate(plans, cal, now, cat.at_risk), state.promises,
              Ends.of(state), now, state.promised_by, state)


def from_kept(status: str, plans: dict[str, ClockPlan], cat: Catalogue, holder: str,
              promised_by: datetime | None, now: datetime) -> Outcome:
    """The outcome of an open request from what a listing keeps of it (its clock plans and
    its promise; `workflow.cards`): an open request is neither delivered nor ended."""
    cal = cat.providers[holder].calendar
    course = Course(status, "", [Stint(holder, now, [])], now, [], [])
    return at(course, evaluate(plans, cal, now, cat.at_risk), [], Ends(None, None), now,
              promised_by)
