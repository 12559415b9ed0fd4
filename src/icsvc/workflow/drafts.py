"""A new request from a draft (what `icsvc new` or a GitHub issue form gives): what the
service needs, last-minute and urgent rules, expectations."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from icsvc.domain import history, ids, limits
from icsvc.domain.catalogue import PRIORITIES, Catalogue, Provider, Service
from icsvc.domain.checker import NAME, is_email
from icsvc.domain.dates import parse_when
from icsvc.domain.history.creation import expected_priority, rush_reasons_at
from icsvc.domain.history.kinds import Created, Link
from icsvc.domain.history.request import Request
from icsvc.errors import IcsvcError, UsageError


@dataclass
class Draft:
    """What the requester typed; any field may still be missing."""

    provider: str | None = None
    service: str | None = None
    title: str | None = None
    details: str | None = None
    priority: str = "normal"
    needed_by: str | None = None
    info: dict[str, str] = field(default_factory=dict)
    justification: str | None = None
    department: str | None = None
    cost: float | None = None
    impact_note: str | None = None
    blocks: list[str] = field(default_factory=list)
    """IDs of requests this one exists to fulfil (`--for`)."""


OPTION_NAMES = {
    "provider": "--provider", "service": "--service", "title": "--title",
    "priority": "--priority", "needed_by": "--needed-by",
    "justification": "--justification TEXT", "department": "--department", "cost": "--cost",
    "impact_note": "--impact-note", "actor": "--as", "blocks": "--for",
}

Names = Callable[[str], str]
"""How a channel names a draft field in messages: `icsvc new` says `--needed-by`, an issue
form says 'Needed by'. Fields: the keys of OPTION_NAMES, and `info.KEY`."""


def option_name(field_: str) -> str:
    """The `icsvc new` option for a draft field (`info.KEY` -> `--info KEY=...`)."""
    if field_.startswith("info."):
        return f"--info {field_[5:]}=..."
    return OPTION_NAMES[field_]


def parse_info(pairs: list[str], *, allow_empty: bool = False) -> dict[str, str]:
    """`--info KEY=VALUE` pairs, as typed. With `allow_empty`, `KEY=` is kept as an empty
    value (`icsvc new` then lists it as missing) instead of refused."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise UsageError(f"--info: {pair!r} is not KEY=VALUE (e.g. order_number=SO-1234)")
        if not NAME.fullmatch(key):
            raise UsageError(f"--info: {key!r} is not a valid key (accepted: lowercase "
                             "letters, digits, '-' and '_')")
        if not value and not allow_empty:
            raise UsageError(f"--info: {key} has no value (accepted: KEY=VALUE)")
        out[key] = value
    return out


def missing_items(draft: Draft, cat: Catalogue, names: Names = option_name) -> list[str]:
    """Everything still needed, named as the user can act on it (options by default)."""
    out = []
    if not draft.provider:
        out.append(f"{names('provider')} (one of: {', '.join(cat.providers)})")
    elif draft.provider in cat.providers and not draft.service:
        out.append(f"{names('service')} (one of: "
                   f"{', '.join(cat.providers[draft.provider].services)})")
    if not (draft.title or "").strip():
        out.append(names("title"))
    if not (draft.department or "").strip():
        out.append(f"{names('department')} (or list your email under 'departments' in "
                   "providers.yaml)")
    if draft.provider in cat.providers and draft.service:
        service = cat.providers[draft.provider].services.get(draft.service)
        if service is not None:
            out.extend(names(f"info.{key}") for key in service.requires
                       if not draft.info.get(key, "").strip())
    return out


def rush_reasons(draft: Draft, cat: Catalogue, now: datetime) -> list[str]:
    """Why the draft is a rush (urgent, or inside the lead time); [] when it is not, or when
    the draft is not valid yet (`build_request` then says what is wrong)."""
    provider = cat.providers.get(draft.provider or "")
    if provider is None or draft.service not in provider.services:
        return []
    needed_by = None
    if draft.needed_by:
        try:
            needed_by = parse_when(draft.needed_by, now, provider.calendar)
        except ValueError:
            return []
    return rush_reasons_at(provider, draft.service, draft.priority, needed_by, now)


