"""`icsvc escalate`: raise a request to the provider's escalation contact."""

from __future__ import annotations

from icsvc.commands import open_store
from icsvc.commands.context import Context
from icsvc.commands.triage import Changed, changed
from icsvc.workflow.operations import escalate


def run(ctx: Context, request_id: str, reason: str) -> Changed:
    store = open_store(ctx)
    actor = ctx.actor()
    with store.writing(f"icsvc escalate {request_id}"):
        request = store.load(request_id)
        change = escalate(request, store.catalogue, ctx.now, actor, reason)
        store.save(request)
    return changed(store, ctx, change)
