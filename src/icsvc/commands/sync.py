"""`icsvc sync`: fetch and merge (or rebase) with the request merge driver active.

Hosted merge buttons cannot run custom merge drivers, so when a pull request reports a
conflict in requests/, this is the one command to run in a clone; then push.
"""

from __future__ import annotations

from icsvc.commands import open_store
from icsvc.commands.context import Context
from icsvc.errors import IcsvcError
from icsvc.git import gitmerge
from icsvc.store import gitutil


def run(ctx: Context, remote: str | None, branch: str | None, rebase: bool
        ) -> gitmerge.Outcome:
    """Fetch and merge (or rebase), or finish a merge in progress. A merge that stops on
    conflicts is an outcome, not an error: the files left in `conflicts` are the user's."""
    store = open_store(ctx)
    top = gitutil.require_repo(store.root)
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
    gitutil.register_merge_driver(store.root)  # once nothing can refuse: a refusal writes none
    with store.writing("icsvc sync"):  # the merge rewrites request files
        if finishing:
            outcome = gitmerge.finish_in_progress(top, store.root)
        else:
            assert remote is not None and branch is not None
            outcome = gitmerge.merge_branch(top, store.root, remote, branch, rebase)
    return outcome
