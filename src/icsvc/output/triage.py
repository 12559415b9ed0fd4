"""`icsvc triage` (and `update`, `escalate`) shown: what changed, one line per new history
entry (or the request as JSON), the notices, then the next step."""

from __future__ import annotations

from icsvc.commands.triage import Changed
from icsvc.output.ui import console, next_step, note, print_json


def render(done: Changed, fmt: str) -> None:
    if fmt == "json":
        print_json(done.data)
        for said in done.days_off:
            note(said)
        return
    from rich.markup import escape

    change = done.change
    request = change.request
    con = console()
    con.print(f"[bold]{request.id}[/bold] {escape(request.title)} "
              f"({request.provider}, {request.status})")
    for entry in change.entries:
        con.print(f"  {escape(entry.line())}")
    if done.moved_to is not None:
        con.print(f"  moved requests/{change.moved_from}/{request.id}.yaml -> {done.moved_to}")
    for notice in [*change.notices, *done.days_off]:
        con.print(f"  [yellow]note:[/yellow] {escape(notice)}")
    next_step(done.next_step)
