"""`icsvc new`: ask a provider for something, and learn what to expect.

On a terminal, whatever is missing is asked for, one question at a time, with the choices
shown; a bad answer (or a bad option value) is explained and asked again, instead of ending
the session. Priority, need-by date and details are asked too, and may be skipped. In a
script, everything missing is listed at once and bad values are errors.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from icsvc.commands import in_git, next_step, open_store
from icsvc.commands.context import Context, git_config
from icsvc.domain import names
from icsvc.domain.catalogue import PRIORITIES, Catalogue, Provider
from icsvc.domain.dates import day_off_note, parse_when, when
from icsvc.domain.history.request import Request
from icsvc.errors import IcsvcError, UsageError
from icsvc.output import prompts, ui
from icsvc.output.ui import console, print_json
from icsvc.workflow.intake import Draft, build_request, missing_items, parse_info, rush_reasons
from icsvc.workflow.views import request_json


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
    fmt: str
    pr: bool = False
    blocks: list[str] = field(default_factory=list)


def default_department(cat: Catalogue, actor: str, cwd: Path) -> str | None:
    return (cat.department_of(actor) or os.environ.get("ICSVC_DEPARTMENT")
            or git_config(cwd, "icsvc.department"))


class _Intake:
    """The draft as typed, made exact name by name. A bad value raises off a terminal; on
    one it is explained and left missing, to be asked again."""

    def __init__(self, ctx: Context, cat: Catalogue, opts: Options, talk: bool) -> None:
        self.ctx = ctx
        self.cat = cat
        self.talk = talk
        self.draft = Draft(
            title=opts.title, details=opts.details, info=parse_info(opts.info, allow_empty=True),
            justification=opts.justification, cost=opts.cost, impact_note=opts.impact_note,
            blocks=list(opts.blocks),
        )
        self.draft.provider = self._try(opts.provider, self.read_provider, "--provider")
        if self.draft.provider and opts.service:
            self.draft.service = self._try(opts.service, self.read_service, "--service")
        priority = self._try(opts.priority, names.priority, "--priority")
        self.draft.priority = priority or "normal"
        self.ask_priority = priority is None
        self.needed_by_text = opts.needed_by
        if self.draft.provider and opts.needed_by:
            self.draft.needed_by = self._try(opts.needed_by, self.read_needed_by,
                                             "--needed-by")
            self.needed_by_text = None
        self.ask_needed_by = self.draft.needed_by is None
        self.ask_details = opts.details is None
        self.day_off_said = False
        if opts.department is not None:
            self.draft.department = self._try(opts.department, self.read_department,
                                              "--department")
        self.bad_option = talk and any(
            given and not found for given, found in (
                (opts.provider, self.draft.provider), (opts.service, self.draft.service),
                (opts.priority, priority), (opts.department, self.draft.department)))

    def _try(self, value: str | None, read: Callable[[str], str], option: str) -> str | None:
        """An option's value read; on a terminal a bad one is said (and asked again later)."""
        if value is None:
            return None
        try:
            return read(value)
        except UsageError as exc:
            if not self.talk:
                raise
            from rich.markup import escape

            console().print(f"[yellow]{option}: {escape(exc.message)}[/yellow]")
            return None

    @property
    def provider(self) -> Provider | None:
        return self.cat.providers.get(self.draft.provider or "")

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

    # -- the questions ---------------------------------------------------------------------

    def ask(self) -> None:
        """Ask for what is missing, then (skippably) for what was not given."""
        d, cat = self.draft, self.cat
        con = console()
        if not d.provider:
            d.provider = prompts.ask("Provider", self.read_provider, choices=[
                (p.id, p.name + (f": {p.description}" if p.description else ""))
                for p in cat.providers.values()])
        provider = self.provider
        assert provider is not None
        if not d.service:
            d.service = prompts.ask("Service", self.read_service, choices=[
                (s.id, s.description + (f" (needs {', '.join(s.requires)})" if s.requires
                                        else "")
                 + (f"; lead time {s.lead_time}" if s.lead_time else ""))
                for s in provider.services.values()])
        if not (d.title or "").strip():
            d.title = prompts.ask("Title (one line)", _text)
        if not d.department:
            known = [(k, "") for k in cat.departments]
            d.department = prompts.ask("Your department", self.read_department, choices=known)
        assert d.service is not None
        for key in provider.services[d.service].requires:
            if not d.info.get(key, "").strip():
                d.info[key] = prompts.ask(f"{key} (required by {d.service})", _text) or ""
        if self.needed_by_text is not None:  # typed before the provider was known
            d.needed_by = self._try(self.needed_by_text, self.read_needed_by, "--needed-by")
            self.ask_needed_by = d.needed_by is None
        if self.ask_priority:
            d.priority = prompts.ask(f"Priority ({', '.join(PRIORITIES)})",
                                     lambda text: names.priority(text, ""),
                                     default="normal") or "normal"
        if self.ask_needed_by:
            d.needed_by = prompts.ask("Needed by (a date such as 'next friday', '12 Dec "
                                      "3pm', 'in 3 days')", self.read_needed_by,
                                      skippable=True)
            if d.needed_by:
                con.print(f"  needed by {when(d.needed_by)}", markup=False)
                said = day_off_note(datetime.fromisoformat(d.needed_by), provider.calendar,
                                    provider.name)
                if said:
                    con.print(f"  note: {said}", markup=False)
                    self.day_off_said = True
        if self.ask_details:
            d.details = prompts.ask("Details", _text, skippable=True)


