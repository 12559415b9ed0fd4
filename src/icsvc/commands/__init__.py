"""One module per command: plain functions that take their inputs explicitly and return
what they did (`output/` renders it; nothing here prints, prompts or exits)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from icsvc.commands.context import Context
from icsvc.errors import IcsvcError, UsageError
from icsvc.store.store import MANAGED_TEXT, Store, find_store, managed_problem


class Refused(IcsvcError):
    """A refusal (or a failure) that comes with a result to show first: the comment to post
    on an issue that cannot become a request, the deliveries tried before one failed. The
    command line renders `result`, then reports the error as any other."""

    def __init__(self, message: str, result: Any) -> None:
        super().__init__(message)
        self.result = result


def open_store(ctx: Context) -> Store:
    return Store(find_store(ctx.cwd, ctx.store_override), warn=ctx.warn)


def in_git(root: Path) -> bool:
    """Whether the store is inside a git work tree (looked up on disk, no git process)."""
    return any((folder / ".git").exists() for folder in (root, *root.parents))


def next_step(store: Store, step: str = "icsvc commit") -> str | None:
    """What to run next after a command that changed a request (None outside git)."""
    return step if in_git(store.root) else None


def output_target(ctx: Context, store: Store, option: str, given: Path, *, force: bool,
                  ours: Callable[[str], bool] | None = None, folder: bool = False) -> Path:
    """Where an output option (`-o`) may write: `given`, from the current folder. Never a
    path among the store's own files or git's (`managed_problem`: whatever its case, `..`
    or symlinks), even with `--force` (bad usage); an existing file is refused unless
    `force`, or `ours` says (from its text) that icsvc made it to be updated. `folder`: the
    option names a folder to write files in (an existing folder is fine)."""
    if "\0" in str(given):
        raise UsageError(f"{option}: the path contains a NUL character")
    path = Path(os.path.abspath(ctx.cwd / given))
    problem = managed_problem(store.root, path)
    if problem is not None:
        raise UsageError(f"{option}: {given} is {problem}: no output is written there, "
                         f"even with --force (accepted: {MANAGED_TEXT})")
    if folder:
        if os.path.lexists(path) and not path.is_dir():
            raise UsageError(f"{option}: {given} is not a folder (accepted: a folder)")
        return path
    if path.is_dir():
        raise UsageError(f"{option}: {given} is a folder (accepted: a file path)")
    if os.path.lexists(path) and not force:
        text = _head(path) if ours is not None else None
        if text is None or ours is None or not ours(text):
            raise IcsvcError(f"refused: {given} already exists; pass --force to replace it, "
                             "or name another file")
    return path


def _head(path: Path) -> str | None:
    """The start of an existing regular file's text (None for anything else), to tell one
    icsvc made."""
    import stat

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with open(path, "rb") as handle:
            return handle.read(1 << 20).decode("utf-8", errors="replace")
    except OSError:
        return None


def write_output(path: Path, text: str, option: str) -> None:
    """Write an output file (`output_target` chose it) atomically."""
    from icsvc.store.yamlio import write_atomic

    try:
        write_atomic(path, text)
    except OSError as exc:
        raise IcsvcError(f"{option}: cannot write {path}: {exc.strerror}") from None
