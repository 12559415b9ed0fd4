"""A provider's work queue: open requests, most urgent first.

Order: breached before at-risk before the rest (paused last), then the least time left to
the next due date, then priority (urgent first), then age (oldest first). The next due date
is the earliest of the acknowledge due (while the request is not acknowledged), the resolve
due, the promise and the requester's need-by date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from icsvc.domain.catalogue import PRIORITIES, Catalogue
from icsvc.domain.lifecycle import is_open
from icsvc.domain.sla import Clock
from icsvc.workflow.cards import Card

STATE_RANK = {"breached": 0, "at-risk": 1, "escalated": 2, "ok": 2, "paused": 3}


@dataclass
class QueueItem:
    card: Card
    clocks: dict[str, Clock]
    next_due: datetime
    next_due_kind: str
    """`acknowledge`, `resolve`, `promise` or `needed_by`; `escalation` for a finished
    request whose escalation waits for its answer (`next_due`: when it was raised)."""
    left: timedelta
    """Business time from now to the next due date (negative when past it)."""
    state: str
    reasons: list[str] = field(default_factory=list)
    """What is breached or at risk: `acknowledge`, `resolve`, `update overdue`, `promise`,
    `need-by`, `blocks ID`."""
    urgency: tuple[int, timedelta, int] | None = None
    """(state rank, time left, -priority rank) when a request it blocks is more urgent."""

    @property
    def own_urgency(self) -> tuple[int, timedelta, int]:
        return (STATE_RANK.get(self.state, 2), self.left,
                -PRIORITIES.index(self.card.urgency_priority))

    @property
    def sort_key(self) -> tuple[int, timedelta, int, datetime, str]:
        return (*(self.urgency or self.own_urgency), self.card.created_at, self.card.id)


def business_left(cat: Catalogue, provider: str, now: datetime, due: datetime) -> timedelta:
    cal = cat.providers[provider].calendar
    return cal.between(now, due) if due >= now else -cal.between(due, now)


def item(card: Card, cat: Catalogue, now: datetime) -> QueueItem:
    told = card.outcome(cat, now)
    sla = told.clocks
    if not is_open(card.status):  # finished: only an escalation waiting keeps it queued
        at = card.escalated_at or now
        return QueueItem(card, sla, at, "escalation", business_left(cat, card.holder, now, at),
                         "escalated")
    ack, resolve = sla["acknowledge"], sla["resolve"]
    reasons: list[tuple[str, str]] = []
    candidates: list[tuple[datetime, str]] = []
    if ack.met_at is None:
        candidates.append((ack.due, "acknowledge"))
        reasons.append(("acknowledge", ack.state))
    else:
        candidates.append((resolve.due, "resolve"))
    if card.promised_by is not None:
        candidates.append((card.promised_by, "promise"))
    need = sla.get("needed_by")
    if need is not None:
        candidates.append((need.due, "needed_by"))
        reasons.append(("need-by", need.state))
    next_due, kind = min(candidates, key=lambda c: c[0])
    reasons.append(("resolve", resolve.state))
    if told.update_overdue:
        reasons.append(("update overdue", "breached"))
    elif "update" in sla and sla["update"].state == "at-risk":
        reasons.append(("update", "at-risk"))
    if card.promised_by is not None and card.promised_by < now:
        reasons.append(("promise", "breached"))
    states = [s for _, s in reasons]
    if "breached" in states:
        overall = "breached"
    elif "at-risk" in states:
        overall = "at-risk"
    elif card.waiting:
        overall = "paused"
    else:
        overall = "ok"
    named = [name for name, s in reasons if s == overall and overall in ("breached", "at-risk")]
    return QueueItem(card, sla, next_due, kind,
                     business_left(cat, card.holder, now, next_due), overall, named)


def build(cards: list[Card], cat: Catalogue, now: datetime, providers: list[str],
          owner: str | None = None, lookup: Callable[[str], Card | None] | None = None,
          escalated_to: str | None = None) -> list[QueueItem]:
    """The open requests of `providers` (all when empty), optionally only `owner`'s, or only
    the escalated ones waiting on `escalated_to` (whatever their status: an escalation waits
    for its answer), sorted. A request is at least as urgent as the most urgent open request
    it blocks (`lookup` finds those by ID)."""
    chosen = [
        c for c in cards
        if (is_open(c.status) or escalated_to is not None) and c.holder in cat.providers
        and (not providers or c.provider in providers) and (owner is None or c.owner == owner)
    ]
    items = [item(c, cat, now) for c in chosen]
    if escalated_to is not None:
        items = [it for it in items if it.card.escalation_pending
                 and cat.providers[it.card.holder].escalation == escalated_to]
    if lookup is not None:
        for it in items:
            _inherit(it, cat, now, lookup)
    items.sort(key=lambda it: it.sort_key)
    return items


def _inherit(it: QueueItem, cat: Catalogue, now: datetime,
             lookup: Callable[[str], Card | None]) -> None:
    """Raise an item to the urgency of the most urgent open request it blocks."""
    best: tuple[tuple[int, timedelta, int], str, str] | None = None
    for rid in it.card.blocks:
        other = lookup(rid)
        if other is None or not is_open(other.status) or other.holder not in cat.providers:
            continue
        theirs = item(other, cat, now)
        urgency = theirs.own_urgency
        if urgency < (best[0] if best else it.own_urgency):
            best = (urgency, rid, theirs.state)
    if best is not None:
        it.urgency = best[0]
        it.reasons.append(f"blocks {best[1]} ({best[2]})")


def default_providers(cat: Catalogue, actor: str | None) -> list[str]:
    """The providers the actor is a member of (or the escalation contact of); empty (meaning
    all) if none."""
    if actor is None:
        return []
    return [pid for pid, p in cat.providers.items()
            if p.is_member(actor) or p.escalation == actor.lower()]
