"""The provider workflow: triage, update, escalate, and who may make which change.

Pure functions over a loaded `Request`, the `Catalogue`, the time and the actor: they check
everything, change the request in memory and append its history entries, or raise
`IcsvcError` (a refusal, exit 1) / `UsageError` (bad option combination, exit 2) before the
caller saves anything.

Who may do what (`who_may` is the one table, also used by the git checks):
- provider members triage, change statuses, progress, promises, owners and priorities;
- the requester may cancel their own request, supply information (which returns a request
  waiting on them to the provider), comment, escalate and give feedback;
- anyone involved (requester, members, the escalation contact) may add a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from icsvc.catalogue import PRIORITIES, Catalogue, Provider
from icsvc.dates import parse_when
from icsvc.errors import IcsvcError, UsageError
from icsvc.intake import parse_info
from icsvc.lifecycle import FINAL, OPEN, STATUSES, allowed, allowed_from
from icsvc.model import Entry, Request
from icsvc.sla import clocks, timeline

MEMBER_TYPES = frozenset({"priority", "targets", "assigned", "promise", "progress", "redirect"})
"""Entry types only provider members write."""


# -- who may ---------------------------------------------------------------------------------


def who_may(entry_type: str, to_status: str | None, provider: Provider, request: Request,
            from_status: str | None = None) -> frozenset[str] | None:
    """The emails allowed to write a history entry of `entry_type` on `request`.

    `provider` is the provider the request belonged to when the entry was written (for a
    `redirect`, the one it left). For `status` entries pass the new status as `to_status`
    and, when known, the old one as `from_status`: leaving `waiting-on-customer` for an open
    status is also the requester's (supplying information returns the request to the
    provider). Returns None when anyone may (`conflict`, written by the merge driver).
    """
    members = frozenset(provider.members)
    requester = frozenset({request.customer_email})
    if entry_type == "conflict":
        return None
    if entry_type in ("created", "feedback"):
        return requester
    if entry_type == "status":
        if to_status == "cancelled":
            return requester
        if from_status == "waiting-on-customer" and to_status in OPEN:
            return members | requester
        return members
    if entry_type in ("info", "escalation"):
        return members | requester
    if entry_type == "note":
        return members | requester | {provider.escalation}
    return members  # MEMBER_TYPES and anything unknown


def describe_who(emails: frozenset[str] | None, provider: Provider, request: Request) -> str:
    """Name who may, in words: 'members of engineering (a@x, b@x)', 'the requester (m@x)'."""
    if emails is None:
        return "anyone"
    parts = []
    rest = set(emails)
    if set(provider.members) <= rest:
        parts.append(f"members of {provider.id} ({', '.join(provider.members)})")
        rest -= set(provider.members)
    if request.customer_email in rest:
        parts.append(f"the requester ({request.customer_email})")
        rest.discard(request.customer_email)
    if provider.escalation in rest:
        parts.append(f"the escalation contact ({provider.escalation})")
        rest.discard(provider.escalation)
    parts.extend(sorted(rest))
    return " or ".join(parts) if parts else "nobody"


def _require(actor: str, emails: frozenset[str] | None, what: str, provider: Provider,
             request: Request) -> None:
    if emails is None or actor in emails:
        return
    raise IcsvcError(
        f"refused: only {describe_who(emails, provider, request)} may "
        f"{what.format(id=request.id)}; you are {actor}"
    )


# -- options and results ---------------------------------------------------------------------


@dataclass
class TriageOptions:
    ack: bool = False
    priority: str | None = None
    promise: str | None = None
    assign: str | None = None
    need_info: str | None = None
    redirect: str | None = None
    service: str | None = None
    decline: str | None = None
    note: str | None = None


@dataclass
class UpdateOptions:
    status: str | None = None
    note: str | None = None
    progress: int | None = None
    promise: str | None = None
    info: list[str] = field(default_factory=list)
    """KEY=VALUE pairs, as typed."""
    reply: str | None = None
    """The requester's answer to a request waiting on them: a note, then the request goes
    back to the provider (as with `info`)."""


@dataclass
class Change:
    """What an operation did: the entries it appended and, for a redirect, the old file."""

    request: Request
    entries: list[Entry]
    moved_from: str | None = None
    """The provider the request left (its file moves)."""


class _Session:
    """Appends entries at one instant, by one actor, in the provider's timezone."""

    def __init__(self, request: Request, cat: Catalogue, now: datetime, actor: str) -> None:
        self.request = request
        self.cat = cat
        self.now = now
        self.actor = actor
        self.provider = cat.provider(request.provider)
        self.at = now.astimezone(self.provider.calendar.tz).replace(microsecond=0)
        self.entries: list[Entry] = []

    def add(self, type_: str, **data: Any) -> Entry:
        entry = self.request.add(self.at, self.actor, type_, **data)
        self.entries.append(entry)
        return entry

    def require(self, entry_type: str, what: str, to_status: str | None = None,
                from_status: str | None = None) -> None:
        emails = who_may(entry_type, to_status, self.provider, self.request, from_status)
        _require(self.actor, emails, what, self.provider, self.request)

    def when(self, option: str, text: str) -> datetime:
        try:
            value = parse_when(text, self.now, self.provider.calendar)
        except ValueError as exc:
            raise UsageError(f"{option}: {exc}") from None
        if value <= self.now:
            raise UsageError(f"{option}: {value.isoformat()} is in the past (accepted: a "
                             "future date)")
        return value.replace(microsecond=0)

    # -- the changes ---------------------------------------------------------------------

    def status(self, to: str, *, note: str | None = None, timeframe: datetime | None = None,
               check: bool = True) -> Entry:
        current = self.request.status
        if check and not allowed(current, to):
            moves = allowed_from(current)
            accepted = (f"allowed from {current}: {', '.join(moves)}" if moves
                        else f"{current} is final")
            raise IcsvcError(f"refused: {self.request.id} is {current} and cannot become {to} "
                             f"({accepted})")
        self.request.status = to
        return self.add("status", **{"from": current, "to": to, "note": note,
                                     "timeframe": timeframe})

    def acknowledge(self) -> Entry:
        """An acknowledgement carries a timeframe: the promise, else the resolve due date."""
        timeframe = self.request.promised_by
        if timeframe is None:
            sla = clocks(self.request, self.provider.calendar, self.now, self.cat.at_risk)
            timeframe = sla["resolve"].due.replace(microsecond=0)
        return self.status("acknowledged", timeframe=timeframe)

    def priority(self, value: str, note: str | None) -> Entry | None:
        request = self.request
        if value not in PRIORITIES:
            raise UsageError(f"--priority: {value!r} is not a priority "
                             f"(accepted: {', '.join(PRIORITIES)})")
        if value == request.priority:
            return None
        if value != request.requested_priority and not note:
            raise IcsvcError(
                f"refused: the requester asked for {request.requested_priority}; agreeing "
                f"{value} needs --note saying why"
            )
        old = request.priority
        request.priority = value
        entry = self.add("priority", **{"from": old, "to": value})
        self.targets(self.provider.sla[value].to_dict())
        return entry

    def targets(self, new: dict[str, str]) -> None:
        old = dict(self.request.targets)
        if old != new:
            self.request.targets = dict(new)
            self.add("targets", **{"from": old, "to": new})

    def assign(self, email: str) -> Entry | None:
        email = email.strip().lower()
        if not self.provider.is_member(email):
            raise IcsvcError(f"--assign: {email} is not a member of {self.provider.id} "
                             f"(accepted: {', '.join(self.provider.members)})")
        if email == self.request.owner:
            return None
        old = self.request.owner
        self.request.owner = email
        return self.add("assigned", **{"from": old, "to": email})

    def promise(self, text: str) -> Entry | None:
        value = self.when("--promise", text)
        old = self.request.promised_by
        if old == value:
            return None
        broken = old is not None and old < self.now
        self.request.promised_by = value
        return self.add("promise", **{"from": old, "to": value, "broken": broken or None})


