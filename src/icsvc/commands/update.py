"""`icsvc update`: status, progress notes, replies, progress, promises and information."""

from __future__ import annotations

from icsvc.commands import open_store
from icsvc.commands.context import Context
from icsvc.commands.triage import Changed, changed
from icsvc.domain import names
from icsvc.domain.history.request import Request
from icsvc.workflow.operations import UpdateOptions, update


def _may_answer(request: Request, actor: str, opts: UpdateOptions) -> bool:
    """The requester adding a note to a request that waits on them may be answering it."""
    return bool(opts.note and opts.reply is None and not opts.info and opts.status is None
                and request.status == "waiting-on-customer"
                and actor == request.customer_email)


def may_answer(ctx: Context, request_id: str, opts: UpdateOptions) -> bool:
    """Whether the note may answer the question the request waits on (the command line
    asks, before `run` takes the write lock, so that no writer waits on a person)."""
    store = open_store(ctx)
    if opts.status is not None:
        opts.status = names.status(opts.status)
    actor = ctx.actor()
    return _may_answer(store.load(request_id), actor, opts)


def run(ctx: Context, request_id: str, opts: UpdateOptions) -> Changed:
    store = open_store(ctx)
    if opts.status is not None:
        opts.status = names.status(opts.status)
    actor = ctx.actor()
    with store.writing(f"icsvc update {request_id}"):
        request = store.load(request_id)
        answering = _may_answer(request, actor, opts)
        change = update(request, store.catalogue, ctx.now, actor, opts)
        store.save(request)
    done = changed(store, ctx, change)
    done.may_answer = answering
    return done
