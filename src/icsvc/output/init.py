"""`icsvc init` shown: the files written, and what to do next."""

from __future__ import annotations

from icsvc.commands.init import Initialised
from icsvc.output.ui import console, print_json


def render(done: Initialised, fmt: str) -> None:
    root = done.root
    if fmt == "json":
        print_json({"store": str(root), "written": [str(p.relative_to(root))
                                                    for p in done.written],
                    "merge_driver": done.registered, "git": done.in_git})
        return
    con = console()
    con.print(f"Created an icsvc store in {root}:", markup=False)
    for p in done.written:
        con.print(f"  {p.relative_to(root)}", markup=False)
    if not done.in_git:
        con.print("  .gitattributes (request files merge field by field)")
        con.print("Not a git repository yet: run 'git init', then 'icsvc git-setup' to "
                  "register the request merge driver.")
    else:
        con.print("  .gitattributes, and the request merge driver in this clone's git config")
    con.print("Next: edit providers.yaml (your calendars, providers and services), run "
              "'icsvc check', and commit.")
