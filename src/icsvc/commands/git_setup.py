"""`icsvc git-setup`: register the request merge driver in this clone (config is not cloned)
and set up signed commits from the keys providers.yaml lists."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from icsvc.commands import open_store
from icsvc.commands.context import Context
from icsvc.errors import IcsvcError
from icsvc.git import signing
from icsvc.store import gitutil


@dataclass
class SetUp:
    """What changed in this clone: the merge driver's set-up, and commit signing's."""

    changed: list[str]
    signed: list[str]


def run(ctx: Context, signing_key: Path | None = None) -> SetUp:
    store = open_store(ctx)
    changed = gitutil.register_merge_driver(store.root)
    try:
        actor: str | None = ctx.actor()
    except IcsvcError:
        actor = None
    key = (ctx.cwd / signing_key).expanduser() if signing_key is not None else None
    return SetUp(changed, signing.setup(store.root, store.catalogue, actor, key, Path.home()))