def _attach(note: str | None, entries: list[Entry | None], session: _Session) -> None:
    """Put a note on the first entry that has none, else on a `note` entry of its own."""
    if not note:
        return
    for entry in entries:
        if entry is not None and not entry.get("note"):
            entry.data["note"] = note
            return
    session.add("note", note=note)


def _check_open(request: Request, what: str) -> None:
    if request.status not in OPEN:
        raise IcsvcError(f"refused: {request.id} is {request.status}; only open requests "
                         f"({', '.join(s for s in STATUSES if s in OPEN)}) can be {what}")


# -- triage ----------------------------------------------------------------------------------


def triage(request: Request, cat: Catalogue, now: datetime, actor: str,
           opts: TriageOptions) -> Change:
    """`icsvc triage`: the provider's first response and its agreements."""
    s = _Session(request, cat, now, actor)
    actions = [name for name, on in (("--ack", opts.ack), ("--need-info", opts.need_info),
                                     ("--decline", opts.decline),
                                     ("--redirect", opts.redirect)) if on]
    others = [name for name, on in (("--priority", opts.priority), ("--promise", opts.promise),
                                    ("--assign", opts.assign)) if on]
    if not actions and not others:
        raise UsageError("triage: nothing to do (pass --ack, --priority, --promise, --assign, "
                         "--need-info, --redirect or --decline)")
    if len(actions) > 1:
        raise UsageError(f"triage: {' and '.join(actions)} cannot be combined (choose one)")
    if opts.redirect and others:
        raise UsageError(f"triage: --redirect cannot be combined with {', '.join(others)} "
                         "(the new provider triages it)")
    if opts.service and not opts.redirect:
        raise UsageError("triage: --service only goes with --redirect")
    s.require("priority", "triage {id}")
    if opts.redirect:
        return _redirect(s, opts.redirect, opts.service, opts.note)
    _check_open(request, "triaged")
    for option, text in (("--need-info", opts.need_info), ("--decline", opts.decline)):
        if text is not None and not text.strip():
            raise UsageError(f"{option} needs a text")
    prio = s.priority(opts.priority, opts.note) if opts.priority else None
    owner = s.assign(opts.assign) if opts.assign else None
    promise = s.promise(opts.promise) if opts.promise else None
    status: Entry | None = None
    if opts.ack:
        status = s.acknowledge()
    elif opts.need_info:
        status = s.status("waiting-on-customer", note=opts.need_info.strip())
    elif opts.decline:
        status = s.status("declined", note=opts.decline.strip())
    _attach(opts.note, [prio, status, promise, owner], s)
    if not s.entries:
        raise IcsvcError(f"nothing changed: {request.id} already has those values")
    return Change(request, s.entries)


