"""`icsvc git-setup` shown: what was set up in this clone (nothing with --quiet)."""

from __future__ import annotations

from icsvc.commands.git_setup import SetUp
from icsvc.output.ui import console, print_json


def render(done: SetUp, fmt: str, quiet: bool = False) -> None:
    changed, signed = done.changed, done.signed
    if fmt == "json":
        print_json({"changed": done.changed, "signing": done.signed})
        return
    if quiet:
        return
    con = console()
    if not changed and not signed:
        con.print("The icsvc merge driver (and commit signing, where keys are listed) is "
                  "already set up in this clone.", markup=False)
        return
    if changed:
        con.print("Set up the icsvc merge driver for requests/:", markup=False)
        for line in changed:
            con.print(f"  {line}", markup=False)
        if any(line.startswith(".gitattributes") for line in changed):
            con.print("Commit .gitattributes so every clone merges request files the same "
                      "way.", markup=False)
    if signed:
        con.print("Set up signed commits (SSH keys from people: in providers.yaml):",
                  markup=False)
        for line in signed:
            con.print(f"  {line}", markup=False)
