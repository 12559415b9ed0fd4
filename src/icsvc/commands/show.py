"""`icsvc show`: one request, its SLA clocks, and its history as a timeline."""

from __future__ import annotations

from typing import Any

from icsvc.cli.ui import STATE_STYLE, console, print_json, styled
from icsvc.commands import open_store
from icsvc.commands.context import Context
from icsvc.domain.dates import when
from icsvc.store.store import Store
from icsvc.workflow.views import iso, request_json


def describe(entry: dict[str, Any]) -> str:
    """One line for a history entry: what changed, old -> new, and the note."""
    kind = entry["type"]
    parts: list[str] = []
    if kind == "created":
        parts.append("created the request")
    elif kind == "status":
        parts.append(f"status {entry.get('from', '?')} -> {entry.get('to')}")
        if entry.get("timeframe"):
            parts.append(f"(expect it by {when(entry['timeframe'])})")
        if entry.get("late"):
            parts.append("(a late request for information)")
        if entry.get("alternate"):
            parts.append(f"(who can help instead: {entry['alternate']})")
    elif kind in ("priority", "assigned", "progress"):
        label = {"assigned": "owner", "progress": "progress"}.get(kind, kind)
        parts.append(f"{label} {entry.get('from') or '-'} -> {entry.get('to') or '-'}")
    elif kind == "promise" and not entry.get("to"):
        parts.append(f"promise of {when(entry.get('from'))} withdrawn")
    elif kind == "promise":
        parts.append(f"promised {when(entry.get('to'))}")
        if entry.get("from"):
            parts.append(f"(was {when(entry['from'])})")
        if entry.get("broken"):
            parts.append("[broken promise]")
    elif kind == "redirect":
        parts.append(f"redirected {entry.get('from')} -> {entry.get('to')}")
        if entry.get("service"):
            parts.append(f"(service {entry['service']})")
    elif kind == "info":
        parts.append("provided " + ", ".join(f"{k}={v}" for k, v in
                                            (entry.get("info") or {}).items()))
    elif kind == "escalation":
        parts.append(f"escalated to {entry.get('to')}")
        if entry.get("contest"):
            parts.append("(contests the proposed priority)")
    elif kind == "cost":
        parts.append(f"recorded the cost of the lapse: {entry.get('from') or '-'} -> "
                     f"{entry.get('to')}")
    elif kind == "needed-by":
        parts.append(f"needed by {when(entry.get('to'))} (was {when(entry.get('from'))})")
    elif kind == "requested-priority":
        parts.append(f"asked for {entry.get('to')} priority (was {entry.get('from')})")
    elif kind == "accepted":
        parts.append(f"accepted the proposed priority {entry.get('to')}")
    elif kind == "link":
        parts.append(f"blocks {entry.get('blocks')}")
    elif kind == "note" and entry.get("reply"):
        parts.append("replied")
    elif kind == "feedback":
        parts.append(f"rated {entry.get('rating')}/5")
        if entry.get("comment"):
            parts.append(f"\"{entry['comment']}\"")
    elif kind == "targets":
        to = entry.get("to")
        parts.append("SLA targets now " + (", ".join(f"{k} {v}" for k, v in to.items())
                                           if isinstance(to, dict) else str(to)))
    elif kind == "conflict":
        parts.append(f"merge: {entry.get('field')} set to {entry.get('ours')!r} and "
                     f"{entry.get('theirs')!r} on two branches; kept {entry.get('kept')!r}")
    else:
        parts.append(kind)
    if entry.get("note"):
        parts.append(f"- {entry['note']}")
    return " ".join(parts)


def waits_for(store: Store, rid: str) -> list[dict[str, str]]:
    """The requests that exist to fulfil this one (their `blocks` names it)."""
    return [{"id": r.id, "provider": r.provider, "status": r.status}
            for r in store.waiting_on(rid)]


