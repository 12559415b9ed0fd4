"""`icsvc forms` shown: the forms written, removed or kept (or, with --check, each form that
no longer matches providers.yaml, as `path:line: problem`)."""

from __future__ import annotations

from icsvc.commands.forms import Forms
from icsvc.github.forms import CONFIG_FILE
from icsvc.output.ui import console, print_json


def checked(done: Forms, fmt: str) -> None:
    """--check: what no longer matches, or that everything does."""
    shown = done.folder
    if fmt == "json":
        print_json([{"path": f"{shown}/{d.name}", "line": d.line or 1,
                     "message": d.problem} for d in done.drift])
        return
    for d in done.drift:
        print(f"{shown}/{d.name}:{d.line or 1}: {d.problem}")
    if not done.drift:
        console().print(f"{shown}: {done.count} issue form(s) and "
                        f"{CONFIG_FILE} are up to date.", markup=False)


def render(done: Forms, fmt: str) -> None:
    shown, changes, kept = done.folder, done.changes, done.kept
    if fmt == "json":
        print_json({"folder": shown, "forms": done.count,
                    "changes": [{"file": f"{shown}/{n}", "change": c} for n, c in changes],
                    "kept": [f"{shown}/{n}" for n in kept]})
        return
    con = console()
    if not changes:
        con.print(f"{shown}: {done.count} issue form(s) and {CONFIG_FILE} are up "
                  "to date.", markup=False)
    else:
        con.print(f"{shown}: {done.count} issue form(s) and {CONFIG_FILE}:",
                  markup=False)
        for name, change in changes:
            con.print(f"  {change:8} {name}", markup=False)
    for name in kept:
        con.print(f"  kept     {name} (written by hand: icsvc leaves it alone; --force "
                  "replaces it)", markup=False)
    if changes:
        con.print("Commit them. GitHub offers the forms under New issue once they are on the "
                  "default branch.", markup=False)
