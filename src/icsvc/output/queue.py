"""`icsvc queue` shown: the open requests, most urgent first, as a table (or CSV, Markdown),
or their JSON."""

from __future__ import annotations

from typing import Any

from icsvc.commands.queue import Queued
from icsvc.domain.durations import format_timedelta
from icsvc.output.ui import PRIORITY_STYLE, STATE_STYLE, print_json, print_rows
from icsvc.workflow.queue import QueueItem

COLUMNS = [("id", "ID"), ("provider", "Provider"), ("priority", "Priority"), ("title", "Title"),
           ("department", "From"), ("status", "Status"), ("owner", "Owner"),
           ("next_due", "Next due"), ("left", "Left"), ("sla", "SLA")]
CSV_COLUMNS = [("id", "id"), ("provider", "provider"), ("priority", "priority"),
               ("asked_priority", "asked_priority"), ("title", "title"),
               ("department", "department"), ("status", "status"), ("owner", "owner"),
               ("next_due", "next_due"), ("next_due_kind", "next_due_kind"),
               ("left", "left"), ("sla", "sla"), ("sla_clocks", "sla_clocks"),
               ("blocks", "blocks")]
"""The CSV's columns, one value each: the asked priority while a lower one is proposed or
contested, what falls due next and when, the worst state and the clocks in it (separated
by spaces), and the more urgent request it blocks, whose urgency it takes."""
KIND = {"acknowledge": "ack", "resolve": "resolve", "promise": "promise",
        "needed_by": "need-by", "escalation": "escalated"}
SHORT = {"acknowledge": "ack"}
CSV_NAMES = {"need-by": "needed_by", "update overdue": "update"}
"""The clocks' names in the CSV: as in JSON."""


def _sla_text(it: QueueItem) -> str:
    if not it.reasons:
        return it.state
    return f"{it.state}: {', '.join(SHORT.get(r, r) for r in it.reasons)}"


def render(queued: Queued, fmt: str) -> None:
    if queued.json is not None:
        print_json(queued.json)
        return
    cat = queued.catalogue
    table = fmt != "csv"
    rows: list[dict[str, Any]] = []
    for it in queued.items:
        r = it.card
        cal = cat.providers[r.provider].calendar
        due = it.next_due.astimezone(cal.tz).strftime("%a %d %b %H:%M")
        rows.append({
            "id": r.id, "provider": r.provider, "priority": r.priority, "title": r.title,
            "asked_priority": (r.requested_priority
                               if r.proposal in ("proposed", "contested") else ""),
            "department": r.department, "status": r.status,
            "owner": r.owner.split("@")[0] if r.owner and table else r.owner,
            "next_due": f"{KIND[it.next_due_kind]} {due}" if table else it.next_due.isoformat(),
            "next_due_kind": KIND[it.next_due_kind],
            "left": format_timedelta(it.left, cal.day_length),
            "sla": _sla_text(it) if table else it.state,
            "sla_clocks": " ".join(CSV_NAMES.get(n, n) for n in it.reasons
                                   if not n.startswith("blocks ")),
            "blocks": it.raised_by or "",
        })
    styles = {"priority": PRIORITY_STYLE,
              "sla": {row["sla"]: STATE_STYLE.get(row["sla"].split(":")[0], "")
                      for row in rows}}
    chosen, actor = queued.chosen, queued.actor
    scope = ", ".join(chosen) if chosen else "all providers"
    title = f"Queue: {scope}" + (f" (assigned to {actor})" if queued.mine else "") + (
        f" (escalated to {actor})" if queued.escalated else "")
    # the provider column whenever the queue can hold more than one provider
    columns = [c for c in (COLUMNS if table else CSV_COLUMNS)
               if c[0] != "provider" or len(chosen) != 1]
    print_rows(rows, columns, fmt, title=title if table else None, styles=styles,
               empty=f"{title}: " + ("no escalation waits for an answer" if queued.escalated
                                     else "nothing open"), flex=("title", "sla"),
               droppable=("department", "owner", "status", "provider", "left"))
