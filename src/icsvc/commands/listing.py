"""`icsvc list`: requests filtered by provider, status, department, priority."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from icsvc.commands import open_store
from icsvc.commands.context import Context, Warn
from icsvc.domain import names
from icsvc.domain.lifecycle import OPEN, is_open
from icsvc.domain.sla import Clock, worst
from icsvc.store.index import Key
from icsvc.store.store import Store, Summary
from icsvc.workflow.cards import FAR, Card, card_of, cards, keep, request_rel, worked
from icsvc.workflow.views import request_json

if TYPE_CHECKING:
    from icsvc.domain.catalogue import Catalogue
    from icsvc.domain.history.request import Request


@dataclass
class Filters:
    """Which requests `icsvc list` shows."""

    providers: list[str]
    statuses: list[str]
    departments: list[str]
    priorities: list[str]
    open_only: bool
    mine: bool = False


def matches(s: Summary, f: Filters) -> bool:
    return not (
        (f.providers and s.provider not in f.providers)
        or (f.statuses and s.status not in f.statuses)
        or (f.departments and s.department not in f.departments)
        or (f.priorities and s.priority not in f.priorities)
        or (f.open_only and not f.statuses and not is_open(s.status))
    )


CLOCK_WORDS = {"acknowledge": "ack", "resolve": "resolve", "update": "update",
               "needed_by": "need-by"}


def sla_parts(all_clocks: dict[str, Clock]) -> tuple[str, list[str]]:
    """The worst state of a request's clocks, and the clocks in it when it is a breach or a
    risk (their names in JSON): `("breached", ["needed_by"])`, `("ok", [])`."""
    state = worst([c.state for c in all_clocks.values()])
    if state not in ("breached", "at-risk"):
        return state, []
    return state, [n for n, c in all_clocks.items() if c.state == state]


class Row(NamedTuple):
    """A request's row: its values in the order of `COLUMNS` (a tuple: 100,000 rows as
    dicts held 90 MB more)."""

    id: str
    provider: str
    priority: str
    asked_priority: str
    proposal: str
    status: str
    department: str
    title: str
    created: str
    sla: str
    sla_clocks: str
    rush: str


@dataclass
class Listed:
    """The requests `list` found, newest first: the table's rows (`COLUMNS`), or, when asked
    for JSON, each request's JSON contract instead."""

    rows: list[Row]
    json: list[dict[str, Any]] | None = None


def run(ctx: Context, f: Filters, as_json: bool = False) -> Listed:
    store = open_store(ctx)
    cat = store.catalogue
    f.providers = names.providers(cat, f.providers)
    f.statuses = names.statuses(f.statuses)
    f.priorities = names.priorities(f.priorities)
    f.departments = [names.department(cat, d) for d in f.departments]
    keeping = None if as_json else keep(store)  # (JSON reads the requests)
    with ctx.progress(lambda: sum(1 for _ in store.request_files())) as step:
        found = store.summaries(ctx.warn, progress=step("Loading requests"),
                                statuses=f.statuses or (OPEN if f.open_only else None),
                                providers=f.providers or None,
                                keep=keeping)
    found = [(rel, s) for rel, s in found if matches(s, f)]
    if f.mine:
        actor = ctx.actor()
        managed = {d for d in cat.managers if cat.is_manager(actor, d)}
        found = [(rel, s) for rel, s in found if s.email == actor or s.department in managed]
    found.sort(key=lambda row: row[1].created, reverse=True)
    if keeping is None:  # (newest first already; one that cannot be shown is skipped)
        def json_of(request: Request, keys: dict[str, Key]) -> dict[str, Any]:
            return request_json(request, cat, ctx.now)

        return Listed([], [data for _, made in worked(store, [rel for rel, _ in found],
                                                      ctx.warn, json_of, cores=False)
                           for _, data in made])
    return Listed(_rows(store, found, ctx.now, ctx.warn, keeping.stamp))


