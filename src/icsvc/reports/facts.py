"""What `icsvc report` needs to know of one request, worked out once from its replayed
history and its clocks (`facts_of`): the report adds up facts (`report.total`), and the
index keeps them (a closed request's whole, an open one's but for what depends on now:
`Pending`), so a report does not decode, replay and time every request of its period again.

Facts do not depend on the report's period: each one carries its moment, and the report
decides which moments fall in the period (and which breaches were known by its end). They
depend on `now` only through an open request's clocks and its pending promises; a closed
request's facts are the same at any later moment, which is checked before they are kept
(as `list` checks a closed request's row)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from icsvc.domain import history
from icsvc.domain import outcome as outcomes
from icsvc.domain.catalogue import Catalogue
from icsvc.domain.history import PromiseRecord, RequestState, Stint
from icsvc.domain.lifecycle import DELIVERED, is_open
from icsvc.domain.outcome import CostFigure, Course, Ends, Outcome, from_plans, outcome
from icsvc.domain.sla import (
    ClockPlan,
    evaluate,
    plan,
    plans_from_json,
    plans_to_json,
    time_to_json,
)
from icsvc.domain.sla import opt_time_from_json as _ot
from icsvc.domain.sla import time_from_json as _t
from icsvc.workflow.cards import FAR, figures_stamp, of_file, request_rel, worked

if TYPE_CHECKING:
    from icsvc.domain.history.request import Request
    from icsvc.store.index import Key
    from icsvc.store.store import Store, Summary

CLOCKS = ("acknowledge", "resolve")
FACTS = "facts"
"""The index column closed requests' facts are kept in."""


@dataclass(slots=True)
class Facts:
    id: str
    provider: str
    department: str
    created_at: datetime
    status: str
    priority: str
    rush: bool
    blocks: list[str]
    stints: list[Stint]
    """Providers and statuses over time (`history.provider_at`, `history.status_at`)."""
    escalations: list[tuple[datetime, datetime | None]]
    """(raised, answered) of each escalation."""
    late_waits: list[tuple[datetime, str]]
    """(when, provider) of each late request for information."""
    waits: list[tuple[datetime, datetime | None, bool]]
    """(asked, answered, late?) of each wait on the customer."""
    info_requested: bool
    """Information was asked for up front (a wait that is not late)."""
    promises: list[tuple[str, datetime, str]]
    """(provider, when made, how it turned out: `outcome.promise_result`)."""
    downgrades: list[tuple[datetime, str, str]]
    outcomes: dict[str, tuple[datetime, bool] | None]
    """Per clock (`acknowledge`, `resolve`, and `needed_by` when asked): when its outcome
    is known and whether it was met (see `outcome`); a breach is known at its due time."""
    met: dict[str, tuple[datetime, timedelta]]
    """Per clock the provider met: when, and the business time it took."""
    lapses: list[tuple[datetime, str, str, bool]]
    """(when known, way, charged to, charged to the customer?) of each way the request
    lapsed for its customer (`outcome.lapses`)."""
    cost: float | None
    cost_actual: bool
    cost_note: str | None
    resolved_at: datetime | None
    """When it was delivered (resolved or closed), if it is."""
    rating: int | None
    first_resolution: datetime | None
    reopens: list[datetime]
    asked: list[str]
    """Every priority the customer asked for: at creation, then each change."""
    declined_at: datetime | None
    alternate: bool
    """The decline named who can help instead."""

    @property
    def reopened(self) -> bool:
        return bool(self.reopens)

    def course(self, cat: Catalogue) -> Course:
        """What charging a lapse reads (`outcome.lapses`)."""
        return Course(self.status, self.department, self.stints, self.created_at,
                      self.waits, self.reopens, cat.settings.pause_on_late_info)


# -- from a request ---------------------------------------------------------------------------


def _first_resolution(state: RequestState) -> datetime | None:
    """When the current provider first resolved the request (declines excluded)."""
    for at, status in state.stint.statuses:
        if status in DELIVERED:
            return at
    return None


def _fixed(state: RequestState) -> Facts:
    """The facts that do not depend on now: all but the clocks' and promises' outcomes."""
    cost = CostFigure.of(state)
    return Facts(
        id=state.id, provider=state.provider, department=state.customer_department,
        created_at=state.created_at, status=state.status, priority=state.priority,
        rush=state.rush, blocks=list(state.blocks),
        stints=[Stint(s.provider, s.start, list(s.statuses)) for s in state.stints],
        escalations=[(e.at, e.answered_at) for e in state.escalations],
        late_waits=[(w.at, w.provider) for w in state.waits if w.late],
        waits=[(w.at, w.until, w.late) for w in state.waits],
        info_requested=any(not w.late for w in state.waits), promises=[],
        downgrades=list(state.downgrades), outcomes={}, met={}, lapses=[],
        cost=cost.amount if cost else None, cost_actual=bool(cost and cost.actual),
        cost_note=cost.note if cost else None,
        resolved_at=Ends.of(state).delivered,
        rating=state.rating, first_resolution=_first_resolution(state),
        reopens=list(state.reopens), asked=list(state.asked),
        declined_at=Ends.of(state).ended if state.status == "declined" else None,
        alternate=bool(state.alternate),
    )


