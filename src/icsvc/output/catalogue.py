"""`icsvc sla` shown: each provider's services, what they need, lead times and targets."""

from __future__ import annotations

from icsvc.commands.catalogue import hours, provider_json
from icsvc.domain.catalogue import PRIORITIES, Provider
from icsvc.output.ui import console, print_json


def _public(provider: Provider) -> str:
    """``, off on public holidays of US (NY)`` when the calendar names a country."""
    cal = provider.calendar
    return cal.describe()[len(cal.describe(public_holidays=False)):]


def render(chosen: list[Provider], fmt: str) -> None:
    if fmt == "json":
        print_json([provider_json(p) for p in chosen])
        return
    from rich.markup import escape
    from rich.table import Table

    con = console()
    for p in chosen:
        con.print(f"[bold]{escape(p.name)}[/bold] ({p.id})"
                  + (f" - {escape(p.description)}" if p.description else ""))
        con.print(f"  hours: {hours(p)}{_public(p)}; escalation: {p.escalation}; "
                  f"members: {', '.join(p.members)}")
        services = Table(header_style="bold", box=None, padding=(0, 2, 0, 2))
        for col in ("service", "what it is", "what we need from you", "lead time"):
            services.add_column(col, overflow="fold")
        for s in p.services.values():
            services.add_row(s.id, escape(s.description), ", ".join(s.requires) or "-",
                             s.lead_time.text if s.lead_time else "-")
        con.print(services)
        floors = [f"{s.id} is {s.min_priority} at least" for s in p.services.values()
                  if s.min_priority]
        for a in p.agreements.values():
            floors.append(f"requests from {a.department} are {a.priority} at least"
                          + (f" ({a.note})" if a.note else ""))
        if floors:
            con.print(f"  agreements: {escape('; '.join(floors))}")
        targets = Table(header_style="bold", box=None, padding=(0, 2, 0, 2))
        for col in ("priority", "acknowledge within", "resolve within", "progress note every"):
            targets.add_column(col)
        for prio in PRIORITIES:
            t = p.sla[prio]
            targets.add_row(prio, t.acknowledge.text, t.resolve.text,
                            t.update.text if t.update else "-")
        con.print(targets)
        con.print()
    day = chosen[0].calendar.day_length if chosen else None
    if day is not None:
        con.print("[dim]Targets are business time in the provider's calendar "
                  "(1d = one working day, 1w = one working week).[/dim]")
