"""`icsvc update`: status, progress notes, progress, promises and information."""

from __future__ import annotations

from icsvc.commands import open_store
from icsvc.commands.triage import print_change
from icsvc.context import Context
from icsvc.workflow import UpdateOptions, update


def run(ctx: Context, request_id: str, opts: UpdateOptions, fmt: str) -> None:
    store = open_store(ctx)
    actor = ctx.actor()
    with store.writing(f"icsvc update {request_id}"):
        request = store.load(request_id)
        change = update(request, store.catalogue, ctx.now, actor, opts)
        store.save(request)
    print_change(store, ctx, change, fmt)
