"""Adding entries to a request the way a command does: the `Session`.

A session adds entries at one instant (`stamp`), by one actor, through the history's rules
(`history.Replay`: who may write each entry, what it requires, what it changes), the same
rules `check --base` applies to a branch; a refusal names the command's options
(`refusal`). It changes the request in memory, or raises `IcsvcError` (a refusal, exit 1) /
`UsageError` (a bad option, exit 2) before the caller saves anything. The commands'
operations on top of it (triage, update, escalate, feedback) are `operations.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from icsvc.domain import history
from icsvc.domain.catalogue import PRIORITIES, Catalogue
from icsvc.domain.dates import parse_when
from icsvc.domain.history import RequestState, words
from icsvc.domain.history.kinds import (
    Assigned,
    Kind,
    PriorityChange,
    Promise,
    StatusChange,
    TargetsChange,
)
from icsvc.domain.history.request import Request
from icsvc.domain.sla import clocks
from icsvc.errors import IcsvcError, UsageError


@dataclass(frozen=True)
class Channel:
    """The way in a change came by when not the command line (an issue comment, a mail):
    what its entries record as their `via` (so a second delivery is recognised), and how
    its refusals name the options and keys (a comment says `/cancel`, not `--status`)."""

    via: str | None = None
    names: Callable[[str], str] | None = None
    """An option (`--promise`) or an entry's key (`note`) in the channel's words."""


COMMAND_LINE = Channel()


@dataclass
class Change:
    """What an operation did: the entries it appended, what the user should know, and, for a
    redirect, the provider the request left (its file moves)."""

    request: Request
    entries: list[Kind]
    moved_from: str | None = None
    notices: list[str] = field(default_factory=list)
    state: RequestState | None = None


def stamp(now: datetime, newest: datetime, cat: Catalogue, tz: Any,
          notices: list[str]) -> datetime:
    """The time for new entries: now, to the second, in the provider's zone. A clock a little
    behind the newest entry (within `settings.clock_tolerance`) is stamped with that entry's
    time, so entries stay in order; further behind, the command refuses."""
    at = now.astimezone(tz).replace(microsecond=0)
    if at >= newest:
        return at
    tolerance = cat.settings.clock_tolerance
    if newest - at <= tolerance:
        notices.append(f"your clock ({at.isoformat()}) is behind the newest entry "
                       f"({newest.isoformat()}); stamped the change with that entry's time")
        return newest.astimezone(tz)
    raise IcsvcError(
        f"refused: the newest history entry is dated {newest.isoformat()}, after now "
        f"({at.isoformat()}): this computer's clock (or ICSVC_NOW) is behind by more than the "
        f"clock tolerance ({int(tolerance.total_seconds() // 60)}m); fix the clock and retry")


class Session:
    """Adds entries at one instant, by one actor, through the history's rules: each entry
    kind checks itself (`history.Replay`), and a refusal names the command's options."""

    def __init__(self, request: Request, cat: Catalogue, now: datetime, actor: str,
                 channel: Channel = COMMAND_LINE) -> None:
        self.request = request
        self.channel = channel
        self.cat = cat
        self.now = now
        self.actor = actor
        self.state = history.replay(request, cat)
        disagree = history.differences(self.state, request)
        if disagree:
            name, (mine, told) = next(iter(disagree.items()))
            raise IcsvcError(
                f"refused: {request.id}: the file's {name} is {words(mine)} but its history "
                f"says {words(told)}; the file was edited by hand: fix it first (icsvc check)")
        self.replay = history.Replay(self.state, cat)
        self.provider = cat.provider(request.provider)
        self.roles = history.roles_of(actor, self.state, cat)
        self.notices: list[str] = []
        self._clock_error: IcsvcError | None = None
        try:
            self.at = stamp(now, self.state.last_at, cat, self.provider.calendar.tz,
                            self.notices)
        except IcsvcError as exc:  # raised when something is written: bad options first
            self._clock_error = exc
            self.at = now.replace(microsecond=0)
        self.entries: list[Kind] = []
        self.moved_from: str | None = None

    def add(self, kind: type[Kind], option: str = "", **values: Any) -> Kind:
        """Check and apply an entry of `kind`; the first problem it has is raised, naming
        the options (`option`: the one that asked for the entry). A missing option is bad
        usage (exit 2), any other problem a refusal (exit 1)."""
        if self._clock_error is not None:
            raise self._clock_error
        entry = kind(at=self.at, by=self.actor, via=self.channel.via,
                     **{k: v for k, v in values.items() if v is not None and v is not False})
        found = self.replay.check(entry)
        if found:
            raise refusal(sorted(found, key=lambda p: not p.missing)[0], option,
                          self.channel.names)
        history.apply(self.state, entry)
        self.entries.append(entry)
        return entry

    def require(self, kind: type[Kind], what: str, **values: Any) -> None:
        """Refuse early, naming the command's action, when the actor may not write it."""
        probe = kind(at=self.at, by=self.actor, **values)
        allowed = probe.allowed(self.state, self.roles)
        if allowed & self.roles:
            return
        raise IcsvcError(
            f"refused: only {history.who_words(allowed, self.state, self.cat)} may "
            f"{what.format(id=self.request.id)}; you are {self.actor}")

    def when(self, option: str, text: str) -> datetime:
        try:
            value = parse_when(text, self.now, self.provider.calendar)
        except ValueError as exc:
            raise UsageError(f"{option}: {exc}") from None
        if value <= self.now:
            raise UsageError(f"{option}: {value.isoformat()} is in the past (accepted: a "
                             "future date)")
        return value.replace(microsecond=0)

    def done(self) -> Change:
        if not self.entries:
            raise IcsvcError(f"nothing changed: {self.request.id} already has those values")
        found = history.consequences(self.state, self.cat, self.entries)
        if found:  # pragma: no cover - the operations below always record their targets
            raise refusal(found[0])
        history.write_fields(self.state, self.request)
        self.request.history = [*self.request.history, *self.entries]
        return Change(self.request, self.entries, self.moved_from, self.notices, self.state)

    # -- the changes ---------------------------------------------------------------------

    def status(self, to: str, note: str | None = None, option: str = "",
               **extra: Any) -> Kind:
        late = to == "waiting-on-customer" and self.state.acknowledged_at is not None
        return self.add(StatusChange, option, from_=self.state.status, to=to, note=note,
                        late=late, **extra)

    def acknowledge(self, note: str | None = None, option: str = "") -> Kind:
        """An acknowledgement carries a timeframe, the date the requester can expect: the
        promised date (`--promise`), else the resolve due date. Only a date the provider
        typed is a promise; the timeframe is shown, not counted again."""
        timeframe = self.state.promised_by
        if timeframe is None:
            due = clocks(self.state, self.cat, self.now)["resolve"].due
            timeframe = due.replace(microsecond=0)
            if timeframe <= self.at:
                self.notices.append(f"{self.request.id} is overdue: its resolve target was due "
                                    f"{timeframe.isoformat()}; say when to expect it with "
                                    "--promise")
            elif self.state.needed_by is not None and timeframe > self.state.needed_by:
                self.notices.append(f"the timeframe ({timeframe.isoformat()}) is after the "
                                    "requester's need-by date "
                                    f"({self.state.needed_by.isoformat()}); promise a date "
                                    "with --promise if you can do better")
        return self.status("acknowledged", note, option, timeframe=timeframe)

    def priority(self, value: str, note: str | None) -> Kind | None:
        value = choice(value, PRIORITIES, "--priority", "a priority")
        deciding = self.state.proposal == "contested" and history.ESCALATION in self.roles
        if value == self.state.priority and not deciding:
            return None
        entry = self.add(PriorityChange, "--priority", from_=self.state.priority, to=value,
                         note=note)
        self.targets()
        return entry

    def targets(self) -> None:
        provider = self.cat.providers[self.state.provider]
        new = provider.sla[self.state.priority].to_dict()
        if new != self.state.targets:
            self.add(TargetsChange, from_=dict(self.state.targets), to=new)

    def assign(self, email: str, note: str | None = None) -> Kind | None:
        email = email.strip().lower()
        if email == self.state.owner:
            return None
        return self.add(Assigned, "--assign", from_=self.state.owner, to=email, note=note)

    def promise(self, text: str, note: str | None) -> Kind | None:
        return self.promise_date(self.when("--promise", text), note)

    def promise_date(self, value: datetime, note: str | None) -> Kind | None:
        old = self.state.promised_by
        if old == value:
            return None
        entry = self.add(Promise, "--promise", from_=old, to=value, note=note,
                         broken=old is not None and old < self.at)
        sla = clocks(self.state, self.cat, self.now)
        if self.state.needed_by is not None and value > self.state.needed_by:
            self.notices.append(f"the promise ({value.isoformat()}) is after the requester's "
                                f"need-by date ({self.state.needed_by.isoformat()})")
        if self.state.resolved_at is None and value > sla["resolve"].due:
            self.notices.append(f"the promise ({value.isoformat()}) is after the SLA resolve "
                                f"due date ({sla['resolve'].due.isoformat()})")
        return entry


OPTION_NAMES = {"note": "--note", "alternate": "--alternate", "reply": "--reply",
                "service": "--service", "info": "--info", "blocks": "--blocks"}
"""How a refusal names an entry's keys: by the options that give them."""


def option_for(key: str) -> str:
    return OPTION_NAMES.get(key, f"'{key}'")


def refusal(problem: history.Problem, option: str = "",
            names: Callable[[str], str] | None = None) -> IcsvcError:
    """A problem of an entry as a command reports it: a missing option is bad usage
    (`--cost needs --note saying ...`), anything else a refusal. `names`: how another
    channel names the options and keys."""
    text = problem.say(names or option_for)
    if names is not None and option:
        option = names(option)
    if problem.missing:
        if not option:
            return UsageError(text)
        return UsageError(f"{option} {text}" if text.startswith("needs ") else
                          f"{option}: {text}")
    return IcsvcError(f"refused: {text}")


def choice(value: str, accepted: tuple[str, ...], option: str, what: str) -> str:
    text = value.strip().lower()
    if text not in accepted:
        raise UsageError(f"{option}: {value!r} is not {what} (accepted: {', '.join(accepted)})")
    return text
