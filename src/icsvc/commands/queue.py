"""`icsvc queue`: a provider's open requests, most urgent first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from icsvc.commands import open_store
from icsvc.commands.context import Context
from icsvc.domain import names
from icsvc.domain.durations import format_timedelta
from icsvc.domain.lifecycle import OPEN
from icsvc.errors import IcsvcError
from icsvc.output.ui import PRIORITY_STYLE, STATE_STYLE, print_json, print_rows, progress, warn
from icsvc.store.store import Store
from icsvc.workflow.cards import Card, card_of, cards
from icsvc.workflow.queue import QueueItem, build, default_providers
from icsvc.workflow.views import request_json

COLUMNS = [("id", "ID"), ("provider", "Provider"), ("priority", "Priority"), ("title", "Title"),
           ("department", "From"), ("status", "Status"), ("owner", "Owner"),
           ("next_due", "Next due"), ("left", "Left"), ("sla", "SLA")]
KIND = {"acknowledge": "ack", "resolve": "resolve", "promise": "promise",
        "needed_by": "need-by"}
SHORT = {"acknowledge": "ack"}


def _sla_text(it: QueueItem, short: bool) -> str:
    if not it.reasons:
        return it.state
    reasons = [SHORT.get(r, r) for r in it.reasons] if short else it.reasons
    return f"{it.state}: {', '.join(reasons)}"


def _lookup(store: Store) -> Callable[[str], Card | None]:
    """Find a blocked request by ID (another provider's, maybe), or None."""
    def find(rid: str) -> Card | None:
        try:
            request = store.load(rid)
        except (IcsvcError, OSError):
            return None
        return card_of(request, store.rel(request.path), store.catalogue) if request.path \
            else None

    return find


def run(ctx: Context, providers: list[str], mine: bool, fmt: str,
        escalated: bool = False) -> None:
    store = open_store(ctx)
    cat = store.catalogue
    providers = names.providers(cat, providers)
    actor: str | None = ctx.actor() if mine or escalated else None
    if escalated and not providers:
        providers = [pid for pid, p in cat.providers.items() if p.escalation == actor]
        if not providers:
            raise IcsvcError(f"queue --escalated: {actor} is the escalation contact of no "
                             "provider")
    if not providers and not mine:
        try:
            actor = ctx.actor()
        except IcsvcError:
            actor = None  # nobody known: everyone's queue
    chosen = providers or default_providers(cat, actor)
    wanted = set(chosen)
    with progress(lambda: sum(1 for _ in store.request_files())) as step:
        found = store.summaries(warn, progress=step("Loading requests"), statuses=OPEN,
                                providers=wanted or None)
    items = build(cards(store, [rel for rel, _ in found], warn), cat, ctx.now, chosen,
                  actor if mine else None, lookup=_lookup(store),
                  escalated_to=actor if escalated else None)
    if fmt == "json":
        out = []
        requests = {store.rel(r.path or ""): r
                    for r in store.requests([it.card.path for it in items], warn)}
        for it in items:
            if it.card.path not in requests:
                continue  # unreadable since its card was read
            data = request_json(requests[it.card.path], cat, ctx.now)
            data["queue"] = {
                "next_due": it.next_due.isoformat(), "next_due_kind": it.next_due_kind,
                "left": format_timedelta(it.left, cat.providers[it.card.provider]
                                         .calendar.day_length),
                "state": it.state, "reasons": it.reasons,
            }
            out.append(data)
        print_json(out)
        return
    rows: list[dict[str, Any]] = []
    for it in items:
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
    scope = ", ".join(chosen) if chosen else "all providers"
    title = f"Queue: {scope}" + (f" (assigned to {actor})" if mine else "") + (
        f" (escalated to {actor})" if escalated else "")
    # the provider column whenever the queue can hold more than one provider
    columns = [c for c in COLUMNS if c[0] != "provider" or len(chosen) != 1]
    print_rows(rows, columns, fmt, title=title if fmt != "csv" else None, styles=styles,
               empty=f"{title}: nothing open", flex=("title", "sla"),
               droppable=("department", "owner", "status"))
