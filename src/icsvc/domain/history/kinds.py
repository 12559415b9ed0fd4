"""The history's entry kinds: each one owns its meaning, in one place.

A kind is a typed entry (`Entry`) that says
- the keys it carries (`KEYS`: read and written by `Entry.parse` and `Entry.dump`);
- who may write it (`who`, refined by `allowed`) and what it requires of the request at
  that point (`check`, returning `Problem`s keyed by the entry's keys);
- what it changes (`apply`: never raises and never consults rights; a merge can produce
  an order no branch checked, and reading must still work, but it refuses to apply what
  cannot have happened, such as a status move the lifecycle forbids);
- how it is told: its `show` line (`line`), the verb a commit message names it by (`verb`),
  its line in `explain` when it changes what the clocks measure (`explained`), and the
  notices it raises (`tell`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from icsvc.domain import ids, lifecycle
from icsvc.domain.catalogue import PRIORITIES, rank
from icsvc.domain.dates import when
from icsvc.domain.history.entries import (
    AMOUNT,
    ANY,
    EMAIL,
    FLAG,
    INSTANT,
    NAME_ID,
    PERCENT,
    PRIORITY,
    RATING,
    STATUS,
    TARGETS,
    TEXT,
    TEXTS,
    Entry,
    Fail,
    Key,
    Problem,
    envelope,
    k,
)
from icsvc.domain.history.roles import (
    CUSTOMER,
    ESCALATION,
    MEMBER,
    MERGE,
    PROVIDER,
    REQUESTER,
    Judging,
    side,
)
from icsvc.domain.history.state import (
    FIELDS,
    PromiseRecord,
    Raised,
    RequestState,
    Stint,
    Wait,
)
from icsvc.domain.history.telling import (
    CUSTOMER as TO_CUSTOMER,
)
from icsvc.domain.history.telling import (
    ESCALATION as TO_ESCALATION,
)
from icsvc.domain.history.telling import (
    PROVIDER as TO_PROVIDER,
)
from icsvc.domain.history.telling import (
    Telling,
    noted,
    person,
    said,
)
from icsvc.domain.lifecycle import DELIVERED, FINAL, OPEN, RESOLVING


def words(value: Any) -> str:
    """A field's value as messages show it: `unset`, an ISO instant, 'text', 12."""
    if value is None:
        return "unset"
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(value) if isinstance(value, str) else str(value)


def same(a: Any, b: Any) -> bool:
    """Values compared as values: instants as instants, 12 as 12.0, mappings by key."""
    if a is None or type(a) is str:  # most fields
        return bool(a == b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[x], b[x]) for x in a)
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return float(a) == float(b)
    return bool(a == b)


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def _amount(value: float) -> str:
    """An amount as people typed it: 125000, 12.5 (never 125000.0)."""
    return str(int(value)) if float(value).is_integer() else str(value)


def _or_dash(value: Any) -> str:
    return "-" if value is None else str(value)


def _shown(value: Any) -> str:
    """A merged field's value as `show` quotes it (instants as ISO 8601 text)."""
    return repr(value.isoformat() if isinstance(value, datetime) else value)


def targets_text(targets: Mapping[str, str]) -> str:
    return ", ".join(f"{name} {value}" for name, value in targets.items())


@dataclass(frozen=True, slots=True, kw_only=True)
class Kind(Entry):
    """What every kind shares: rights by role, a check, an effect, and how it is told."""

    who: ClassVar[frozenset[str]] = frozenset()
    """The roles that may write it (`allowed` refines this for some moves)."""

    def allowed(self, state: RequestState, roles: frozenset[str]) -> frozenset[str]:
        """The roles that may write this entry here (default: `who`)."""
        return self.who

    def check(self, state: RequestState, ctx: Judging) -> list[Problem]:
        """What this entry requires of the request at this point (rights apart)."""
        return []

    def apply(self, state: RequestState) -> None:
        """Change the state; never raises."""

    def informs(self, state: RequestState) -> bool:
        """Whether it keeps the customer informed (resets the update clock): by default, a
        provider's change with a note."""
        return side(self.by, state) == "provider" and bool(self.note_text)

    def tell(self, t: Telling) -> None:
        """The notices it raises (`t.tell`); by default none."""

    # -- helpers for the kinds ---------------------------------------------------------

    def _from_matches(self, current: Any, what: str) -> list[Problem]:
        """A new entry's `from` must be the value it replaces (it was written against it)."""
        given = getattr(self, "from_", None)
        if given is None and current is None:
            return []
        if same(_norm(given), _norm(current)):
            return []
        return [Problem("from", f"{k('from')} is {words(given)} but {what} was "
                                f"{words(current)} at that point")]

    def _needs_note(self, why: str) -> list[Problem]:
        if self.note_text:
            return []
        return [Problem("note", f"needs {k('note')} saying {why}", missing=True)]


def _open(state: RequestState, what: str, key: str = "") -> list[Problem]:
    if state.status in OPEN:
        return []
    return [Problem(key, f"{state.id} is {state.status}; only open requests "
                         f"({', '.join(s for s in lifecycle.STATUSES if s in OPEN)}) can "
                         f"{what}")]


# -- the kinds -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Created(Kind):
    """The request made: always and only the first entry."""

    TYPE = "created"
    KEYS = (Key("note", TEXT),)
    who = frozenset({REQUESTER})
    note: str | None = None

    def check(self, state: RequestState, ctx: Judging) -> list[Problem]:
        return [Problem("type", "only the first entry may be 'created'")] if state.history \
            else []

    def informs(self, state: RequestState) -> bool:
        return False

    def said(self) -> str:
        return "created the request"

    def verb(self, batch: Sequence[Entry] = ()) -> str | None:
        return "new"

    def tell(self, t: Telling) -> None:
        t.tell("new", [TO_PROVIDER], "new request", t.new_lines())


