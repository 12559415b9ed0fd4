"""`icsvc intake` shown: the comment to post on the issue (or what was done with it), or
the whole result as JSON for the intake workflow."""

from __future__ import annotations

from typing import Any

from icsvc.output.ui import print_json


def render(data: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        print_json(data)
    else:
        print(data["comment"] if data["comment"] else data["message"])


def render_mail(data: dict[str, Any], fmt: str) -> None:
    """`icsvc mail`: what was done, and the answer sent (or why it could not be)."""
    if fmt == "json":
        print_json(data)
        return
    print(data["message"])
    reply = data.get("reply")
    if reply:
        state = "sent" if reply["sent"] else f"not sent: {reply['error']}"
        print(f"answer to {reply['to']} ({state}): {reply['subject']}")
