"""`icsvc triage`: the provider's response to a request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from icsvc.commands import next_step, open_store
from icsvc.commands.context import Context
from icsvc.domain import names
from icsvc.domain.dates import day_off_note
from icsvc.store.store import Store
from icsvc.workflow.operations import TriageOptions, triage
from icsvc.workflow.session import Change
from icsvc.workflow.views import request_json


@dataclass
class Changed:
    """What a change to a request did (`triage`, `update`, `escalate`): the new history
    entries (`change`), the request's JSON contract after it, a note for each date it names
    on one of the provider's days off, where a redirect moved the file, and what to run
    next. `may_answer`: the requester's note to a request that waits on them may have
    been meant as its answer (`update --reply`)."""

    change: Change
    data: dict[str, Any]
    days_off: list[str]
    moved_to: str | None
    next_step: str | None
    may_answer: bool = False


def changed(store: Store, ctx: Context, change: Change) -> Changed:
    request = change.request
    provider = store.catalogue.providers[request.provider]
    days_off = [day_off_note(day, provider.calendar, provider.name)
                for e in change.entries if (day := e.named_date()) is not None]
    moved_to = (store.rel(request.path) if change.moved_from is not None
                and request.path is not None else None)
    return Changed(change, request_json(request, store.catalogue, ctx.now),
                   [said for said in days_off if said], moved_to, next_step(store))


def resolve_names(store: Store, provider_id: str, opts: TriageOptions) -> None:
    """Names as people type them (any case, `raj` for raj@example.com), made exact."""
    cat = store.catalogue
    if opts.priority is not None:
        opts.priority = names.priority(opts.priority)
    if opts.assign is not None:
        opts.assign = names.member(cat.providers[provider_id], opts.assign, "--assign")
    if opts.redirect is not None:
        opts.redirect = names.provider(cat, opts.redirect, "--redirect")
        if opts.service is not None:
            opts.service = names.service(cat.providers[opts.redirect], opts.service)


def run(ctx: Context, request_id: str, opts: TriageOptions) -> Changed:
    store = open_store(ctx)
    actor = ctx.actor()
    with store.writing(f"icsvc triage {request_id}"):
        request = store.load(request_id)
        resolve_names(store, request.provider, opts)
        old_path = request.path
        change = triage(request, store.catalogue, ctx.now, actor, opts)
        store.save(request, old_path=old_path)
    return changed(store, ctx, change)
