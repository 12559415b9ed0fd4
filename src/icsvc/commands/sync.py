"""`icsvc sync`: fetch and merge (or rebase) with the request merge driver active.

Hosted merge buttons cannot run custom merge drivers, so when a pull request reports a
conflict in requests/, this is the one command to run in a clone; then push.
"""

from __future__ import annotations

from icsvc.commands import open_store
from icsvc.commands.context import Context
from icsvc.errors import IcsvcError, one_line
from icsvc.git import gitmerge
from icsvc.output.ui import console, print_json
from icsvc.store import gitutil


def run(ctx: Context, remote: str | None, branch: str | None, rebase: bool,
        fmt: str = "table") -> None:
    store = open_store(ctx)
    top = gitutil.require_repo(store.root)
    gitutil.register_merge_driver(store.root)
    finishing = gitutil.in_progress(top) is not None
    if not finishing:
        if not gitutil.head(top):
            raise IcsvcError("this repository has no commits yet; commit first, then sync")
        up = gitutil.upstream(top)
        remote = remote or (up[0] if up else "origin")
        if branch is None:
            if up and up[0] == remote:
                branch = up[1]
            else:
                branch = gitutil.remote_default_branch(top, remote)
        if branch is None:
            raise IcsvcError(
                f"which branch? the current branch has no upstream on {remote}; pass "
                "--branch NAME (for a pull request, its base branch, e.g. --branch main)"
            )
        gitutil.fetch(top, remote, branch)
    with store.writing("icsvc sync"):  # the merge rewrites request files
        if finishing:
            outcome = gitmerge.finish_in_progress(top, store.root)
        else:
            assert remote is not None and branch is not None
            outcome = gitmerge.merge_branch(top, store.root, remote, branch, rebase)
    if fmt == "json":
        print_json({"mode": outcome.mode, "target": outcome.target, "changed": outcome.changed,
                    "conflicts": list(outcome.conflicts), "merged": list(outcome.driver_notes),
                    "moved": list(outcome.moved)})
        if outcome.conflicts:
            raise IcsvcError(f"{len(outcome.conflicts)} file(s) still in conflict")
        return
    _report(outcome)


def _report(outcome: gitmerge.Outcome) -> None:
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
        raise IcsvcError(f"{len(outcome.conflicts)} file(s) still in conflict; see above")
    if not outcome.changed:
        con.print(f"Already up to date with {outcome.target}.", markup=False, soft_wrap=True)
        return
    done = "Rebased onto" if outcome.mode == "rebase" else "Merged"
    into = "" if outcome.mode == "rebase" else " into this branch"
    con.print(f"{done} {outcome.target}{into}. Next: 'icsvc check', then 'git push'.",
              markup=False, soft_wrap=True)
