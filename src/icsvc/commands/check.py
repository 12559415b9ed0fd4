"""`icsvc check`: validate the store; CI runs it on every pull request (`--base`)."""

from __future__ import annotations

import typer

from icsvc.commands import open_store
from icsvc.context import Context
from icsvc.store import Store
from icsvc.ui import console, print_json, progress
from icsvc.validate import Problem, check_store


def github_annotation(p: Problem) -> str:
    message = p.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::error file={p.path},line={p.line or 1}::{message}"


def codeowners_problems(store: Store) -> list[Problem]:
    """A CODEOWNERS file whose icsvc block no longer matches providers.yaml."""
    from icsvc import codeowners
    from icsvc.errors import ValidationError

    path = codeowners.default_path(store.root)
    if not path.is_file():
        return []
    try:
        lines = codeowners.block(store.catalogue, store.root)
        line = codeowners.stale_line(path.read_text(encoding="utf-8"), lines)
    except (ValidationError, OSError, UnicodeDecodeError):
        return []
    if line is None:
        return []
    return [Problem(store.rel(path), line, "CODEOWNERS: the icsvc block is stale (providers or "
                                           "members changed); run 'icsvc codeowners' and commit")]


def run(ctx: Context, fmt: str, base: str | None = None) -> None:
    store = open_store(ctx)
    with progress(lambda: sum(1 for _ in store.request_files())) as step:
        problems = check_store(store, progress=step("Checking requests"))
    problems.extend(codeowners_problems(store))
    if base is not None:
        from icsvc.prcheck import check_branch

        problems.extend(check_branch(store, base))
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
        since = f" (and the changes since {base})" if base else ""
        summary = ((f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")) if problems
                   else f"ok: providers.yaml and {count} request file(s) are valid{since}")
        console(stderr=True).print(summary, markup=False)
    if problems:
        raise typer.Exit(1)