STATUS_VERBS = {
    "acknowledged": "ack", "in-progress": "start", "waiting-on-customer": "ask",
    "resolved": "resolve", "closed": "close", "declined": "decline", "cancelled": "cancel",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusChange(Kind):
    """A status move: acknowledge, start, ask for information (`waiting-on-customer`),
    resolve, close, decline, reopen (`resolved -> in-progress`), cancel."""

    TYPE = "status"
    KEYS = (Key("from", STATUS), Key("to", STATUS, required=True), Key("note", TEXT),
            Key("timeframe", INSTANT), Key("alternate", TEXT), Key("late", FLAG))
    to: str
    from_: str | None = None
    note: str | None = None
    timeframe: datetime | None = None
    """An acknowledgement's timeframe: the date the requester can expect."""
    alternate: str | None = None
    """A decline's alternate: who can help instead."""
    late: bool = False
    """A request for information made after the acknowledgement."""

    def allowed(self, state: RequestState, roles: frozenset[str]) -> frozenset[str]:
        to, current = self.to, state.status
        if to == "cancelled":
            return CUSTOMER | PROVIDER
        if current == "waiting-on-customer" and to == state.wait_return and state.answered:
            return CUSTOMER | PROVIDER  # the customer's answer hands it back
        if current in ("resolved", "closed") and to == "in-progress":
            return CUSTOMER | PROVIDER  # a reopen (the customer's within reopen_within)
        return PROVIDER

    def check(self, state: RequestState, ctx: Judging) -> list[Problem]:
        to, current = self.to, state.status
        out = self._from_matches(current, "the status")
        if to == current or not lifecycle.allowed(current, to):
            moves = lifecycle.allowed_from(current)
            accepted = (f"allowed from {current}: {', '.join(moves)}" if moves
                        else f"{current} is final")
            return [*out, Problem("to", f"{state.id} is {current} and cannot become {to} "
                                        f"({accepted})")]
        provider_side = bool(ctx.roles & PROVIDER)
        if current == "waiting-on-customer" and to in OPEN and not provider_side:
            if not state.answered:
                out.append(Problem("to", "the customer hands a request waiting on them back "
                                         "by answering (--info or --reply), not by changing "
                                         "its status"))
            elif to != state.wait_return:
                out.append(Problem("to", f"an answer returns the request to "
                                         f"{state.wait_return}, not {to}"))
        if to == "waiting-on-customer":
            out += self._needs_note("what the provider needs from the customer")
            late = state.acknowledged_at is not None
            if self.late != late:
                out.append(Problem("late", "'late: true' marks (only) a request for "
                                           "information made after the request was "
                                           "acknowledged"))
        if to == "declined":
            out += self._needs_note("why")
            if not (self.alternate or "").strip():
                out.append(Problem("alternate", f"a decline names an alternate: pass "
                                                f"{k('alternate')} \"who can help\" (a "
                                                "provider, an email or a name), shown to the "
                                                "requester"))
        if to == "cancelled" and provider_side and not ctx.roles & CUSTOMER:
            out += self._needs_note("why the provider cancels it")
        if current in ("resolved", "closed") and to == "in-progress" and not provider_side:
            out += self._needs_note("what is wrong")
            window = ctx.cat.settings.reopen_within
            provider = ctx.cat.providers.get(state.provider)
            if provider is not None and state.resolved_at is not None:
                cal = provider.calendar
                limit = cal.add(state.resolved_at, window.in_calendar(cal))
                if self.at > limit:
                    out.append(Problem("", f"the requester or a manager of their "
                                           "department may reopen a request within "
                                           f"{window.text} of its resolution (until "
                                           f"{limit.isoformat()}); "
                                           f"escalate it instead (icsvc escalate {state.id} "
                                           f"--reason TEXT): {provider.escalation} can "
                                           "reopen it, and the cost can still be recorded "
                                           f"(icsvc update {state.id} --cost N --actual "
                                           "--note TEXT)"))
        if current == "new" and to == "acknowledged" and self.timeframe is None:
            out.append(Problem("timeframe", "an acknowledgement carries a timeframe (the "
                                            "date to expect)"))
        return out

    def apply(self, state: RequestState) -> None:
        to, current = self.to, state.status
        if to == current or not lifecycle.allowed(current, to):
            return  # what cannot have happened does not happen (e.g. after a merge)
        at = self.at
        if to == "waiting-on-customer":
            if current in OPEN:
                state.wait_return = current
            state.waits.append(Wait(at, state.provider, state.acknowledged_at is not None))
            state.answered = False
        elif current == "waiting-on-customer" and state.waits:
            state.waits[-1].until = at
        if current in ("resolved", "closed") and to == "in-progress":
            state.reopens.append(at)
            state.rating = None
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
        if to == "declined":
            state.alternate = self.alternate
        if self.timeframe is not None:
            state.timeframe = self.timeframe
        state.cancelled_by_provider = to == "cancelled" and side(self.by, state) != "customer"
        state.stint.statuses.append((at, to))
        state.status = to

    def informs(self, state: RequestState) -> bool:
        return True

    def said(self) -> str:
        parts = [f"status {self.from_ or '?'} -> {self.to}"]
        if self.timeframe and self.timeframe <= self.at:  # acknowledged when overdue
            parts.append(f"(overdue: it was due {when(self.timeframe)})")
        elif self.timeframe:
            parts.append(f"(expect it by {when(self.timeframe)})")
        if self.late:
            parts.append("(a late request for information)")
        if self.alternate:
            parts.append(f"(who can help instead: {self.alternate})")
        return " ".join(parts)

    def verb(self, batch: Sequence[Entry] = ()) -> str | None:
        if self.from_ == "waiting-on-customer":
            return "reply"
        if self.from_ in ("resolved", "closed") and self.to == "in-progress":
            return "reopen"
        return STATUS_VERBS.get(self.to)

    def tell(self, t: Telling) -> None:
        state, to, before = t.state, self.to, t.before
        sides = t.side()
        if to == "waiting-on-customer":
            t.tell("need-info", [TO_CUSTOMER], "needs information from you", [
                f"{t.name} asks: {self.note}",
                f"Answer with: icsvc update {state.id} --info KEY=VALUE (or --reply TEXT); "
                "the clock is paused until you do."])
        elif to == "resolved":
            reopen = t.cat.settings.reopen_within.text
            t.tell("resolved", [TO_CUSTOMER], "resolved", [
                said(f"{t.name} resolved your request", self),
                f"Rate it: icsvc feedback {state.id} --rating N (1 to 5 stars, with "
                "--comment TEXT)",
                f"Not done? icsvc update {state.id} --reopen --note TEXT (within {reopen} of "
                "business time)."])
        elif to == "declined":
            t.tell("declined", [TO_CUSTOMER], "declined", [
                f"{t.name} declined your request: {self.note}",
                f"Who can help instead: {self.alternate}"])
        elif to == "cancelled":
            if sides == "customer":
                t.tell("cancelled", [TO_PROVIDER], "cancelled", [
                    said(f"{self.by} cancelled the request", self)])
            else:
                t.tell("cancelled", [TO_CUSTOMER], "cancelled", [
                    said(f"{t.name} cancelled your request", self)])
        elif before.status in ("resolved", "closed") and to == "in-progress":
            t.tell("reopened", [TO_PROVIDER, TO_CUSTOMER], "reopened", [
                f"{self.by} reopened it: {self.note}"])
        elif to in ("acknowledged", "in-progress") and not before.acknowledged:
            timeframe = self.timeframe or state.promised_by
            owner = f" {state.owner} is on it." if state.owner else ""
            expect = f"Expect it by {t.when(timeframe)}." if timeframe else ""
            if timeframe is not None and timeframe <= self.at:
                expect = (f"It is overdue: it was due {t.when(timeframe)}, and no new date "
                          "was promised.")
            t.tell("acknowledged", [TO_CUSTOMER], "acknowledged", [
                f"{t.name} acknowledged your request." + owner, expect, noted(self)])
        elif sides == "provider" and self.note:
            t.tell("progress", [TO_CUSTOMER], "progress", [f"{self.by}: {self.note}"])


@dataclass(frozen=True, slots=True, kw_only=True)
class PriorityChange(Kind):
    """The priority the provider agrees."""

    TYPE = "priority"
    KEYS = (Key("from", PRIORITY), Key("to", PRIORITY, required=True), Key("note", TEXT))
    who = PROVIDER
    to: str
    from_: str | None = None
    note: str | None = None

    def check(self, state: RequestState, ctx: Judging) -> list[Problem]:
        to = self.to
        out = self._from_matches(state.priority, "the priority")
        deciding = state.proposal == "contested" and ESCALATION in ctx.roles
        if to == state.priority and not deciding:
            out.append(Problem("to", f"the priority is already {to}"))
        out += _open(state, "change priority", "to")
        if to != state.requested_priority and not self.note_text:
            out.append(Problem("note", f"the requester asked for {state.requested_priority}; "
                                       f"agreeing {to} needs {k('note')} saying why"))
        provider = ctx.cat.providers.get(state.provider)
        floor = provider.floor(state.service, state.customer_department) if provider else None
        if floor is not None and rank(to) < rank(floor[0]) and ESCALATION not in ctx.roles:
            contact = provider.escalation if provider else "?"
            out.append(Problem("to", f"{floor[1]} sets {floor[0]} at least; only the "
                                     f"escalation contact ({contact}) may agree {to}, with "
                                     f"{k('note')}"))
        return out

    def apply(self, state: RequestState) -> None:
        state.priority = self.to
        below = rank(state.priority) < rank(state.requested_priority)
        if state.proposal == "contested":  # the decision on a contested downgrade
            if state.downgrades:
                at, provider, _ = state.downgrades[-1]
                state.downgrades[-1] = (at, provider, "decided")
            state.proposal = "decided" if below else None
        elif below:
            state.proposal = "proposed"
            state.downgrades.append((self.at, state.provider, state.proposal))
        else:
            if state.proposal == "proposed" and state.downgrades:  # raised as asked
                at, provider, _ = state.downgrades[-1]
                state.downgrades[-1] = (at, provider, "raised")
            state.proposal = None

    def said(self) -> str:
        return f"priority {self.from_ or '-'} -> {self.to}"

    def verb(self, batch: Sequence[Entry] = ()) -> str | None:
        return "priority"

    def cause(self) -> str | None:
        return f"when {self.by} changed the priority {self.from_} -> {self.to}"

    def explained(self) -> str | None:
        note = f" ({self.note})" if self.note else ""
        return f"agreed priority {self.from_} -> {self.to}{note}"

    def tell(self, t: Telling) -> None:
        state = t.state
        to = self.to
        if t.before.proposal == "contested":  # the escalation contact's decision
            t.tell("priority-decided", [TO_CUSTOMER], "priority decided", [
                f"{self.by} decided {to} priority after your escalation (you asked for "
                f"{state.requested_priority}).", noted(self, "Why: ")])
        elif rank(to) < rank(state.requested_priority):
            provider = t.cat.providers.get(state.provider)
            escalation = provider.escalation if provider else "the escalation contact"
            t.tell("priority-proposed", [TO_CUSTOMER], "priority proposed", [
                f"{t.name} proposes {to} priority instead of the {state.requested_priority} "
                "you asked for.", noted(self, "Why: "),
                f"Accept it: icsvc update {state.id} --accept-priority; or contest it: icsvc "
                f"escalate {state.id} --reason TEXT ({escalation} decides)."])
        else:
            t.tell("progress", [TO_CUSTOMER], "progress", [
                f"{t.name} set the priority to {to} (was {self.from_}).", noted(self)])


def _settle_negotiation(state: RequestState) -> None:
    """Keep the outcome of the latest downgrade in step with the proposal."""
    if state.downgrades and state.proposal is not None:
        at, provider, _ = state.downgrades[-1]
        state.downgrades[-1] = (at, provider, state.proposal)


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetsChange(Kind):
    """The SLA targets the request is measured by (after a priority change or a redirect)."""

    TYPE = "targets"
    KEYS = (Key("from", TARGETS), Key("to", TARGETS, required=True))
    who = PROVIDER
    to: dict[str, str]
    from_: dict[str, str] | None = None

    def check(self, state: RequestState, ctx: Judging) -> list[Problem]:
        out = self._from_matches(state.targets, "the targets")
        provider = ctx.cat.providers.get(state.provider)
        if provider is not None and state.priority in provider.sla:
            expected = provider.sla[state.priority].to_dict()
            if self.to != expected:
                out.append(Problem("to", f"{k('to')} must be {state.provider}'s SLA for "
                                         f"{state.priority} priority in providers.yaml "
                                         f"({targets_text(expected)})"))
        return out

    def apply(self, state: RequestState) -> None:
        state.targets = dict(self.to)

    def said(self) -> str:
        return "SLA targets now " + targets_text(self.to)

    def explained(self) -> str | None:
        return "targets now " + targets_text(self.to)


@dataclass(frozen=True, slots=True, kw_only=True)
class Assigned(Kind):
    """The owner given, changed or taken away (`triage --assign`)."""

    TYPE = "assigned"
    KEYS = (Key("from", EMAIL), Key("to", EMAIL), Key("note", TEXT))
    who = PROVIDER
    to: str | None = None
    from_: str | None = None
    note: str | None = None

    def check(self, state: RequestState, ctx: Judging) -> list[Problem]:
        out = self._from_matches(state.owner, "the owner")
        provider = ctx.cat.providers.get(state.provider)
        if self.to is not None and provider is not None and not provider.is_member(self.to):
            out.append(Problem("to", f"{self.to} is not a member of {provider.id} "
                                     f"(accepted: {', '.join(provider.members)})"))
        if self.to == state.owner:
            out.append(Problem("to", f"the owner is already {words(self.to)}"))
        return out + _open(state, "be assigned", "to")

    def apply(self, state: RequestState) -> None:
        state.owner = self.to

    def said(self) -> str:
        return f"owner {self.from_ or '-'} -> {self.to or '-'}"

    def verb(self, batch: Sequence[Entry] = ()) -> str | None:
        return "assign"

    def tell(self, t: Telling) -> None:
        state = t.state
        if not self.to or state.status not in OPEN:
            return
        t.tell("assigned", [person(self.to)], "assigned to you", [
            f"{self.by} assigned it to you ({state.status}, {state.priority} priority).",
            noted(self)])


@dataclass(frozen=True, slots=True, kw_only=True)
class Promise(Kind):
    """A date the provider promises (None `to`: the promise is withdrawn)."""

    TYPE = "promise"
    KEYS = (Key("from", INSTANT), Key("to", INSTANT), Key("note", TEXT), Key("broken", FLAG))
    who = PROVIDER
    to: datetime | None = None
    from_: datetime | None = None
    note: str | None = None
    broken: bool = False
    """Moved after its date had passed."""

    def check(self, state: RequestState, ctx: Judging) -> list[Problem]:
        out = self._from_matches(state.promised_by, "the promise")
        out += _open(state, "get a promise", "to")
        if self.to is None:
            return [*out, Problem("to", "a promise needs a date ('to')", missing=True)]
        if self.to <= self.at:
            out.append(Problem("to", f"the promised date {self.to.isoformat()} is not after "
                                     "the entry's time"))
        old = state.promised_by
        if old is not None:
            if not self.note_text:
                out.append(Problem("note", f"moving a promise needs {k('note')} saying why "
                                           "(the move is recorded and counted)", missing=True))
            if self.broken != (old < self.at):
                out.append(Problem("broken", "'broken: true' marks (only) a promise moved "
                                             "after its date passed"))
        elif self.broken:
            out.append(Problem("broken", "'broken' only applies to moving a promise"))
        return out

    def apply(self, state: RequestState) -> None:
        to = self.to
        current = state.promises[-1] if state.promises else None
        live = current is not None and current.withdrawn_at is None and \
            current.provider == state.provider and state.promised_by is not None
        if to is None:
            if live and current is not None:
                current.withdrawn_at = self.at
            state.promised_by = None
            return
        if live and current is not None:
            if to != current.date:
                current.moves += 1
                current.moved_after_date = current.moved_after_date or current.date < self.at
                current.date = to
        else:
            state.promises.append(PromiseRecord(state.provider, self.at, self.by, to, to))
        state.promised_by = to

    def said(self) -> str:
        if self.to is None:
            return f"promise of {when(self.from_)} withdrawn"
        parts = [f"promised {when(self.to)}"]
        if self.from_:
            parts.append(f"(was {when(self.from_)})")
        if self.broken:
            parts.append("[broken promise]")
        return " ".join(parts)

    def verb(self, batch: Sequence[Entry] = ()) -> str | None:
        if any(isinstance(e, StatusChange) and e.timeframe == self.to for e in batch):
            return None  # the timeframe an acknowledgement promises goes without saying
        return "promise"

    def named_date(self) -> datetime | None:
        return self.to

    def tell(self, t: Telling) -> None:
        if self.to is None:
            return
        if t.before.promised_by is not None:
            broken = " The earlier date had passed." if self.broken else ""
            t.tell("promise-moved", [TO_CUSTOMER], "promise moved", [
                f"{t.name} now promises it by {t.when(self.to)} (was "
                f"{t.when(t.before.promised_by)})." + broken, noted(self, "Why: ")])
        elif not any(isinstance(e, StatusChange) and e.timeframe is not None
                     for e in t.batch):
            t.tell("progress", [TO_CUSTOMER], "progress", [
                f"{t.name} promises it by {t.when(self.to)}.", noted(self)])


@dataclass(frozen=True, slots=True, kw_only=True)
class Info(Kind):
    """Information the service needs, supplied (by the customer, or a member who has it)."""

    TYPE = "info"
    KEYS = (Key("note", TEXT), Key("info", TEXTS, required=True))
    who = CUSTOMER | frozenset({MEMBER})
    info: dict[str, str]
    note: str | None = None

    def check(self, state: RequestState, ctx: Judging) -> list[Problem]:
        out = []
        if state.status in FINAL:
            out.append(Problem("info", f"{state.id} is {state.status}; information can only "
                                       "be added to an open or resolved request"))
        if all(state.info.get(key) == value for key, value in self.info.items()):
            out.append(Problem("info", "it changes no information (every value is already "
                                       "recorded)"))
        return out

    def apply(self, state: RequestState) -> None:
        state.info.update(self.info)
        if state.status == "waiting-on-customer":
            state.answered = True

    def informs(self, state: RequestState) -> bool:
        return False

    def said(self) -> str:
        return "provided " + ", ".join(f"{key}={value}" for key, value in self.info.items())

    def verb(self, batch: Sequence[Entry] = ()) -> str | None:
        return "info"

    def tell(self, t: Telling) -> None:
        if t.side() != "customer":
            return
        supplied = ", ".join(f"{key}={value}" for key, value in self.info.items())
        t.tell("info-supplied", [TO_PROVIDER], "information supplied", [
            f"{self.by} supplied {supplied}.", t.back()])


@dataclass(frozen=True, slots=True, kw_only=True)
class Redirect(Kind):
    """Sent to the provider who can help (with a note telling the requester)."""

    TYPE = "redirect"
    KEYS = (Key("from", NAME_ID, required=True), Key("to", NAME_ID, required=True),
            Key("service", NAME_ID), Key("note", TEXT))
    who = PROVIDER
    from_: str
    to: str
    service: str | None = None
    note: str | None = None

    def check(self, state: RequestState, ctx: Judging) -> list[Problem]:
        out = _open(state, "be redirected", "to")
        if self.from_ != state.provider:
            out.append(Problem("from", f"{k('from')} is {words(self.from_)} but the request "
                                       f"was with {state.provider}"))
        if self.to == state.provider:
            out.append(Problem("to", f"{state.id} is already with {self.to}"))
        new = ctx.cat.providers.get(self.to)
        if new is None:
            out.append(Problem("to", f"unknown provider {self.to!r} (accepted: "
                                     f"{', '.join(ctx.cat.providers)})"))
        else:
            service = self.service or state.service
            if service not in new.services:
                out.append(Problem("service", f"{self.to} has no service {service!r}; pass "
                                              f"{k('service')} (accepted: "
                                              f"{', '.join(new.services)})"))
        return out + self._needs_note("who can help (the alternate contact)")

    def apply(self, state: RequestState) -> None:
        for record in state.promises:
            if record.withdrawn_at is None and record.provider == state.provider:
                record.withdrawn_at = self.at
        if state.waits and state.waits[-1].until is None:
            state.waits[-1].until = self.at
        state.stint.end = self.at
        state.provider = self.to
        state.service = self.service or state.service
        state.status = "new"
        state.owner = None
        state.promised_by = None
        state.responded_at = None
        state.acknowledged_at = None
        state.resolved_at = None
        state.alternate = None
        state.timeframe = None
        state.wait_return = "acknowledged"
        state.escalation_pending = False
        state.stints.append(Stint(state.provider, self.at, [(self.at, "new")],
                                  len(state.history), sent_from=self.from_, sent_by=self.by))

    def said(self) -> str:
        parts = [f"redirected {self.from_} -> {self.to}"]
        if self.service:
            parts.append(f"(service {self.service})")
        return " ".join(parts)

    def verb(self, batch: Sequence[Entry] = ()) -> str | None:
        return f"redirect to {self.to}"

    def moves(self) -> bool:
        return True

    def cause(self) -> str | None:
        return f"at the redirect from {self.from_}"

    def tell(self, t: Telling) -> None:
        state = t.state
        old = t.cat.providers.get(self.from_)
        old_name = old.name if old else self.from_
        t.tell("redirected", [TO_CUSTOMER], f"redirected to {t.name}", [
            f"{old_name} sent your request to {t.name} ({state.service}): {self.note}"])
        t.tell("new", [TO_PROVIDER], "new request", [
            f"Redirected from {old_name} by {self.by}: {self.note}", *t.new_lines()])


@dataclass(frozen=True, slots=True, kw_only=True)
class Note(Kind):
    """A comment, a progress note, or the customer's reply to a request for information."""

    TYPE = "note"
    KEYS = (Key("note", TEXT, required=True), Key("reply", FLAG))
    who = CUSTOMER | PROVIDER
    note: str
    reply: bool = False

    def check(self, state: RequestState, ctx: Judging) -> list[Problem]:
        out = []
        if self.reply:
            if not ctx.roles & CUSTOMER:
                out.append(Problem("reply", "only the customer replies to a request for "
                                            "information"))
            if state.status != "waiting-on-customer":
                out.append(Problem("reply", f"{state.id} is {state.status}; {k('reply')} "
                                            "answers a request waiting on you (use --note for "
                                            "a comment)"))
        return out

    def apply(self, state: RequestState) -> None:
        if self.reply and state.status == "waiting-on-customer":
            state.answered = True

    def informs(self, state: RequestState) -> bool:
        return side(self.by, state) == "provider"

    def said(self) -> str:
        return "replied" if self.reply else "note"

    def verb(self, batch: Sequence[Entry] = ()) -> str | None:
        return "note"

    def tell(self, t: Telling) -> None:
        who = t.side()
        if self.reply:
            t.tell("info-supplied", [TO_PROVIDER], "information supplied", [
                f"{self.by} replied: {self.note}", t.back()])
        elif who == "customer":
            t.tell("customer-update", [TO_PROVIDER], f"update from {self.by}", [
                f"{self.by} commented: {self.note}"])
        else:
            t.tell("progress", [TO_CUSTOMER], "progress", [f"{self.by}: {self.note}"])


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress(Kind):
    """How far the work is, in percent (`update --progress`)."""

    TYPE = "progress"
    KEYS = (Key("from", PERCENT), Key("to", PERCENT, required=True), Key("note", TEXT))
    who = PROVIDER
    to: int
    from_: int | None = None
    note: str | None = None

    def check(self, state: RequestState, ctx: Judging) -> list[Problem]:
        out = self._from_matches(state.progress, "the progress")
        if state.status in FINAL:
            out.append(Problem("to", f"{state.id} is {state.status}; its progress is final"))
        return out

    def apply(self, state: RequestState) -> None:
        state.progress = self.to

    def informs(self, state: RequestState) -> bool:
        return side(self.by, state) == "provider"

    def said(self) -> str:
        return f"progress {_or_dash(self.from_)} -> {self.to}"

    def verb(self, batch: Sequence[Entry] = ()) -> str | None:
        return "progress"

    def tell(self, t: Telling) -> None:
        t.tell("progress", [TO_CUSTOMER], "progress", [
            f"{t.name}: {self.to}% done.", noted(self)])


@dataclass(frozen=True, slots=True, kw_only=True)
class Escalation(Kind):
    """Raised to the provider's escalation contact; from the customer while a lower priority
    is proposed, it contests the proposal."""

    TYPE = "escalation"
    KEYS = (Key("to", EMAIL), Key("note", TEXT, required=True), Key("contest", FLAG))
    who = CUSTOMER | PROVIDER
    note: str
    to: str | None = None
    contest: bool = False

    def check(self, state: RequestState, ctx: Judging) -> list[Problem]:
        out = []  # any request, whatever its status: an escalation always reaches someone
        provider = ctx.cat.providers.get(state.provider)
        if provider is not None and self.to not in (None, provider.escalation):
            out.append(Problem("to", f"escalations go to {provider.id}'s escalation contact "
                                     f"({provider.escalation})"))
        if self.contest:
            if not ctx.roles & CUSTOMER:
                out.append(Problem("contest", "only the customer contests a priority"))
            if not state.contestable:
                out.append(Problem("contest", "there is no priority proposal to contest"))
        return out

    def apply(self, state: RequestState) -> None:
        state.escalations.append(Raised(self.at, self.by, self.to, self.note, self.contest,
                                        state.provider))
        state.escalation_pending = True
        if self.contest and state.contestable:
            state.proposal = "contested"
            _settle_negotiation(state)

    def informs(self, state: RequestState) -> bool:
        return False

    def said(self) -> str:
        parts = [f"escalated to {self.to}"]
        if self.contest:
            parts.append("(contests the proposed priority)")
        return " ".join(parts)

    def verb(self, batch: Sequence[Entry] = ()) -> str | None:
        return "escalate"

    def explained(self) -> str | None:
        if not self.contest:
            return None
        return f"contested the proposed priority ({self.note})"

    def tell(self, t: Telling) -> None:
        state = t.state
        contest = (f"It contests the proposed {state.priority} priority (asked for "
                   f"{state.requested_priority})." if self.contest else "")
        owner = state.owner or "unassigned"
        t.tell("escalated", [TO_ESCALATION, TO_PROVIDER], "escalated", [
            f"{self.by} escalated it to {self.to}: {self.note}", contest,
            f"Now {state.status}, {state.priority} priority, owner {owner}."])


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer(Kind):
    """The escalation contact's answer to a pending escalation (the requester is told)."""

    TYPE = "answer"
    KEYS = (Key("note", TEXT, required=True),)
    who = frozenset({ESCALATION})
    note: str

    def check(self, state: RequestState, ctx: Judging) -> list[Problem]:
        if state.escalation_pending:
            return []
        return [Problem("", f"{state.id} has no escalation waiting for an answer")]

    def informs(self, state: RequestState) -> bool:
        return True

    def said(self) -> str:
        return "answered the escalation"

    def verb(self, batch: Sequence[Entry] = ()) -> str | None:
        return "answer"

    def tell(self, t: Telling) -> None:
        raised = [e.by for e in t.state.escalations if e.answered_at == self.at]
        t.tell("escalation-answered", [TO_CUSTOMER, *map(person, raised)],
               "escalation answered", [f"{self.by} answered the escalation: {self.note}"])


@dataclass(frozen=True, slots=True, kw_only=True)
class Feedback(Kind):
    """The customer's rating of an outcome (rating again replaces it)."""

    TYPE = "feedback"
    KEYS = (Key("rating", RATING, required=True), Key("comment", TEXT))
    who = CUSTOMER
    rating: int
    comment: str | None = None

    def check(self, state: RequestState, ctx: Judging) -> list[Problem]:
        rated = state.status in RESOLVING or (state.status == "cancelled"
                                              and state.cancelled_by_provider)
        if rated:
            return []
        return [Problem("", f"feedback is for resolved, closed or declined requests (or "
                            f"cancelled by the provider); this one is {state.status}")]

    def apply(self, state: RequestState) -> None:
        state.rating = self.rating

    def informs(self, state: RequestState) -> bool:
        return False

    def said(self) -> str:
        parts = [f"rated {self.rating}/5"]
        if self.comment:
            parts.append(f"\"{self.comment}\"")
        return " ".join(parts)

    def verb(self, batch: Sequence[Entry] = ()) -> str | None:
        return "rate"

    def tell(self, t: Telling) -> None:
        t.tell("rated", [TO_PROVIDER], f"rated {self.rating}/5", [
            f"{self.by} rated it {self.rating}/5" + (f": {self.comment}" if self.comment
                                                     else ".")])


MISSING = object()


@dataclass(frozen=True, slots=True, kw_only=True)
class Conflict(Kind):
    """Written by the merge driver: it records what each side set and what the merge kept
    (the value the merged history gives, so it changes nothing), or clears an owner who is
    not a member of the request's provider once both sides are merged."""

    TYPE = "conflict"
    KEYS = (Key("ours", ANY), Key("theirs", ANY), Key("kept", ANY), Key("note", TEXT),
            Key("field", TEXT, required=True))
    who = frozenset({MERGE})
    field: str
    ours: Any = None
    theirs: Any = None
    kept: Any = None
    note: str | None = None

    def check(self, state: RequestState, ctx: Judging) -> list[Problem]:
        current = get_field(state, self.field)
        if self.field == "owner" and self.kept is None:
            provider = ctx.cat.providers.get(state.provider)
            if current is None or provider is None or not provider.is_member(str(current)):
                return []
        if same(_norm(self.kept), _norm(current)):
            return []
        return [Problem("kept", f"a conflict entry records the value the merge kept "
                                f"({words(current)} for {self.field}); it cannot set another "
                                f"({words(self.kept)})")]

    def apply(self, state: RequestState) -> None:
        set_field(state, self.field, self.kept)

    def moves(self) -> bool:
        return True  # a merge may keep either side's provider

    def informs(self, state: RequestState) -> bool:
        return False

    def said(self) -> str:
        return (f"merge: {self.field} set to {_shown(self.ours)} and {_shown(self.theirs)} on "
                f"two branches; kept {_shown(self.kept)}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Cost(Kind):
    """What a lapse cost the customer (or would cost: an estimate given up front)."""

    TYPE = "cost"
    KEYS = (Key("from", AMOUNT), Key("to", AMOUNT, required=True), Key("note", TEXT),
            Key("actual", FLAG))
    who = CUSTOMER
    to: int | float
    from_: int | float | None = None
    note: str | None = None
    actual: bool = False
    """The real figure, recorded after the fact (else a revised estimate)."""

    def check(self, state: RequestState, ctx: Judging) -> list[Problem]:
        out = self._from_matches(state.cost, "the cost")
        if state.cost is not None and same(self.to, state.cost) and \
                (not self.actual or state.cost_is_actual):
            kind = "an actual" if state.cost_is_actual else "an estimated"
            out.append(Problem("to", f"{state.id} already records {kind} cost of "
                                     f"{_amount(self.to)}"))
        return out + self._needs_note("what happened (or what it would cost)")

    def apply(self, state: RequestState) -> None:
        impact = dict(state.impact or {})
        impact["cost"] = self.to
        state.impact = impact
        state.cost_revisions.append((self.at, self.note, self.actual))

    def informs(self, state: RequestState) -> bool:
        return False

    def said(self) -> str:
        what = "the actual cost" if self.actual else "the cost"
        was = _amount(self.from_) if self.from_ is not None else "-"
        return f"recorded {what} of the lapse: {was} -> {_amount(self.to)}"

    def tell(self, t: Telling) -> None:
        what = "the actual cost" if self.actual else "the cost"
        was = _amount(self.from_) if self.from_ is not None else "none"
        _customer_update(t, f"{self.by} recorded {what} of the lapse: {_amount(self.to)} "
                            f"(was {was}).")


def _customer_update(t: Telling, what: str) -> None:
    if t.side() != "customer":
        return
    t.tell("customer-update", [TO_PROVIDER], f"update from {t.entry.by}",
           [what, noted(t.entry, "Note: ")])


@dataclass(frozen=True, slots=True, kw_only=True)
class NeededBy(Kind):
    """The customer's own date."""

    TYPE = "needed-by"
    KEYS = (Key("from", INSTANT), Key("to", INSTANT, required=True), Key("note", TEXT))
    who = CUSTOMER
    to: datetime
    from_: datetime | None = None
    note: str | None = None

    def check(self, state: RequestState, ctx: Judging) -> list[Problem]:
        out = self._from_matches(state.needed_by, "the need-by date")
        if self.to <= self.at:
            out.append(Problem("to", f"the need-by date {self.to.isoformat()} is not after the "
                                     "entry's time"))
        return (out + _open(state, "be given a new need-by date", "to")
                + self._needs_note("why it changed"))

    def apply(self, state: RequestState) -> None:
        state.needed_by = self.to

    def informs(self, state: RequestState) -> bool:
        return False

    def said(self) -> str:
        return f"needed by {when(self.to)} (was {when(self.from_)})"

    def named_date(self) -> datetime | None:
        return self.to

    def explained(self) -> str | None:
        was = self.from_.isoformat() if self.from_ else "none"
        note = f" ({self.note})" if self.note else ""
        return f"needed by {self.to.isoformat()} (was {was}){note}"

    def tell(self, t: Telling) -> None:
        _customer_update(t, f"{self.by} needs it by {t.when(t.state.needed_by)} now (was "
                            f"{t.when(self.from_)}).")


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestedPriority(Kind):
    """The priority the customer asks for."""

    TYPE = "requested-priority"
    KEYS = (Key("from", PRIORITY), Key("to", PRIORITY, required=True), Key("note", TEXT))
    who = CUSTOMER
    to: str
    from_: str | None = None
    note: str | None = None

    def check(self, state: RequestState, ctx: Judging) -> list[Problem]:
        out = self._from_matches(state.requested_priority, "the requested priority")
        if self.to == state.requested_priority:
            out.append(Problem("to", f"{state.id} already asks for {self.to}"))
        return (out + _open(state, "be given a new priority", "to")
                + self._needs_note("why"))

    def apply(self, state: RequestState) -> None:
        state.requested_priority = self.to
        state.asked.append(self.to)
        if rank(state.requested_priority) > rank(state.priority):
            state.upgrades_asked.append((self.at, state.requested_priority))
            # kept lower until the provider raises it: a downgrade asked (contested when
            # the customer escalates it)
            if state.proposal not in ("proposed", "contested"):
                state.proposal = "proposed"
                state.downgrades.append((self.at, state.provider, "proposed"))
        elif state.proposal in ("proposed", "contested"):
            state.proposal = "accepted"  # asking no more than was agreed accepts it
            _settle_negotiation(state)

    def informs(self, state: RequestState) -> bool:
        return False

    def said(self) -> str:
        return f"asked for {self.to} priority (was {self.from_})"

    def explained(self) -> str | None:
        note = f" ({self.note})" if self.note else ""
        return f"asked for {self.to} instead of {self.from_}{note}"

    def tell(self, t: Telling) -> None:
        _customer_update(t, f"{self.by} asks for {self.to} priority (was {self.from_}).")


@dataclass(frozen=True, slots=True, kw_only=True)
class Accepted(Kind):
    """The customer accepts the lower priority the provider proposed."""

    TYPE = "accepted"
    KEYS = (Key("to", PRIORITY, required=True), Key("note", TEXT))
    who = CUSTOMER
    to: str
    note: str | None = None

    def check(self, state: RequestState, ctx: Judging) -> list[Problem]:
        out = []
        if state.proposal not in ("proposed", "contested"):
            out.append(Problem("", f"{state.id} has no priority proposal to accept (its "
                                   f"priority {state.priority} is what was asked for or "
                                   "agreed)"))
        if self.to != state.priority:
            out.append(Problem("to", f"{k('to')} must be the priority proposed "
                                     f"({state.priority})"))
        return out

    def apply(self, state: RequestState) -> None:
        if state.proposal in ("proposed", "contested") and self.to == state.priority:
            state.proposal = "accepted"
            _settle_negotiation(state)

    def informs(self, state: RequestState) -> bool:
        return False

    def said(self) -> str:
        return f"accepted the proposed priority {self.to}"

    def explained(self) -> str | None:
        return f"accepted the proposed priority {self.to}"

    def tell(self, t: Telling) -> None:
        _customer_update(t, f"{self.by} accepted the proposed {self.to} priority.")


@dataclass(frozen=True, slots=True, kw_only=True)
class Link(Kind):
    """This request exists to fulfil another (`blocks`: the other waits for it)."""

    TYPE = "link"
    KEYS = (Key("blocks", TEXT, required=True), Key("note", TEXT))
    who = CUSTOMER | PROVIDER
    blocks: str
    note: str | None = None

    def check(self, state: RequestState, ctx: Judging) -> list[Problem]:
        other = ids.normalize(self.blocks)
        if not ids.is_valid(other):
            return [Problem("blocks", f"{self.blocks!r} is not a request ID (accepted: the "
                                      f"full {ids.LENGTH}-character ID)")]
        if other == state.id:
            return [Problem("blocks", "a request cannot block itself")]
        if other in state.blocks:
            return [Problem("blocks", f"it already blocks {other}")]
        return []

    def apply(self, state: RequestState) -> None:
        other = ids.normalize(self.blocks)
        if ids.is_valid(other) and other not in state.blocks and other != state.id:
            state.blocks.append(other)

    def said(self) -> str:
        return f"blocks {self.blocks}"


KINDS: dict[str, type[Kind]] = {kind.TYPE: kind for kind in (
    Created, StatusChange, PriorityChange, TargetsChange, Assigned, Promise, Info, Redirect,
    Note, Progress, Escalation, Answer, Feedback, Conflict, Cost, NeededBy,
    RequestedPriority, Accepted, Link,
)}
"""Every entry kind, by the `type` its entries carry in the file."""

ENTRY_TYPES = tuple(KINDS)


def read_entry(raw: Any) -> Kind | None:
    """An entry from a file's mapping, or None when it is not a valid entry."""
    if not isinstance(raw, dict) or raw.get("type") not in KINDS:
        return None
    try:
        at, by = envelope(raw)
        data = {key: value for key, value in raw.items()
                if key not in ("at", "by", "type") and value is not None}
        return parse_entry(at, str(by), raw["type"], data, _refuse)
    except ValueError:
        return None


def _refuse(key: str, problem: str) -> Any:
    raise ValueError(f"{key}: {problem}")


def parse_entry(at: datetime, by: str, type_: str, data: Mapping[str, Any],
                fail: Fail) -> Kind:
    """An entry of `type_` from the rest of its file mapping; `fail(key, problem)`."""
    kind = KINDS[type_]
    entry = kind.parse(at, by, data, fail)
    assert isinstance(entry, Kind)
    return entry


# -- fields by path (conflict entries) --------------------------------------------------------


def get_field(state: RequestState, path: str) -> Any:
    """The value at a dotted path (see `set_field`), None when absent."""
    head, _, rest = path.partition(".")
    if head == "customer":
        return getattr(state, f"customer_{rest}", None)
    value = getattr(state, head, None) if head in FIELDS else None
    if rest:
        return value.get(rest) if isinstance(value, dict) else None
    return value


def set_field(state: RequestState, path: str, value: Any) -> None:
    """Set a field by the dotted path a `conflict` entry names (`owner`, `info.part_number`,
    `customer.email`, `targets.resolve`, `impact.cost`); unknown paths are ignored."""
    head, _, rest = path.partition(".")
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
        value = _norm(value) if isinstance(value, str | datetime) else None
    if head == "status" and value not in lifecycle.STATUSES:
        return
    if head in ("priority", "requested_priority") and value not in PRIORITIES:
        return
    if head in ("info", "targets", "blocks") and value is None:
        value = {} if head != "blocks" else []
    setattr(state, head, value)


__all__ = ["DELIVERED", "KINDS", "ENTRY_TYPES", "Kind", "parse_entry"]