def _at(fixed: Facts, told: Outcome) -> Facts:
    """`fixed` completed with the outcome at a moment: its clocks and promises."""
    sla = told.clocks
    return replace(
        fixed,
        promises=[(r.provider, r.made_at, how) for r, how in told.promises],
        outcomes=dict(told.results),
        met={name: (at, sla[name].elapsed) for name in CLOCKS
             if (at := sla[name].met_at) is not None},
        # every request's lapses (a costless one can still be the cause of another's)
        lapses=[(lapse.at, lapse.way, lapse.party, lapse.customer) for lapse in told.lapses])


def facts_now(state: RequestState, cat: Catalogue, now: datetime) -> Facts:
    return _at(_fixed(state), outcome(state, cat, now))


def facts_final(state: RequestState, cat: Catalogue, now: datetime
                ) -> tuple[Facts, str | None]:
    """The facts at `now`, and their text when they are the same `FAR` later (then they
    are final: kept)."""
    plans = plan(state, cat)
    fixed = _fixed(state)
    facts = _at(fixed, from_plans(state, plans, cat, now))
    later = _at(fixed, from_plans(state, plans, cat, now + FAR))
    text = to_json(facts)
    return facts, text if text == to_json(later) else None


@dataclass(slots=True)
class Pending:
    """An open request's facts but for what depends on now, with what completes them at
    any moment (`at`): its clocks' plans and its promises. Kept in the index for the
    version of the file they were worked out from."""

    fixed: Facts
    plans: dict[str, ClockPlan]
    promises: list[PromiseRecord]

    @classmethod
    def of(cls, state: RequestState, cat: Catalogue) -> Pending:
        return cls(_fixed(state), plan(state, cat), list(state.promises))

    def at(self, cat: Catalogue, now: datetime) -> Facts:
        """The facts at `now` (an open request is neither delivered nor ended)."""
        cal = cat.providers[self.fixed.provider].calendar
        told = outcomes.at(self.fixed.course(cat), evaluate(self.plans, cal, now, cat.at_risk),
                           self.promises, Ends(None, None), now, None)
        return _at(self.fixed, told)

    def to_json(self) -> str:
        t = time_to_json
        return json.dumps({
            "facts": _values(self.fixed), "plans": plans_to_json(self.plans),
            "promises": [[r.provider, t(r.made_at), r.made_by, t(r.first), t(r.date),
                          r.moves, r.moved_after_date, t(r.withdrawn_at)]
                         for r in self.promises]},
            separators=(",", ":"), ensure_ascii=False)


# -- kept in the index ------------------------------------------------------------------------


def to_json(f: Facts) -> str:
    return json.dumps(_values(f), separators=(",", ":"), ensure_ascii=False)


