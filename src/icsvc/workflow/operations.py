"""The provider and customer workflow: triage, update, escalate, feedback.

Each operation turns a command's options into history entries added through a `Session`
(`session.py`), which runs them through the history's rules. The functions here add what a
command line needs on top: reading options, friendly refusals that name the option, and the
entries a change implies (an acknowledgement's promise, new targets after a priority
change).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from icsvc.domain import ids
from icsvc.domain.catalogue import PRIORITIES, Catalogue
from icsvc.domain.history import CUSTOMER, RequestState
from icsvc.domain.history.kinds import (
    Accepted,
    Answer,
    Cost,
    Escalation,
    Feedback,
    Info,
    Kind,
    Link,
    NeededBy,
    Note,
    PriorityChange,
    Progress,
    Promise,
    Redirect,
    RequestedPriority,
    StatusChange,
)
from icsvc.domain.history.request import Request
from icsvc.domain.lifecycle import DELIVERED, OPEN, STATUSES
from icsvc.errors import IcsvcError, UsageError
from icsvc.workflow.drafts import parse_info
from icsvc.workflow.session import COMMAND_LINE, Change, Channel, Session, choice

# -- options -----------------------------------------------------------------------------------


@dataclass
class TriageOptions:
    """What `icsvc triage` was asked to do, as typed."""

    ack: bool = False
    priority: str | None = None
    promise: str | None = None
    assign: str | None = None
    need_info: str | None = None
    redirect: str | None = None
    service: str | None = None
    decline: str | None = None
    alternate: str | None = None
    note: str | None = None


@dataclass
class UpdateOptions:
    """What `icsvc update` was asked to do, as typed."""

    status: str | None = None
    note: str | None = None
    progress: int | None = None
    promise: str | None = None
    info: list[str] = field(default_factory=list)
    """KEY=VALUE pairs, as typed."""
    reply: str | None = None
    reopen: bool = False
    alternate: str | None = None
    cost: float | None = None
    actual: bool = False
    """With `cost`: the real figure, recorded after the fact (else a revised estimate)."""
    needed_by: str | None = None
    priority: str | None = None
    accept_priority: bool = False
    blocks: list[str] = field(default_factory=list)


def _note(text: str | None, option: str = "--note") -> str | None:
    if text is None:
        return None
    if not text.strip():
        raise UsageError(f"{option} needs a text")
    return text.strip()


def _check_open(state: RequestState, what: str) -> None:
    """What a command does only to an open request (`triage`)."""
    if state.status not in OPEN:
        raise IcsvcError(f"refused: {state.id} is {state.status}; only open requests "
                         f"({', '.join(s for s in STATUSES if s in OPEN)}) can be {what}")


# -- triage ----------------------------------------------------------------------------------


def triage(request: Request, cat: Catalogue, now: datetime, actor: str,
           opts: TriageOptions, channel: Channel = COMMAND_LINE) -> Change:
    """`icsvc triage`: the provider's first response and its agreements."""
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
    if opts.alternate is not None and not opts.decline:
        raise UsageError("triage: --alternate goes with --decline (who can help instead)")
    note = _note(opts.note)
    need_info = _note(opts.need_info, "--need-info")
    decline = _note(opts.decline, "--decline")
    s = Session(request, cat, now, actor, channel)
    s.require(PriorityChange, "triage {id}", to=s.state.priority)
    if opts.redirect:
        return _redirect(s, opts.redirect, opts.service, note)
    _check_open(s.state, "triaged")
    # the note goes with the first change that has none of its own
    wanted = [name for name, on in (
        ("priority", opts.priority and opts.priority.strip().lower() != s.state.priority),
        ("status", opts.ack), ("promise", opts.promise),
        ("assign", opts.assign and opts.assign.strip().lower() != s.state.owner)) if on]
    carrier = wanted[0] if wanted else None
    if opts.priority:
        s.priority(opts.priority, note)
    if opts.assign:
        s.assign(opts.assign, note if carrier == "assign" else None)
    if opts.promise:
        moving = s.state.promised_by is not None
        s.promise(opts.promise, note if carrier == "promise" or moving else None)
    if opts.ack:
        s.acknowledge(note if carrier == "status" else None, "--ack")
    elif need_info:
        s.status("waiting-on-customer", need_info, "--need-info")
    elif decline:
        s.status("declined", decline, "--decline",
                 alternate=(opts.alternate or "").strip() or None)
    if note and not any(e.note_text == note for e in s.entries):
        s.add(Note, note=note)
    return s.done()


