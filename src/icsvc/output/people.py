"""`icsvc people import`: what changed in providers.yaml's departments."""

from __future__ import annotations

from typing import Any

from icsvc.output.ui import print_json


def render(data: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        print_json(data)
        return
    for change in data["departments"]:
        what = "added" if change["added"] else "updated"
        parts = [f"+{len(change['joined'])}", f"-{len(change['left'])}"]
        print(f"  {what:8} {change['department']}  ({' '.join(parts)})")
    print(data["message"])
