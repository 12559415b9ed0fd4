"""`icsvc triage` (and `update`, `escalate`) shown: what changed, one line per new history
entry (or the request as JSON), the notices, then the next step. Written without Rich (the
commands a provider runs all day start quicker); a value that is not printable text (a
newline or an escape sequence in a title) is shown escaped."""

from __future__ import annotations

from icsvc.commands.triage import Changed
from icsvc.output import plain
from icsvc.output.ui import next_step, note, print_json


def render(done: Changed, fmt: str) -> None:
    if fmt == "json":
        print_json(done.data)
        for said in done.days_off:
            note(said)
        return
    change = done.change
    request = change.request
    plain.para(f"{request.id} {request.title} ({request.provider}, {request.status})",
               bold=len(request.id), indent=2)
    for entry in change.entries:
        plain.para(f"  {entry.line()}", indent=2)
    if done.moved_to is not None:
        plain.para(f"  moved requests/{change.moved_from}/{request.id}.yaml -> "
                   f"{done.moved_to}", indent=2)
    for notice in [*change.notices, *done.days_off]:
        plain.para(f"  note: {notice}", bold=len("note:"), lead_style="yellow", indent=2)
    next_step(done.next_step)