def _redirect(s: _Session, target: str, service: str | None, note: str | None) -> Change:
    request, cat = s.request, s.cat
    if not note or not note.strip():
        raise UsageError("--redirect needs --note TEXT telling the requester who can help")
    _check_open(request, "redirected")
    if target not in cat.providers:
        raise UsageError(f"--redirect: unknown provider {target!r} "
                         f"(accepted: {', '.join(cat.providers)})")
    if target == request.provider:
        raise IcsvcError(f"--redirect: {request.id} is already with {target}")
    new = cat.providers[target]
    if service is not None and service not in new.services:
        raise IcsvcError(f"--service: {target} has no service {service!r} "
                         f"(accepted: {', '.join(new.services)})")
    if service is None:
        if request.service not in new.services:
            raise IcsvcError(
                f"--redirect: {target} has no service {request.service!r}; pass --service "
                f"(accepted: {', '.join(new.services)})"
            )
        service = request.service
    old = request.provider
    request.provider = target
    request.service = service
    request.status = "new"
    s.add("redirect", **{"from": old, "to": target, "service": service, "note": note.strip()})
    s.targets(new.sla[request.priority].to_dict())
    if request.owner is not None:
        s.add("assigned", **{"from": request.owner})
        request.owner = None
    if request.promised_by is not None:
        s.add("promise", **{"from": request.promised_by,
                            "note": f"withdrawn: redirected to {target}"})
        request.promised_by = None
    return Change(request, s.entries, moved_from=old)


# -- update ----------------------------------------------------------------------------------


def status_before_wait(request: Request) -> str:
    """The status a request waiting on the customer returns to when the customer answers."""
    start = timeline(request).start_index
    for entry in reversed(request.history[start:]):
        if entry.type == "status" and entry.get("to") == "waiting-on-customer":
            previous = entry.get("from")
            if previous in OPEN and previous != "waiting-on-customer":
                return str(previous)
            break
    return "acknowledged"