COLUMNS = [("id", "ID"), ("provider", "Provider"), ("priority", "Priority"),
           ("asked_priority", "Asked"), ("proposal", "Proposal"), ("status", "Status"),
           ("department", "From"), ("title", "Title"), ("created", "Created"), ("sla", "SLA"),
           ("sla_clocks", "Clocks"), ("rush", "Rush")]
"""Each row's values, one value a column (the CSV's columns): `asked_priority` and
`proposal` are set while a lower priority is proposed or contested; `sla_clocks` names the
clocks in the `sla` state when it is a breach or a risk, separated by spaces."""
_SEP = "\x1f"
"""Between the values of a row kept in the index (a row holding it is not kept)."""
FINAL = "final"
"""The index column closed requests' rows are kept in."""
SLICE = 1000
"""Rows made from cards at a time (95,000 requests' cards held at once took 400 MB)."""


def _kept_row(_: str, text: str) -> Row | None:
    """A row kept as text."""
    values = text.split(_SEP)
    return _shared(values) if len(values) == len(COLUMNS) else None


def _shared(v: Sequence[str]) -> Row:
    """A row whose values of every column but the ID and the title (a provider, a status,
    a date) are held once for all the rows: `list --all` holds 100,000."""
    intern = sys.intern
    return Row._make((v[0], *map(intern, v[1:7]), v[7], *map(intern, v[8:])))


def _rows(store: Store, found: list[tuple[str, Summary]], now: datetime, warn: Warn,
          stamp: str) -> list[Row]:
    """The table's rows, newest first. A closed request's row never changes (its clocks
    stopped), so it is kept in the index once made (for this catalogue and this icsvc);
    those not kept yet are made where the requests are decoded or parsed, on every core
    when there are many (after a clone or a change of the catalogue: 95,000 of them at
    100,000). The others (open requests, and closed ones changed too recently to tell)
    are made from their cards (see `workflow.cards`), whose clocks alone are worked out
    against `now`."""
    cat = store.catalogue
    moment = now.timestamp()  # a row kept when its last change was already past, only
    closed = [rel for rel, s in found if not is_open(s.status) and s.updated <= moment]
    rows = store.kept(FINAL, closed, stamp, _kept_row)

    def row_of(request: Request, keys: dict[str, Key]) -> tuple[Row, bool]:
        return _row(card_of(request, request_rel(store, request), cat), cat, now)

    for keys, made in worked(store, [rel for rel in closed if rel not in rows], warn, row_of,
                             cores=True):
        kept: dict[str, tuple[Key, str]] = {}
        for rel, (row, lasting) in made:
            rows[rel] = _shared(row)
            if lasting and rel in keys:
                kept[rel] = (keys[rel], _SEP.join(row))
        if kept:
            store.set_kept(FINAL, kept, stamp)
    rest = [rel for rel, _ in found if rel not in rows]
    for start in range(0, len(rest), SLICE):
        for card in cards(store, rest[start:start + SLICE], warn, stamp):
            rows[card.path] = _shared(_row(card, cat, now)[0])
    return [rows[rel] for rel, _ in found if rel in rows]


def _row(card: Card, cat: Catalogue, now: datetime) -> tuple[Row, bool]:
    """A request's row at `now`, and whether it lasts: a closed request's row that is the
    same `FAR` later, and can be kept as text."""
    cal = cat.providers[card.provider].calendar
    asked = card.proposal in ("proposed", "contested")
    state, clocks = sla_parts(card.clocks(cat, now))
    row = Row(
        id=card.id, provider=card.provider, priority=card.priority,
        asked_priority=(card.requested_priority or "") if asked else "",
        proposal=(card.proposal or "") if asked else "",
        status=card.status, department=card.department, title=card.title,
        created=card.created_at.astimezone(cal.tz).date().isoformat(),
        sla=state, sla_clocks=" ".join(clocks), rush="rush" if card.rush else "",
    )
    lasting = (not is_open(card.status) and _SEP not in "".join(row)
               and (state, clocks) == sla_parts(card.clocks(cat, now + FAR)))
    return row, lasting
