"""`icsvc show` shown: the request's fields, its SLA clocks and its history as a timeline."""

from __future__ import annotations

from icsvc.commands.show import Shown
from icsvc.domain.dates import when
from icsvc.domain.lifecycle import status_words
from icsvc.output.ui import STATE_STYLE, print_json


def render(shown: Shown, fmt: str) -> None:
    data = shown.data
    if fmt == "json":
        print_json(data)
        return
    from icsvc.output import plain

    request, provider, state = shown.request, shown.provider, shown.state
    width = plain.terminal_width()
    plain.para(f"{request.id}  {request.title}", bold=len(request.id), indent=len(request.id) + 2)
    proposal = {"proposed": "proposed by the provider: accept it (icsvc update "
                            f"{request.id} --accept-priority) or contest it (icsvc escalate)",
                "accepted": "accepted", "contested": "contested: the escalation contact "
                                                     "decides",
                "decided": "decided by the escalation contact"}.get(data["proposal"] or "")
    rows = [
        ("provider", f"{provider.name} ({request.provider}) / {request.service}"),
        ("status", status_words(request.status, request.progress)),
        ("priority", request.priority + (f" (asked for {request.requested_priority}"
                                         + (f"; {proposal}" if proposal else "") + ")"
                                         if request.requested_priority != request.priority
                                         else "")),
        ("requester", f"{request.customer_email} ({request.customer_department})"
                      + (f" - unverified: given by the GitHub login {shown.unverified}, until "
                         "an admin maps that login to it under 'people:'"
                         if shown.unverified else "")),
        ("owner", request.owner or "unassigned"),
        ("created", when(data["created_at"])),
    ]
    if request.needed_by:
        need = data["sla"].get("needed_by", {})
        flag = {"breached": "MISSED", "at-risk": "at risk"}.get(need.get("state", ""), "")
        rows.append(("needed by", when(data["needed_by"]) + (f"  [{flag}]" if flag else "")))
    if data["alternate"]:
        rows.append(("alternate", f"who can help instead: {data['alternate']}"))
    if request.rush:
        rows.append(("rush", f"yes - {request.justification or ''}"))
    if request.promised_by:
        rows.append(("promised by", f"{when(data['promised_by'])} ({data['promise']})"))
    for key, value in request.info.items():
        rows.append((key, value))
    if state.escalations:
        last = state.escalations[-1]
        rows.append(("escalated", f"{len(state.escalations)}x to {last.to}, last "
                                  f"{when(last.at)} by {last.by}: {last.note}"))
    if request.impact:
        cost = data["cost"] or {}  # the outcome's figure: the report's kind and note
        kind = cost.get("kind", "estimate")
        note = cost.get("note") or request.impact.get("note") or ""
        rows.append(("impact", f"{request.impact.get('cost')} ({kind}) {note}".strip()))
    if data["blocks"]:
        rows.append(("blocks", ", ".join(data["blocks"]) + " (they wait for this one)"))
    if data["waits_for"]:
        rows.append(("waits for", ", ".join(f"{w['id']} ({w['status']})"
                                             for w in data["waits_for"])))
    plain.write(plain.fields([(key, str(value)) for key, value in rows], width))
    if request.details:
        plain.say()
        for line in request.details.splitlines():
            plain.para(line)
    plain.say()
    clocks: list[list[plain.Piece]] = []
    for name, c in data["sla"].items():
        shown_state = c["state"] + (" (update overdue)" if name == "update" and
                                    c["state"] == "breached" and not c["met_at"] else "")
        if name == "needed_by":
            shown_state = {"breached": "MISSED", "met": "met"}.get(c["state"], c["state"])
        target = c.get("target", "your date")
        if c.get("basis") == "needed_by":  # planned work: the customer's date is the target
            target = f"your date (SLA {data['targets'][name]})"
        clocks.append([(name.replace("_", "-"), ""), (target, ""), (when(c["due"]), ""),
                       ("-" if c["met_at"] or c["state"] in ("declined", "pending")
                        else c["left"], ""),
                       (shown_state, STATE_STYLE.get(c["state"], ""))])
    plain.write(plain.table([plain.Col("clock"), plain.Col("target", wrap=True, min=10),
                             plain.Col("due"), plain.Col("left"),
                             plain.Col("state", wrap=True, min=8)],
                            clocks, title="SLA", width=width))
    plain.say()
    timeline = [[(when(entry.at), ""), (entry.by, ""), (entry.line(), "")]
                for entry in state.history]
    plain.write(plain.table([plain.Col("when", wrap=True, min=10),
                             plain.Col("who", wrap=True, min=12),
                             plain.Col("what", wrap=True, min=20)],
                            timeline, title="History", width=width))