def _text(answer: str) -> str:
    if not answer.strip():
        raise ValueError("an answer is needed")
    return answer.strip()


def run(ctx: Context, opts: Options) -> None:
    store = open_store(ctx)
    cat = store.catalogue
    actor = ctx.actor()
    talk = ui.interactive()
    intake = _Intake(ctx, cat, opts, talk)
    draft = intake.draft
    if draft.department is None and opts.department is None:
        draft.department = default_department(cat, actor, ctx.cwd)
    if talk:
        if missing_items(draft, cat) or intake.bad_option or (
                opts.needed_by and not draft.needed_by):
            intake.ask()
        reasons = rush_reasons(draft, cat, ctx.now)
        if reasons and not (draft.justification or "").strip():
            console().print(f"This is a rush: {' and '.join(reasons)}.")
            draft.justification = prompts.ask("Why is it needed so soon (justification)",
                                              _text)
    if opts.pr and not in_git(store.root):
        raise UsageError("--pr: the store is not in a git repository")
    with store.writing("icsvc new"):
        taken = {p.stem for p in store.request_files()}
        request = build_request(draft, cat, actor, ctx.now, taken)
        path = store.save(request, new=True)
    provider = cat.providers[request.provider]
    data = request_json(request, cat, ctx.now)
    said = (day_off_note(request.needed_by, provider.calendar, provider.name)
            if request.needed_by is not None and not intake.day_off_said else None)
    if opts.fmt == "json" and not opts.pr:
        print_json(data)
        if said:
            ui.note(said)
        return
    if opts.fmt != "json":
        _created(request, store.rel(path), provider, data, said)
    if not opts.pr:
        next_step(store, "icsvc commit --pr (commit as you, push, open the pull request)")
        return
    from icsvc.commands import commit

    try:
        out = commit.send(ctx, store, commit.Options(push=True, pr=True, fmt=opts.fmt),
                          first_ids=[request.id])
    except IcsvcError as exc:
        raise IcsvcError(f"{request.id} is saved in {store.rel(path)}, but sending it "
                         f"failed: {exc.message}; fix that, then run 'icsvc commit --pr'"
                         ) from None
    if opts.fmt == "json":
        data["path"] = store.rel(path)
        data["sent"] = {"branch": out.branch, "commit": out.sha, "pull_request": out.pr_url,
                        "hint": out.pr_hint}
        print_json(data)
        return
    commit.report(out, opts.fmt, commit.Options(push=True, pr=True))


def _created(request: Request, rel: str, provider: Provider, data: dict[str, Any],
             day_off: str | None) -> None:
    from rich.markup import escape

    con = console()
    con.print(f"Created [bold]{request.id}[/bold] ({rel}) for "
              f"{provider.name} / {request.service}, priority {request.priority}"
              + (" [yellow](rush)[/yellow]" if request.rush else ""))
    lines = expectations(request, provider, data)
    if day_off:
        lines.append(f"note: {day_off}")
    for line in lines:
        note = line.startswith("note:")
        con.print("  " + ("[yellow]note:[/yellow]" if note else "")
                  + escape(line[5:] if note else line))


def expectations(request: Request, provider: Provider, data: dict[str, Any]) -> list[str]:
    """What the requester can expect, as `icsvc new` (and an issue's intake comment) says it:
    the due dates, whose hours they count in, and a need-by date the SLA does not meet."""
    sla = data["sla"]
    lines = [
        f"acknowledge by: {when(sla['acknowledge']['due'])}  "
        f"({sla['acknowledge']['target']} of business time)",
        f"resolve by:     {when(sla['resolve']['due'])}  "
        f"({sla['resolve']['target']} of business time)",
        f"in {provider.name}'s hours ({provider.calendar.timezone}); questions or exceptions: "
        f"{provider.escalation}",
    ]
    if request.needed_by is not None and request.needed_by < datetime.fromisoformat(
            sla["resolve"]["due"]):
        lines.append(f"note: you need it by {when(data['needed_by'])}, before the SLA resolve "
                     "date; the provider agrees the priority when triaging")
    return lines
