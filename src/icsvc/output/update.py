"""`icsvc update` shown, and its one question: does the requester's note answer what the
request waits on?"""

from __future__ import annotations

from icsvc.commands.triage import Changed
from icsvc.output import prompts, triage
from icsvc.output.ui import note


def answers_the_question() -> bool:
    return prompts.confirm("Does this answer the question?")


def render(done: Changed, fmt: str, hint: bool) -> None:
    """What changed; with `hint` (no question was asked), how to hand back a request whose
    requester's note may have been its answer."""
    triage.render(done, fmt)
    if hint and done.may_answer:
        request = done.change.request
        note(f"{request.id} still waits on you; if your note answers the question, hand it "
             f"back to {request.provider} with 'icsvc update {request.id} --reply TEXT'")
