"""`icsvc list`: requests filtered by provider, status, department, priority."""

from __future__ import annotations

from dataclasses import dataclass

from icsvc.catalogue import PRIORITIES
from icsvc.commands import open_store
from icsvc.context import Context
from icsvc.errors import UsageError
from icsvc.lifecycle import STATUSES, is_open
from icsvc.model import Request
from icsvc.sla import clocks
from icsvc.ui import PRIORITY_STYLE, SEVERITY, STATE_STYLE, print_json, print_rows, warn
from icsvc.views import request_json


@dataclass
class Filters:
    providers: list[str]
    statuses: list[str]
    departments: list[str]
    priorities: list[str]
    open_only: bool


def _validate(values: list[str], accepted: tuple[str, ...] | list[str], option: str) -> None:
    for value in values:
        if value not in accepted:
            raise UsageError(f"{option}: {value!r} is not valid "
                             f"(accepted: {', '.join(accepted)})")


def select(requests: list[Request], f: Filters) -> list[Request]:
    out = []
    for r in requests:
        if f.providers and r.provider not in f.providers:
            continue
        if f.statuses and r.status not in f.statuses:
            continue
        if f.departments and r.customer_department not in f.departments:
            continue
        if f.priorities and r.priority not in f.priorities:
            continue
        if f.open_only and not f.statuses and not is_open(r.status):
            continue
        out.append(r)
    out.sort(key=lambda r: r.created_at, reverse=True)
    return out


def run(ctx: Context, f: Filters, fmt: str) -> None:
    store = open_store(ctx)
    cat = store.catalogue
    _validate(f.providers, list(cat.providers), "--provider")
    _validate(f.statuses, STATUSES, "--status")
    _validate(f.priorities, PRIORITIES, "--priority")
    chosen = select(store.load_all(warn), f)
    if fmt == "json":
        print_json([request_json(r, cat, ctx.now) for r in chosen])
        return
    rows = []
    for r in chosen:  # the table needs the clocks' states only, not the whole JSON
        cal = cat.providers[r.provider].calendar
        states = [c.state for c in clocks(r, cal, ctx.now, cat.at_risk).values()]
        rows.append({
            "id": r.id, "provider": r.provider, "priority": r.priority, "status": r.status,
            "department": r.customer_department, "title": r.title,
            "created": r.created_at.astimezone(cal.tz).date().isoformat(),
            "sla": min(states, key=SEVERITY.index), "rush": "rush" if r.rush else "",
        })
    columns = [("id", "ID"), ("provider", "Provider"), ("priority", "Priority"),
               ("status", "Status"), ("department", "From"), ("title", "Title"),
               ("created", "Created"), ("sla", "SLA"), ("rush", "Rush")]
    print_rows(rows, columns, fmt, styles={"sla": STATE_STYLE, "priority": PRIORITY_STYLE},
               empty="no requests match", droppable=("created", "provider", "department"))
