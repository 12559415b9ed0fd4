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
