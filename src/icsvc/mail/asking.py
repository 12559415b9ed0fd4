"""A new request by mail: the service from the address's `+tag` or a `Service:` line, the
title from the subject, the fields from `Label: value` lines, the description from the rest
of the text; then `drafts.build_request`, the rules of every way of asking."""

from __future__ import annotations

import re

from icsvc.domain.catalogue import Catalogue
from icsvc.errors import IcsvcError
from icsvc.mail.message import Incoming
from icsvc.workflow.drafts import Draft, Names

_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 _-]{0,40}?)\s*:\s*(.*?)\s*$")
FIELDS = {
    "service": "service", "priority": "priority", "needed by": "needed_by",
    "need by": "needed_by", "needed-by": "needed_by", "due": "needed_by",
    "department": "department", "justification": "justification", "cost": "cost",
    "cost note": "impact_note", "impact note": "impact_note",
}
LABELS = {"provider": "Service", "service": "Service", "title": "a subject",
          "priority": "Priority", "needed_by": "Needed by", "department": "Department",
          "justification": "Justification", "cost": "Cost", "impact_note": "Cost note",
          "actor": "your address", "blocks": "For"}


def names(field: str) -> str:
    """How a refusal names a field in a mail: the line to add (`a 'Needed by:' line`)."""
    if field.startswith("info."):
        return f"a '{field[5:]}:' line"
    label = LABELS.get(field, field)
    return label if label.startswith(("a ", "your ")) else f"a '{label}:' line"


def service_ref(cat: Catalogue, text: str) -> tuple[str, str] | None:
    """(provider, service) from `provider.service`, `provider/service`, a service's id
    alone (when one provider has it), or a provider with one service."""
    text = text.strip().lower()
    pair = re.fullmatch(r"([a-z0-9_-]+)[./]([a-z0-9_-]+)", text)
    if pair:
        return (pair.group(1), pair.group(2)) if pair.group(1) in cat.providers else None
    if text in cat.providers and len(cat.providers[text].services) == 1:
        return text, next(iter(cat.providers[text].services))
    having = [p.id for p in cat.providers.values() if text in p.services]
    return (having[0], text) if len(having) == 1 else None


def draft(mail: Incoming, cat: Catalogue) -> Draft:
    """The draft a message makes (rules apart: `build_request` applies them)."""
    fields: dict[str, str] = {}
    info: dict[str, str] = {}
    rest: list[str] = []
    ref = next((found for tag in mail.tags if (found := service_ref(cat, tag))), None)
    lines = mail.text.split("\n")
    requires = {key for p in cat.providers.values() for s in p.services.values()
                for key in s.requires}
    for line in lines:
        match = _LINE.match(line)
        label = " ".join(match.group(1).lower().split()) if match else ""
        key = label.replace(" ", "_").replace("-", "_")
        if match and label in FIELDS and FIELDS[label] not in fields:
            fields[FIELDS[label]] = match.group(2)
        elif match and key in requires and key not in info:
            info[key] = match.group(2)
        else:
            rest.append(line)
    if "service" in fields:
        ref = service_ref(cat, fields["service"])
        if ref is None:
            raise IcsvcError(f"refused: the 'Service:' line names {fields['service']!r}, not a "
                             "service (accepted: provider.service, e.g. "
                             + ", ".join(f"{p.id}.{s}" for p in cat.providers.values()
                                         for s in p.services) + ")")
    provider, service = ref if ref else (None, None)
    cost = None
    if fields.get("cost"):
        cleaned = re.sub(r"[\s,_]", "", fields["cost"]).lstrip("$€£¥")
        try:
            cost = float(cleaned)
        except ValueError:
            raise IcsvcError(f"refused: the 'Cost:' line {fields['cost']!r} is not a number "
                             "(accepted: 1200 or 1,200.50)") from None
    keep = set(cat.providers[provider].services[service].requires) \
        if provider in cat.providers and service in cat.providers[provider].services else set()
    return Draft(
        provider=provider, service=service, title=mail.title or None,
        details="\n".join(rest).strip() or None,
        priority=(fields.get("priority") or "normal").strip().lower(),
        needed_by=fields.get("needed_by") or None,
        info={k: v for k, v in info.items() if k in keep},
        justification=fields.get("justification") or None,
        department=(fields.get("department") or "").strip().lower()
        or cat.department_of(mail.sender),
        cost=cost, impact_note=fields.get("impact_note") or None)


MAIL_NAMES: Names = names
