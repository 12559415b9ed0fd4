"""A provider's work queue: open requests, most urgent first.

Order: breached before at-risk before the rest (paused last), then the least business time
left to the next due date, then priority (urgent first), then age (oldest first). The next
due date is the acknowledge due while the request is not acknowledged, else the earlier of
the resolve due and the promise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from icsvc.catalogue import PRIORITIES, Catalogue
from icsvc.lifecycle import is_open
from icsvc.model import Request
from icsvc.sla import Clock, clocks, update_overdue

STATE_RANK = {"breached": 0, "at-risk": 1, "ok": 2, "paused": 3}


@dataclass
class QueueItem:
    request: Request
    clocks: dict[str, Clock]
    next_due: datetime
    next_due_kind: str
    """`acknowledge`, `resolve` or `promise`."""
    left: timedelta
    """Business time from now to the next due date (negative when past it)."""
    state: str
    reasons: list[str] = field(default_factory=list)
    """What is breached or at risk: `acknowledge`, `resolve`, `update overdue`, `promise`."""

    @property
    def sort_key(self) -> tuple[int, timedelta, int, datetime, str]:
        return (STATE_RANK.get(self.state, 2), self.left,
                -PRIORITIES.index(self.request.priority), self.request.created_at,
                self.request.id)


def business_left(request: Request, cat: Catalogue, now: datetime, due: datetime) -> timedelta:
    cal = cat.providers[request.provider].calendar
    return cal.between(now, due) if due >= now else -cal.between(due, now)


def item(request: Request, cat: Catalogue, now: datetime) -> QueueItem:
    cal = cat.providers[request.provider].calendar
    sla = clocks(request, cal, now, cat.at_risk)
    ack, resolve = sla["acknowledge"], sla["resolve"]
    reasons: list[tuple[str, str]] = []
    if ack.met_at is None:
        next_due, kind = ack.due, "acknowledge"
        reasons.append(("acknowledge", ack.state))
    else:
        next_due, kind = resolve.due, "resolve"
        if request.promised_by is not None and request.promised_by < next_due:
            next_due, kind = request.promised_by, "promise"
    reasons.append(("resolve", resolve.state))
    if update_overdue(sla):
        reasons.append(("update overdue", "breached"))
    elif "update" in sla and sla["update"].state == "at-risk":
        reasons.append(("update", "at-risk"))
    if request.promised_by is not None and request.promised_by < now:
        reasons.append(("promise", "breached"))
    states = [state for _, state in reasons]
    if "breached" in states:
        state = "breached"
    elif "at-risk" in states:
        state = "at-risk"
    elif request.status == "waiting-on-customer":
        state = "paused"
    else:
        state = "ok"
    named = [name for name, s in reasons if s == state and state in ("breached", "at-risk")]
    return QueueItem(request, sla, next_due, kind, business_left(request, cat, now, next_due),
                     state, named)


def build(requests: list[Request], cat: Catalogue, now: datetime, providers: list[str],
          owner: str | None = None) -> list[QueueItem]:
    """The open requests of `providers` (all when empty), optionally only `owner`'s, sorted."""
    chosen = [
        r for r in requests
        if is_open(r.status) and (not providers or r.provider in providers)
        and (owner is None or r.owner == owner)
    ]
    items = [item(r, cat, now) for r in chosen]
    items.sort(key=lambda it: it.sort_key)
    return items


def default_providers(cat: Catalogue, actor: str | None) -> list[str]:
    """The providers the actor is a member of; empty (meaning all) if none."""
    if actor is None:
        return []
    return [pid for pid, p in cat.providers.items() if p.is_member(actor)]