def _redirect(s: Session, target: str, service: str | None, note: str | None) -> Change:
    state, cat = s.state, s.cat
    target = target.strip().lower()
    if target not in cat.providers:
        raise UsageError(f"--redirect: unknown provider {target!r} "
                         f"(accepted: {', '.join(cat.providers)})")
    new = cat.providers[target]
    if service is not None and service not in new.services:
        raise UsageError(f"--service: {target} has no service {service!r} "
                         f"(accepted: {', '.join(new.services)})")
    old = state.provider
    s.add(Redirect, "--redirect", from_=old, to=target, service=service or state.service,
          note=note)
    s.targets()
    s.moved_from = old
    return s.done()


# -- update ----------------------------------------------------------------------------------


def update(request: Request, cat: Catalogue, now: datetime, actor: str,
           opts: UpdateOptions, channel: Channel = COMMAND_LINE) -> Change:
    """`icsvc update`: status, progress notes, progress, promises, information, and the
    customer's side of the negotiation (reply, reopen, cost, need-by, priority, links)."""
    asked = [opts.status, opts.note, opts.progress, opts.promise, opts.reply, opts.cost,
             opts.needed_by, opts.priority]
    if all(v is None for v in asked) and not (opts.info or opts.reopen or opts.accept_priority
                                              or opts.blocks):
        raise UsageError("update: nothing to do (pass --status, --note, --progress, --promise, "
                         "--info, --reply, --reopen, --cost, --needed-by, --priority, "
                         "--accept-priority or --blocks)")
    note = _note(opts.note)
    reply = _note(opts.reply, "--reply")
    info = parse_info(opts.info)
    cost = _cost(opts.cost)
    if opts.reopen and opts.status is not None:
        raise UsageError("update: --reopen sets the status; leave out --status")
    if opts.progress is not None and not 0 <= opts.progress <= 100:
        raise UsageError(f"--progress: {opts.progress} is not a percentage "
                         "(accepted: 0 to 100)")
    if opts.alternate is not None and (opts.status or "").strip().lower() != "declined":
        raise UsageError("update: --alternate goes with --status declined")
    s = Session(request, cat, now, actor, channel)
    state = s.state
    # the customer's answers first: they hand a waiting request back
    if info:
        s.require(Info, "supply information for {id}", info=info)
        changed = {k: v for k, v in info.items() if state.info.get(k) != v}
        if changed:
            s.add(Info, "--info", info=changed)
    if reply:
        s.require(Note, "reply to {id}", note=reply)
        s.add(Note, "--reply", note=reply, reply=True)
    if state.status == "waiting-on-customer" and state.answered and opts.status is None:
        s.status(state.wait_return)
    status: Kind | None = None
    if opts.reopen:
        s.require(StatusChange, "reopen {id}", to="in-progress")
        if state.status not in DELIVERED:
            raise IcsvcError(f"refused: {state.id} is {state.status}; only a resolved or "
                             "closed request can be reopened")
        status = s.status("in-progress", note, "--reopen")
    elif opts.status is not None:
        to = choice(opts.status, STATUSES, "--status", "a status")
        s.require(StatusChange, "set the status of {id} to " + to, to=to)
        if to == "acknowledged" and state.status == "new":
            status = s.acknowledge(note, f"--status {to}")
        else:
            status = s.status(to, note, f"--status {to}",
                              alternate=(opts.alternate or "").strip() or None)
    progress: Kind | None = None
    if opts.progress is not None:
        s.require(Progress, "set the progress of {id}", to=opts.progress)
        if opts.progress != state.progress:
            progress = s.add(Progress, "--progress", from_=state.progress, to=opts.progress,
                             note=note if status is None else None)
    promise: Kind | None = None
    if opts.promise is not None:
        s.require(Promise, "promise a date for {id}")
        promise = s.promise(opts.promise, note)
    negotiated = _negotiate(s, opts, note, cost)
    if note and status is None and progress is None and promise is None and not negotiated:
        s.require(Note, "add a note to {id}", note=note)
        s.add(Note, note=note)
    return s.done()


