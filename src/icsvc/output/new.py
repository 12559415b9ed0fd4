"""`icsvc new` on a terminal and after: the questions for whatever is missing, one at a time
with the choices shown (a bad answer explained and asked again), then the new request and
the dates to expect."""

from __future__ import annotations

from datetime import datetime

from icsvc.commands.commit import Outcome
from icsvc.commands.new import Created, Intake, expectations
from icsvc.domain import names
from icsvc.domain.catalogue import PRIORITIES
from icsvc.domain.dates import day_off_note, when
from icsvc.output import prompts
from icsvc.output.commit import render as render_sent
from icsvc.output.ui import console, next_step, note, print_json


def _tell(intake: Intake) -> None:
    """The options' problems not told yet."""
    from rich.markup import escape

    for option, why in intake.to_tell:
        console().print(f"[yellow]{option}: {escape(why)}[/yellow]")
    intake.to_tell.clear()


def ask(intake: Intake) -> bool:
    """Ask for what is missing, then (skippably) for what was not given, then for the
    justification of a rush. True when the need-by date's day-off note was said."""
    _tell(intake)
    told = _ask_missing(intake) if intake.to_ask() else False
    reasons = intake.rush_reasons()
    if reasons:
        console().print(f"This is a rush: {' and '.join(reasons)}.")
        intake.draft.justification = prompts.ask("Why is it needed so soon (justification)",
                                                 _text)
    return told


def _ask_missing(intake: Intake) -> bool:
    d = intake.draft
    con = console()
    told = False
    if not d.provider:
        d.provider = prompts.ask("Provider", intake.read_provider, choices=intake.providers())
    provider = intake.provider
    assert provider is not None
    if not d.service:
        d.service = prompts.ask("Service", intake.read_service, choices=intake.services())
    if not (d.title or "").strip():
        d.title = prompts.ask("Title (one line)", _text)
    if not d.department:
        d.department = prompts.ask("Your department", intake.read_department,
                                   choices=intake.departments())
    assert d.service is not None
    for key in intake.required_info():
        d.info[key] = prompts.ask(f"{key} (required by {d.service})", _text) or ""
    intake.read_late_needed_by()
    _tell(intake)
    if intake.ask_priority:
        d.priority = prompts.ask(f"Priority ({', '.join(PRIORITIES)})",
                                 lambda text: names.priority(text, ""),
                                 default="normal") or "normal"
    if intake.ask_needed_by:
        d.needed_by = prompts.ask("Needed by (a date such as 'next friday', '12 Dec "
                                  "3pm', 'in 3 days')", intake.read_needed_by,
                                  skippable=True)
        if d.needed_by:
            con.print(f"  needed by {when(d.needed_by)}", markup=False)
            said = day_off_note(datetime.fromisoformat(d.needed_by), provider.calendar,
                                provider.name)
            if said:
                con.print(f"  note: {said}", markup=False)
                told = True
    if intake.ask_details:
        d.details = prompts.ask("Details", _text, skippable=True)
    return told


def _text(answer: str) -> str:
    if not answer.strip():
        raise ValueError("an answer is needed")
    return answer.strip()


def render(created: Created, fmt: str, pr: bool, day_off_told: bool = False) -> None:
    """The new request (its JSON, or a line and the dates to expect); the next step unless
    it is being sent (`--pr`: `sent` follows)."""
    day_off = None if day_off_told else created.day_off
    if fmt == "json":
        if not pr:
            print_json(created.data)
            if day_off:
                note(day_off)
        return
    _created(created, day_off)
    if not pr:
        next_step(created.next_step)


def sent(created: Created, out: Outcome, fmt: str) -> None:
    """`--pr`: the request's JSON with where it went, or what was committed and opened."""
    if fmt == "json":
        data = dict(created.data)
        data["path"] = created.rel
        data["sent"] = {"branch": out.branch, "commit": out.sha, "pull_request": out.pr_url,
                        "hint": out.pr_hint}
        print_json(data)
        return
    render_sent(out, fmt)


def _created(created: Created, day_off: str | None) -> None:
    from rich.markup import escape

    request, provider = created.request, created.provider
    con = console()
    con.print(f"Created [bold]{request.id}[/bold] ({created.rel}) for "
              f"{provider.name} / {request.service}, priority {request.priority}"
              + (" [yellow](rush)[/yellow]" if request.rush else ""))
    lines = expectations(request, provider, created.data)
    if day_off:
        lines.append(f"note: {day_off}")
    for line in lines:
        said = line.startswith("note:")
        con.print("  " + ("[yellow]note:[/yellow]" if said else "")
                  + escape(line[5:] if said else line))
