"""`icsvc commit` (and `icsvc new --pr`) shown: what was committed, left out, pushed and
opened; then the next step."""

from __future__ import annotations

from typing import Any

from icsvc.commands.commit import Outcome
from icsvc.output.ui import console, print_json


def to_json(out: Outcome) -> dict[str, Any]:
    return {"branch": out.branch, "created_branch": out.created_branch,
            "commits": [{"commit": m.sha, "message": m.message,
                         "author": {"name": m.author, "email": m.email}, "files": m.files}
                        for m in out.commits],
            "commit": out.sha, "message": out.message,
            "author": {"name": out.author, "email": out.email} if out.sha else None,
            "files": out.files,
            "skipped": [{"path": p, "reason": r} for p, r in out.skipped],
            "pushed_to": out.pushed_to, "pull_request": out.pr_url,
            "hint": out.pr_hint}


def render(out: Outcome, fmt: str) -> None:
    if fmt == "json":
        print_json(to_json(out))
        return
    con = console()

    def say(text: str) -> None:
        con.print(text, markup=False, soft_wrap=True)

    if out.created_branch:
        say(f"Switched to a new branch {out.branch} for the pull request.")
    for made in out.commits:
        subject = made.message.splitlines()[0]
        who = made.email if made.author == made.email else f"{made.author} <{made.email}>"
        say(f"Committed {len(made.files)} file(s) as {who}: {made.sha[:7]} {subject}")
        for path in made.files:
            say(f"  {path}")
    for path, reason in out.skipped:
        say(f"Left out {path}: {reason}")
    if out.pushed_to:
        say(f"Pushed {out.branch} to {out.pushed_to}.")
    if out.pr_url:
        say(f"Opened the pull request: {out.pr_url}")
    if out.pr_hint:
        say(out.pr_hint)
    if not out.pushed_to:
        say("Next: icsvc commit --push (or --pr to open the pull request)")
