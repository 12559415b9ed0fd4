"""`icsvc escalate`: raise a request to the provider's escalation contact, or, as that
contact, answer the escalation."""

from __future__ import annotations

from icsvc.commands import open_store
from icsvc.commands.context import Context
from icsvc.commands.triage import Changed, changed
from icsvc.errors import UsageError
from icsvc.workflow.operations import answer, escalate


def run(ctx: Context, request_id: str, reason: str | None,
        answered: str | None = None) -> Changed:
    if (reason is None) == (answered is None):
        raise UsageError("escalate: pass --reason (to escalate) or --answer (the escalation "
                         "contact's answer), one of them")
    store = open_store(ctx)
    actor = ctx.actor()
    with store.writing(f"icsvc escalate {request_id}"):
        request = store.load(request_id)
        if answered is not None:
            change = answer(request, store.catalogue, ctx.now, actor, answered)
        else:
            assert reason is not None
            change = escalate(request, store.catalogue, ctx.now, actor, reason)
        store.save(request)
    return changed(store, ctx, change)
