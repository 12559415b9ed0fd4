"""`icsvc triage`: the provider's response to a request."""

from __future__ import annotations

from icsvc.commands import next_step, open_store
from icsvc.commands.context import Context
from icsvc.domain import names
from icsvc.store.store import Store
from icsvc.workflow.workflow import Change, TriageOptions, triage


def print_change(store: Store, ctx: Context, change: Change, fmt: str) -> None:
    """What changed, one line per new history entry (or the request as JSON), the notices
    (a promise or need-by date on one of the provider's days off among them), then the next
    step."""
    from rich.markup import escape

    from icsvc.domain.dates import day_off_note
    from icsvc.output.ui import console, note, print_json
    from icsvc.workflow.views import request_json

    request = change.request
    provider = store.catalogue.providers[request.provider]
    days_off = [day_off_note(day, provider.calendar, provider.name)
                for e in change.entries if (day := e.named_date()) is not None]
    if fmt == "json":
        print_json(request_json(request, store.catalogue, ctx.now))
        for said in filter(None, days_off):
            note(said)
        return
    con = console()
    con.print(f"[bold]{request.id}[/bold] {escape(request.title)} "
              f"({request.provider}, {request.status})")
    for entry in change.entries:
        con.print(f"  {escape(entry.line())}")
    if change.moved_from is not None and request.path is not None:
        con.print(f"  moved requests/{change.moved_from}/{request.id}.yaml -> "
                  f"{store.rel(request.path)}")
    for notice in [*change.notices, *filter(None, days_off)]:
        con.print(f"  [yellow]note:[/yellow] {escape(notice)}")
    next_step(store)


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


def run(ctx: Context, request_id: str, opts: TriageOptions, fmt: str) -> None:
    store = open_store(ctx)
    actor = ctx.actor()
    with store.writing(f"icsvc triage {request_id}"):
        request = store.load(request_id)
        resolve_names(store, request.provider, opts)
        old_path = request.path
        change = triage(request, store.catalogue, ctx.now, actor, opts)
        store.save(request, old_path=old_path)
    print_change(store, ctx, change, fmt)
