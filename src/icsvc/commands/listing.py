"""`icsvc list`: requests filtered by provider, status, department, priority."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from icsvc.cli.ui import PRIORITY_STYLE, STATE_STYLE, print_json, print_rows, progress, warn
from icsvc.commands import open_store
from icsvc.context import Context
from icsvc.store import names
from icsvc.store.store import PROVIDERS_FILE, Store, Summary
from icsvc.time.sla import Clock, clocks, worst
from icsvc.workflow import history
from icsvc.workflow.lifecycle import OPEN, is_open
from icsvc.workflow.views import request_json


@dataclass
class Filters:
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


def sla_text(all_clocks: dict[str, Clock]) -> str:
    """The worst state of a request's clocks, naming the clocks in it when it is a breach or
    a risk: `breached: need-by`, `at-risk: ack, resolve`, `ok`."""
    state = worst([c.state for c in all_clocks.values()])
    if state not in ("breached", "at-risk"):
        return state
    names = [CLOCK_WORDS.get(n, n) for n, c in all_clocks.items() if c.state == state]
    return f"{state}: {', '.join(names)}"


def run(ctx: Context, f: Filters, fmt: str) -> None:
    store = open_store(ctx)
    cat = store.catalogue
    f.providers = names.providers(cat, f.providers)
    f.statuses = names.statuses(f.statuses)
    f.priorities = names.priorities(f.priorities)
    f.departments = [names.department(cat, d) for d in f.departments]
    with progress(lambda: sum(1 for _ in store.request_files())) as step:
        found = store.summaries(warn, progress=step("Loading requests"),
                                statuses=f.statuses or (OPEN if f.open_only else None),
                                providers=f.providers or None)
    found = [(rel, s) for rel, s in found if matches(s, f)]
    if f.mine:
        actor = ctx.actor()
        managed = {d for d in cat.managers if cat.is_manager(actor, d)}
        found = [(rel, s) for rel, s in found if s.email == actor or s.department in managed]
    found.sort(key=lambda row: row[1].created, reverse=True)
    if fmt == "json":
        chosen = store.requests([rel for rel, _ in found], warn)
        chosen.sort(key=lambda r: r.created_at, reverse=True)
        print_json([request_json(r, cat, ctx.now) for r in chosen])
        return
    rows = _rows(store, found, ctx.now)
    columns = COLUMNS
    sla_styles = {row["sla"]: STATE_STYLE.get(row["sla"].split(":")[0], "") for row in rows}
    print_rows(rows, columns, fmt, styles={"sla": sla_styles, "priority": PRIORITY_STYLE},
               empty="no requests match", droppable=("created", "provider", "department"))


COLUMNS = [("id", "ID"), ("provider", "Provider"), ("priority", "Priority"),
           ("status", "Status"), ("department", "From"), ("title", "Title"),
           ("created", "Created"), ("sla", "SLA"), ("rush", "Rush")]
KEYS = [key for key, _ in COLUMNS]
_SEP = "\x1f"
"""Between the values of a row kept in the index (a row holding it is not kept)."""
FAR = timedelta(days=730)
"""A closed request whose row is the same now and this much later is final."""


def _rows(store: Store, found: list[tuple[str, Summary]], now: datetime
          ) -> list[dict[str, Any]]:
    """The table's rows, newest first. A closed request's row never changes (its clocks
    stopped), so it is kept in the index once made (for this catalogue and this icsvc):
    only open requests are read and have their clocks worked out against `now`."""
    cat = store.catalogue
    stamp = figures_stamp(store)
    moment = now.timestamp()  # a row kept when its last change was already past, only
    closed = [rel for rel, s in found if not is_open(s.status) and s.updated <= moment]
    final = store.finals(closed, stamp)
    keep = set(closed)
    rows: dict[str, dict[str, Any]] = {}
    for rel in closed:
        text = final.get(rel)
        if text is not None:
            values = text.split(_SEP)
            if len(values) == len(COLUMNS):
                rows[rel] = dict(zip(KEYS, values, strict=True))
    todo = [rel for rel, _ in found if rel not in rows]
    made: dict[str, str] = {}
    root = len(str(store.root)) + 1
    for r in store.requests(todo, warn):
        rel = str(r.path)[root:]
        cal = cat.providers[r.provider].calendar
        state = history.replay(r, cat)
        row = {
            "id": r.id, "provider": r.provider,
            "priority": r.priority + (f" ({state.proposal}; asked {r.requested_priority})"
                                      if state.proposal in ("proposed", "contested") else ""),
            "status": r.status,
            "department": r.customer_department, "title": r.title,
            "created": r.created_at.astimezone(cal.tz).date().isoformat(),
            "sla": sla_text(clocks(state, cat, now)), "rush": "rush" if r.rush else "",
        }
        rows[rel] = row
        if (rel in keep and not is_open(r.status) and _SEP not in "".join(row.values())
                and row["sla"] == sla_text(clocks(state, cat, now + FAR))):
            made[rel] = _SEP.join(row[key] for key in KEYS)
    if made:
        store.set_finals(made, stamp)
    return [rows[rel] for rel, _ in found if rel in rows]


def figures_stamp(store: Store) -> str:
    """What a closed request's row is worked out from besides its file: the catalogue (its
    calendars, SLA) and icsvc's code (this version, and the modules that compute figures,
    by size and modification time, for a checkout of icsvc that changes between releases)."""
    import hashlib
    from pathlib import Path

    import icsvc

    parts = [icsvc.__version__]
    try:
        parts.append((store.root / PROVIDERS_FILE).read_text(encoding="utf-8"))
    except OSError:
        parts.append("")
    package = Path(icsvc.__file__).parent
    for folder in ("time", "workflow", "commands", "store"):
        try:
            for entry in sorted(os.scandir(package / folder), key=lambda e: e.name):
                if entry.name.endswith(".py"):
                    st = entry.stat()
                    parts.append(f"{folder}/{entry.name}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append(folder)
    return hashlib.blake2b("\n".join(parts).encode("utf-8", "surrogateescape"),
                           digest_size=16).hexdigest()
