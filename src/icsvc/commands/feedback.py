"""`icsvc feedback`: the customer rates an outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from icsvc.commands import next_step, open_store
from icsvc.commands.context import Context
from icsvc.domain.history.request import Request
from icsvc.workflow.operations import feedback
from icsvc.workflow.views import request_json


@dataclass
class Rated:
    """A rating recorded: the request, its file, its JSON contract, the stars, the notices
    (a rating that replaces an earlier one) and what to run next."""

    request: Request
    rel: str
    data: dict[str, Any]
    stars: int
    notices: list[str]
    next_step: str | None


def run(ctx: Context, request_id: str, stars: int, comment: str | None) -> Rated:
    store = open_store(ctx)
    actor = ctx.actor()
    with store.writing(f"icsvc feedback {request_id}"):
        request = store.load(request_id)
        change = feedback(request, store.catalogue, ctx.now, actor, stars, comment)
        path = store.save(request)
    return Rated(request, store.rel(path), request_json(request, store.catalogue, ctx.now),
                 stars, change.notices, next_step(store))
