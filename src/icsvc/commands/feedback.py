"""`icsvc feedback`: the requester rates a resolved request."""

from __future__ import annotations

from icsvc.commands import next_step, open_store
from icsvc.context import Context
from icsvc.errors import IcsvcError, UsageError
from icsvc.report import RESOLVED, rating
from icsvc.ui import console, print_json
from icsvc.views import request_json


def run(ctx: Context, request_id: str, stars: int, comment: str | None, fmt: str) -> None:
    if not 1 <= stars <= 5:
        raise UsageError(f"--rating: {stars} is not a rating (accepted: 1 to 5)")
    if comment is not None and not comment.strip():
        raise UsageError("--comment: empty (leave it out, or say what went well or not)")
    store = open_store(ctx)
    request = store.load(request_id)
    actor = ctx.actor()
    if actor != request.customer_email.lower():
        raise IcsvcError(f"{request.id}: only the requester ({request.customer_email}) can give "
                         f"feedback, not {actor}")
    if request.status not in RESOLVED:
        raise IcsvcError(f"{request.id}: feedback is for resolved or closed requests; this one "
                         f"is {request.status}")
    cal = store.catalogue.providers[request.provider].calendar
    earlier = rating(request)
    request.add(ctx.now.astimezone(cal.tz).replace(microsecond=0), actor, "feedback",
                rating=stars, comment=comment.strip() if comment else None)
    path = store.save(request)
    if fmt == "json":
        print_json(request_json(request, store.catalogue, ctx.now))
        return
    con = console()
    again = f" (replaces your earlier {earlier}/5)" if earlier is not None else ""
    con.print(f"Rated {request.id} {stars}/5 {'★' * stars}{'☆' * (5 - stars)}{again}.")
    con.print(f"  {store.rel(path)}: commit it to share it with {request.provider}.",
              markup=False)
    next_step(store)