def build_request(draft: Draft, cat: Catalogue, actor: str, now: datetime,
                  taken: set[str], names: Names = option_name) -> Request:
    """Validate the draft and make the request: the rules of every way of asking (`icsvc
    new`, an issue form), which differ only in how they name a field (`names`). Everything
    missing is listed at once; any other problem raises IcsvcError (UsageError for a
    malformed value)."""
    provider, service = _service(draft, cat, names)
    _requester(draft, cat, actor, names)
    blocks = _blocks(draft, names)
    if not is_email(actor):
        raise UsageError(f"{names('actor')}: {actor!r} is not an email address")
    for key, value in draft.info.items():
        if not value.strip():
            raise UsageError(f"{names('info.' + key)}: the value is empty")
    needed_by = _needed_by(draft, provider, now, names)
    reasons = rush_reasons_at(provider, service.id, draft.priority, needed_by, now)
    justification = (draft.justification or "").strip() or None
    if reasons and not justification:
        raise IcsvcError(
            f"refused: {' and '.join(reasons)}; a rush needs {names('justification')} "
            "saying why (rushes are counted per requesting department)"
        )
    impact = _impact(draft, names)
    assert draft.title is not None and draft.department is not None  # `_service` saw them
    local_now = now.astimezone(provider.calendar.tz).replace(microsecond=0)
    if not limits.date_in_range(local_now):
        raise UsageError(f"the request would be dated {local_now.isoformat()} in "
                         f"{provider.id}'s timezone, out of range (accepted: "
                         f"{limits.DATE_RANGE})")
    seed = os.environ.get("ICSVC_ID_SEED")
    rid = ids.new_id(taken, f"{seed}:{actor}:{now.isoformat()}:{draft.title}" if seed else None)
    priority = expected_priority(provider, service.id, draft.department, draft.priority)
    request = Request(
        id=rid,
        title=draft.title.strip(),
        provider=provider.id,
        service=service.id,
        status="new",
        priority=priority,
        requested_priority=draft.priority,
        customer_email=actor,
        customer_department=draft.department,
        created_at=local_now,
        targets=provider.sla[priority].to_dict(),
        history=[],
        needed_by=needed_by,
        rush=bool(reasons),
        justification=justification if reasons else None,
        info={k: v.strip() for k, v in draft.info.items()},
        details=(draft.details or "").strip() or None,
        impact=impact,
        blocks=blocks,
    )
    request.history.append(Created(at=local_now, by=actor,
                                   note=justification if reasons else None))
    for other in blocks:  # the links are entries too: every field comes from the history
        request.history.append(Link(at=local_now, by=actor, blocks=other))
    state = history.initial_state(request)
    found = history.creation_problems(state, cat)
    if found:  # the rules above and the check of a new request must agree
        raise IcsvcError(f"refused: {found[0]}")
    return request


def _service(draft: Draft, cat: Catalogue, names: Names) -> tuple[Provider, Service]:
    """The provider and service asked for, once nothing is missing; the priority and the
    department are well-formed."""
    if draft.provider and draft.provider not in cat.providers:
        raise UsageError(f"{names('provider')}: unknown provider {draft.provider!r} "
                         f"(accepted: {', '.join(cat.providers)})")
    asked = cat.providers[draft.provider].services.get(draft.service or "") \
        if draft.provider else None
    unknown = asked.unknown_info(draft.info) if asked is not None else []
    if asked is not None and unknown:  # before what is missing: often a typo of it
        raise UsageError(f"{names('info.' + unknown[0])}: {asked.info_refusal(unknown[0])}")
    missing = missing_items(draft, cat, names)
    if missing:
        raise UsageError("missing: " + "; ".join(missing))
    if not (draft.provider and draft.service and draft.title and draft.department):
        raise UsageError(f"missing: {names('provider')}, {names('service')}, "
                         f"{names('title')} and {names('department')}")
    provider = cat.providers[draft.provider]
    if draft.service not in provider.services:
        raise UsageError(
            f"{names('service')}: {provider.id} has no service {draft.service!r} "
            f"(accepted: {', '.join(provider.services)})"
        )
    service = provider.services[draft.service]
    if draft.priority not in PRIORITIES:
        raise UsageError(f"{names('priority')}: {draft.priority!r} is not a priority "
                         f"(accepted: {', '.join(PRIORITIES)})")
    if not NAME.fullmatch(draft.department):
        raise UsageError(f"{names('department')}: {draft.department!r} is not valid (accepted: "
                         "lowercase letters, digits, '-' and '_', e.g. customer-service)")
    return provider, service


def _requester(draft: Draft, cat: Catalogue, actor: str, names: Names) -> None:
    """A request names its requester's own department (when providers.yaml lists them)."""
    departments = cat.departments_of(actor)
    if departments and draft.department not in departments:
        raise IcsvcError(f"refused: {names('department')} {draft.department}: {actor} belongs to "
                         f"{', '.join(departments)} (providers.yaml departments); requests "
                         "name their requester's own department")


def _blocks(draft: Draft, names: Names) -> list[str]:
    """The requests this one exists to fulfil, as full IDs, each once."""
    blocks: list[str] = []
    for other in draft.blocks:
        rid = ids.normalize(other)
        if not ids.is_valid(rid):
            raise UsageError(f"{names('blocks')}: {other!r} is not a request ID (accepted: "
                             f"the full {ids.LENGTH}-character ID)")
        if rid not in blocks:
            blocks.append(rid)
    return blocks


def _needed_by(draft: Draft, provider: Provider, now: datetime,
               names: Names) -> datetime | None:
    if not draft.needed_by:
        return None
    try:
        needed_by = parse_when(draft.needed_by, now, provider.calendar)
    except ValueError as exc:
        raise UsageError(f"{names('needed_by')}: {exc}") from None
    if needed_by <= now:
        raise UsageError(f"{names('needed_by')}: {needed_by.isoformat()} is in the past")
    return needed_by


def _impact(draft: Draft, names: Names) -> dict[str, float | str] | None:
    """What a lapse would cost, with its note."""
    if draft.cost is not None and not (math.isfinite(draft.cost)
                                       and 0 <= draft.cost <= limits.MAX_COST):
        raise UsageError(f"{names('cost')}: {draft.cost} is not an amount (accepted: a number "
                         f"from 0 to {limits.MAX_COST:.0e})")
    impact_note = draft.impact_note.strip() if draft.impact_note is not None else None
    if impact_note == "":
        raise UsageError(f"{names('impact_note')}: empty (say what a lapse would cost, or "
                         "leave it out)")
    impact: dict[str, float | str] | None = None
    if draft.cost is not None:
        impact = {"cost": draft.cost if draft.cost % 1 else int(draft.cost)}
        if impact_note:
            impact["note"] = impact_note
    elif impact_note:
        raise UsageError(f"{names('impact_note')} needs {names('cost')} (the cost of a lapse)")
    return impact
