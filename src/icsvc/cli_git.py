"""Git collaboration commands (merge-driver, sync, git-setup, codeowners)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from icsvc.cli import ActorOpt, StoreOpt, _context, app


@app.command("merge-driver")
def merge_driver(
    base: Annotated[Path, typer.Argument(help="The common ancestor (%O).")],
    ours: Annotated[Path, typer.Argument(
                                         help="Our version (%A); the result is written here.")],
    theirs: Annotated[Path, typer.Argument(help="Their version (%B).")],
    path: Annotated[str | None, typer.Argument(
                                                  help="The file's path (%P).")] = None,
) -> None:
    """The git merge driver for request files: merges field by field, unions the histories.

    Registered by 'icsvc init' and 'icsvc git-setup'; git runs it, not people.
    """
    from icsvc.commands import merge_driver as cmd

    cmd.run(base, ours, theirs, path)


@app.command("git-setup")
def git_setup(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing.")] = False,
    signing_key: Annotated[Path | None, typer.Option(
        "--signing-key", metavar="FILE",
        help="Sign your commits with this SSH key (one providers.yaml lists for you under "
             "people:; default: the first such key in ~/.ssh).")] = None,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Register the request merge driver in this clone (.gitattributes + git config), and
    set up signed commits from the SSH keys people: lists in providers.yaml."""
    from icsvc.commands import git_setup as cmd

    cmd.run(_context(store, actor), quiet, signing_key)


@app.command()
def sync(
    remote: Annotated[str | None, typer.Option(
        "--remote", help="The remote (default: the branch's upstream remote, else origin; "
                         "'.' merges a local branch).")]
    = None,
    branch: Annotated[str | None, typer.Option(
        "--branch", "-b", help="The branch to merge, e.g. your pull request's base (main). "
                               "Default: the current branch's upstream.")] = None,
    rebase: Annotated[bool, typer.Option(
        "--rebase", help="Rebase onto it instead of merging.")] = False,
    store: StoreOpt = None,
) -> None:
    """Fetch and merge (or rebase) a branch with the request merge driver active.

    Run it when a pull request reports a conflict in requests/: hosted merge buttons
    cannot run the driver, your clone can.
    """
    from icsvc.commands import sync as cmd

    cmd.run(_context(store, None), remote, branch, rebase)


@app.command()
def codeowners(
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="The CODEOWNERS file (default: .github/CODEOWNERS in the "
                               "repository).")] = None,
    check_only: Annotated[bool, typer.Option(
        "--check", help="Write nothing; exit 1 when the file is stale.")] = False,
    store: StoreOpt = None,
) -> None:
    """Give each provider's requests/ folder to its members (or team) in CODEOWNERS."""
    from icsvc.commands import codeowners as cmd

    cmd.run(_context(store, None), output, check_only)
