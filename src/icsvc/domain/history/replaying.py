"""Everything that reads a history goes through `replay()`:

- the commands check and apply the entries they add (`Replay.add`), then write the state;
- `icsvc check` compares a file's fields with the replay of its history;
- `icsvc check --base` replays a branch's new entries, as their authors, through the same
  checks, and compares the result with the file;
- clocks, reports, explain, the queue and notifications read the replayed `RequestState`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from icsvc.domain.catalogue import PRIORITIES, Catalogue
from icsvc.domain.history.entries import Entry, Problem
from icsvc.domain.history.kinds import (
    Cost,
    Escalation,
    Kind,
    NeededBy,
    PriorityChange,
    Redirect,
    RequestedPriority,
    TargetsChange,
    same,
    targets_text,
)
from icsvc.domain.history.request import IMMUTABLE_KEYS, Request
from icsvc.domain.history.roles import ESCALATION, Judging, roles_of, side, who_words
from icsvc.domain.history.state import FIELDS, RequestState, Stint
from icsvc.domain.history.telling import Before, Notice, Telling


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
    for name in FIELDS:
        mine, told = getattr(request, name), getattr(state, name)
        if not same(mine, told):
            out[name] = (_copy(mine), _copy(told))
    return out


# -- replay ------------------------------------------------------------------------------------


def _first(history: Sequence[Kind], kind: type[Kind]) -> Any:
    return next((e for e in history if isinstance(e, kind)), None)


def initial_state(request: Request) -> RequestState:
    """The request as it was created, rolled back from its file through its history: a field
    an entry changed starts from the first such entry's `from`."""
    history = request.history

    def start(kind: type[Kind], current: Any) -> Any:
        entry = _first(history, kind)
        return _copy(current) if entry is None else _copy(entry.from_)

    redirect = _first(history, Redirect)
    priority = start(PriorityChange, request.priority)
    targets = start(TargetsChange, request.targets)
    cost = _first(history, Cost)
    impact = _copy(request.impact)
    if cost is not None:
        impact = dict(impact or {})
        if cost.from_ is None:
            impact = None if set(impact) <= {"cost"} else {k: v for k, v in impact.items()
                                                            if k != "cost"}
        else:
            impact["cost"] = cost.from_
    provider = redirect.from_ if redirect is not None else request.provider
    created = history[0].at if history else request.created_at
    asked = start(RequestedPriority, request.requested_priority) or request.requested_priority
    return RequestState(
        id=request.id, title=request.title, provider=provider, service=request.service,
        status="new", priority=priority if priority in PRIORITIES else request.priority,
        requested_priority=asked,
        customer_email=request.customer_email, customer_department=request.customer_department,
        created_at=request.created_at,
        targets=targets if isinstance(targets, dict) else dict(request.targets),
        needed_by=start(NeededBy, request.needed_by),
        rush=request.rush, justification=request.justification,
        info=dict(request.info), details=request.details, impact=impact,
        blocks=[],  # each comes from a `link` entry, at creation (--for) or later
        stints=[Stint(provider, created, [(created, "new")])],
        asked=[asked],
    )


def apply(state: RequestState, entry: Kind) -> None:
    """Apply one entry (never raises)."""
    entry.apply(state)
    if entry.informs(state):
        state.informed.append((entry.at, side(entry.by, state) == "provider"))
    if state.escalation_pending and not isinstance(entry, Escalation) \
            and ESCALATION in roles_of(entry.by, state, state.cat):
        state.escalation_pending = False  # the contact answered, or decided
        for raised in state.escalations:
            if raised.answered_at is None:
                raised.answered_at = entry.at
                raised.answer = entry.note_text or entry.said()
    state.history.append(entry)


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


def batches(entries: Sequence[Kind]) -> list[list[Kind]]:
    """The entries in the runs one command wrote: the same time and author."""
    out: list[list[Kind]] = []
    for entry in entries:
        if out and (out[-1][0].at, out[-1][0].by) == (entry.at, entry.by):
            out[-1].append(entry)
        else:
            out.append([entry])
    return out


