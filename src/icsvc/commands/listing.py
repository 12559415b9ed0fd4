"""`icsvc list`: requests filtered by provider, status, department, priority."""

from __future__ import annotations

from dataclasses import dataclass

from icsvc.cli.ui import PRIORITY_STYLE, STATE_STYLE, print_json, print_rows, progress, warn
from icsvc.commands import open_store
from icsvc.context import Context
from icsvc.store import names
from icsvc.store.store import Summary
from icsvc.time.sla import Clock, clocks, worst
from icsvc.workflow import history
from icsvc.workflow.lifecycle import OPEN, is_open
from icsvc.workflow.views import request_json


@dataclass
class Filters:
    providers: list[str]
    statuses: list[str]
    departments: list[str]
    priorities: list[str]
    open_only: bool
    mine: bool = False


def matches(s: Summary, f: Filters) -> bool:
    return not (
        (f.providers and s.provider not in f.providers)
        or (f.statuses and s.status not in f.statuses)
        or (f.departments and s.department not in f.departments)
        or (f.priorities and s.priority not in f.priorities)
        or (f.open_only and not f.statuses and not is_open(s.status))
    )


CLOCK_WORDS = {"acknowledge": "ack", "resolve": "resolve", "update": "update",
               "needed_by": "need-by"}


def sla_text(all_clocks: dict[str, Clock]) -> str:
    """The worst state of a request's clocks, naming the clocks in it when it is a breach or
    a risk: `breached: need-by`, `at-risk: ack, resolve`, `ok`."""
    state = worst([c.state for c in all_clocks.values()])
    if state not in ("breached", "at-risk"):
        return state
    names = [CLOCK_WORDS.get(n, n) for n, c in all_clocks.items() if c.state == state]
    return f"{state}: {', '.join(names)}"


def run(ctx: Context, f: Filters, fmt: str) -> None:
    store = open_store(ctx)
    cat = store.catalogue
    f.providers = names.providers(cat, f.providers)
    f.statuses = names.statuses(f.statuses)
    f.priorities = names.priorities(f.priorities)
    f.departments = [names.department(cat, d) for d in f.departments]
    with progress(lambda: sum(1 for _ in store.request_files())) as step:
        chosen = store.load_all(warn, progress=step("Loading requests"),
                                where=lambda s: matches(s, f),
                                statuses=f.statuses or (OPEN if f.open_only else None),
                                providers=f.providers or None)
    if f.mine:
        actor = ctx.actor()
        managed = {d for d in cat.managers if cat.is_manager(actor, d)}
        chosen = [r for r in chosen if r.customer_email == actor
                  or r.customer_department in managed]
    chosen.sort(key=lambda r: r.created_at, reverse=True)
    if fmt == "json":
        print_json([request_json(r, cat, ctx.now) for r in chosen])
        return
    rows = []
    for r in chosen:  # the table needs the clocks' states only, not the whole JSON
        cal = cat.providers[r.provider].calendar
        state = history.replay(r, cat)
        rows.append({
            "id": r.id, "provider": r.provider,
            "priority": r.priority + (f" ({state.proposal}; asked {r.requested_priority})"
                                      if state.proposal in ("proposed", "contested") else ""),
            "status": r.status,
            "department": r.customer_department, "title": r.title,
            "created": r.created_at.astimezone(cal.tz).date().isoformat(),
            "sla": sla_text(clocks(state, cat, ctx.now)), "rush": "rush" if r.rush else "",
        })
    columns = [("id", "ID"), ("provider", "Provider"), ("priority", "Priority"),
               ("status", "Status"), ("department", "From"), ("title", "Title"),
               ("created", "Created"), ("sla", "SLA"), ("rush", "Rush")]
    sla_styles = {row["sla"]: STATE_STYLE.get(row["sla"].split(":")[0], "") for row in rows}
    print_rows(rows, columns, fmt, styles={"sla": sla_styles, "priority": PRIORITY_STYLE},
               empty="no requests match", droppable=("created", "provider", "department"))
