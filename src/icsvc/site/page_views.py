"""What each page of the site shows, as plain values for its template: a request from the
views' JSON contract (`workflow.views.outcome_json`, the outcome every view reads) and its
history as `show` writes it; a queue from `workflow.queue` (its order); the catalogue from
`providers.yaml`; the dependency map from the report's matrix."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from icsvc.domain.catalogue import PRIORITIES, Catalogue, Provider
from icsvc.domain.dates import when
from icsvc.domain.durations import format_timedelta
from icsvc.domain.lifecycle import is_open, status_words
from icsvc.domain.outcome import Outcome
from icsvc.site import paths
from icsvc.templates import Chart, Table
from icsvc.workflow.queue import QueueItem
from icsvc.workflow.views import outcome_json

CLOCK_NAMES = {"acknowledge": "acknowledge", "resolve": "resolve",
               "update": "progress note", "needed_by": "need-by date"}
STATE_WORDS = {"ok": "on track", "at-risk": "at risk", "breached": "breached", "met": "met",
               "paused": "paused", "declined": "declined", "pending": "pending"}
"""A clock's state as a reader reads it (its badge shows a sign besides its colour)."""


@dataclass(frozen=True)
class Linked:
    """Another request a page links to."""

    id: str
    status: str
    page: str
    """Its page, from the site's root (None when it is not in the store)."""


@dataclass(frozen=True)
class HowToAsk:
    """How a requester asks: the issue forms' links (provider, service -> URL) and the
    chooser's, when the store's repository is known; the mail address requests are sent to,
    when there is one."""

    forms: dict[tuple[str, str], str] = field(default_factory=dict)
    chooser: str | None = None
    mail: str | None = None


def state_class(state: str) -> str:
    return state if state in STATE_WORDS else "done"


def request_view(told: Outcome, cat: Catalogue, page: str, now: datetime,
                 blocks: list[Linked], waits_for: list[Linked]) -> dict[str, Any]:
    """A request's page: its fields, its clocks with their due times, its promise and
    need-by, its history as `show` writes it, and the requests it is for or that wait on
    it."""
    state = told.state
    assert state is not None
    data = outcome_json(told, cat)
    provider = cat.providers[state.provider]
    facts: list[tuple[str, str]] = [
        ("Status", status_words(state.status, state.progress)),
        ("Provider", f"{provider.name} ({state.provider})"),
        ("Service", state.service),
        ("Priority", state.priority + (f" (asked for {state.requested_priority})"
                                       if state.requested_priority != state.priority else "")),
        ("Requester", f"{state.customer_email} ({state.customer_department})"),
        ("Owner", state.owner or "unassigned"),
        ("Created", when(state.created_at)),
    ]
    need = data["sla"].get("needed_by")
    if state.needed_by is not None:
        flag = {"breached": " (missed)", "at-risk": " (at risk)", "met": " (met)"}.get(
            need["state"] if need else "", "")
        facts.append(("Needed by", when(state.needed_by) + flag))
    if state.promised_by is not None:
        facts.append(("Promised by", f"{when(state.promised_by)} ({data['promise']})"))
    elif state.timeframe is not None:
        facts.append(("Timeframe", f"{when(state.timeframe)} (given with the acknowledgement; "
                                   "not a promise)"))
    if state.rush:
        facts.append(("Rush", f"yes: {state.justification or ''}".strip()))
    if data["alternate"]:
        facts.append(("Alternate", f"who can help instead: {data['alternate']}"))
    for key, value in state.info.items():
        facts.append((key, str(value)))
    if state.escalations:
        last = state.escalations[-1]
        facts.append(("Escalated", f"{len(state.escalations)}x to {last.to}, last "
                                   f"{when(last.at)} by {last.by}: {last.note}"))
    if data["cost"] is not None:
        note = told.cost.note if told.cost is not None else None
        facts.append(("Cost of a lapse", f"{data['cost']['amount']:g} ({data['cost']['kind']})"
                      + (f" {note}" if note else "")))
    if state.rating is not None:
        facts.append(("Rating", f"{state.rating}/5"))
    day = provider.calendar.day_length
    clocks = []
    for name, c in data["sla"].items():
        shown = c["state"]
        if name == "update" and shown == "breached" and not c["met_at"]:
            word = "overdue"
        elif name == "needed_by" and shown == "breached":
            word = "missed"
        else:
            word = STATE_WORDS.get(shown, shown)
        clocks.append({"name": CLOCK_NAMES.get(name, name), "target": c.get("target",
                                                                           "your date"),
                       "due": when(c["due"]), "left": "-" if c["met_at"] else c["left"],
                       "met": when(c["met_at"]) if c["met_at"] else "-",
                       "state": state_class(shown), "word": word})
    history_rows = [[when(e.at), e.by, e.line()] for e in state.history]
    return {
        "id": state.id, "title": state.title, "status": state.status,
        "open": is_open(state.status), "facts": facts, "details": state.details,
        "clocks": clocks, "day": format_timedelta(day, day),
        "history": Table("History", ["When", "Who", "What"], history_rows, wrap=(2,)),
        "blocks": [_linked(page, x) for x in blocks],
        "waits_for": [_linked(page, x) for x in waits_for],
        "queue": paths.link(page, paths.queue_page(state.provider)),
        "as_of": when(now) if is_open(state.status) else None,
    }