def update(request: Request, cat: Catalogue, now: datetime, actor: str,
           opts: UpdateOptions) -> Change:
    """`icsvc update`: status, progress notes, progress, promises, information."""
    s = _Session(request, cat, now, actor)
    if (opts.status is None and opts.note is None and opts.progress is None
            and opts.promise is None and not opts.info and opts.reply is None):
        raise UsageError("update: nothing to do (pass --status, --note, --reply, --progress, "
                         "--promise or --info)")
    if opts.note is not None and not opts.note.strip():
        raise UsageError("--note needs a text")
    note = opts.note.strip() if opts.note else None
    if opts.reply is not None:
        if not opts.reply.strip():
            raise UsageError("--reply needs a text")
        if opts.status is not None:
            raise UsageError("update: --reply hands the request back to the provider; it "
                             "cannot be combined with --status")
        if request.status != "waiting-on-customer":
            raise IcsvcError(f"refused: {request.id} is {request.status}, not waiting on the "
                             "customer; add a comment with --note")
        s.require("status", "reply to {id}", status_before_wait(request), request.status)
        s.add("note", note=opts.reply.strip())
    info = parse_info(opts.info)
    if info:
        s.require("info", "supply information for {id}")
        if request.status in FINAL:
            raise IcsvcError(f"refused: {request.id} is {request.status}; information can "
                             "only be added to an open or resolved request")
        changed = {k: v for k, v in info.items() if request.info.get(k) != v}
        if changed:
            request.info.update(changed)
            s.add("info", info=changed)
        if request.status == "waiting-on-customer" and opts.status is None:
            s.status(status_before_wait(request), check=False)
    if opts.reply is not None and request.status == "waiting-on-customer":
        s.status(status_before_wait(request), check=False)
    status: Entry | None = None
    if opts.status is not None:
        to = opts.status.strip().lower()
        if to not in STATUSES:
            raise UsageError(f"--status: {opts.status!r} is not a status "
                             f"(accepted: {', '.join(STATUSES)})")
        s.require("status", "set the status of {id} to " + to, to, request.status)
        if to in ("waiting-on-customer", "declined") and not note:
            what = "what you need from the customer" if to != "declined" else "why"
            raise UsageError(f"--status {to} needs --note saying {what}")
        status = s.acknowledge() if to == "acknowledged" and request.status == "new" else \
            s.status(to)
    progress: Entry | None = None
    if opts.progress is not None:
        s.require("progress", "set the progress of {id}")
        if not 0 <= opts.progress <= 100:
            raise UsageError(f"--progress: {opts.progress} is not a percentage "
                             "(accepted: 0 to 100)")
        if request.status in FINAL:
            raise IcsvcError(f"refused: {request.id} is {request.status}; its progress is final")
        if opts.progress != request.progress:
            old = request.progress
            request.progress = opts.progress
            progress = s.add("progress", **{"from": old, "to": opts.progress})
    promise: Entry | None = None
    if opts.promise is not None:
        s.require("promise", "promise a date for {id}")
        _check_open(request, "promised")
        promise = s.promise(opts.promise)
    if note:
        if status is None and progress is None and promise is None:
            s.require("note", "add a note to {id}")
        _attach(note, [status, progress, promise], s)
    if not s.entries:
        raise IcsvcError(f"nothing changed: {request.id} already has those values")
    return Change(request, s.entries)


# -- escalate --------------------------------------------------------------------------------


def escalate(request: Request, cat: Catalogue, now: datetime, actor: str,
             reason: str) -> Change:
    """`icsvc escalate`: raise the request to the provider's escalation contact."""
    s = _Session(request, cat, now, actor)
    if not reason.strip():
        raise UsageError("--reason needs a text")
    s.require("escalation", "escalate {id}")
    if request.status in ("closed", "cancelled"):
        raise IcsvcError(f"refused: {request.id} is {request.status}; there is nothing left "
                         "to escalate")
    s.add("escalation", to=s.provider.escalation, note=reason.strip())
    return Change(request, s.entries)
