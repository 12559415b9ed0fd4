"""The JSON contract for a request (`new`, `show`, `list`, `queue` with `--format json`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from icsvc.catalogue import Catalogue
from icsvc.durations import format_timedelta
from icsvc.model import Request
from icsvc.sla import Clock, clocks, promise_state, update_overdue


def iso(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [iso(v) for v in value]
    return value


def clock_json(clock: Clock, day: Any) -> dict[str, Any]:
    return {
        "due": clock.due.isoformat(),
        "state": clock.state,
        "target": format_timedelta(clock.target, day),
        "left": format_timedelta(clock.left, day),
        "met_at": clock.met_at.isoformat() if clock.met_at else None,
    }


def request_json(request: Request, cat: Catalogue, now: datetime) -> dict[str, Any]:
    provider = cat.providers[request.provider]
    cal = provider.calendar
    sla = clocks(request, cal, now, cat.at_risk)
    return {
        "id": request.id,
        "title": request.title,
        "provider": request.provider,
        "service": request.service,
        "status": request.status,
        "priority": request.priority,
        "requested_priority": request.requested_priority,
        "customer": {"email": request.customer_email,
                     "department": request.customer_department},
        "owner": request.owner,
        "needed_by": iso(request.needed_by),
        "rush": request.rush,
        "justification": request.justification,
        "created_at": request.created_at.isoformat(),
        "promised_by": iso(request.promised_by),
        "promise": promise_state(request, now),
        "progress": request.progress,
        "info": dict(request.info),
        "details": request.details,
        "impact": request.impact,
        "targets": dict(request.targets),
        "sla": {name: clock_json(clock, cal.day_length) for name, clock in sla.items()},
        "update_overdue": update_overdue(sla),
        "escalations": sum(1 for e in request.history if e.type == "escalation"),
        "history": [iso(e.to_dict()) for e in request.history],
        "path": f"requests/{request.provider}/{request.id}.yaml",
    }
