"""`icsvc check` shown: each problem as `path:line: message` (or a GitHub Actions annotation,
or JSON), then a summary on stderr."""

from __future__ import annotations

import sys

from icsvc.commands.check import Checked
from icsvc.output.ui import print_json
from icsvc.store.validate import Problem


def github_annotation(p: Problem) -> str:
    message = p.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::error file={p.path},line={p.line or 1}::{message}"


def render(checked: Checked, fmt: str) -> None:
    problems, base = checked.problems, checked.base
    if fmt == "json":
        print_json([{"path": p.path, "line": p.line or 1, "message": p.message}
                    for p in problems])
    elif fmt == "github":
        for p in problems:
            print(github_annotation(p))
    else:
        for p in problems:
            print(p.format())
        count = checked.files
        since = f" (and the changes since {base})" if base else ""
        requests = (f"{count} request file(s)" if not checked.changed_only
                    else f"the {count} request file(s) changed since {base}")
        files = (f"providers.yaml, {requests} and {checked.answers} survey answer(s)"
                 if checked.answers else f"providers.yaml and {requests}")
        summary = ((f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")) if problems
                   else f"ok: {files} are valid{since}")
        sys.stdout.flush()  # the problems before the summary, also when both go to one pipe
        from icsvc.output import plain

        plain.say(summary, stream=sys.stderr)
