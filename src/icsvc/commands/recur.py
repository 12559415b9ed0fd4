"""`icsvc recur`: make the recurring requests that are due (`workflow/recurrences.py`), and
with `--commit` commit each as its requester, as `check --base` requires."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from icsvc.commands import open_store
from icsvc.commands.context import Context
from icsvc.domain import names
from icsvc.errors import UsageError
from icsvc.workflow.recurrences import Made, make_due


@dataclass
class Recurred:
    made: list[Made]
    dry_run: bool
    commits: list[str] = field(default_factory=list)


def run(ctx: Context, chosen: list[str], dry_run: bool, commit: bool) -> Recurred:
    if dry_run and commit:
        raise UsageError("--commit: nothing is made with --dry-run, so nothing is committed")
    store = open_store(ctx)
    cat = store.catalogue
    for name in chosen:
        if name not in cat.recurring:
            raise names.unknown("RECURRENCE", "unknown recurrence", name, list(cat.recurring))
    top = None
    if commit:
        from icsvc.store import gitutil

        top = gitutil.require_repo(store.root)
    made = make_due(store, ctx.now, chosen, dry_run)
    out = Recurred(made, dry_run)
    if top is not None:
        from icsvc.git.commit import author_name
        from icsvc.store import gitutil

        date = ctx.now.isoformat() if os.environ.get("ICSVC_NOW") else None
        for item in made:
            rec, request = item.recurrence, item.request
            message = (f"Recurring {rec.name} ({item.occurrence.key}): {request.id} "
                       f"{request.title}")
            out.commits.append(gitutil.commit_paths(
                top, [os.path.relpath(store.root / item.rel, top)], message,
                author_name(top, rec.requester), rec.requester, date=date))
    return out
