"""`icsvc check`: validate the store; CI runs it on every pull request."""

from __future__ import annotations

import typer

from icsvc.commands import open_store
from icsvc.context import Context
from icsvc.ui import console, print_json
from icsvc.validate import Problem, check_store


def github_annotation(p: Problem) -> str:
    message = p.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::error file={p.path},line={p.line or 1}::{message}"


def run(ctx: Context, fmt: str, base: str | None = None) -> None:
    store = open_store(ctx)
    problems = check_store(store)
    if fmt == "json":
        print_json([{"path": p.path, "line": p.line or 1, "message": p.message}
                    for p in problems])
    elif fmt == "github":
        for p in problems:
            print(github_annotation(p))
    else:
        for p in problems:
            print(p.format())
        count = sum(1 for _ in store.request_files())
        summary = (f"{len(problems)} problem(s) in {store.root}" if problems
                   else f"ok: providers.yaml and {count} request file(s) are valid")
        console(stderr=True).print(summary, markup=False)
    if problems:
        raise typer.Exit(1)
