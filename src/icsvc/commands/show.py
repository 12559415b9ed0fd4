"""`icsvc show`: one request, its SLA clocks, and its history as a timeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from icsvc.commands import open_store
from icsvc.commands.context import Context
from icsvc.domain import history
from icsvc.domain.catalogue import Provider
from icsvc.domain.history import Request, RequestState
from icsvc.domain.outcome import outcome
from icsvc.store.store import Store
from icsvc.workflow.views import outcome_json


@dataclass
class Shown:
    """A request as `show` tells it: the JSON contract (`data`), and the request, its
    provider and its replayed history, which the table is drawn from."""

    request: Request
    provider: Provider
    state: RequestState
    data: dict[str, Any]
    unverified: str | None = None
    """The GitHub login that asked under the requester's email, not confirmed by an admin."""


def waits_for(store: Store, rid: str) -> list[dict[str, str]]:
    """The requests that exist to fulfil this one (their `blocks` names it)."""
    return [{"id": r.id, "provider": r.provider, "status": r.status}
            for r in store.waiting_on(rid)]


def run(ctx: Context, request_id: str) -> Shown:
    store = open_store(ctx)
    request = store.load(request_id)
    cat = store.catalogue
    told = outcome(history.replay(request, cat), cat, ctx.now)
    state = told.state
    assert state is not None
    data = outcome_json(told, cat)
    data["waits_for"] = waits_for(store, request.id)
    unverified = (str((request.source or {}).get("github_login"))
                  if cat.unverified(request.source, request.customer_email) else None)
    return Shown(request, cat.providers[request.provider], state, data, unverified)
