"""`icsvc explain`: how each due date was worked out, step by step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from icsvc.commands import open_store
from icsvc.commands.context import Context
from icsvc.domain.calendar import WEEKDAYS, BusinessCalendar
from icsvc.domain.durations import format_timedelta
from icsvc.workflow.explanation import Explanation, explain


@dataclass
class Explained:
    """How a request's due dates were worked out, at `now`."""

    explanation: Explanation
    now: datetime


def hours_text(cal: BusinessCalendar) -> str:
    def fmt(t: time) -> str:
        return "24:00" if t == time.max else t.strftime("%H:%M")

    return ", ".join(f"{fmt(s)}-{fmt(e)}" for s, e in cal.hours)


def to_json(ex: Explanation) -> dict[str, Any]:
    cal = ex.provider.calendar
    day = cal.day_length

    def d(value: datetime | None) -> str | None:
        return value.astimezone(cal.tz).isoformat() if value is not None else None

    def dates(values: list[date]) -> list[str]:
        return [v.isoformat() for v in values]

    return {
        "id": ex.request.id,
        "provider": ex.provider.id,
        "priority": ex.request.priority,
        "calendar": {"name": cal.name, "timezone": cal.timezone,
                     "days": [WEEKDAYS[i] for i in sorted(cal.days)], "hours": hours_text(cal),
                     "day": format_timedelta(day),
                     **({"country": cal.country, "subdivision": cal.subdivision}
                        if cal.country else {})},
        "targets": dict(ex.request.targets),
        "targets_source": ex.targets_source,
        "providers_yaml_targets": ex.current_targets,
        "changes": [{"at": d(at), "by": who, "what": what} for at, who, what in ex.changes],
        "clocks": {
            name: {
                "target": c.target_text,
                "business_time": format_timedelta(c.clock.target, day),
                "start": d(c.clock.start),
                "start_reason": c.start_reason,
                "due": d(c.clock.due),
                "basis": c.clock.basis,
                "sla_due": d(c.clock.sla_due),
                "state": c.clock.state,
                "met_at": d(c.clock.met_at),
                "stopped_at": d(c.clock.stopped_at),
                "elapsed": format_timedelta(c.clock.elapsed, day),
                "left": format_timedelta(c.clock.left, day),
                "steps": [{"kind": s.kind, "start": d(s.start), "end": d(s.end),
                           "business": format_timedelta(s.business),
                           **({"note": s.note} if s.note else {})} for s in c.steps],
                "skipped": dict(c.skipped),
                "holidays": dates(c.holidays),
                "remarks": list(c.remarks),
            }
            for name, c in ex.clocks.items()
        },
    }


def run(ctx: Context, request_id: str) -> Explained:
    store = open_store(ctx)
    request = store.load(request_id)
    return Explained(explain(request, store.catalogue, ctx.now), ctx.now)
