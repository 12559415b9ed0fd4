"""`icsvc sla`: what each provider offers, needs, and promises, in its business hours."""

from __future__ import annotations

from typing import Any

from icsvc.commands import open_store
from icsvc.commands.context import Context
from icsvc.domain.catalogue import PRIORITIES, Provider
from icsvc.domain.names import providers as provider_names


def hours(provider: Provider) -> str:
    return provider.calendar.describe(public_holidays=False)


def provider_json(p: Provider) -> dict[str, Any]:
    return {
        "provider": p.id,
        "name": p.name,
        "description": p.description or None,
        "members": list(p.members),
        "escalation": p.escalation,
        "calendar": {
            "name": p.calendar.name,
            "timezone": p.calendar.timezone,
            "hours": hours(p),
            "country": p.calendar.country,
            "subdivision": p.calendar.subdivision,
            "holidays": sorted(d.isoformat() for d in p.calendar.holidays),
        },
        "sla": {prio: p.sla[prio].to_dict() for prio in PRIORITIES},
        "services": [
            {"service": s.id, "description": s.description, "requires": list(s.requires),
             "lead_time": s.lead_time.text if s.lead_time else None,
             "min_priority": s.min_priority}
            for s in p.services.values()
        ],
        "agreements": [{"department": a.department, "priority": a.priority,
                        "note": a.note or None} for a in p.agreements.values()],
    }


def run(ctx: Context, providers: list[str]) -> list[Provider]:
    """The providers asked for (any case, or their names), else every provider."""
    store = open_store(ctx)
    cat = store.catalogue
    wanted = provider_names(cat, providers)
    return [cat.providers[p] for p in wanted] if wanted else list(cat.providers.values())
