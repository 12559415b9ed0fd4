"""`icsvc queue`: a provider's open requests, most urgent first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from icsvc.commands import open_store
from icsvc.commands.context import Context
from icsvc.domain import names
from icsvc.domain.catalogue import Catalogue
from icsvc.domain.durations import format_timedelta
from icsvc.domain.lifecycle import OPEN
from icsvc.errors import IcsvcError
from icsvc.store.store import Store
from icsvc.workflow.cards import Card, card_of, cards, keep
from icsvc.workflow.queue import QueueItem, build, default_providers
from icsvc.workflow.views import request_json


@dataclass
class Queued:
    """A queue, most urgent first: its items, the providers it covers (`chosen`), and whose
    it is (`actor`, with `mine` or `escalated`); when asked for JSON, each request's JSON
    contract with its place in the queue (`json`) instead of the items."""

    catalogue: Catalogue
    items: list[QueueItem]
    chosen: list[str]
    actor: str | None
    mine: bool
    escalated: bool
    json: list[dict[str, Any]] | None = None


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


def run(ctx: Context, providers: list[str], mine: bool, escalated: bool = False,
        as_json: bool = False) -> Queued:
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
    keeping = keep(store)
    with ctx.progress(lambda: sum(1 for _ in store.request_files())) as step:
        # an escalation waits for its answer whatever the request's status
        found = store.summaries(ctx.warn, progress=step("Loading requests"),
                                statuses=None if escalated else OPEN,
                                providers=wanted or None, keep=keeping)
    items = build(cards(store, [rel for rel, _ in found], ctx.warn, keeping.stamp), cat,
                  ctx.now, chosen, actor if mine else None, lookup=_lookup(store),
                  escalated_to=actor if escalated else None)
    queued = Queued(cat, items, chosen, actor, mine, escalated)
    if as_json:
        queued.json = _json(store, ctx, items)
    return queued


def _json(store: Store, ctx: Context, items: list[QueueItem]) -> list[dict[str, Any]]:
    """Each queued request's JSON contract, with its place in the queue."""
    cat = store.catalogue
    out = []
    requests = {store.rel(r.path or ""): r
                for r in store.requests([it.card.path for it in items], ctx.warn)}
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
    return out
