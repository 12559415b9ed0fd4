"""`icsvc codeowners` shown: the block written, or that the file is up to date (or stale,
with --check)."""

from __future__ import annotations

from icsvc.commands.codeowners import Owners
from icsvc.output.ui import console, print_json


def render(owners: Owners, fmt: str) -> None:
    path, lines = owners.path, owners.lines
    if fmt == "json":
        print_json({"path": str(path), "lines": lines[1:-1], "stale": owners.stale,
                    "written": owners.written})
        return
    con = console()
    if not owners.stale:
        con.print(f"{path} is up to date ({len(lines) - 2} provider folder(s)).", markup=False)
        return
    if not owners.written:
        print(f"{path}: the icsvc block is stale or missing; run 'icsvc codeowners'")
        return
    con.print(f"Wrote {path}:", markup=False)
    for line in lines[1:-1]:
        con.print(f"  {line}", markup=False)
    con.print("Commit it, and require code owner review on the default branch.", markup=False)
