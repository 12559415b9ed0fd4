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
KIND = {"acknowledge": "ack", "resolve": "resolve", "promise": "promise",
        "needed_by": "need-by", "escalation": "escalated"}
SHORT = {"acknowledge": "ack"}


def _sla_text(it: QueueItem, short: bool) -> str:
    if not it.reasons:
        return it.state
    reasons = [SHORT.get(r, r) for r in it.reasons] if short else it.reasons
    return f"{it.state}: {', '.join(reasons)}"


def render(queued: Queued, fmt: str) -> None:
    if queued.json is not None:
        print_json(queued.json)
        return
    cat = queued.catalogue
    rows: list[dict[str, Any]] = []
    for it in queued.items:
        r = it.card
        cal = cat.providers[r.provider].calendar
        rows.append({
            "id": r.id, "provider": r.provider, "priority": r.priority, "title": r.title,
            "department": r.department, "status": r.status,
            "owner": r.owner.split("@")[0] if r.owner and fmt == "table" else r.owner,
            "next_due": (f"{KIND[it.next_due_kind]} "
                         f"{it.next_due.astimezone(cal.tz).strftime('%a %d %b %H:%M')}"
                         if fmt == "table" else it.next_due.isoformat()),
            "left": format_timedelta(it.left, cal.day_length),
            "sla": _sla_text(it, fmt == "table"),
        })
    styles = {"priority": PRIORITY_STYLE,
              "sla": {row["sla"]: STATE_STYLE.get(row["sla"].split(":")[0], "")
                      for row in rows}}
    chosen, actor = queued.chosen, queued.actor
    scope = ", ".join(chosen) if chosen else "all providers"
    title = f"Queue: {scope}" + (f" (assigned to {actor})" if queued.mine else "") + (
        f" (escalated to {actor})" if queued.escalated else "")
    # the provider column whenever the queue can hold more than one provider
    columns = [c for c in COLUMNS if c[0] != "provider" or len(chosen) != 1]
    print_rows(rows, columns, fmt, title=title if fmt != "csv" else None, styles=styles,
               empty=f"{title}: " + ("no escalation waits for an answer" if queued.escalated
                                     else "nothing open"), flex=("title", "sla"),
               droppable=("department", "owner", "status"))
