"""One module per command: plain functions that take their inputs explicitly."""

from __future__ import annotations

from icsvc.context import Context
from icsvc.store import Store, find_store


def open_store(ctx: Context) -> Store:
    from icsvc.ui import warn

    return Store(find_store(ctx.cwd, ctx.store_override), warn=warn)
