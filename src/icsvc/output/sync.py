"""`icsvc sync` shown: what the merge driver settled, the requests merged by ID, and the
files left in conflict with what to do about them."""

from __future__ import annotations

from icsvc.errors import one_line
from icsvc.git.gitmerge import Outcome
from icsvc.output.ui import console, print_json


def render(outcome: Outcome, fmt: str) -> None:
    if fmt == "json":
        print_json({"mode": outcome.mode, "target": outcome.target, "changed": outcome.changed,
                    "conflicts": list(outcome.conflicts), "merged": list(outcome.driver_notes),
                    "moved": list(outcome.moved)})
        return
    con = console()
    for note in outcome.driver_notes:
        con.print(f"merged {note}", markup=False, soft_wrap=True)
    for move in outcome.moved:
        con.print(f"merged a request moved by a redirect, by its ID: {move}",
                  markup=False, soft_wrap=True)
    verb = "rebase onto" if outcome.mode == "rebase" else "merge of"
    if outcome.conflicts:
        con.print(f"The {verb} {outcome.target} stopped on {len(outcome.conflicts)} "
                  "conflicted file(s):", markup=False, soft_wrap=True)
        for path in outcome.conflicts:  # (a name that is not UTF-8 shown escaped)
            con.print(f"  {one_line(path)}", markup=False, soft_wrap=True)
        cont = "git rebase --continue" if outcome.mode == "rebase" else "git commit"
        con.print(
            "Fix each file (request files: 'icsvc check' shows what is wrong), 'git add' it, "
            f"then run '{cont}' (or 'icsvc sync' again); to give up: "
            f"'git {outcome.mode} --abort'.", markup=False, soft_wrap=True)
        return
    if not outcome.changed:
        con.print(f"Already up to date with {outcome.target}.", markup=False, soft_wrap=True)
        return
    done = "Rebased onto" if outcome.mode == "rebase" else "Merged"
    into = "" if outcome.mode == "rebase" else " into this branch"
    con.print(f"{done} {outcome.target}{into}. Next: 'icsvc check', then 'git push'.",
              markup=False, soft_wrap=True)


def unresolved(outcome: Outcome, fmt: str) -> str:
    """The error a merge that stopped on conflicts ends with."""
    return f"{len(outcome.conflicts)} file(s) still in conflict" + (
        "; see above" if fmt != "json" else "")
