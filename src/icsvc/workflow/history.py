"""A request's history as typed operations, replayed in one place.

Every history entry type is defined once, as an `EntryKind` in `KINDS`: the keys it carries
(`parse`), who may write it (`WHO`), what it requires of the request at that point (`check`)
and what it changes (`apply`). Everything that reads a history goes through `replay()`:

- the commands check and apply the entries they add (`Replay.add`), then write the state;
- `icsvc check` compares a file's fields with the replay of its history;
- `icsvc check --base` replays a branch's new entries, as their authors, through the same
  checks, and compares the result with the file;
- clocks, reports, explain, the queue and notifications read the replayed `RequestState`.

`apply` never raises and never consults permissions: a merge can produce an order no branch
checked, and reading must still work. It does refuse to apply what cannot have happened
(a status move the lifecycle forbids), so a replay always ends in a state the lifecycle
allows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from icsvc.store import ids
from icsvc.store.catalogue import PRIORITIES, Catalogue, Provider, rank
from icsvc.store.model import IMMUTABLE_KEYS, Entry, Request
from icsvc.workflow import lifecycle
from icsvc.workflow.lifecycle import FINAL, OPEN

MERGE_IDENTITY = "merge@icsvc"
"""The `by` of the `conflict` entries the merge driver writes (not a person: the tool)."""

RESOLVING = frozenset({"resolved", "closed", "declined"})
"""Statuses that stop the resolve clock as met (a decline is a provider's answer)."""
DELIVERED = frozenset({"resolved", "closed"})
"""Statuses in which the customer got what they asked for."""

# -- roles -------------------------------------------------------------------------------------

REQUESTER, MANAGER, MEMBER, ESCALATION, MERGE = (
    "requester", "manager", "member", "escalation", "merge")
CUSTOMER = frozenset({REQUESTER, MANAGER})
"""The customer's side: the requester and their department's managers."""
PROVIDER = frozenset({MEMBER, ESCALATION})
"""The provider's side: its members and its escalation contact."""
ROLE_WORDS = {
    REQUESTER: "the requester", MANAGER: "a manager of the requesting department",
    MEMBER: "a member of the provider", ESCALATION: "the provider's escalation contact",
    MERGE: "the merge driver (merge@icsvc)",
}


def roles_of(actor: str, state: RequestState, cat: Catalogue | None) -> frozenset[str]:
    """What `actor` is to the request as it stands (its provider at that moment)."""
    actor = actor.lower()
    out: set[str] = set()
    if actor == MERGE_IDENTITY:
        return frozenset({MERGE})
    if actor == state.customer_email:
        out.add(REQUESTER)
    if cat is not None:
        if cat.is_manager(actor, state.customer_department):
            out.add(MANAGER)
        provider = cat.providers.get(state.provider)
        if provider is not None:
            if provider.is_member(actor):
                out.add(MEMBER)
            if actor == provider.escalation:
                out.add(ESCALATION)
    return frozenset(out)


# -- the state ---------------------------------------------------------------------------------


@dataclass
class PromiseRecord:
    """One promise, from the date first given until the request is done or leaves the
    provider: kept when delivered by the first date promised."""

    provider: str
    made_at: datetime
    made_by: str
    first: datetime
    date: datetime
    """The latest date promised."""
    moves: int = 0
    moved_after_date: bool = False
    """Moved after its date had passed (a broken promise)."""
    withdrawn_at: datetime | None = None


@dataclass
class Wait:
    """A period waiting on the customer: asked `at`, answered `until` (None: still waiting)."""

    at: datetime
    provider: str
    late: bool
    """Asked after the request was acknowledged: information the service's `requires` did
    not name up front."""
    until: datetime | None = None


@dataclass
class Stint:
    """The time a request spent with one provider: from creation or a redirect to it, until
    a redirect away (None: still there)."""

    provider: str
    start: datetime
    statuses: list[tuple[datetime, str]]
    """(when, status) during the stint, starting with (start, 'new')."""
    start_index: int = 0
    """Index in the history of the entry that began the stint (created or redirect)."""
    end: datetime | None = None


@dataclass
class RequestState:
    """A request as its history tells it: the fields of its file, and what the rules, the
    clocks and the reports need to know about how it got there."""

    # the fields of the file
    id: str
    title: str
    provider: str
    service: str
    status: str
    priority: str
    requested_priority: str
    customer_email: str
    customer_department: str
    created_at: datetime
    targets: dict[str, str]
    owner: str | None = None
    needed_by: datetime | None = None
    rush: bool = False
    justification: str | None = None
    promised_by: datetime | None = None
    progress: int | None = None
    info: dict[str, str] = field(default_factory=dict)
    details: str | None = None
    impact: dict[str, Any] | None = None
    blocks: list[str] = field(default_factory=list)
    # what the replay learnt
    history: list[Entry] = field(default_factory=list)
    stints: list[Stint] = field(default_factory=list)
    waits: list[Wait] = field(default_factory=list)
    wait_return: str = "acknowledged"
    """The status a request waiting on the customer returns to when they answer."""
    answered: bool = False
    """The customer answered (information or a reply) since the provider last asked."""
    responded_at: datetime | None = None
    """The current provider's first response (any status change but to cancelled): what
    meets the acknowledge clock."""
    acknowledged_at: datetime | None = None
    """When the current provider took the request on (its first move to a status other than
    new, waiting-on-customer or cancelled); information asked for after it is *late*."""
    resolved_at: datetime | None = None
    """When the current run of resolving statuses began (None while not resolved)."""
    first_resolved_at: datetime | None = None
    reopens: list[datetime] = field(default_factory=list)
    promises: list[PromiseRecord] = field(default_factory=list)
    escalations: list[Entry] = field(default_factory=list)
    escalation_pending: bool = False
    """Escalated, and the escalation contact has not acted on the request since."""
    proposal: str | None = None
    """A priority agreed below the requested one: `proposed`, `accepted`, `contested`
    (escalated by the customer) or `decided` (agreed again after a contest)."""
    downgrades: list[tuple[datetime, str, str]] = field(default_factory=list)
    """(when, provider, outcome) of each priority agreed below the requested one; the
    outcome is the proposal state it ended in."""
    upgrades_asked: list[tuple[datetime, str]] = field(default_factory=list)
    """(when, priority) the customer asked for more than was agreed."""
    rating: int | None = None
    """The latest rating since the last reopen."""
    rating_comment: str | None = None
    cancelled_by_provider: bool = False
    cost_revisions: list[Entry] = field(default_factory=list)
    informed: list[datetime] = field(default_factory=list)
    """When the provider informed the customer (a status change, a progress note or change,
    any change with a note): what resets the update clock."""
    conflicts: list[Entry] = field(default_factory=list)
    cat: Catalogue | None = field(default=None, repr=False, compare=False)
    """The catalogue the replay reads roles from (who is a member, a manager...), if any."""

    def side(self, email: str) -> str | None:
        """`customer` or `provider` for the author of an entry (by the catalogue when known;
        without it, only the requester is known to be the customer)."""
        if email == self.customer_email:
            return "customer"
        roles = roles_of(email, self, self.cat)
        if roles & CUSTOMER:
            return "customer"
        if roles & PROVIDER or self.cat is None:
            return "provider"
        return None

    @property
    def stint(self) -> Stint:
        return self.stints[-1]

    @property
    def last_at(self) -> datetime:
        return max((e.at for e in self.history), default=self.created_at)

    @property
    def cost(self) -> float | None:
        if not self.impact or self.impact.get("cost") is None:
            return None
        return float(self.impact["cost"])

    @property
    def cost_is_actual(self) -> bool:
        """The cost was recorded after the fact (`update --cost`), not estimated up front."""
        return bool(self.cost_revisions)

    @property
    def waiting(self) -> Wait | None:
        return self.waits[-1] if self.waits and self.waits[-1].until is None else None


FIELDS = (
    "id", "title", "provider", "service", "status", "priority", "requested_priority",
    "customer_email", "customer_department", "created_at", "targets", "owner", "needed_by",
    "rush", "justification", "promised_by", "progress", "info", "details", "impact", "blocks",
)
"""The request file's fields, as attributes of both `Request` and `RequestState`."""


def fields_of(obj: Request | RequestState) -> dict[str, Any]:
    return {name: _copy(getattr(obj, name)) for name in FIELDS}


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def write_fields(state: RequestState, request: Request) -> None:
    """Copy the replayed fields into the request (the file's record)."""
    for name, value in fields_of(state).items():
        setattr(request, name, value)


def differences(state: RequestState, request: Request) -> dict[str, tuple[Any, Any]]:
    """Fields where the file says one thing and the history another: name -> (file, history).
    Instants are compared as instants."""
    out: dict[str, tuple[Any, Any]] = {}
    mine, told = fields_of(request), fields_of(state)
    for name in FIELDS:
        if not _same(mine[name], told[name]):
            out[name] = (mine[name], told[name])
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return float(a) == float(b)
    return bool(a == b)


# -- the entry kinds ---------------------------------------------------------------------------

Problem = str
"""A rule an entry breaks, in words a user can act on."""


@dataclass(frozen=True)
class Judging:
    """What checking an entry needs beyond the state: the catalogue (rights, SLAs) and the
    actor's roles at the start of the command that writes the entry (a redirect and the
    entries written with it belong to the provider it left)."""

    cat: Catalogue
    roles: frozenset[str]


class EntryKind:
    """One history entry type. Subclasses say what it carries, who may write it, what it
    requires and what it changes."""

    name = ""
    who: frozenset[str] = frozenset()
    """The roles that may write it (`allowed` refines this for some moves)."""
    keys: tuple[str, ...] = ()
    """Its optional keys besides at/by/type (see `required`)."""
    required: tuple[str, ...] = ()

    def allowed(self, state: RequestState, entry: Entry, roles: frozenset[str]) -> \
            frozenset[str]:
        """The roles that may write this entry here (default: `who`)."""
        return self.who

    def check(self, state: RequestState, entry: Entry, ctx: Judging) -> list[Problem]:
        """What this entry requires of the request at this point (rights apart)."""
        return []

    def apply(self, state: RequestState, entry: Entry) -> None:
        """Change the state; never raises."""


def _from_matches(entry: Entry, current: Any, what: str) -> list[Problem]:
    """A new entry's `from` must be the value it replaces (it was written against it)."""
    if "from" not in entry.data and current is None:
        return []
    given = entry.get("from")
    if _same(_norm(given), _norm(current)):
        return []
    return [f"'from' is {words(given)} but {what} was {words(current)} at that point"]


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def words(value: Any) -> str:
    """A field's value as messages show it: `unset`, an ISO instant, 'text', 12."""
    if value is None:
        return "unset"
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(value) if isinstance(value, str) else str(value)


def _needs_note(entry: Entry, why: str) -> list[Problem]:
    return [] if str(entry.get("note") or "").strip() else [f"needs a note saying {why}"]


def _open(state: RequestState, what: str) -> list[Problem]:
    if state.status in OPEN:
        return []
    return [f"the request is {state.status}; only open requests can {what}"]


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


class Created(EntryKind):
    name = "created"
    who = frozenset({REQUESTER})
    keys = ("note",)

    def check(self, state: RequestState, entry: Entry, ctx: Judging) -> list[Problem]:
        return ["only the first entry may be 'created'"] if state.history else []


class Status(EntryKind):
    name = "status"
    keys = ("from", "note", "timeframe", "alternate", "late")
    required = ("to",)

    def allowed(self, state: RequestState, entry: Entry, roles: frozenset[str]) -> \
            frozenset[str]:
        to, current = entry.get("to"), state.status
        if to == "cancelled":
            return CUSTOMER | PROVIDER
        if current == "waiting-on-customer" and to == state.wait_return and state.answered:
            return CUSTOMER | PROVIDER  # the customer's answer hands it back
        if current == "resolved" and to == "in-progress":
            return CUSTOMER | PROVIDER  # a reopen (the customer's within reopen_within)
        return PROVIDER

    def check(self, state: RequestState, entry: Entry, ctx: Judging) -> list[Problem]:
        to, current = str(entry.get("to")), state.status
        out = _from_matches(entry, current, "the status")
        if to == current:
            return [*out, f"the request is already {to}"]
        if not lifecycle.allowed(current, to):
            moves = lifecycle.allowed_from(current)
            accepted = (f"allowed from {current}: {', '.join(moves)}" if moves
                        else f"{current} is final")
            return [*out, f"{current} cannot become {to} ({accepted})"]
        provider_side = bool(ctx.roles & PROVIDER)
        if current == "waiting-on-customer" and to in OPEN and not provider_side:
            if not state.answered:
                out.append("the customer hands a request waiting on them back by answering "
                           "(--info or --reply), not by changing its status")
            elif to != state.wait_return:
                out.append(f"an answer returns the request to {state.wait_return}, not {to}")
        if to == "waiting-on-customer":
            out += _needs_note(entry, "what the provider needs from the customer")
            late = state.acknowledged_at is not None
            if bool(entry.get("late")) != late:
                out.append("'late: true' marks (only) a request for information made after "
                           "the request was acknowledged")
        if to == "declined":
            out += _needs_note(entry, "why")
            if not str(entry.get("alternate") or "").strip():
                out.append("a decline names an alternate: who can help instead (--alternate)")
        if to == "cancelled" and provider_side and not ctx.roles & CUSTOMER:
            out += _needs_note(entry, "why the provider cancels it")
        if current == "resolved" and to == "in-progress" and not provider_side:
            out += _needs_note(entry, "what is wrong")
            window = ctx.cat.settings.reopen_within
            provider = ctx.cat.providers.get(state.provider)
            if provider is not None and state.resolved_at is not None:
                cal = provider.calendar
                limit = cal.add(state.resolved_at, window.in_calendar(cal))
                if entry.at > limit:
                    out.append(f"the requester may reopen a request within {window.text} of "
                               f"its resolution (until {limit.isoformat()}); escalate instead")
        if (current == "new" and to == "acknowledged" and entry.get("timeframe") is None):
            out.append("an acknowledgement carries a timeframe (the date to expect)")
        return out

    def apply(self, state: RequestState, entry: Entry) -> None:
        to, current = entry.get("to"), state.status
        if to not in lifecycle.STATUSES or to == current or not lifecycle.allowed(current, to):
            return  # what cannot have happened does not happen (e.g. after a merge)
        at = entry.at
        if to == "waiting-on-customer":
            if current in OPEN:
                state.wait_return = current
            state.waits.append(Wait(at, state.provider, state.acknowledged_at is not None))
            state.answered = False
        elif current == "waiting-on-customer" and state.waits:
            state.waits[-1].until = at
        if current == "resolved" and to == "in-progress":
            state.reopens.append(at)
            state.rating = None
            state.rating_comment = None
        if to in RESOLVING:
            if state.resolved_at is None:
                state.resolved_at = at
                state.first_resolved_at = state.first_resolved_at or at
        else:
            state.resolved_at = None
        if to not in ("new", "cancelled") and state.responded_at is None:
            state.responded_at = at
        if to not in ("new", "waiting-on-customer", "cancelled") and \
                state.acknowledged_at is None:
            state.acknowledged_at = at
        if to in RESOLVING or to == "cancelled":
            state.escalation_pending = False
        state.cancelled_by_provider = to == "cancelled" and state.side(entry.by) != "customer"
        state.stint.statuses.append((at, str(to)))
        state.status = str(to)


class Priority(EntryKind):
    name = "priority"
    who = PROVIDER
    keys = ("from", "note")
    required = ("to",)

    def check(self, state: RequestState, entry: Entry, ctx: Judging) -> list[Problem]:
        to = str(entry.get("to"))
        out = _from_matches(entry, state.priority, "the priority")
        if to not in PRIORITIES:
            return [*out, f"{to!r} is not a priority (accepted: {', '.join(PRIORITIES)})"]
        deciding = state.proposal == "contested" and ESCALATION in ctx.roles
        if to == state.priority and not deciding:
            out.append(f"the priority is already {to}")
        out += _open(state, "change priority")
        if to != state.requested_priority:
            out += _needs_note(entry, f"why it differs from the {state.requested_priority} "
                                      "the requester asked for")
        provider = ctx.cat.providers.get(state.provider)
        floor = provider.floor(state.service, state.customer_department) if provider else None
        if floor is not None and rank(to) < rank(floor[0]) and ESCALATION not in ctx.roles:
            out.append(f"{floor[1]} sets {floor[0]} at least; only the escalation contact "
                       f"({provider.escalation if provider else '?'}) may agree less")
        return out

    def apply(self, state: RequestState, entry: Entry) -> None:
        to = entry.get("to")
        if to not in PRIORITIES:
            return
        state.priority = str(to)
        below = rank(state.priority) < rank(state.requested_priority)
        if state.proposal == "contested":  # the decision on a contested downgrade
            if state.downgrades:
                at, provider, _ = state.downgrades[-1]
                state.downgrades[-1] = (at, provider, "decided")
            state.proposal = "decided" if below else None
        elif below:
            state.proposal = "proposed"
            state.downgrades.append((entry.at, state.provider, state.proposal))
        else:
            state.proposal = None


def _settle_negotiation(state: RequestState) -> None:
    """Keep the outcome of the latest downgrade in step with the proposal."""
    if state.downgrades and state.proposal is not None:
        at, provider, _ = state.downgrades[-1]
        state.downgrades[-1] = (at, provider, state.proposal)


class Targets(EntryKind):
    name = "targets"
    who = PROVIDER
    keys = ("from",)
    required = ("to",)

    def check(self, state: RequestState, entry: Entry, ctx: Judging) -> list[Problem]:
        out = _from_matches(entry, state.targets, "the targets")
        provider = ctx.cat.providers.get(state.provider)
        if provider is not None:
            expected = provider.sla[state.priority].to_dict() if \
                state.priority in provider.sla else None
            if expected is not None and entry.get("to") != expected:
                out.append(f"'to' must be {state.provider}'s SLA for {state.priority} "
                           f"priority in providers.yaml ({_targets_text(expected)})")
        return out

    def apply(self, state: RequestState, entry: Entry) -> None:
        to = entry.get("to")
        if isinstance(to, dict) and "acknowledge" in to and "resolve" in to:
            state.targets = {str(k): str(v) for k, v in to.items()}


def _targets_text(targets: dict[str, str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in targets.items())


class Assigned(EntryKind):
    name = "assigned"
    who = PROVIDER
    keys = ("from", "to", "note")

    def check(self, state: RequestState, entry: Entry, ctx: Judging) -> list[Problem]:
        out = _from_matches(entry, state.owner, "the owner")
        to = entry.get("to")
        provider = ctx.cat.providers.get(state.provider)
        if to is not None and provider is not None and not provider.is_member(str(to)):
            out.append(f"{to} is not a member of {provider.id} "
                       f"(accepted: {', '.join(provider.members)})")
        if to == state.owner:
            out.append(f"the owner is already {words(to)}")
        return out + _open(state, "be assigned")

    def apply(self, state: RequestState, entry: Entry) -> None:
        to = entry.get("to")
        state.owner = str(to).lower() if to else None


class Promise(EntryKind):
    name = "promise"
    who = PROVIDER
    keys = ("from", "to", "note", "broken")

    def check(self, state: RequestState, entry: Entry, ctx: Judging) -> list[Problem]:
        out = _from_matches(entry, state.promised_by, "the promise")
        out += _open(state, "get a promise")
        to = _as_datetime(entry.get("to"))
        if to is None:
            return [*out, "a promise needs a date ('to')"]
        if to <= entry.at:
            out.append(f"the promised date {to.isoformat()} is not after the entry's time")
        old = state.promised_by
        if old is not None:
            out += _needs_note(entry, "why the promise moves")
            if bool(entry.get("broken")) != (old < entry.at):
                out.append("'broken: true' marks (only) a promise moved after its date passed")
        elif entry.get("broken"):
            out.append("'broken' only applies to moving a promise")
        return out

    def apply(self, state: RequestState, entry: Entry) -> None:
        to = _as_datetime(entry.get("to"))
        current = state.promises[-1] if state.promises else None
        live = current is not None and current.withdrawn_at is None and \
            current.provider == state.provider and state.promised_by is not None
        if to is None:
            if live and current is not None:
                current.withdrawn_at = entry.at
            state.promised_by = None
            return
        if live and current is not None:
            if to != current.date:
                current.moves += 1
                current.moved_after_date = current.moved_after_date or current.date < entry.at
                current.date = to
        else:
            state.promises.append(PromiseRecord(state.provider, entry.at, entry.by, to, to))
        state.promised_by = to


class Info(EntryKind):
    name = "info"
    who = CUSTOMER | frozenset({MEMBER})
    keys = ("note",)
    required = ("info",)

    def check(self, state: RequestState, entry: Entry, ctx: Judging) -> list[Problem]:
        out = []
        if state.status in FINAL:
            out.append(f"the request is {state.status}; information can only be added to an "
                       "open or resolved request")
        info = entry.get("info")
        if not isinstance(info, dict) or not info:
            out.append("'info' must be a mapping of KEY: VALUE")
        elif all(state.info.get(str(k)) == v for k, v in info.items()):
            out.append("it changes no information (every value is already recorded)")
        return out

    def apply(self, state: RequestState, entry: Entry) -> None:
        info = entry.get("info")
        if isinstance(info, dict):
            state.info.update({str(k): str(v) for k, v in info.items()})
            if state.status == "waiting-on-customer":
                state.answered = True


class Redirect(EntryKind):
    name = "redirect"
    who = PROVIDER
    keys = ("service", "note")
    required = ("from", "to")

    def check(self, state: RequestState, entry: Entry, ctx: Judging) -> list[Problem]:
        out = _open(state, "be redirected")
        target = str(entry.get("to"))
        if entry.get("from") != state.provider:
            out.append(f"'from' is {words(entry.get('from'))} but the request was with "
                       f"{state.provider}")
        if target == state.provider:
            out.append(f"the request is already with {target}")
        new = ctx.cat.providers.get(target)
        if new is None:
            out.append(f"unknown provider {target!r} (accepted: {', '.join(ctx.cat.providers)})")
        else:
            service = str(entry.get("service") or state.service)
            if service not in new.services:
                out.append(f"{target} has no service {service!r} "
                           f"(accepted: {', '.join(new.services)})")
        return out + _needs_note(entry, "who can help (the alternate contact)")

    def apply(self, state: RequestState, entry: Entry) -> None:
        target = entry.get("to")
        if not target:
            return
        for record in state.promises:
            if record.withdrawn_at is None and record.provider == state.provider:
                record.withdrawn_at = entry.at
        if state.waits and state.waits[-1].until is None:
            state.waits[-1].until = entry.at
        state.stint.end = entry.at
        state.provider = str(target)
        state.service = str(entry.get("service") or state.service)
        state.status = "new"
        state.owner = None
        state.promised_by = None
        state.responded_at = None
        state.acknowledged_at = None
        state.resolved_at = None
        state.wait_return = "acknowledged"
        state.escalation_pending = False
        state.stints.append(Stint(state.provider, entry.at, [(entry.at, "new")],
                                  len(state.history)))


class Note(EntryKind):
    name = "note"
    who = CUSTOMER | PROVIDER
    keys = ("reply",)
    required = ("note",)

    def check(self, state: RequestState, entry: Entry, ctx: Judging) -> list[Problem]:
        out = [] if str(entry.get("note") or "").strip() else ["a note needs a text"]
        if entry.get("reply"):
            if not ctx.roles & CUSTOMER:
                out.append("only the customer replies to a request for information")
            if state.status != "waiting-on-customer":
                out.append("'reply' answers a request waiting on the customer; this one is "
                           f"{state.status}")
        return out

    def apply(self, state: RequestState, entry: Entry) -> None:
        if entry.get("reply") and state.status == "waiting-on-customer":
            state.answered = True


class Progress(EntryKind):
    name = "progress"
    who = PROVIDER
    keys = ("from", "note")
    required = ("to",)

    def check(self, state: RequestState, entry: Entry, ctx: Judging) -> list[Problem]:
        out = _from_matches(entry, state.progress, "the progress")
        to = entry.get("to")
        if isinstance(to, bool) or not isinstance(to, int) or not 0 <= to <= 100:
            out.append(f"{to!r} is not a percentage (accepted: 0 to 100)")
        if state.status in FINAL:
            out.append(f"the request is {state.status}; its progress is final")
        return out

    def apply(self, state: RequestState, entry: Entry) -> None:
        to = entry.get("to")
        if isinstance(to, int) and not isinstance(to, bool):
            state.progress = to


class Escalation(EntryKind):
    name = "escalation"
    who = CUSTOMER | PROVIDER
    keys = ("to", "note", "contest")
    required = ("note",)

    def check(self, state: RequestState, entry: Entry, ctx: Judging) -> list[Problem]:
        out = []
        if state.status in ("closed", "cancelled"):
            out.append(f"the request is {state.status}; there is nothing left to escalate")
        provider = ctx.cat.providers.get(state.provider)
        if provider is not None and entry.get("to") not in (None, provider.escalation):
            out.append(f"escalations go to {provider.id}'s escalation contact "
                       f"({provider.escalation})")
        if entry.get("contest"):
            if not ctx.roles & CUSTOMER:
                out.append("only the customer contests a priority")
            if state.proposal not in ("proposed", "accepted"):
                out.append("there is no priority proposal to contest")
        return out + _needs_note(entry, "why")

    def apply(self, state: RequestState, entry: Entry) -> None:
        state.escalations.append(entry)
        state.escalation_pending = True
        if entry.get("contest") and state.proposal in ("proposed", "accepted"):
            state.proposal = "contested"
            _settle_negotiation(state)


class Feedback(EntryKind):
    name = "feedback"
    who = CUSTOMER
    keys = ("comment",)
    required = ("rating",)

    def check(self, state: RequestState, entry: Entry, ctx: Judging) -> list[Problem]:
        out = []
        rated = state.status in RESOLVING or (state.status == "cancelled"
                                              and state.cancelled_by_provider)
        if not rated:
            out.append(f"feedback is for resolved, closed or declined requests (or cancelled "
                       f"by the provider); this one is {state.status}")
        rating = entry.get("rating")
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            out.append(f"{rating!r} is not a rating (accepted: 1 to 5)")
        return out

    def apply(self, state: RequestState, entry: Entry) -> None:
        rating = entry.get("rating")
        if isinstance(rating, int) and not isinstance(rating, bool):
            state.rating = rating
            state.rating_comment = entry.get("comment")


class Conflict(EntryKind):
    """Written by the merge driver: it records what each side set and what the merge kept
    (the value the merged history gives, so it changes nothing), or clears an owner who is
    not a member of the request's provider once both sides are merged."""

    name = "conflict"
    who = frozenset({MERGE})
    keys = ("ours", "theirs", "kept", "note")
    required = ("field",)

    def check(self, state: RequestState, entry: Entry, ctx: Judging) -> list[Problem]:
        path = str(entry.get("field"))
        current = get_field(state, path)
        kept = entry.get("kept")
        if path == "owner" and kept is None:
            provider = ctx.cat.providers.get(state.provider)
            if current is None or provider is None or not provider.is_member(str(current)):
                return []
        if _same(_norm(kept), _norm(current)):
            return []
        return [f"a conflict entry records the value the merge kept ({words(current)} for "
                f"{path}); it cannot set another ({words(kept)})"]

    def apply(self, state: RequestState, entry: Entry) -> None:
        state.conflicts.append(entry)
        set_field(state, str(entry.get("field")), entry.get("kept"), "kept" in entry.data)


class Cost(EntryKind):
    name = "cost"
    who = CUSTOMER
    keys = ("from", "note")
    required = ("to",)

    def check(self, state: RequestState, entry: Entry, ctx: Judging) -> list[Problem]:
        out = _from_matches(entry, state.cost, "the cost")
        to = entry.get("to")
        if isinstance(to, bool) or not isinstance(to, int | float) or not math.isfinite(to) \
                or to < 0:
            out.append(f"{to!r} is not a cost (accepted: a number, 0 or more)")
        return out + _needs_note(entry, "what happened")

    def apply(self, state: RequestState, entry: Entry) -> None:
        to = entry.get("to")
        if isinstance(to, bool) or not isinstance(to, int | float):
            return
        impact = dict(state.impact or {})
        impact["cost"] = to
        state.impact = impact
        state.cost_revisions.append(entry)


class NeededBy(EntryKind):
    name = "needed-by"
    who = CUSTOMER
    keys = ("from", "note")
    required = ("to",)

    def check(self, state: RequestState, entry: Entry, ctx: Judging) -> list[Problem]:
        out = _from_matches(entry, state.needed_by, "the need-by date")
        to = _as_datetime(entry.get("to"))
        if to is None:
            out.append("'to' must be a date-time")
        elif to <= entry.at:
            out.append(f"the need-by date {to.isoformat()} is not after the entry's time")
        return out + _open(state, "change their need-by date") + _needs_note(entry, "why")

    def apply(self, state: RequestState, entry: Entry) -> None:
        to = _as_datetime(entry.get("to"))
        if to is not None:
            state.needed_by = to


class RequestedPriority(EntryKind):
    name = "requested-priority"
    who = CUSTOMER
    keys = ("from", "note")
    required = ("to",)

    def check(self, state: RequestState, entry: Entry, ctx: Judging) -> list[Problem]:
        out = _from_matches(entry, state.requested_priority, "the requested priority")
        to = entry.get("to")
        if to not in PRIORITIES:
            out.append(f"{to!r} is not a priority (accepted: {', '.join(PRIORITIES)})")
        elif to == state.requested_priority:
            out.append(f"{to} is already the requested priority")
        return out + _open(state, "change the priority asked for") + _needs_note(entry, "why")

    def apply(self, state: RequestState, entry: Entry) -> None:
        to = entry.get("to")
        if to not in PRIORITIES:
            return
        state.requested_priority = str(to)
        if rank(state.requested_priority) > rank(state.priority):
            state.upgrades_asked.append((entry.at, state.requested_priority))
        elif state.proposal in ("proposed", "contested"):
            state.proposal = "accepted"  # asking no more than was agreed accepts it
            _settle_negotiation(state)


class Accepted(EntryKind):
    name = "accepted"
    who = CUSTOMER
    keys = ("note",)
    required = ("to",)

    def check(self, state: RequestState, entry: Entry, ctx: Judging) -> list[Problem]:
        out = []
        if state.proposal not in ("proposed", "contested"):
            out.append("there is no priority proposal to accept")
        if entry.get("to") != state.priority:
            out.append(f"'to' must be the priority proposed ({state.priority})")
        return out

    def apply(self, state: RequestState, entry: Entry) -> None:
        if state.proposal in ("proposed", "contested") and entry.get("to") == state.priority:
            state.proposal = "accepted"
            _settle_negotiation(state)


class Link(EntryKind):
    name = "link"
    who = CUSTOMER | PROVIDER
    keys = ("note",)
    required = ("blocks",)

    def check(self, state: RequestState, entry: Entry, ctx: Judging) -> list[Problem]:
        other = ids.normalize(str(entry.get("blocks") or ""))
        if not ids.is_valid(other):
            return [f"{entry.get('blocks')!r} is not a request ID"]
        if other == state.id:
            return ["a request cannot block itself"]
        if other in state.blocks:
            return [f"it already blocks {other}"]
        return []

    def apply(self, state: RequestState, entry: Entry) -> None:
        other = ids.normalize(str(entry.get("blocks") or ""))
        if ids.is_valid(other) and other not in state.blocks and other != state.id:
            state.blocks.append(other)


TIMESTAMP_KEYS: dict[str, tuple[str, ...]] = {
    "status": ("timeframe",), "promise": ("from", "to"), "needed-by": ("from", "to"),
}
"""Keys holding instants, per entry type (read as ISO 8601 date-times with offset)."""
STATUS_KEYS = {"status": ("from", "to")}
PRIORITY_KEYS = {"priority": ("from", "to"), "requested-priority": ("from", "to"),
                 "accepted": ("to",)}
FLAG_KEYS = ("late", "reply", "contest", "broken")


def parse_entry(type_: str, data: dict[str, Any],
                fail: Callable[[str, str], Any]) -> dict[str, Any]:
    """Check the keys of one entry of `type_` (its own keys, their types), calling
    `fail(key, problem)` for the first problem; returns the data with instants parsed."""
    kind = KINDS[type_]
    allowed = set(kind.keys) | set(kind.required)
    for key in data:
        if key not in allowed:
            fail(key, f"a '{type_}' entry has no key {key!r} "
                      f"(accepted: {', '.join(sorted(allowed)) or 'none'})")
    for key in kind.required:
        if data.get(key) is None:
            fail(key, f"a '{type_}' entry needs {key!r}")
    out = dict(data)
    for key in TIMESTAMP_KEYS.get(type_, ()):
        if out.get(key) is not None:
            value = _as_datetime(out[key])
            if value is None or value.tzinfo is None:
                fail(key, f"{out[key]!r} is not a date-time (accepted: ISO 8601 with offset)")
            out[key] = value
    for key in STATUS_KEYS.get(type_, ()):
        if out.get(key) is not None and out[key] not in lifecycle.STATUSES:
            fail(key, f"{out[key]!r} is not a status "
                      f"(accepted: {', '.join(lifecycle.STATUSES)})")
    for key in PRIORITY_KEYS.get(type_, ()):
        if out.get(key) is not None and out[key] not in PRIORITIES:
            fail(key, f"{out[key]!r} is not a priority (accepted: {', '.join(PRIORITIES)})")
    for key in FLAG_KEYS:
        if key in out and not isinstance(out[key], bool):
            fail(key, f"expected true or false, got {out[key]!r}")
    for key in ("note", "comment", "alternate"):
        if key in out and (not isinstance(out[key], str | int | float)
                           or isinstance(out[key], bool) or not str(out[key]).strip()):
            fail(key, "expected a non-empty text")
    if type_ == "feedback":
        rating = out.get("rating")
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            fail("rating", f"{rating!r} is not a rating (accepted: 1 to 5)")
    if type_ == "progress":
        for key in ("from", "to"):
            value = out.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or not 0 <= value <= 100):
                fail(key, f"{value!r} is not a percentage (accepted: 0 to 100)")
    if type_ == "cost":
        for key in ("from", "to"):
            value = out.get(key)
            if value is not None and (isinstance(value, bool)
                                      or not isinstance(value, int | float)
                                      or not math.isfinite(value) or value < 0):
                fail(key, f"{value!r} is not a cost (accepted: a number, 0 or more)")
    if type_ == "info":
        info = out.get("info")
        if not isinstance(info, dict) or not info or not all(
                isinstance(v, str | int | float) and not isinstance(v, bool) and str(v).strip()
                for v in info.values()):
            fail("info", "expected a mapping of KEY: VALUE (non-empty texts)")
    if type_ == "targets":
        for key in ("from", "to"):
            value = out.get(key)
            if value is not None and not (isinstance(value, dict) and "acknowledge" in value
                                          and "resolve" in value):
                fail(key, "expected the SLA targets (acknowledge, resolve, update)")
    return out


KINDS: dict[str, EntryKind] = {k.name: k for k in (
    Created(), Status(), Priority(), Targets(), Assigned(), Promise(), Info(), Redirect(),
    Note(), Progress(), Escalation(), Feedback(), Conflict(), Cost(), NeededBy(),
    RequestedPriority(), Accepted(), Link(),
)}


def get_field(state: RequestState, path: str) -> Any:
    """The value at a dotted path (see `set_field`), None when absent."""
    head, _, rest = path.partition(".")
    if head == "customer":
        return getattr(state, f"customer_{rest}", None)
    value = getattr(state, head, None) if head in FIELDS else None
    if rest:
        return value.get(rest) if isinstance(value, dict) else None
    return value


def set_field(state: RequestState, path: str, value: Any, present: bool = True) -> None:
    """Set a field by the dotted path a `conflict` entry names (`owner`, `info.part_number`,
    `customer.email`, `targets.resolve`, `impact.cost`); unknown paths are ignored."""
    head, _, rest = path.partition(".")
    value = value if present else None
    if head == "customer":
        if rest in ("email", "department") and isinstance(value, str):
            setattr(state, f"customer_{rest}", value)
        return
    if head in ("info", "targets", "impact") and rest:
        mapping = dict(getattr(state, head) or {})
        if value is None:
            mapping.pop(rest, None)
        else:
            mapping[rest] = value if head == "impact" else str(value)
        setattr(state, head, mapping or (None if head == "impact" else {}))
        return
    if head not in FIELDS or head in ("id", "created_at"):
        return
    if head in ("needed_by", "promised_by"):
        value = _as_datetime(value)
    if head == "status" and value not in lifecycle.STATUSES:
        return
    if head in ("priority", "requested_priority") and value not in PRIORITIES:
        return
    if head in ("info", "targets", "blocks") and value is None:
        value = {} if head != "blocks" else []
    setattr(state, head, value)


# -- replay ------------------------------------------------------------------------------------


def initial_state(request: Request) -> RequestState:
    """The request as it was created, rolled back from its file through its history: a field
    an entry changed starts from the first such entry's `from`."""
    history = request.history

    def first(kind: str) -> Entry | None:
        return next((e for e in history if e.type == kind), None)

    def start(kind: str, current: Any) -> Any:
        entry = first(kind)
        if entry is None:
            return _copy(current)
        return _copy(entry.get("from"))

    redirect = first("redirect")
    priority = start("priority", request.priority)
    targets = start("targets", request.targets)
    cost = first("cost")
    impact = _copy(request.impact)
    if cost is not None:
        impact = dict(impact or {})
        if cost.get("from") is None:
            impact = None if set(impact) <= {"cost"} else {k: v for k, v in impact.items()
                                                            if k != "cost"}
        else:
            impact["cost"] = cost.get("from")
    provider = str(redirect.get("from")) if redirect is not None else request.provider
    created = history[0].at if history else request.created_at
    return RequestState(
        id=request.id, title=request.title, provider=provider, service=request.service,
        status="new", priority=priority if priority in PRIORITIES else request.priority,
        requested_priority=start("requested-priority", request.requested_priority)
        or request.requested_priority,
        customer_email=request.customer_email, customer_department=request.customer_department,
        created_at=request.created_at,
        targets=targets if isinstance(targets, dict) else dict(request.targets),
        needed_by=_as_datetime(start("needed-by", request.needed_by)),
        rush=request.rush, justification=request.justification,
        info=dict(request.info), details=request.details, impact=impact,
        blocks=[],  # each comes from a `link` entry, at creation (--for) or later
        stints=[Stint(provider, created, [(created, "new")])],
    )


def apply(state: RequestState, entry: Entry) -> None:
    """Apply one entry (never raises; unknown types change nothing)."""
    kind = KINDS.get(entry.type)
    if kind is not None:
        kind.apply(state, entry)
    if entry.type not in ("created", "conflict", "escalation", "feedback") and _informs(
            state, entry):
        state.informed.append(entry.at)
    if state.escalation_pending and state.escalations and entry is not state.escalations[-1] \
            and ESCALATION in roles_of(entry.by, state, state.cat):
        state.escalation_pending = False
    state.history.append(entry)


def _informs(state: RequestState, entry: Entry) -> bool:
    """Whether an entry keeps the customer informed (resets the update clock): a status
    change, or a provider's progress note, progress change or any change with a note."""
    if entry.type == "status":
        return True
    if entry.type in _CUSTOMER_TYPES or state.side(entry.by) != "provider":
        return False
    return entry.type in ("note", "progress") or bool(entry.get("note"))


_CUSTOMER_TYPES = frozenset({"cost", "needed-by", "requested-priority", "accepted", "info"})


def replay(request: Request, cat: Catalogue | None = None) -> RequestState:
    """The state the request's history tells, from its creation."""
    state = initial_state(request)
    state.cat = cat
    for entry in request.history:
        apply(state, entry)
    return state


def from_file(request: Request, cat: Catalogue | None = None) -> RequestState:
    """The state of a request as its file records it (the trusted record, e.g. at the base
    of a branch): the replay's facts with the file's own fields."""
    state = replay(request, cat)
    for name, value in fields_of(request).items():
        setattr(state, name, value)
    return state


# -- checking new entries ----------------------------------------------------------------------


def who_words(allowed: frozenset[str], state: RequestState, cat: Catalogue) -> str:
    """Name who may, in words: 'a member of engineering (a@x, b@x) or the requester (m@x)'."""
    provider = cat.providers.get(state.provider)
    parts = []
    for role in (MEMBER, ESCALATION, REQUESTER, MANAGER, MERGE):
        if role not in allowed:
            continue
        if role == MEMBER and provider is not None:
            parts.append(f"a member of {provider.id} ({', '.join(provider.members)})")
        elif role == ESCALATION and provider is not None:
            parts.append(f"its escalation contact ({provider.escalation})")
        elif role == REQUESTER:
            parts.append(f"the requester ({state.customer_email})")
        elif role == MANAGER:
            managers = cat.managers.get(state.customer_department, ())
            if managers:
                parts.append(f"a manager of {state.customer_department} "
                             f"({', '.join(managers)})")
        else:
            parts.append(ROLE_WORDS[role])
    return " or ".join(parts) or "nobody"


def problems(state: RequestState, entry: Entry, ctx: Judging) -> list[Problem]:
    """Every rule the entry breaks at this point of the history, rights included."""
    kind = KINDS.get(entry.type)
    if kind is None:
        return [f"unknown entry type {entry.type!r}"]
    out: list[Problem] = []
    missing = [k for k in kind.required if entry.data.get(k) is None]
    if missing:
        out.append(f"missing {', '.join(repr(k) for k in missing)}")
    allowed = kind.allowed(state, entry, ctx.roles)
    if not allowed & ctx.roles:
        out.append(f"{entry.by} may not add a '{entry.type}' entry here; only "
                   f"{who_words(allowed, state, ctx.cat)}")
    if entry.at < state.last_at:
        out.append(f"dated {entry.at.isoformat()}, before the newest entry "
                   f"({state.last_at.isoformat()}); entries are only appended after it")
    if not missing:
        out.extend(kind.check(state, entry, ctx))
    return out


@dataclass
class Replay:
    """Checks and applies new entries, batch by batch: entries with the same time and author
    were written by one command, and are judged with the author's roles at its start."""

    state: RequestState
    cat: Catalogue
    _batch: tuple[datetime, str] | None = None
    _roles: frozenset[str] = frozenset()
    added: list[Entry] = field(default_factory=list)

    def check(self, entry: Entry) -> list[Problem]:
        if self._batch != (entry.at, entry.by):
            self._batch = (entry.at, entry.by)
            self._roles = roles_of(entry.by, self.state, self.cat)
        return problems(self.state, entry, Judging(self.cat, self._roles))

    def add(self, entry: Entry) -> list[Problem]:
        """Check then apply; the problems are returned (the entry is applied regardless, so
        a caller collecting every problem can carry on)."""
        found = self.check(entry)
        apply(self.state, entry)
        self.added.append(entry)
        return found


def consequences(state: RequestState, cat: Catalogue, added: Sequence[Entry]) -> \
        list[Problem]:
    """What must hold once a command's entries are in: after a priority change or a redirect
    the targets are the provider's SLA for the agreed priority."""
    if not any(e.type in ("priority", "redirect") for e in added):
        return []
    provider = cat.providers.get(state.provider)
    if provider is None or state.priority not in provider.sla:
        return []
    expected = provider.sla[state.priority].to_dict()
    if state.targets != expected:
        return [f"targets are {_targets_text(state.targets)} but {state.provider}'s SLA for "
                f"{state.priority} priority is {_targets_text(expected)} (a 'targets' entry "
                "records the new ones)"]
    return []


# -- creation ----------------------------------------------------------------------------------


def creation_problems(state: RequestState, cat: Catalogue,
                      rush_reasons: Callable[[Provider, RequestState], list[str]]) -> \
        list[Problem]:
    """Whether a new request is exactly what `icsvc new` writes for its author at its
    creation time: `state` is the request as created (`initial_state`)."""
    out: list[Problem] = []
    provider = cat.providers.get(state.provider)
    if provider is None:
        return [f"unknown provider {state.provider!r} (accepted: {', '.join(cat.providers)})"]
    if state.service not in provider.services:
        return [f"{provider.id} has no service {state.service!r}"]
    departments = cat.departments_of(state.customer_email)
    if departments and state.customer_department not in departments:
        out.append(f"customer.department is {state.customer_department!r} but "
                   f"{state.customer_email} belongs to {', '.join(departments)} "
                   "(providers.yaml departments)")
    priority = expected_priority(provider, state.service, state.customer_department,
                                 state.requested_priority)
    if state.priority != priority:
        out.append(f"priority is {state.priority} but a new request asking for "
                   f"{state.requested_priority} gets {priority}")
    expected = provider.sla[priority].to_dict()
    if state.targets != expected:
        out.append(f"targets are {_targets_text(state.targets)} but {provider.id}'s SLA for "
                   f"{priority} priority is {_targets_text(expected)}")
    missing = [k for k in provider.services[state.service].requires
               if not str(state.info.get(k, "")).strip()]
    if missing:
        out.append(f"missing the information {state.service} requires: {', '.join(missing)}")
    reasons = rush_reasons(provider, state)
    if bool(reasons) != state.rush:
        out.append(f"rush is {str(state.rush).lower()} but the request "
                   + (f"is a rush ({' and '.join(reasons)})" if reasons else "is not a rush"))
    if state.rush and not (state.justification or "").strip():
        out.append("a rush needs a justification")
    if not state.rush and state.justification:
        out.append("a justification is only recorded for a rush")
    if state.needed_by is not None and state.needed_by <= state.created_at:
        out.append("needed_by is not after created_at")
    return out


def expected_priority(provider: Provider, service: str, department: str,
                      requested: str) -> str:
    """The priority a new request starts with: what was asked, raised to the provider's
    standing agreement with the department or the service's minimum."""
    floor = provider.floor(service, department)
    if floor is not None and rank(floor[0]) > rank(requested):
        return floor[0]
    return requested


# -- reading helpers ---------------------------------------------------------------------------


class Timeline(Protocol):
    """What `provider_at` and `status_at` read (of a request's state, or its facts)."""

    @property
    def created_at(self) -> datetime: ...

    @property
    def stints(self) -> list[Stint]: ...


def provider_at(state: Timeline, at: datetime) -> str:
    """The provider holding the request at `at`."""
    holder = state.stints[0].provider
    for stint in state.stints:
        if stint.start <= at:
            holder = stint.provider
    return holder


def status_at(state: Timeline, at: datetime) -> tuple[str, datetime] | None:
    """(status, when it reached its provider) at `at`; None before it was created."""
    if state.created_at > at:
        return None
    status, arrived = "new", state.created_at
    for stint in state.stints:
        if stint.start > at:
            break
        arrived = stint.start
        for when, value in stint.statuses:
            if when <= at:
                status = value
    return status, arrived


def immutable_changes(old: Request, new: Request) -> list[str]:
    """Fields no entry may change that differ between two versions of a request file."""
    out = []
    old_values, new_values = old.to_dict(), new.to_dict()
    for key in IMMUTABLE_KEYS:
        if not _same(old_values.get(key), new_values.get(key)):
            out.append(key)
    return out


__all__ = [
    "KINDS", "MERGE_IDENTITY", "Judging", "EntryKind", "Replay", "RequestState", "apply",
    "creation_problems", "differences", "from_file", "initial_state", "problems", "replay",
    "roles_of", "write_fields",
]
