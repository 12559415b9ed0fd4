"""`icsvc sla` shown: each provider's services, what they need, lead times and targets."""

from __future__ import annotations

from icsvc.commands.catalogue import hours, provider_json
from icsvc.domain.catalogue import PRIORITIES, Provider
from icsvc.output.ui import print_json


def _public(provider: Provider) -> str:
    """``, off on public holidays of US (NY)`` when the calendar names a country."""
    cal = provider.calendar
    return cal.describe()[len(cal.describe(public_holidays=False)):]


def render(chosen: list[Provider], fmt: str) -> None:
    if fmt == "json":
        print_json([provider_json(p) for p in chosen])
        return
    from icsvc.output import plain

    width = plain.terminal_width()
    inner = None if width is None else width - 2
    for p in chosen:
        plain.para(f"{p.name} ({p.id})" + (f" - {p.description}" if p.description else ""),
                   indent=2, bold=len(p.name))
        plain.para(f"  hours: {hours(p)}{_public(p)}; escalation: {p.escalation}; "
                   f"members: {', '.join(p.members)}", indent=2)
        services = [[(s.id, ""), (s.description, ""), (", ".join(s.requires) or "-", ""),
                     (s.lead_time.text if s.lead_time else "-", "")]
                    for s in p.services.values()]
        plain.write(plain.indented(plain.table(
            [plain.Col("service"), plain.Col("what it is", wrap=True, min=20),
             plain.Col("what we need from you", wrap=True, min=14),
             plain.Col("lead time")], services, width=inner), 2))
        floors = [f"{s.id} is {s.min_priority} at least" for s in p.services.values()
                  if s.min_priority]
        for a in p.agreements.values():
            floors.append(f"requests from {a.department} are {a.priority} at least"
                          + (f" ({a.note})" if a.note else ""))
        if floors:
            plain.para(f"  agreements: {'; '.join(floors)}", indent=2)
        targets = []
        for prio in PRIORITIES:
            t = p.sla[prio]
            targets.append([(prio, ""), (t.acknowledge.text, ""), (t.resolve.text, ""),
                            (t.update.text if t.update else "-", "")])
        plain.write(plain.indented(plain.table(
            [plain.Col("priority"), plain.Col("acknowledge within", "ack within"),
             plain.Col("resolve within"), plain.Col("progress note every", "note every")],
            targets, width=inner), 2))
        plain.say()
    day = chosen[0].calendar.day_length if chosen else None
    if day is not None:
        plain.para("Targets are business time in the provider's calendar "
                   "(1d = one working day, 1w = one working week).", "dim")
