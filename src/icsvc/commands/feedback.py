"""`icsvc feedback`: the customer rates an outcome."""

from __future__ import annotations

from icsvc.commands import next_step, open_store
from icsvc.commands.context import Context
from icsvc.output.ui import console, print_json
from icsvc.workflow.views import request_json
from icsvc.workflow.workflow import feedback


def run(ctx: Context, request_id: str, stars: int, comment: str | None, fmt: str) -> None:
    store = open_store(ctx)
    actor = ctx.actor()
    with store.writing(f"icsvc feedback {request_id}"):
        request = store.load(request_id)
        change = feedback(request, store.catalogue, ctx.now, actor, stars, comment)
        path = store.save(request)
    if fmt == "json":
        print_json(request_json(request, store.catalogue, ctx.now))
        return
    con = console()
    again = "".join(f" ({n})" for n in change.notices)
    con.print(f"Rated {request.id} {stars}/5 {'★' * stars}{'☆' * (5 - stars)}{again}.",
              markup=False)
    con.print(f"  {store.rel(path)}: commit it to share it with {request.provider}.",
              markup=False)
    next_step(store)