def _values(f: Facts) -> list[Any]:
    t = time_to_json
    return [
        f.id, f.provider, f.department, t(f.created_at), f.status, f.priority, f.rush,
        f.blocks, [[s.provider, t(s.start), [[t(at), st] for at, st in s.statuses]]
                   for s in f.stints],
        [[t(at), t(answered)] for at, answered in f.escalations],
        [[t(at), p] for at, p in f.late_waits],
        [[t(at), t(until), late] for at, until, late in f.waits],
        f.info_requested, [[p, t(at), how] for p, at, how in f.promises],
        [[t(at), p, how] for at, p, how in f.downgrades],
        {name: None if r is None else [t(r[0]), r[1]] for name, r in f.outcomes.items()},
        {name: [t(at), took // timedelta(microseconds=1)] for name, (at, took) in f.met.items()},
        [[t(at), why, who, customer] for at, why, who, customer in f.lapses], f.cost,
        f.cost_actual, f.cost_note, t(f.resolved_at), f.rating, t(f.first_resolution),
        [t(at) for at in f.reopens], f.asked, t(f.declined_at), f.alternate,
    ]


def _s(value: Any) -> str:
    """A text, held once however many facts repeat it (a provider, a status, a department:
    a quarter's 21,000 requests repeat a few dozen values some 400,000 times)."""
    if type(value) is not str:
        raise ValueError("not a text")
    return sys.intern(value)


def _i(value: Any) -> int:
    if type(value) is not int:
        raise ValueError("not a count")
    return value


def _b(value: Any) -> bool:
    if type(value) is not bool:
        raise ValueError("not true or false")
    return value


def _l(value: Any) -> list[Any]:
    if type(value) is not list:
        raise ValueError("not a list")
    return value


def from_json(text: str) -> Facts | Pending | None:
    """The facts (`to_json`) or pending facts (`Pending.to_json`) kept; None for a text of
    another shape (worked out again)."""
    try:
        data = json.loads(text)
        if type(data) is not dict:
            return _facts(data)
        if data.keys() != {"facts", "plans", "promises"}:
            raise ValueError("not pending facts")
        return Pending(_facts(data["facts"]), plans_from_json(data["plans"]), [
            PromiseRecord(_s(p), _t(made), _s(by), _t(first), _t(date), _i(moves), _b(after),
                          _ot(withdrawn))
            for p, made, by, first, date, moves, after, withdrawn in _l(data["promises"])])
    except (ValueError, TypeError, OverflowError, RecursionError):
        return None


def _facts(data: Any) -> Facts:
    (rid, provider, dept, created, status, priority, rush, blocks, stints, escalations,
     late, waits, info, promises, downgrades, outcomes, met, lapsed, cost, actual, note,
     resolved, rating, first, reopens, asked, declined, alternate) = _l(data)
    if not (cost is None or type(cost) in (int, float)) or not (
            rating is None or type(rating) is int) or type(outcomes) is not dict \
            or type(met) is not dict:
        raise ValueError("a figure of another type")
    return Facts(
        id=_s(rid), provider=_s(provider), department=_s(dept), created_at=_t(created),
        status=_s(status), priority=_s(priority), rush=_b(rush),
        blocks=[_s(b) for b in _l(blocks)],
        stints=[Stint(_s(p), _t(start), [(_t(at), _s(st)) for at, st in _l(statuses)])
                for p, start, statuses in _l(stints)],
        escalations=[(_t(at), _ot(answered)) for at, answered in _l(escalations)],
        late_waits=[(_t(at), _s(p)) for at, p in _l(late)],
        waits=[(_t(at), _ot(until), _b(was_late)) for at, until, was_late in _l(waits)],
        info_requested=_b(info),
        promises=[(_s(p), _t(at), _s(how)) for p, at, how in _l(promises)],
        downgrades=[(_t(at), _s(p), _s(how)) for at, p, how in _l(downgrades)],
        outcomes={_s(name): None if r is None else (_t(_l(r)[0]), _b(r[1]))
                  for name, r in outcomes.items()},
        met={_s(name): (_t(at), timedelta(microseconds=_i(took)))
             for name, (at, took) in met.items()},
        lapses=[(_t(at), _s(why), _s(who), _b(customer))
                for at, why, who, customer in _l(lapsed)],
        cost=None if cost is None else float(cost), cost_actual=_b(actual),
        cost_note=None if note is None else _s(note), resolved_at=_ot(resolved),
        rating=rating, first_resolution=_ot(first), reopens=[_t(at) for at in _l(reopens)],
        asked=[_s(a) for a in _l(asked)], declined_at=_ot(declined), alternate=_b(alternate),
    )


def gather(store: Store, found: list[tuple[str, Summary]], now: datetime,
           warn: Callable[[str], None] | None,
           progress: Callable[[], None] | None = None) -> list[Facts]:
    """The facts of these request files (paths and summaries from `Store.summaries`), in
    their order, from what the index keeps where it can: a closed request's final facts
    (read at a moment after its last change), an open one's pending facts (completed at
    now); the others worked out from the files, and kept. A file that cannot be read is
    skipped (with `warn`); `progress` is called once per request."""
    cat = store.catalogue
    stamp = figures_stamp(store)
    moment = now.timestamp()
    summaries = dict(found)
    out: dict[str, Facts] = {}

    def read(rel: str, text: str) -> Facts | Pending | None:
        kept = from_json(text)
        facts = kept.fixed if isinstance(kept, Pending) else kept
        if facts is None or facts.provider not in cat.providers \
                or not of_file(rel, facts.provider, facts.id):
            return None
        return kept

    for rel, kept in store.kept(FACTS, list(summaries), stamp, read).items():
        s = summaries[rel]
        if isinstance(kept, Pending) and is_open(s.status):
            out[rel] = kept.at(cat, now)
        elif isinstance(kept, Facts) and not is_open(s.status) and s.updated <= moment:
            out[rel] = kept
        else:
            continue
        if progress is not None:
            progress()
    def work(request: Request, keys: dict[str, Key]) -> tuple[str, Facts, str | None] | None:
        """A request's facts, and their text when they are to be kept."""
        if request.provider not in cat.providers:
            return None
        rel = request_rel(store, request)
        state = history.replay(request, cat)
        key, summary = keys.get(rel), summaries.get(rel)
        if is_open(state.status):
            pending = Pending.of(state, cat)
            return rel, pending.at(cat, now), pending.to_json() if key is not None else None
        if key is not None and summary is not None and summary.updated <= moment:
            return (rel, *facts_final(state, cat, now))
        return rel, facts_now(state, cat, now), None

    todo = [rel for rel, _ in found if rel not in out]
    # on every core when there are many (after a clone, a change of the catalogue): the
    # facts of 21,000 requests took 7.4-7.9 s instead of 9.2 s at 100,000
    for keys, made in worked(store, todo, warn, work, progress, cores=True):
        texts: dict[str, tuple[Key, str]] = {}
        for _, done in made:
            if done is not None:
                rel, out[rel], text = done
                if text is not None:
                    texts[rel] = (keys[rel], text)
        if texts:
            store.set_kept(FACTS, texts, stamp)
    return [out[rel] for rel, _ in found if rel in out]
