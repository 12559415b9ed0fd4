"""`icsvc codeowners`: each provider's requests/ folder reviewed by its own team."""

from __future__ import annotations

from pathlib import Path

import typer

from icsvc.cli.ui import console, print_json
from icsvc.commands import open_store
from icsvc.commands.context import Context
from icsvc.errors import IcsvcError
from icsvc.git import codeowners
from icsvc.store.yamlio import write_atomic


def run(ctx: Context, output: Path | None, check_only: bool, fmt: str = "table") -> None:
    store = open_store(ctx)
    lines = codeowners.block(store.catalogue, store.root)
    path = (ctx.cwd / output).resolve() if output else codeowners.default_path(store.root)
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    try:
        text = codeowners.render(existing, lines)
    except codeowners.UnclosedBlock as exc:
        raise IcsvcError(f"{path}: {exc}") from None
    stale = text != existing
    if fmt == "json":
        if stale and not check_only:
            write_atomic(path, text)
        print_json({"path": str(path), "lines": lines[1:-1], "stale": stale,
                    "written": stale and not check_only})
        if stale and check_only:
            raise typer.Exit(1)
        return
    con = console()
    if text == existing:
        con.print(f"{path} is up to date ({len(lines) - 2} provider folder(s)).", markup=False)
        return
    if check_only:
        print(f"{path}: the icsvc block is stale or missing; run 'icsvc codeowners'")
        raise typer.Exit(1)
    write_atomic(path, text)
    con.print(f"Wrote {path}:", markup=False)
    for line in lines[1:-1]:
        con.print(f"  {line}", markup=False)
    con.print("Commit it, and require code owner review on the default branch.", markup=False)
