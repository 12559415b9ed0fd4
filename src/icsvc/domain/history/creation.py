"""What a new request is: exactly what `icsvc new` (or any way of asking) writes for its
author at its creation time; `check --base` holds a new file to it."""

from __future__ import annotations

from datetime import datetime

from icsvc.domain.catalogue import Catalogue, Provider, rank
from icsvc.domain.history.kinds import targets_text
from icsvc.domain.history.state import RequestState


def is_rush_needed(provider: Provider, service_id: str, needed_by: datetime | None,
                   now: datetime) -> bool:
    """A request is last-minute when it is needed inside the service's lead time."""
    service = provider.services[service_id]
    if needed_by is None or service.lead_time is None:
        return False
    cal = provider.calendar
    return needed_by < cal.add(now, service.lead_time.in_calendar(cal))


def rush_reasons_at(provider: Provider, service_id: str, priority: str,
                    needed_by: datetime | None, now: datetime) -> list[str]:
    """Why a request made at `now` is a rush: urgent, or needed inside the lead time."""
    reasons = []
    if priority == "urgent":
        reasons.append("you asked for urgent priority")
    lead_time = provider.services[service_id].lead_time
    if lead_time is not None and is_rush_needed(provider, service_id, needed_by, now):
        reasons.append(f"it is needed inside the {lead_time} lead time of "
                       f"{provider.id}/{service_id}")
    return reasons


def creation_problems(state: RequestState, cat: Catalogue) -> list[str]:
    """Whether a new request is exactly what `icsvc new` writes for its author at its
    creation time: `state` is the request as created (`initial_state`)."""
    out: list[str] = []
    provider = cat.providers.get(state.provider)
    if provider is None:
        return [f"unknown provider {state.provider!r} (accepted: {', '.join(cat.providers)})"]
    if state.service not in provider.services:
        return [f"{provider.id} has no service {state.service!r}"]
    departments = cat.departments_of(state.customer_email)
    if departments and state.customer_department not in departments:
        out.append(f"customer.department is {state.customer_department!r} but "
                   f"{state.customer_email} belongs to {', '.join(departments)} "
                   "(providers.yaml departments)")
    priority = expected_priority(provider, state.service, state.customer_department,
                                 state.requested_priority)
    if state.priority != priority:
        out.append(f"priority is {state.priority} but a new request asking for "
                   f"{state.requested_priority} gets {priority}")
    expected = provider.sla[priority].to_dict()
    if state.targets != expected:
        out.append(f"targets are {targets_text(state.targets)} but {provider.id}'s SLA for "
                   f"{priority} priority is {targets_text(expected)}")
    missing = [k for k in provider.services[state.service].requires
               if not str(state.info.get(k, "")).strip()]
    if missing:
        out.append(f"missing the information {state.service} requires: {', '.join(missing)}")
    out.extend(f"info.{key}: {provider.services[state.service].info_refusal(key)}"
               for key in provider.services[state.service].unknown_info(state.info))
    reasons = rush_reasons_at(provider, state.service, state.requested_priority,
                              state.needed_by, state.created_at)
    if bool(reasons) != state.rush:
        out.append(f"rush is {str(state.rush).lower()} but the request "
                   + (f"is a rush ({' and '.join(reasons)})" if reasons else "is not a rush"))
    if state.rush and not (state.justification or "").strip():
        out.append("a rush needs a justification")
    if not state.rush and state.justification:
        out.append("a justification is only recorded for a rush")
    if state.needed_by is not None and state.needed_by <= state.created_at:
        out.append("needed_by is not after created_at")
    return out


def expected_priority(provider: Provider, service: str, department: str,
                      requested: str) -> str:
    """The priority a new request starts with: what was asked, raised to the provider's
    standing agreement with the department or the service's minimum."""
    floor = provider.floor(service, department)
    if floor is not None and rank(floor[0]) > rank(requested):
        return floor[0]
    return requested
