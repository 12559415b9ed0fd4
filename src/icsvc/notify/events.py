"""What people hear: history entries and clock transitions turned into events, in one place.

An event is one thing that happened to one request, told to the people it concerns: its
kind, its recipients (each with the side they hear it on, which decides their channel), a
subject and a few lines. Events come from two sources only:

- `entry_events`: a request's history replayed entry by entry (`history.apply`); each new
  entry is judged from the state before it and the state after the command that wrote it
  (entries with the same time and author), never by reading the file another way;
- `clock_events`: a request's clocks (`sla.clocks`) at the end of a period; a clock that
  turned at risk or breached inside the period `(start, end]` is an event.

Who hears what (the README's "Notifications" table is this module in words):
- the customer (the requester and their department's managers): acknowledged, a priority
  proposed or decided, need-info, redirected, progress (notes, progress, a first promise, a
  priority raised), promise moved, resolved, declined, cancelled by the provider, reopened;
- the provider (the owner when one is set, else every member): a new request (created or
  redirected to it), assigned (the new owner), information supplied (an info entry or a
  reply), a customer's update (a comment, a need-by date, a priority asked for or accepted,
  a cost), rated, cancelled by the customer, reopened, escalated, a clock at risk or
  breached, an update overdue;
- the escalation contact: escalations, and breaches of urgent requests.
Nobody hears of their own change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from icsvc.domain import history
from icsvc.domain.catalogue import Catalogue
from icsvc.domain.dates import when
from icsvc.domain.durations import format_timedelta
from icsvc.domain.history import RequestState, telling
from icsvc.domain.history.request import Request
from icsvc.domain.lifecycle import OPEN
from icsvc.domain.outcome import outcome
from icsvc.domain.sla import Clock, clocks, measure

PROVIDER, CUSTOMER = "provider", "customer"
"""The side a recipient hears an event on: its provider's channels or its department's."""

KINDS = (
    "new", "acknowledged", "priority-proposed", "priority-decided", "need-info",
    "info-supplied", "redirected", "progress", "promise-moved", "resolved", "declined",
    "cancelled", "reopened", "escalated", "escalation-answered", "assigned", "customer-update",
    "rated",
    "at-risk", "breached", "update-overdue",
)
CLOCK_WORDS = {"acknowledge": "acknowledge target", "resolve": "resolve target",
               "needed_by": "need-by date"}


@dataclass(frozen=True)
class Recipient:
    email: str
    side: str
    """`provider` or `customer`."""
    group: str
    """The provider (for the provider's side) or the requesting department."""


@dataclass(frozen=True)
class Event:
    id: str
    """Stable: the same change (or clock and due date) always has the same id."""
    kind: str
    request: str
    at: datetime
    by: str | None
    """Who made the change (None for a clock)."""
    to: tuple[Recipient, ...]
    subject: str
    lines: tuple[str, ...]


def event_id(request_id: str, kind: str, what: str) -> str:
    return hashlib.sha256(f"{request_id}\0{kind}\0{what}".encode()).hexdigest()[:16]


# -- audiences ---------------------------------------------------------------------------------


def _customer(state: RequestState, cat: Catalogue) -> list[Recipient]:
    dept = state.customer_department
    people = [state.customer_email, *cat.managers.get(dept, ())]
    return [Recipient(e, CUSTOMER, dept) for e in people]


def _provider(state: RequestState, cat: Catalogue) -> list[Recipient]:
    """The owner when one is set, else every member."""
    provider = cat.providers.get(state.provider)
    if provider is None:
        return []
    people = [state.owner] if state.owner else list(provider.members)
    return [Recipient(e, PROVIDER, provider.id) for e in people]


def _escalation(state: RequestState, cat: Catalogue) -> list[Recipient]:
    provider = cat.providers.get(state.provider)
    return [Recipient(provider.escalation, PROVIDER, provider.id)] if provider else []


def _only(recipients: Sequence[Recipient], actor: str | None) -> tuple[Recipient, ...]:
    """Each person once (their first side), never the actor."""
    seen: set[str] = set()
    out = []
    for r in recipients:
        email = r.email.lower()
        if email in seen or (actor is not None and email == actor.lower()):
            continue
        seen.add(email)
        out.append(Recipient(email, r.side, r.group))
    return tuple(out)


# -- entries -----------------------------------------------------------------------------------


def _recipients(audience: str, state: RequestState, cat: Catalogue) -> list[Recipient]:
    if audience == telling.CUSTOMER:
        return _customer(state, cat)
    if audience == telling.PROVIDER:
        return _provider(state, cat)
    if audience == telling.ESCALATION:
        return _escalation(state, cat)
    email = audience.removeprefix("person:")
    return [Recipient(email, PROVIDER, state.provider)]


def entry_events(request: Request, new: Collection[int], cat: Catalogue) -> list[Event]:
    """The events of the entries at positions `new` of the request's history, as each entry
    kind tells them (`history.told`), addressed to the people of their audiences."""
    out: list[Event] = []
    for entry, state, notices in history.told(request, set(new), cat):
        for notice in notices:
            recipients = [r for audience in notice.audiences
                          for r in _recipients(audience, state, cat)]
            to = _only(recipients, entry.by)
            if not to:
                continue
            due = _acknowledge_by(state, cat, entry.at) if notice.kind == "new" else ()
            out.append(Event(
                id=event_id(state.id, notice.kind, entry.key), kind=notice.kind,
                request=state.id, at=entry.at, by=entry.by, to=to,
                subject=f"{state.id} {notice.what}: {state.title}",
                lines=(*notice.lines, *due, *footer(state, cat))))
    return out


def _acknowledge_by(state: RequestState, cat: Catalogue, at: datetime) -> tuple[str, ...]:
    """When a request that reaches its provider is due to be acknowledged."""
    provider = cat.providers.get(state.provider)
    if provider is None:
        return ()
    due = clocks(state, cat, at)["acknowledge"].due
    return (f"Acknowledge by {when(due.astimezone(provider.calendar.tz))}: icsvc triage "
            f"{state.id} --ack",)


def footer(state: RequestState, cat: Catalogue) -> tuple[str, ...]:
    path = f"requests/{state.provider}/{state.id}.yaml"
    link = cat.notify.link
    out = [f"Details: icsvc show {state.id}"]
    if link:
        out.append(link.replace("{path}", path).replace("{id}", state.id))
    return tuple(out)


# -- clocks ------------------------------------------------------------------------------------


def clock_events(state: RequestState, cat: Catalogue, start: datetime,
                 end: datetime) -> list[Event]:
    """The clocks of an open request that turned at risk or breached in `(start, end]`,
    measured at `end`: a breach happens at the due date, an at-risk turn when the time left
    drops below `settings.at_risk` of the target. A clock that turned at risk and breached
    in the same period is told once, as breached; the update clock only when overdue."""
    provider = cat.providers.get(state.provider)
    if provider is None or state.status not in OPEN:
        return []
    all_clocks = outcome(state, cat, end).clocks
    t = _ClockTeller(state, cat)
    for name, clock in all_clocks.items():
        if clock.state not in ("at-risk", "breached"):
            continue
        if name == "update":
            if clock.state == "breached" and clock.met_at is None and start < clock.due <= end:
                t.tell("update-overdue", clock, clock.due, "update overdue", [
                    f"No progress note since {t.when(clock.start)}: one is due every "
                    f"{t.span(clock.target)} of business time (due {t.when(clock.due)}).",
                    f"Tell the customer: icsvc update {state.id} --note TEXT"])
            continue
        words = CLOCK_WORDS[name]
        if clock.basis == "needed_by" and clock.state == "breached":
            continue  # planned work: the need-by's breach tells it (the same date)
        if clock.state == "breached" and start < clock.due <= end:
            need = name == "needed_by"  # bad news travels: the customer hears it too
            t.tell("breached", clock, clock.due, f"{words} breached", [
                f"The {words} ({t.span(clock.target, clock)}) was due {t.when(clock.due)}; "
                f"it is {state.status}, {state.priority} priority, owner "
                f"{state.owner or 'unassigned'}.",
                f"Not delivered yet; {provider.name}'s escalation contact is "
                f"{provider.escalation}." if need else ""],
                urgent=state.priority == "urgent" or (need and state.cost is not None),
                customer=need)
        elif clock.state == "at-risk":
            turned = at_risk_instant(clock, state, cat)
            if start < turned <= end:
                t.tell("at-risk", clock, turned, f"{words} at risk", [
                    f"The {words} is due {t.when(clock.due)}: {t.span(clock.left, clock)} left "
                    f"of {t.span(clock.target, clock)}; it is {state.status}, owner "
                    f"{state.owner or 'unassigned'}."])
    return t.out


def at_risk_instant(clock: Clock, state: RequestState, cat: Catalogue) -> datetime:
    """When less than `settings.at_risk` of the clock's target was left."""
    safe = clock.target - clock.target * cat.at_risk
    if clock.name == "needed_by":
        return clock.start + safe
    cal = cat.providers[state.provider].calendar
    return measure(cal, clock.windows, safe, clock.start)[1]


class _ClockTeller:
    def __init__(self, state: RequestState, cat: Catalogue) -> None:
        self.state = state
        self.cat = cat
        provider = cat.providers[state.provider]
        self.tz = provider.calendar.tz
        self.day = provider.calendar.day_length
        self.out: list[Event] = []

    def when(self, value: datetime) -> str:
        return when(value.astimezone(self.tz))

    def span(self, value: timedelta, clock: Clock | None = None) -> str:
        """Business time in working days, or for the customer's need-by (wall-clock time)
        in calendar days."""
        day = timedelta(days=1) if clock is not None and clock.name == "needed_by" \
            else self.day
        return format_timedelta(value, day)

    def tell(self, kind: str, clock: Clock, at: datetime, what: str, lines: Sequence[str],
             urgent: bool = False, customer: bool = False) -> None:
        state, cat = self.state, self.cat
        recipients = [*_provider(state, cat), *(_escalation(state, cat) if urgent else []),
                      *(_customer(state, cat) if customer else [])]
        self.out.append(Event(
            id=event_id(state.id, kind, f"{clock.name}\0{clock.due.isoformat()}"),
            kind=kind, request=state.id, at=at, by=None, to=_only(recipients, None),
            subject=f"{state.id} {what}: {state.title}",
            lines=(*(line for line in lines if line), *footer(state, cat))))
