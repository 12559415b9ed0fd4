"""`icsvc git-setup`: register the request merge driver in this clone (config is not cloned)
and set up signed commits from the keys providers.yaml lists."""

from __future__ import annotations

from pathlib import Path

from icsvc.commands import open_store
from icsvc.commands.context import Context
from icsvc.errors import IcsvcError
from icsvc.git import signing
from icsvc.output.ui import console, print_json
from icsvc.store import gitutil


def run(ctx: Context, quiet: bool = False, signing_key: Path | None = None,
        fmt: str = "table") -> None:
    store = open_store(ctx)
    changed = gitutil.register_merge_driver(store.root)
    try:
        actor: str | None = ctx.actor()
    except IcsvcError:
        actor = None
    key = (ctx.cwd / signing_key).expanduser() if signing_key is not None else None
    signed = signing.setup(store.root, store.catalogue, actor, key, Path.home())
    if fmt == "json":
        print_json({"changed": changed, "signing": signed})
        return
    if quiet:
        return
    con = console()
    if not changed and not signed:
        con.print("The icsvc merge driver (and commit signing, where keys are listed) is "
                  "already set up in this clone.", markup=False)
        return
    if changed:
        con.print("Set up the icsvc merge driver for requests/:", markup=False)
        for line in changed:
            con.print(f"  {line}", markup=False)
        if any(line.startswith(".gitattributes") for line in changed):
            con.print("Commit .gitattributes so every clone merges request files the same "
                      "way.", markup=False)
    if signed:
        con.print("Set up signed commits (SSH keys from people: in providers.yaml):",
                  markup=False)
        for line in signed:
            con.print(f"  {line}", markup=False)
