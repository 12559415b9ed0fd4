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
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from icsvc.domain import history
from icsvc.domain.catalogue import Catalogue, rank
from icsvc.domain.dates import when
from icsvc.domain.durations import format_timedelta
from icsvc.domain.history import RequestState
from icsvc.domain.lifecycle import OPEN
from icsvc.domain.request import Entry, Request, entry_key
from icsvc.domain.sla import Clock, clocks, measure

PROVIDER, CUSTOMER = "provider", "customer"
"""The side a recipient hears an event on: its provider's channels or its department's."""

KINDS = (
    "new", "acknowledged", "priority-proposed", "priority-decided", "need-info",
    "info-supplied", "redirected", "progress", "promise-moved", "resolved", "declined",
    "cancelled", "reopened", "escalated", "assigned", "customer-update", "rated",
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


@dataclass(frozen=True)
class Before:
    """What an entry is judged against: the request just before it."""

    status: str
    acknowledged: bool
    promised_by: datetime | None
    proposal: str | None

    @classmethod
    def of(cls, state: RequestState) -> Before:
        return cls(state.status, state.acknowledged_at is not None, state.promised_by,
                   state.proposal)


def entry_events(request: Request, new: Collection[int], cat: Catalogue) -> list[Event]:
    """The events of the entries at positions `new` of the request's history: the history is
    replayed in order; the entries one command wrote (same time and author) are applied
    together, then each is judged from the state before it and the state after them all."""
    state = history.initial_state(request)
    state.cat = cat
    entries = request.history
    out: list[Event] = []
    i = 0
    while i < len(entries):
        if i not in new:
            history.apply(state, entries[i])
            i += 1
            continue
        j = i
        while j + 1 < len(entries) and j + 1 in new and \
                (entries[j + 1].at, entries[j + 1].by) == (entries[i].at, entries[i].by):
            j += 1
        batch = entries[i:j + 1]
        befores = []
        for entry in batch:
            befores.append(Before.of(state))
            history.apply(state, entry)
        for entry, before in zip(batch, befores, strict=True):
            out.extend(_classify(entry, before, state, batch, cat))
        i = j + 1
    return out


class _Teller:
    """Builds the events of one entry, with the words every event about the request shares."""

    def __init__(self, entry: Entry, state: RequestState, cat: Catalogue) -> None:
        self.entry = entry
        self.state = state
        self.cat = cat
        provider = cat.providers.get(state.provider)
        self.name = provider.name if provider else state.provider
        self.tz = provider.calendar.tz if provider else None
        self.key = entry_key(entry.to_dict())
        self.out: list[Event] = []

    def when(self, value: datetime | None) -> str:
        if value is None:
            return "-"
        return when(value.astimezone(self.tz) if self.tz is not None else value)

    def tell(self, kind: str, recipients: Sequence[Recipient], what: str,
             lines: Sequence[str]) -> None:
        to = _only(recipients, self.entry.by)
        if not to:
            return
        state = self.state
        self.out.append(Event(
            id=event_id(state.id, kind, self.key), kind=kind, request=state.id,
            at=self.entry.at, by=self.entry.by, to=to,
            subject=f"{state.id} {what}: {state.title}",
            lines=(*(line for line in lines if line), *footer(state, self.cat)),
        ))


def footer(state: RequestState, cat: Catalogue) -> tuple[str, ...]:
    path = f"requests/{state.provider}/{state.id}.yaml"
    link = cat.notify.link
    out = [f"Details: icsvc show {state.id}"]
    if link:
        out.append(link.replace("{path}", path).replace("{id}", state.id))
    return tuple(out)


def _note(entry: Entry, prefix: str = "") -> str:
    note = str(entry.get("note") or "").strip()
    return f"{prefix}{note}" if note else ""


def _said(text: str, entry: Entry) -> str:
    """`text: the note`, or `text.` without one."""
    return f"{text}{_note(entry, ': ') or '.'}"


def _classify(entry: Entry, before: Before, state: RequestState, batch: Sequence[Entry],
              cat: Catalogue) -> list[Event]:
    t = _Teller(entry, state, cat)
    handler = _HANDLERS.get(entry.type)
    if handler is not None:
        handler(t, entry, before, batch)
    return t.out


def _created(t: _Teller, entry: Entry, before: Before, batch: Sequence[Entry]) -> None:
    t.tell("new", _provider(t.state, t.cat), "new request", _new_lines(t))


def _new_lines(t: _Teller) -> list[str]:
    state = t.state
    rush = ", a rush" if state.rush else ""
    lines = [f"{state.customer_email} ({state.customer_department}) asks {t.name} for "
             f"{state.service} at {state.priority} priority{rush}."]
    if state.rush and state.justification:
        lines.append(f"Why it is a rush: {state.justification}")
    if state.needed_by is not None:
        lines.append(f"Needed by {t.when(state.needed_by)}.")
    if state.provider in t.cat.providers:
        due = clocks(state, t.cat, t.entry.at)["acknowledge"].due
        lines.append(f"Acknowledge by {t.when(due)}: icsvc triage {state.id} --ack")
    return lines


def _status(t: _Teller, entry: Entry, before: Before, batch: Sequence[Entry]) -> None:
    state, cat = t.state, t.cat
    to, side = entry.get("to"), state.side(entry.by)
    customer, provider = _customer(state, cat), _provider(state, cat)
    if to == "waiting-on-customer":
        t.tell("need-info", customer, "needs information from you", [
            f"{t.name} asks: {entry.get('note')}",
            f"Answer with: icsvc update {state.id} --info KEY=VALUE (or --reply TEXT); the "
            "clock is paused until you do."])
    elif to == "resolved":
        reopen = cat.settings.reopen_within.text
        t.tell("resolved", customer, "resolved", [
            _said(f"{t.name} resolved your request", entry),
            f"Rate it: icsvc feedback {state.id} --rating N (1 to 5 stars, with --comment "
            "TEXT)",
            f"Not done? icsvc update {state.id} --reopen --note TEXT (within {reopen} of "
            "business time)."])
    elif to == "declined":
        t.tell("declined", customer, "declined", [
            f"{t.name} declined your request: {entry.get('note')}",
            f"Who can help instead: {entry.get('alternate')}"])
    elif to == "cancelled":
        if side == CUSTOMER:
            t.tell("cancelled", provider, "cancelled", [
                _said(f"{entry.by} cancelled the request", entry)])
        else:
            t.tell("cancelled", customer, "cancelled", [
                _said(f"{t.name} cancelled your request", entry)])
    elif before.status == "resolved" and to == "in-progress":
        t.tell("reopened", [*provider, *customer], "reopened", [
            f"{entry.by} reopened it: {entry.get('note')}"])
    elif to in ("acknowledged", "in-progress") and not before.acknowledged:
        timeframe = entry.get("timeframe") or state.promised_by
        owner = f" {state.owner} is on it." if state.owner else ""
        t.tell("acknowledged", customer, "acknowledged", [
            f"{t.name} acknowledged your request." + owner,
            f"Expect it by {t.when(timeframe)}." if timeframe else "",
            _note(entry)])
    elif side == PROVIDER and entry.get("note"):
        t.tell("progress", customer, "progress", [f"{entry.by}: {entry.get('note')}"])


def _priority(t: _Teller, entry: Entry, before: Before, batch: Sequence[Entry]) -> None:
    state, cat = t.state, t.cat
    to = str(entry.get("to"))
    customer = _customer(state, cat)
    if before.proposal == "contested":  # the escalation contact's decision
        t.tell("priority-decided", customer, "priority decided", [
            f"{entry.by} decided {to} priority after your escalation (you asked for "
            f"{state.requested_priority}).", _note(entry, "Why: ")])
    elif rank(to) < rank(state.requested_priority):
        escalation = cat.providers[state.provider].escalation \
            if state.provider in cat.providers else "the escalation contact"
        t.tell("priority-proposed", customer, "priority proposed", [
            f"{t.name} proposes {to} priority instead of the {state.requested_priority} you "
            "asked for.", _note(entry, "Why: "),
            f"Accept it: icsvc update {state.id} --accept-priority; or contest it: icsvc "
            f"escalate {state.id} --reason TEXT ({escalation} decides)."])
    else:
        t.tell("progress", customer, "progress", [
            f"{t.name} set the priority to {to} (was {entry.get('from')}).", _note(entry)])


def _promise(t: _Teller, entry: Entry, before: Before, batch: Sequence[Entry]) -> None:
    customer = _customer(t.state, t.cat)
    to = entry.get("to")
    if to is None:
        return
    if before.promised_by is not None:
        broken = " The earlier date had passed." if entry.get("broken") else ""
        t.tell("promise-moved", customer, "promise moved", [
            f"{t.name} now promises it by {t.when(to)} (was {t.when(before.promised_by)})."
            + broken, _note(entry, "Why: ")])
    elif not any(e.type == "status" and e.get("timeframe") is not None for e in batch):
        t.tell("progress", customer, "progress", [
            f"{t.name} promises it by {t.when(to)}.", _note(entry)])


def _info(t: _Teller, entry: Entry, before: Before, batch: Sequence[Entry]) -> None:
    state = t.state
    if state.side(entry.by) != CUSTOMER:
        return
    info = entry.get("info") or {}
    supplied = ", ".join(f"{k}={v}" for k, v in info.items())
    t.tell("info-supplied", _provider(state, t.cat), "information supplied", [
        f"{entry.by} supplied {supplied}.", _back(before, state)])


def _back(before: Before, state: RequestState) -> str:
    if before.status == "waiting-on-customer" and state.status != before.status:
        return f"It is back with you ({state.status}); the clock runs again."
    return ""


def _note_entry(t: _Teller, entry: Entry, before: Before, batch: Sequence[Entry]) -> None:
    state, cat = t.state, t.cat
    side = state.side(entry.by)
    if entry.get("reply"):
        t.tell("info-supplied", _provider(state, cat), "information supplied", [
            f"{entry.by} replied: {entry.get('note')}", _back(before, state)])
    elif side == CUSTOMER:
        t.tell("customer-update", _provider(state, cat), f"update from {entry.by}", [
            f"{entry.by} commented: {entry.get('note')}"])
    else:
        t.tell("progress", _customer(state, cat), "progress", [
            f"{entry.by}: {entry.get('note')}"])


def _progress(t: _Teller, entry: Entry, before: Before, batch: Sequence[Entry]) -> None:
    t.tell("progress", _customer(t.state, t.cat), "progress", [
        f"{t.name}: {entry.get('to')}% done.", _note(entry)])


def _assigned(t: _Teller, entry: Entry, before: Before, batch: Sequence[Entry]) -> None:
    state = t.state
    owner = entry.get("to")
    if not owner or state.status not in OPEN:
        return
    t.tell("assigned", [Recipient(str(owner), PROVIDER, state.provider)], "assigned to you", [
        f"{entry.by} assigned it to you ({state.status}, {state.priority} priority).",
        _note(entry)])


def _redirect(t: _Teller, entry: Entry, before: Before, batch: Sequence[Entry]) -> None:
    state, cat = t.state, t.cat
    old = cat.providers.get(str(entry.get("from")))
    old_name = old.name if old else str(entry.get("from"))
    t.tell("redirected", _customer(state, cat), f"redirected to {t.name}", [
        f"{old_name} sent your request to {t.name} ({state.service}): {entry.get('note')}"])
    t.tell("new", _provider(state, cat), "new request", [
        f"Redirected from {old_name} by {entry.by}: {entry.get('note')}", *_new_lines(t)])


def _escalation_entry(t: _Teller, entry: Entry, before: Before,
                      batch: Sequence[Entry]) -> None:
    state, cat = t.state, t.cat
    contest = (f"It contests the proposed {state.priority} priority (asked for "
               f"{state.requested_priority})." if entry.get("contest") else "")
    owner = state.owner or "unassigned"
    t.tell("escalated", [*_escalation(state, cat), *_provider(state, cat)], "escalated", [
        f"{entry.by} escalated it to {entry.get('to')}: {entry.get('note')}", contest,
        f"Now {state.status}, {state.priority} priority, owner {owner}."])


def _feedback(t: _Teller, entry: Entry, before: Before, batch: Sequence[Entry]) -> None:
    rating = entry.get("rating")
    comment = entry.get("comment")
    t.tell("rated", _provider(t.state, t.cat), f"rated {rating}/5", [
        f"{entry.by} rated it {rating}/5" + (f": {comment}" if comment else ".")])


def _customer_change(t: _Teller, entry: Entry, before: Before,
                     batch: Sequence[Entry]) -> None:
    state = t.state
    if state.side(entry.by) != CUSTOMER:
        return
    by, what = entry.by, ""
    if entry.type == "needed-by":
        what = f"{by} needs it by {t.when(state.needed_by)} now (was " \
               f"{t.when(entry.get('from'))})."
    elif entry.type == "requested-priority":
        what = f"{by} asks for {entry.get('to')} priority (was {entry.get('from')})."
    elif entry.type == "accepted":
        what = f"{by} accepted the proposed {entry.get('to')} priority."
    elif entry.type == "cost":
        what = f"{by} recorded the cost of the lapse: {entry.get('to')} (was " \
               f"{entry.get('from') if entry.get('from') is not None else 'none'})."
    t.tell("customer-update", _provider(state, t.cat), f"update from {by}",
           [what, _note(entry, "Note: ")])


Handler = Callable[[_Teller, Entry, Before, Sequence[Entry]], None]
_HANDLERS: dict[str, Handler] = {
    "created": _created, "status": _status, "priority": _priority, "promise": _promise,
    "info": _info, "note": _note_entry, "progress": _progress, "assigned": _assigned,
    "redirect": _redirect, "escalation": _escalation_entry, "feedback": _feedback,
    "needed-by": _customer_change, "requested-priority": _customer_change,
    "accepted": _customer_change, "cost": _customer_change,
}
"""Entry types that tell someone something (targets, link and conflict tell nobody)."""


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
    all_clocks = clocks(state, cat, end)
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
        if clock.state == "breached" and start < clock.due <= end:
            t.tell("breached", clock, clock.due, f"{words} breached", [
                f"The {words} ({t.span(clock.target)}) was due {t.when(clock.due)}; it is "
                f"{state.status}, {state.priority} priority, owner "
                f"{state.owner or 'unassigned'}."], urgent=state.priority == "urgent")
        elif clock.state == "at-risk":
            turned = at_risk_instant(clock, state, cat)
            if start < turned <= end:
                t.tell("at-risk", clock, turned, f"{words} at risk", [
                    f"The {words} is due {t.when(clock.due)}: {t.span(clock.left)} left of "
                    f"{t.span(clock.target)}; it is {state.status}, owner "
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

    def span(self, value: timedelta) -> str:
        return format_timedelta(value, self.day)

    def tell(self, kind: str, clock: Clock, at: datetime, what: str, lines: Sequence[str],
             urgent: bool = False) -> None:
        state, cat = self.state, self.cat
        recipients = [*_provider(state, cat), *(_escalation(state, cat) if urgent else [])]
        self.out.append(Event(
            id=event_id(state.id, kind, f"{clock.name}\0{clock.due.isoformat()}"),
            kind=kind, request=state.id, at=at, by=None, to=_only(recipients, None),
            subject=f"{state.id} {what}: {state.title}",
            lines=(*lines, *footer(state, cat))))