def _cost(value: float | None) -> float | int | None:
    if value is None:
        return None
    if not math.isfinite(value) or value < 0:
        raise UsageError(f"--cost: {value} is not a cost (accepted: a number, 0 or more)")
    return int(value) if float(value).is_integer() else value


def _negotiate(s: Session, opts: UpdateOptions, note: str | None,
               cost: float | int | None) -> bool:
    """The customer's side: record a cost, change the need-by date or the priority asked
    for, accept a proposed priority; either side: link requests. True if anything carried
    the note."""
    state = s.state
    carried = False
    if opts.actual and cost is None:
        raise UsageError("update: --actual goes with --cost (the real figure)")
    if cost is not None:
        s.require(Cost, "record the cost of a lapse of {id}", to=cost)
        s.add(Cost, "--cost", from_=state.cost, to=cost, note=note, actual=opts.actual)
        carried = True
    if opts.needed_by is not None:
        s.require(NeededBy, "change the need-by date of {id}", to=s.now)
        when = s.when("--needed-by", opts.needed_by)
        s.add(NeededBy, "--needed-by", from_=state.needed_by, to=when, note=note)
        carried = True
    if opts.priority is not None:
        value = choice(opts.priority, PRIORITIES, "--priority", "a priority")
        if s.roles & CUSTOMER:
            if value == state.requested_priority:
                raise IcsvcError(f"nothing changed: {state.id} already asks for {value}")
            s.add(RequestedPriority, "--priority", from_=state.requested_priority, to=value,
                  note=note)
        else:
            s.require(PriorityChange, "agree the priority of {id}", to=value)
            if s.priority(value, note) is None:
                raise IcsvcError(f"nothing changed: {state.id} is already {value}")
        carried = True
    if opts.accept_priority:
        s.require(Accepted, "accept the proposed priority of {id}", to=state.priority)
        s.add(Accepted, "--accept-priority", to=state.priority, note=note)
        carried = carried or bool(note)
    for other in opts.blocks:
        rid = ids.normalize(other)
        if not ids.is_valid(rid):
            raise UsageError(f"--blocks: {other!r} is not a request ID (accepted: the full "
                             f"{ids.LENGTH}-character ID)")
        s.require(Link, "link {id} to other requests", blocks=rid)
        s.add(Link, "--blocks", blocks=rid)
    return carried


# -- escalate and feedback -------------------------------------------------------------------


def escalate(request: Request, cat: Catalogue, now: datetime, actor: str,
             reason: str, channel: Channel = COMMAND_LINE) -> Change:
    """`icsvc escalate`: raise the request to the provider's escalation contact; from the
    customer, while a lower priority is proposed, it contests the proposal."""
    text = _note(reason, "--reason")
    s = Session(request, cat, now, actor, channel)
    s.require(Escalation, "escalate {id}", note=text)
    contest = bool(s.roles & CUSTOMER) and s.state.contestable
    s.add(Escalation, "--reason", to=s.provider.escalation, note=text, contest=contest)
    if contest:
        s.notices.append(f"contested the proposed priority {s.state.priority} (you asked for "
                         f"{s.state.requested_priority}); {s.provider.escalation} decides")
    return s.done()


def answer(request: Request, cat: Catalogue, now: datetime, actor: str, text: str,
           channel: Channel = COMMAND_LINE) -> Change:
    """`icsvc escalate --answer`: the escalation contact answers the pending escalation (the
    requester is told)."""
    note = _note(text, "--answer")
    s = Session(request, cat, now, actor, channel)
    s.require(Answer, "answer the escalation of {id}", note=note)
    s.add(Answer, "--answer", note=note)
    return s.done()


def feedback(request: Request, cat: Catalogue, now: datetime, actor: str, rating: int,
             comment: str | None, channel: Channel = COMMAND_LINE) -> Change:
    """`icsvc feedback`: the customer rates an outcome; rating again replaces the rating."""
    if not 1 <= rating <= 5:
        raise UsageError(f"--rating: {rating} is not a rating (accepted: 1 to 5)")
    text = _note(comment, "--comment") if comment is not None else None
    s = Session(request, cat, now, actor, channel)
    s.require(Feedback, "rate {id}", rating=rating)
    earlier = s.state.rating
    s.add(Feedback, "--rating", rating=rating, comment=text)
    if earlier is not None:
        s.notices.append(f"replaces your earlier {earlier}/5")
    return s.done()
