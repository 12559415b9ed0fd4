"""Git collaboration commands (commit, sync, git-setup, codeowners, merge-driver)."""

from pathlib import Path
from typing import Annotated

from icsvc.cli.common import ActorOpt, ShowFmtOpt, ShowFormat, StoreOpt, context, examples
from icsvc.cli.declare import Argument, Group, Option

group = Group()
"""This module's commands, added to the app by `app.py`."""


@group.command(epilog=examples(
    "icsvc commit",
    "icsvc commit -m 'Triage of the morning queue' --push",
    "icsvc commit --pr",
))
def commit(
    message: Annotated[str | None, Option(
        "--message", "-m", metavar="TEXT",
        help="The commit message (default: a summary, e.g. 'icsvc: ack 09KRRP64; note "
             "B1QD49VF').")] = None,
    push: Annotated[bool, Option(
        "--push", help="Then push the branch (setting its upstream).")] = False,
    pr: Annotated[bool, Option(
        "--pr", help="Then push and open a pull request with gh (on the default branch, "
                     "first move the work to a new branch).")] = False,
    fmt: ShowFmtOpt = ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Commit the changed request files, each person's entries as them, so 'icsvc check
    --base' accepts them.

    One commit per person (in the order of their entries), each with that person as the
    author; other files are left alone. --as EMAIL commits that person's entries alone.
    When the store requires signed commits, each person commits their own: several
    people's changes are refused with the command each of them runs."""
    from icsvc.commands import commit as cmd
    from icsvc.output import commit as out

    out.render(cmd.run(context(store, actor), cmd.Options(message=message, push=push or pr,
                                                           pr=pr)), fmt.value)


@group.command(epilog=examples(
    "icsvc sync",
    "icsvc sync --branch main",
    "icsvc sync --remote . --branch raj/ack --rebase",
))
def sync(
    remote: Annotated[str | None, Option(
        "--remote", metavar="REMOTE",
        help="The remote (default: the branch's upstream remote, else origin; '.' merges a "
             "local branch).")]
    = None,
    branch: Annotated[str | None, Option(
        "--branch", "-b", metavar="BRANCH",
        help="The branch to merge, e.g. your pull request's base (main). Default: the "
             "current branch's upstream.")] = None,
    rebase: Annotated[bool, Option(
        "--rebase", help="Rebase onto it instead of merging.")] = False,
    fmt: ShowFmtOpt = ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Fetch and merge (or rebase) a branch with the request merge driver active.

    Run it when a pull request reports a conflict in requests/: hosted merge buttons
    cannot run the driver, your clone can.
    """
    from icsvc.commands import sync as cmd
    from icsvc.errors import IcsvcError
    from icsvc.output import sync as out

    outcome = cmd.run(context(store, actor), remote, branch, rebase)
    out.render(outcome, fmt.value)
    if outcome.conflicts:  # the merge stopped: the files are the user's to fix
        raise IcsvcError(out.unresolved(outcome, fmt.value))


@group.command("git-setup", epilog=examples(
    "icsvc git-setup",
    "icsvc git-setup --signing-key ~/.ssh/id_ed25519.pub",
    "icsvc git-setup --quiet",
))
def git_setup(
    quiet: Annotated[bool, Option("--quiet", "-q", help="Print nothing.")] = False,
    signing_key: Annotated[Path | None, Option(
        "--signing-key", metavar="FILE",
        help="Sign your commits with this SSH key (one providers.yaml lists for you under "
             "people:; default: the first such key in ~/.ssh).")] = None,
    fmt: ShowFmtOpt = ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Register the request merge driver in this clone (.gitattributes + git config), and
    set up signed commits from the SSH keys people: lists in providers.yaml."""
    from icsvc.commands import git_setup as cmd
    from icsvc.output import git_setup as out

    out.render(cmd.run(context(store, actor), signing_key), fmt.value, quiet)


@group.command(epilog=examples(
    "icsvc codeowners",
    "icsvc codeowners --check",
    "icsvc codeowners -o docs/CODEOWNERS --format json",
))
def codeowners(
    output: Annotated[Path | None, Option(
        "--output", "-o", metavar="FILE",
        help="The CODEOWNERS file (default: .github/CODEOWNERS in the repository); an "
             "existing one without the icsvc block only with --force.")] = None,
    check_only: Annotated[bool, Option(
        "--check", help="Write nothing; exit 1 when the file is stale.")] = False,
    force: Annotated[bool, Option(
        "--force", help="Add the block to an existing --output file that has none.")] = False,
    fmt: ShowFmtOpt = ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Give each provider's requests/ folder to its members (or team) in CODEOWNERS."""
    from icsvc.commands import codeowners as cmd
    from icsvc.output import codeowners as out

    owners = cmd.run(context(store, actor), output, check_only, force)
    out.render(owners, fmt.value)
    if owners.stale and check_only:
        raise SystemExit(1)  # a failed check: the report says why


@group.command("merge-driver", epilog=examples(
    "git config merge.icsvc.driver 'icsvc merge-driver %O %A %B %P'",
))
def merge_driver(
    base: Annotated[Path, Argument(metavar="BASE", help="The common ancestor (%O).")],
    ours: Annotated[Path, Argument(
        metavar="OURS", help="Our version (%A); the result is written here.")],
    theirs: Annotated[Path, Argument(metavar="THEIRS", help="Their version (%B).")],
    path: Annotated[str | None, Argument(
        metavar="[FILE]", help="The file's path in the repository (%P).")] = None,
) -> None:
    """The git merge driver for request files: merges field by field, unions the histories.

    Registered by 'icsvc init' and 'icsvc git-setup'; git runs it, not people.
    """
    from icsvc.commands import merge_driver as cmd
    from icsvc.output import merge_driver as out

    out.render(path or ours.name, cmd.run(base, ours, theirs, path))
