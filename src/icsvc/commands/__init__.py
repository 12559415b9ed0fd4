"""One module per command: plain functions that take their inputs explicitly."""

from __future__ import annotations

from pathlib import Path

from icsvc.commands.context import Context
from icsvc.store.store import Store, find_store


def open_store(ctx: Context) -> Store:
    from icsvc.cli.ui import warn

    return Store(find_store(ctx.cwd, ctx.store_override), warn=warn)


def in_git(root: Path) -> bool:
    """Whether the store is inside a git work tree (looked up on disk, no git process)."""
    return any((folder / ".git").exists() for folder in (root, *root.parents))


def next_step(store: Store, step: str = "icsvc commit") -> None:
    """The one line that ends a command that changed a request: what to run next."""
    if in_git(store.root):
        from icsvc.cli.ui import console

        console().print(f"Next: {step}", markup=False, soft_wrap=True)