def told(request: Request, new: set[int], cat: Catalogue) -> list[tuple[Kind, RequestState,
                                                                         list[Notice]]]:
    """The notices of the entries at positions `new` of the history: it is replayed in
    order; the entries one command wrote (same time and author) are applied together, then
    each is told from the state before it and the state after them all."""
    state = initial_state(request)
    state.cat = cat
    out: list[tuple[Kind, RequestState, list[Notice]]] = []
    position = 0
    for batch in batches(request.history):
        mine = [i for i in range(position, position + len(batch)) if i in new]
        position += len(batch)
        if not mine:
            for entry in batch:
                apply(state, entry)
            continue
        befores = []
        for entry in batch:
            befores.append(Before.of(state))
            apply(state, entry)
        first = position - len(batch)
        for i, (entry, before) in enumerate(zip(batch, befores, strict=True)):
            if first + i not in new:
                continue
            t = Telling(entry, before, state, batch, cat)
            entry.tell(t)
            out.append((entry, state, t.notices))
    return out


# -- checking new entries ----------------------------------------------------------------------


def problems(state: RequestState, entry: Kind, ctx: Judging) -> list[Problem]:
    """Every rule the entry breaks at this point of the history, rights included."""
    out: list[Problem] = []
    allowed = entry.allowed(state, ctx.roles)
    if not allowed & ctx.roles:
        out.append(Problem("by", f"{entry.by} may not add a '{entry.TYPE}' entry here; only "
                                 f"{who_words(allowed, state, ctx.cat)}"))
    if entry.at < state.last_at:
        out.append(Problem("at", f"dated {entry.at.isoformat()}, before the newest entry "
                                 f"({state.last_at.isoformat()}); entries are only appended "
                                 "after it"))
    out.extend(entry.check(state, ctx))
    return out


@dataclass
class Replay:
    """Checks and applies new entries, batch by batch: entries with the same time and author
    were written by one command, and are judged with the author's roles at its start."""

    state: RequestState
    cat: Catalogue
    _batch: tuple[datetime, str] | None = None
    _roles: frozenset[str] = frozenset()
    added: list[Kind] = field(default_factory=list)

    def roles(self, entry: Entry) -> frozenset[str]:
        if self._batch != (entry.at, entry.by):
            self._batch = (entry.at, entry.by)
            self._roles = roles_of(entry.by, self.state, self.cat)
        return self._roles

    def check(self, entry: Kind) -> list[Problem]:
        return problems(self.state, entry, Judging(self.cat, self.roles(entry)))

    def add(self, entry: Kind) -> list[Problem]:
        """Check then apply; the problems are returned (the entry is applied regardless, so
        a caller collecting every problem can carry on)."""
        found = self.check(entry)
        apply(self.state, entry)
        self.added.append(entry)
        return found


def consequences(state: RequestState, cat: Catalogue, added: Sequence[Kind]) -> \
        list[Problem]:
    """What must hold once a command's entries are in: after a priority change or a redirect
    the targets are the provider's SLA for the agreed priority."""
    if not any(isinstance(e, PriorityChange | Redirect) for e in added):
        return []
    provider = cat.providers.get(state.provider)
    if provider is None or state.priority not in provider.sla:
        return []
    expected = provider.sla[state.priority].to_dict()
    if state.targets != expected:
        return [Problem("targets", f"targets are {targets_text(state.targets)} but "
                                   f"{state.provider}'s SLA for {state.priority} priority is "
                                   f"{targets_text(expected)} (a 'targets' entry records the "
                                   "new ones)")]
    return []


def immutable_changes(old: Request, new: Request) -> list[str]:
    """Fields no entry may change that differ between two versions of a request file."""
    out = []
    old_values, new_values = old.to_dict(), new.to_dict()
    for key in IMMUTABLE_KEYS:
        if not same(old_values.get(key), new_values.get(key)):
            out.append(key)
    return out



