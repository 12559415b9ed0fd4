"""`icsvc codeowners`: each provider's requests/ folder reviewed by its own team."""

from __future__ import annotations

from pathlib import Path

import typer

from icsvc.commands import open_store, output_target, write_output
from icsvc.commands.context import Context
from icsvc.errors import IcsvcError
from icsvc.git import codeowners
from icsvc.output.ui import console, print_json


def run(ctx: Context, output: Path | None, check_only: bool, fmt: str = "table",
        force: bool = False) -> None:
    store = open_store(ctx)
    lines = codeowners.block(store.catalogue, store.root)
    if output is None:
        path = codeowners.default_path(store.root)
    else:  # (checking reads only: any existing file may be checked)
        path = output_target(ctx, store, "--output", output, force=force or check_only,
                             ours=codeowners.has_block)
    existing = _existing(path)
    try:
        text = codeowners.render(existing, lines)
    except codeowners.UnclosedBlock as exc:
        raise IcsvcError(f"{path}: {exc}") from None
    stale = text != existing
    if fmt == "json":
        if stale and not check_only:
            write_output(path, text, "--output")
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
    write_output(path, text, "--output")
    con.print(f"Wrote {path}:", markup=False)
    for line in lines[1:-1]:
        con.print(f"  {line}", markup=False)
    con.print("Commit it, and require code owner review on the default branch.", markup=False)


def _existing(path: Path) -> str:
    """The CODEOWNERS file's text ('' when there is none); anything but a readable regular
    file is refused (a FIFO would block the command)."""
    import os
    import stat

    if not os.path.lexists(path):
        return ""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise IcsvcError(f"{path}: not a regular file; CODEOWNERS must be a plain file")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise IcsvcError(f"{path}: cannot read: {why}") from None
