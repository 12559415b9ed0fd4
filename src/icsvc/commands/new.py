"""`icsvc new`: ask a provider for something, and learn what to expect.

Plain steps, so that the command line can ask between them: `start` reads the options into
a draft, which says what is still missing and what can be chosen; on a terminal the command
line asks for it (`output/new.py`), a bad option value explained and asked again instead of
ending the session; `create` writes the request; with `--pr`, `send` commits it, pushes and
opens the pull request. In a script, everything missing is listed at once and bad values
are errors.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icsvc.commands import in_git, next_step, open_store
from icsvc.commands.context import Context, git_config
from icsvc.domain import names
from icsvc.domain.catalogue import Catalogue, Provider
from icsvc.domain.dates import day_off_note, parse_when, when
from icsvc.domain.history.request import Request
from icsvc.errors import IcsvcError, UsageError
from icsvc.store.store import Store
from icsvc.workflow.drafts import Draft, build_request, missing_items, parse_info, rush_reasons
from icsvc.workflow.views import request_json

if TYPE_CHECKING:
    from icsvc.commands.commit import Outcome


@dataclass
class Options:
    provider: str | None
    service: str | None
    title: str | None
    details: str | None
    priority: str | None
    needed_by: str | None
    info: list[str]
    justification: str | None
    department: str | None
    cost: float | None
    impact_note: str | None
    pr: bool = False
    blocks: list[str] = field(default_factory=list)


Choices = list[tuple[str, str]]
"""What can be chosen: (value, what it is)."""


def default_department(cat: Catalogue, actor: str, cwd: Path) -> str | None:
    return (cat.department_of(actor) or os.environ.get("ICSVC_DEPARTMENT")
            or git_config(cwd, "icsvc.department"))


class Intake:
    """The draft as typed, made exact name by name. A bad value raises off a terminal
    (`talk` false); on one it is kept in `to_tell` and left missing, to be asked
    again. The readers apply the same rules to an option and to an answer."""

    def __init__(self, ctx: Context, store: Store, actor: str, opts: Options,
                 talk: bool) -> None:
        self.ctx = ctx
        self.store = store
        self.cat = store.catalogue
        self.actor = actor
        self.talk = talk
        self.to_tell: list[tuple[str, str]] = []
        """What was wrong with the options given, (option, why), not told yet (on a
        terminal)."""
        self.draft = Draft(
            title=opts.title, details=opts.details, info=parse_info(opts.info, allow_empty=True),
            justification=opts.justification, cost=opts.cost, impact_note=opts.impact_note,
            blocks=list(opts.blocks),
        )
        self.draft.provider = self.option(opts.provider, self.read_provider, "--provider")
        if self.draft.provider and opts.service:
            self.draft.service = self.option(opts.service, self.read_service, "--service")
        priority = self.option(opts.priority, names.priority, "--priority")
        self.draft.priority = priority or "normal"
        self.ask_priority = priority is None
        self.needed_by_text = opts.needed_by
        """A --needed-by typed before the provider is known: read once it is."""
        if self.draft.provider and opts.needed_by:
            self.draft.needed_by = self.option(opts.needed_by, self.read_needed_by,
                                               "--needed-by")
            self.needed_by_text = None
        self.ask_needed_by = self.draft.needed_by is None
        self.ask_details = opts.details is None
        if opts.department is not None:
            self.draft.department = self.option(opts.department, self.read_department,
                                                "--department")
        self.bad_option = talk and any(
            given and not found for given, found in (
                (opts.provider, self.draft.provider), (opts.service, self.draft.service),
                (opts.priority, priority), (opts.department, self.draft.department)))
        self.needed_by_unread = bool(opts.needed_by and not self.draft.needed_by)

    def option(self, value: str | None, read: Callable[[str], str], option: str) -> str | None:
        """An option's value read; on a terminal a bad one is kept in `to_tell` (and asked
        again later)."""
        if value is None:
            return None
        try:
            return read(value)
        except UsageError as exc:
            if not self.talk:
                raise
            self.to_tell.append((option, exc.message))
            return None

    @property
    def provider(self) -> Provider | None:
        return self.cat.providers.get(self.draft.provider or "")

    def to_ask(self) -> bool:
        """Whether anything is missing, or an option's value was refused."""
        return bool(missing_items(self.draft, self.cat) or self.bad_option
                    or self.needed_by_unread)

    def read_late_needed_by(self) -> None:
        """The --needed-by typed before the provider was known, read now that it is."""
        if self.needed_by_text is not None:
            self.draft.needed_by = self.option(self.needed_by_text, self.read_needed_by,
                                               "--needed-by")
            self.ask_needed_by = self.draft.needed_by is None

    def rush_reasons(self) -> list[str]:
        """Why this is a rush (urgent, inside the lead time), when it has no justification."""
        if (self.draft.justification or "").strip():
            return []
        return rush_reasons(self.draft, self.cat, self.ctx.now)

    # -- what can be chosen --------------------------------------------------------------

    def providers(self) -> Choices:
        return [(p.id, p.name + (f": {p.description}" if p.description else ""))
                for p in self.cat.providers.values()]

    def services(self) -> Choices:
        assert self.provider is not None
        return [(s.id, s.description + (f" (needs {', '.join(s.requires)})" if s.requires
                                        else "")
                 + (f"; lead time {s.lead_time}" if s.lead_time else ""))
                for s in self.provider.services.values()]

    def departments(self) -> Choices:
        return [(k, "") for k in self.cat.departments]

    def required_info(self) -> list[str]:
        """The information the service needs that is still missing."""
        assert self.provider is not None and self.draft.service is not None
        return [key for key in self.provider.services[self.draft.service].requires
                if not self.draft.info.get(key, "").strip()]

    # -- readers: the same rules for an option and for an answer -------------------------

    def read_provider(self, text: str) -> str:
        return names.provider(self.cat, text, "--provider" if not self.talk else "")

    def read_service(self, text: str) -> str:
        assert self.provider is not None
        return names.service(self.provider, text, "--service" if not self.talk else "")

    def read_department(self, text: str) -> str:
        return names.department(self.cat, text, "--department" if not self.talk else "")

    def read_needed_by(self, text: str) -> str:
        assert self.provider is not None
        try:
            value = parse_when(text, self.ctx.now, self.provider.calendar)
        except ValueError as exc:
            raise UsageError(f"--needed-by: {exc}" if not self.talk else str(exc)) from None
        if value <= self.ctx.now:
            raise UsageError(f"--needed-by: {value.isoformat()} is in the past")
        return value.replace(microsecond=0).isoformat()


