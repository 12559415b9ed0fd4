"""The JSON contract for a request (`new`, `show`, `list`, `queue` with `--format json`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from icsvc.domain import history
from icsvc.domain.catalogue import Catalogue
from icsvc.domain.durations import format_timedelta
from icsvc.domain.history import RequestState
from icsvc.domain.outcome import Outcome, outcome
from icsvc.domain.sla import Clock

if TYPE_CHECKING:
    from icsvc.domain.history.request import Request


def iso(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [iso(v) for v in value]
    return value


def clock_json(clock: Clock, day: Any) -> dict[str, Any]:
    if clock.name == "needed_by":  # wall-clock time: days are calendar days
        return {
            "due": clock.due.isoformat(),
            "state": clock.state,
            "left": format_timedelta(clock.due - clock.start - clock.elapsed,
                                     timedelta(days=1)),
            "met_at": clock.met_at.isoformat() if clock.met_at else None,
        }
    return {
        "due": clock.due.isoformat(),
        "state": clock.state,
        "target": format_timedelta(clock.target, day),
        "left": format_timedelta(clock.left, day),
        "met_at": clock.met_at.isoformat() if clock.met_at else None,
        "basis": clock.basis,
        "sla_due": clock.sla_due.isoformat() if clock.sla_due else None,
    }


def request_json(request: Request, cat: Catalogue, now: datetime,
                 state: RequestState | None = None) -> dict[str, Any]:
    return outcome_json(outcome(state or history.replay(request, cat), cat, now), cat)


def outcome_json(told: Outcome, cat: Catalogue) -> dict[str, Any]:
    """The JSON contract of a request, from its outcome."""
    state = told.state
    assert state is not None
    cal = cat.providers[state.provider].calendar
    sla = told.clocks
    return {
        "id": state.id,
        "title": state.title,
        "provider": state.provider,
        "service": state.service,
        "status": state.status,
        "priority": state.priority,
        "requested_priority": state.requested_priority,
        "proposal": state.proposal,
        "customer": {"email": state.customer_email,
                     "department": state.customer_department},
        "owner": state.owner,
        "needed_by": iso(state.needed_by),
        "rush": state.rush,
        "justification": state.justification,
        "created_at": state.created_at.isoformat(),
        "promised_by": iso(state.promised_by),
        "promise": told.promise,
        "timeframe": iso(state.timeframe),
        "progress": state.progress,
        "info": dict(state.info),
        "details": state.details,
        "impact": state.impact,
        "cost": {"amount": told.cost.amount, "kind": "actual" if told.cost.actual
                 else "estimate", "note": told.cost.note} if told.cost is not None else None,
        "alternate": state.alternate,
        "blocks": list(state.blocks),
        "targets": dict(state.targets),
        "sla": {name: clock_json(clock, cal.day_length) for name, clock in sla.items()},
        "update_overdue": told.update_overdue,
        "escalations": len(state.escalations),
        "escalation_pending": state.escalation_pending,
        "late_info_requests": sum(1 for w in state.waits if w.late),
        "reopened": len(state.reopens),
        "rating": state.rating,
        "history": [iso(e.dump()) for e in state.history],
        "path": f"requests/{state.provider}/{state.id}.yaml",
    }