def _linked(page: str, other: Linked) -> dict[str, str | None]:
    return {"id": other.id, "status": other.status,
            "href": paths.link(page, other.page) if other.page else None}


def settled(told: Outcome) -> bool:
    """Whether the request's page is the same whenever it is built: a request that is no
    longer open, each clock of which is met, stopped or declined (none reads `now`)."""
    state = told.state
    return (state is not None and not is_open(state.status)
            and all(c.met_at is not None or c.stopped_at is not None or c.state == "declined"
                    for c in told.clocks.values()))


# -- queues ----------------------------------------------------------------------------------


def queue_rows(items: list[QueueItem], cat: Catalogue, page: str,
               page_of: dict[str, str]) -> list[dict[str, Any]]:
    """A provider's queue, in `icsvc queue`'s order, as its page's rows."""
    rows = []
    for n, it in enumerate(items, 1):
        card = it.card
        day = cat.providers[card.holder].calendar.day_length
        target = page_of.get(card.id)
        rows.append({
            "n": n, "id": card.id, "title": card.title,
            "href": paths.link(page, target) if target else None,
            "status": card.status, "priority": card.priority, "state": it.state,
            "word": STATE_WORDS.get(it.state, it.state),
            "reasons": ", ".join(it.reasons),
            "next_due": f"{CLOCK_NAMES.get(it.next_due_kind, it.next_due_kind)} "
                        f"{when(it.next_due)}",
            "left": format_timedelta(it.left, day),
            "owner": card.owner or "unassigned", "department": card.department,
        })
    return rows


# -- the catalogue ---------------------------------------------------------------------------