def start(ctx: Context, opts: Options, talk: bool) -> Intake:
    """The options read into a draft (`talk`: a person at a terminal will be asked for
    what is missing or wrong, so a bad value is said rather than refused)."""
    store = open_store(ctx)
    cat = store.catalogue  # (a broken providers.yaml is said first)
    actor = ctx.actor()
    intake = Intake(ctx, store, actor, opts, talk)
    if intake.draft.department is None and opts.department is None:
        intake.draft.department = default_department(cat, actor, ctx.cwd)
    return intake


@dataclass
class Created:
    """A new request: where it was written, its JSON contract (`data`), a note when its
    need-by date falls on one of the provider's days off, and what to run next."""

    request: Request
    rel: str
    provider: Provider
    data: dict[str, Any]
    day_off: str | None
    next_step: str | None


def create(ctx: Context, intake: Intake, pr: bool = False) -> Created:
    """Write the request the draft describes (refused, writing nothing, when it is
    incomplete or breaks a rule)."""
    store, cat = intake.store, intake.cat
    if pr and not in_git(store.root):
        raise UsageError("--pr: the store is not in a git repository")
    with store.writing("icsvc new"):
        taken = {p.stem for p in store.request_files()}
        request = build_request(intake.draft, cat, intake.actor, ctx.now, taken)
        path = store.save(request, new=True)
    provider = cat.providers[request.provider]
    said = (day_off_note(request.needed_by, provider.calendar, provider.name)
            if request.needed_by is not None else None)
    return Created(request, store.rel(path), provider, request_json(request, cat, ctx.now),
                   said, next_step(store, "icsvc commit --pr (commit as you, push, open the "
                                          "pull request)"))


def send(ctx: Context, intake: Intake, created: Created) -> Outcome:
    """`--pr`: commit the new request as the requester, push, open the pull request."""
    from icsvc.commands import commit

    try:
        return commit.send(ctx, intake.store, commit.Options(push=True, pr=True),
                           first_ids=[created.request.id], only=ctx.actor())
    except IcsvcError as exc:
        raise IcsvcError(f"{created.request.id} is saved in {created.rel}, but sending it "
                         f"failed: {exc.message}; fix that, then run 'icsvc commit --pr'"
                         ) from None


def expectations(request: Request, provider: Provider, data: dict[str, Any]) -> list[str]:
    """What the requester can expect, as `icsvc new` (and an issue's intake comment) says it:
    the due dates, whose hours they count in, and a need-by date the SLA does not meet."""
    sla = data["sla"]
    resolve = sla["resolve"]
    measure = f"({resolve['target']} of business time)"
    if resolve["basis"] == "needed_by":  # planned work: measured against the customer's date
        measure = (f"(your need-by date: the SLA's {data['targets']['resolve']} would end "
                   f"{when(resolve['sla_due'])})")
    lines = [
        f"acknowledge by: {when(sla['acknowledge']['due'])}  "
        f"({sla['acknowledge']['target']} of business time)",
        f"resolve by:     {when(resolve['due'])}  {measure}",
        f"in {provider.name}'s hours ({provider.calendar.timezone}); questions or exceptions: "
        f"{provider.escalation}",
    ]
    if request.needed_by is not None and request.needed_by < datetime.fromisoformat(
            sla["resolve"]["due"]):
        lines.append(f"note: you need it by {when(data['needed_by'])}, before the SLA resolve "
                     "date; the provider agrees the priority when triaging")
    return lines
