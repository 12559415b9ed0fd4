"""`icsvc git-setup`: register the request merge driver in this clone (config is not cloned)."""

from __future__ import annotations

from icsvc import gitutil
from icsvc.commands import open_store
from icsvc.context import Context
from icsvc.ui import console, print_json


def run(ctx: Context, quiet: bool = False, fmt: str = "table") -> None:
    store = open_store(ctx)
    changed = gitutil.register_merge_driver(store.root)
    if fmt == "json":
        print_json({"changed": changed})
        return
    if quiet:
        return
    con = console()
    if not changed:
        con.print("The icsvc merge driver is already set up in this clone.", markup=False)
        return
    con.print("Set up the icsvc merge driver for requests/:", markup=False)
    for line in changed:
        con.print(f"  {line}", markup=False)
    if any(line.startswith(".gitattributes") for line in changed):
        con.print("Commit .gitattributes so every clone merges request files the same way.",
                  markup=False)