def catalogue_view(cat: Catalogue, ask: HowToAsk) -> list[dict[str, Any]]:
    """Each provider: its services, what they need, lead times, its SLA per priority, its
    agreements, and how to ask."""
    out = []
    for p in cat.providers.values():
        services = []
        for s in p.services.values():
            form = ask.forms.get((p.id, s.id))
            services.append([s.id, s.description, ", ".join(s.requires) or "-",
                             s.lead_time.text if s.lead_time else "-",
                             s.min_priority or "-",
                             ("issue form", form) if form else "-"])
        sla = [[prio, t.acknowledge.text, t.resolve.text, t.update.text if t.update else "-"]
               for prio in PRIORITIES for t in (p.sla[prio],)]
        agreements = [f"{s.id} is {s.min_priority} at least" for s in p.services.values()
                      if s.min_priority]
        agreements += [f"requests from {a.department} are {a.priority} at least"
                       + (f" ({a.note})" if a.note else "") for a in p.agreements.values()]
        first = next(iter(p.services.values()), None)
        out.append({
            "id": p.id, "name": p.name, "description": p.description,
            "hours": _hours(p), "escalation": p.escalation, "members": ", ".join(p.members),
            "services": Table(f"{p.name}: services", ["Service", "What it is",
                                                      "What we need from you", "Lead time",
                                                      "Priority at least", "Ask"],
                              services, wrap=(1, 2)),
            "sla": Table(f"{p.name}: targets per priority (business time)",
                         ["Priority", "Acknowledge within", "Resolve within",
                          "Progress note every"], sla),
            "agreements": agreements,
            "new": (f"icsvc new -p {p.id} -s {first.id} -t \"What you need\""
                    + "".join(f" --info {k}=..." for k in first.requires)) if first else None,
            "queue": paths.queue_page(p.id),
        })
    return out


def _hours(p: Provider) -> str:
    return p.calendar.describe()


# -- the dependency map ----------------------------------------------------------------------


def dependency_map(matrix: dict[str, dict[str, int]], label: str) -> Chart | None:
    """Who depends on whom as a picture: requesting departments on the left, providers on
    the right, a band per pair as wide as its share of the requests, with its count
    written on it."""
    providers = sorted({p for row in matrix.values() for p, n in row.items() if n})
    departments = [d for d, row in matrix.items() if any(row.values())]
    if not departments or not providers:
        return None
    gap, top = 44, 24
    left_x, right_x, node_w = 150, 470, 12
    height = top + gap * max(len(departments), len(providers)) + 10
    chart = Chart(right_x + node_w + 150, height, label, fit=False)
    most = max(n for row in matrix.values() for n in row.values()) or 1

    def ys(count: int) -> list[float]:
        span = gap * max(len(departments), len(providers))
        step = span / count
        return [top + step * i + step / 2 for i in range(count)]

    dy = dict(zip(departments, ys(len(departments)), strict=True))
    py = dict(zip(providers, ys(len(providers)), strict=True))
    chart.text(left_x + node_w, 14, "requesting department", "end")
    chart.text(right_x, 14, "provider")
    for d in departments:
        for p, n in matrix[d].items():
            if not n or p not in py:
                continue
            width = 1.5 + 10 * math.sqrt(n / most)
            x1, y1, x2, y2 = left_x + node_w, dy[d], right_x, py[p]
            mid = (x1 + x2) / 2
            chart.path(f"M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} "
                       f"{x2:.1f},{y2:.1f}", width, "edge")
    for d in departments:
        total = sum(matrix[d].values())
        chart.rect(left_x, dy[d] - 10, node_w, 20, "node")
        chart.text(left_x - 6, dy[d] + 4, f"{d} ({total})", "end")
    for p in providers:
        total = sum(row.get(p, 0) for row in matrix.values())
        chart.rect(right_x, py[p] - 10, node_w, 20, "node")
        chart.text(right_x + node_w + 6, py[p] + 4, f"{p} ({total})")
    return chart


def dependency_table(matrix: dict[str, dict[str, int]]) -> Table:
    """The map's figures as a table (what the picture draws, for every reader)."""
    providers = sorted({p for row in matrix.values() for p in row})
    rows = [[d, *(str(row.get(p, 0)) for p in providers), str(sum(row.values()))]
            for d, row in matrix.items()]
    top = max((row.get(p, 0) for row in matrix.values() for p in providers), default=0) or 1
    heat = [[0, *(math.ceil(row.get(p, 0) / top * 4) for p in providers), 0]
            for row in matrix.values()]
    return Table("Who depends on whom (requests made)", ["Department", *providers, "Total"],
                 rows, [False] + [True] * (len(providers) + 1), heat)