def run(ctx: Context, request_id: str, fmt: str) -> None:
    store = open_store(ctx)
    request = store.load(request_id)
    cat = store.catalogue
    data = request_json(request, cat, ctx.now)
    data["waits_for"] = waits_for(store, request.id)
    if fmt == "json":
        print_json(data)
        return
    from rich.markup import escape
    from rich.table import Table

    provider = cat.providers[request.provider]
    con = console()
    con.print(f"[bold]{request.id}[/bold]  {escape(request.title)}")
    proposal = {"proposed": "proposed by the provider: accept it (icsvc update "
                            f"{request.id} --accept-priority) or contest it (icsvc escalate)",
                "accepted": "accepted", "contested": "contested: the escalation contact "
                                                     "decides",
                "decided": "decided by the escalation contact"}.get(data["proposal"] or "")
    rows = [
        ("provider", f"{provider.name} ({request.provider}) / {request.service}"),
        ("status", request.status + (f", {request.progress}% done"
                                     if request.progress is not None else "")),
        ("priority", request.priority + (f" (asked for {request.requested_priority}"
                                         + (f"; {proposal}" if proposal else "") + ")"
                                         if request.requested_priority != request.priority
                                         else "")),
        ("requester", f"{request.customer_email} ({request.customer_department})"),
        ("owner", request.owner or "unassigned"),
        ("created", when(data["created_at"])),
    ]
    if request.needed_by:
        need = data["sla"].get("needed_by", {})
        state = need.get("state", "")
        flag = {"breached": "MISSED", "at-risk": "at risk"}.get(state, "")
        rows.append(("needed by", when(data["needed_by"]) + (f"  [{flag}]" if flag else "")))
    if data["alternate"]:
        rows.append(("alternate", f"who can help instead: {data['alternate']}"))
    if request.rush:
        rows.append(("rush", f"yes - {request.justification or ''}"))
    if request.promised_by:
        rows.append(("promised by", f"{when(data['promised_by'])} ({data['promise']})"))
    for key, value in request.info.items():
        rows.append((key, value))
    escalations = [e for e in request.history if e.type == "escalation"]
    if escalations:
        last = escalations[-1]
        rows.append(("escalated", f"{len(escalations)}x to {last.get('to')}, last "
                                  f"{when(iso(last.at))} by {last.by}: {last.get('note', '')}"))
    if request.impact:
        kind = (data["cost"] or {}).get("kind", "estimate")
        rows.append(("impact", f"{request.impact.get('cost')} ({kind}) "
                               f"{request.impact.get('note', '')}".strip()))
    if data["blocks"]:
        rows.append(("blocks", ", ".join(data["blocks"]) + " (they wait for this one)"))
    if data["waits_for"]:
        rows.append(("waits for", ", ".join(f"{w['id']} ({w['status']})"
                                             for w in data["waits_for"])))
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column(overflow="fold")
    for key, value in rows:
        head.add_row(key, escape(str(value)))
    con.print(head)
    if request.details:
        con.print()
        con.print(escape(request.details))
    con.print()
    clocks = Table(title="SLA", title_justify="left", header_style="bold", box=None,
                   padding=(0, 2, 0, 0))
    for col in ("clock", "target", "due", "left", "state"):
        clocks.add_column(col)
    for name, c in data["sla"].items():
        state = c["state"] + (" (update overdue)" if name == "update" and
                              c["state"] == "breached" and not c["met_at"] else "")
        if name == "needed_by":
            state = {"breached": "MISSED", "met": "met"}.get(c["state"], c["state"])
        clocks.add_row(name.replace("_", "-"), c.get("target", "your date"), when(c["due"]),
                       "-" if c["met_at"] else c["left"],
                       styled(state, STATE_STYLE.get(c["state"], "")))
    con.print(clocks)
    con.print()
    timeline = Table(title="History", title_justify="left", header_style="bold", box=None,
                     padding=(0, 2, 0, 0))
    for col in ("when", "who", "what"):
        timeline.add_column(col, overflow="fold")
    for entry in data["history"]:
        timeline.add_row(when(entry["at"]), entry["by"], escape(describe(entry)))
    con.print(timeline)
