"""`icsvc update`: status, progress notes, replies, progress, promises and information."""

from __future__ import annotations

from icsvc.commands import open_store
from icsvc.commands.context import Context
from icsvc.commands.triage import print_change
from icsvc.domain import names
from icsvc.domain.history.request import Request
from icsvc.workflow.workflow import UpdateOptions, update


def _answers_the_question(request: Request, actor: str, opts: UpdateOptions) -> bool | None:
    """The requester adding a note to a request that waits on them may be answering it.
    On a terminal, ask (True: treat the note as a --reply); off one, None (print a hint)."""
    from icsvc.output import prompts, ui

    if not (opts.note and opts.reply is None and not opts.info and opts.status is None
            and request.status == "waiting-on-customer" and actor == request.customer_email):
        return False
    if not ui.interactive():
        return None
    return prompts.confirm("Does this answer the question?")


def run(ctx: Context, request_id: str, opts: UpdateOptions, fmt: str) -> None:
    store = open_store(ctx)
    if opts.status is not None:
        opts.status = names.status(opts.status)
    actor = ctx.actor()
    from icsvc.output import ui

    answers: bool | None = False
    if opts.note and ui.interactive():  # a prompt comes before the write lock: none waits on it
        answers = _answers_the_question(store.load(request_id), actor, opts)
        if answers:
            opts.reply, opts.note = opts.note, None
    with store.writing(f"icsvc update {request_id}"):
        request = store.load(request_id)
        if opts.note and not ui.interactive():
            answers = _answers_the_question(request, actor, opts)  # None: print the hint
        change = update(request, store.catalogue, ctx.now, actor, opts)
        store.save(request)
    print_change(store, ctx, change, fmt)
    if answers is None:
        from icsvc.output.ui import note

        note(f"{request.id} still waits on you; if your note answers the question, hand it "
             f"back to {request.provider} with 'icsvc update {request.id} --reply TEXT'")
