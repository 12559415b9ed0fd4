"""`icsvc merge-driver` shown: on stderr (git shows it), each field both sides changed and
the value kept."""

from __future__ import annotations

import sys
from typing import Any

from icsvc.git.merge import MISSING, FieldConflict


def render(label: str, conflicts: list[FieldConflict]) -> None:
    for c in conflicts:
        print(f"icsvc: {label}: both sides changed {c.field} ({_show(c.ours)} and "
              f"{_show(c.theirs)}); kept {_show(c.kept)}, recorded in the history",
              file=sys.stderr)


def _show(value: Any) -> str:
    if value is MISSING:
        return "unset"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return repr(value) if isinstance(value, str) else str(value)
