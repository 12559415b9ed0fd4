"""`icsvc triage`: the provider's response to a request."""

from __future__ import annotations

from icsvc.commands import open_store
from icsvc.context import Context
from icsvc.store import Store
from icsvc.workflow import Change, TriageOptions, triage


def print_change(store: Store, ctx: Context, change: Change, fmt: str) -> None:
    """What changed, one line per new history entry (or the request as JSON)."""
    from rich.markup import escape

    from icsvc.commands.show import describe
    from icsvc.ui import console, print_json
    from icsvc.views import iso, request_json

    request = change.request
    if fmt == "json":
        print_json(request_json(request, store.catalogue, ctx.now))
        return
    con = console()
    con.print(f"[bold]{request.id}[/bold] {escape(request.title)} "
              f"({request.provider}, {request.status})")
    for entry in change.entries:
        con.print(f"  {escape(describe(iso(entry.to_dict())))}")
    if change.moved_from is not None and request.path is not None:
        con.print(f"  moved requests/{change.moved_from}/{request.id}.yaml -> "
                  f"{store.rel(request.path)}")
    for notice in change.notices:
        con.print(f"  [yellow]note:[/yellow] {escape(notice)}")


def run(ctx: Context, request_id: str, opts: TriageOptions, fmt: str) -> None:
    store = open_store(ctx)
    actor = ctx.actor()
    with store.writing(f"icsvc triage {request_id}"):
        request = store.load(request_id)
        old_path = request.path
        change = triage(request, store.catalogue, ctx.now, actor, opts)
        store.save(request, old_path=old_path)
    print_change(store, ctx, change, fmt)
