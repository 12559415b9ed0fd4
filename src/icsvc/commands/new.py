"""`icsvc new`: ask a provider for something, and learn what to expect."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from icsvc.catalogue import Catalogue, Provider
from icsvc.commands import open_store
from icsvc.context import Context, git_config
from icsvc.intake import Draft, build_request, missing_items, parse_info, rush_reasons
from icsvc.model import Request
from icsvc.ui import console, print_json, when
from icsvc.views import request_json


@dataclass
class Options:
    provider: str | None
    service: str | None
    title: str | None
    details: str | None
    priority: str
    needed_by: str | None
    info: list[str]
    justification: str | None
    department: str | None
    cost: float | None
    impact_note: str | None
    fmt: str
    blocks: list[str] = field(default_factory=list)


def default_department(cat: Catalogue, actor: str, cwd: Path) -> str | None:
    return (cat.department_of(actor) or os.environ.get("ICSVC_DEPARTMENT")
            or git_config(cwd, "icsvc.department"))


def _ask(draft: Draft, cat: Catalogue) -> None:
    """On a terminal, prompt for whatever is still missing."""
    from rich.prompt import Prompt

    con = console()
    if not draft.provider:
        draft.provider = Prompt.ask("Provider", choices=list(cat.providers), console=con)
    provider = cat.providers.get(draft.provider)
    if provider is not None and not draft.service:
        for s in provider.services.values():
            con.print(f"  [bold]{s.id}[/bold]: {s.description}")
        draft.service = Prompt.ask("Service", choices=list(provider.services), console=con)
    if not draft.title:
        draft.title = Prompt.ask("Title", console=con)
    if not draft.department:
        draft.department = Prompt.ask("Your department", console=con)
    if provider is not None and draft.service in provider.services:
        for key in provider.services[draft.service].requires:
            if not draft.info.get(key, "").strip():
                draft.info[key] = Prompt.ask(f"{key} (required by {draft.service})",
                                             console=con)


def run(ctx: Context, opts: Options) -> None:
    store = open_store(ctx)
    cat = store.catalogue
    actor = ctx.actor()
    draft = Draft(
        provider=opts.provider, service=opts.service, title=opts.title, details=opts.details,
        priority=opts.priority, needed_by=opts.needed_by,
        info=parse_info(opts.info, allow_empty=True),
        justification=opts.justification,
        department=opts.department or default_department(cat, actor, ctx.cwd),
        cost=opts.cost, impact_note=opts.impact_note, blocks=list(opts.blocks),
    )
    if sys.stdin.isatty() and sys.stdout.isatty():
        if missing_items(draft, cat):
            _ask(draft, cat)
        reasons = rush_reasons(draft, cat, ctx.now)
        if reasons and not (draft.justification or "").strip():
            from rich.prompt import Prompt

            console().print(f"This is a rush: {' and '.join(reasons)}.")
            draft.justification = Prompt.ask("Why is it needed so soon (justification)",
                                             console=console())
    taken = {p.stem for p in store.request_files()}
    request = build_request(draft, cat, actor, ctx.now, taken)
    path = store.save(request)
    data = request_json(request, cat, ctx.now)
    if opts.fmt == "json":
        print_json(data)
        return
    provider = cat.providers[request.provider]
    con = console()
    con.print(f"Created [bold]{request.id}[/bold] ({store.rel(path)}) for "
              f"{provider.name} / {request.service}, priority {request.priority}"
              + (" [yellow](rush)[/yellow]" if request.rush else ""))
    from rich.markup import escape

    for line in expectations(request, provider, data):
        note = line.startswith("note:")
        con.print("  " + ("[yellow]note:[/yellow]" if note else "")
                  + escape(line[5:] if note else line))
    con.print("  Commit the file and open a pull request to send it.")


def expectations(request: Request, provider: Provider, data: dict[str, Any]) -> list[str]:
    """What the requester can expect, as `icsvc new` (and an issue's intake comment) says it:
    the due dates, whose hours they count in, and a need-by date the SLA does not meet."""
    sla = data["sla"]
    lines = [
        f"acknowledge by: {when(sla['acknowledge']['due'])}  "
        f"({sla['acknowledge']['target']} of business time)",
        f"resolve by:     {when(sla['resolve']['due'])}  "
        f"({sla['resolve']['target']} of business time)",
        f"in {provider.name}'s hours ({provider.calendar.timezone}); questions or exceptions: "
        f"{provider.escalation}",
    ]
    if request.needed_by is not None and request.needed_by < datetime.fromisoformat(
            sla["resolve"]["due"]):
        lines.append(f"note: you need it by {when(data['needed_by'])}, before the SLA resolve "
                     "date; the provider agrees the priority when triaging")
    return lines
