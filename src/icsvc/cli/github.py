"""GitHub commands: issue forms generated from the catalogue, and issues turned into requests."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from icsvc.cli.common import ActorOpt, StoreOpt, context, examples, shown

group = typer.Typer()
"""This module's commands, added to the app by `app.py`."""


class TextFormat(StrEnum):
    text = "text"
    json = "json"


FormatOpt = Annotated[TextFormat, typer.Option("--format", "-f", help="Output format.")]


@group.command(epilog=examples(
    "icsvc forms",
    "icsvc forms --check",
    "icsvc forms --repo-url https://github.com/acme/requests",
))
def forms(
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="FOLDER",
        help="Where to write them (default: .github/ISSUE_TEMPLATE in the repository; never "
             "among the store's own files or git's).")]
    = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Also replace files of the forms' names written by hand.")] = False,
    check_only: Annotated[bool, typer.Option(
        "--check", help="Write nothing; list stale, missing or orphaned forms, exit 1 if "
                        "any.")] = False,
    repo_url: Annotated[str | None, typer.Option(
        "--repo-url", metavar="URL",
        help="The repository the chooser's links point to (default: the one config.yml "
             "already links to, else the origin remote).")] = None,
    fmt: FormatOpt = TextFormat.text,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Write a GitHub issue form per provider service, and the chooser's config.yml.

    Each form asks for what 'icsvc new' asks for and says what to expect (lead time,
    targets per priority in the provider's hours); 'icsvc intake' turns an issue opened
    from one into a request file. Forms no longer matching providers.yaml are rewritten,
    those of removed services deleted; 'icsvc check' reports them until then.
    """
    from icsvc.commands import forms as cmd
    from icsvc.output import forms as out

    done = cmd.run(context(store, actor), output, check_only, repo_url, force)
    if not check_only:
        out.render(done, fmt.value)
        return
    out.checked(done, fmt.value)
    if done.drift:
        raise typer.Exit(1)  # a failed check: the report says why


@group.command(epilog=examples(
    'icsvc intake --event "$GITHUB_EVENT_PATH"',
    "icsvc intake --event event.json --format json",
))
def intake(
    event: Annotated[Path, typer.Option(
        "--event", metavar="FILE",
        help="The event JSON GitHub gives the workflow ($GITHUB_EVENT_PATH): an issue "
             "opened or edited, or a '/icsvc retry' comment.")],
    fmt: FormatOpt = TextFormat.text,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Turn an issue opened from an icsvc form into a request file, by the rules of new.

    The requester is the person whose 'people:' entry in providers.yaml has the issue
    author's GitHub login; the request is dated when the issue was opened and records the
    issue as its source. Prints the comment to post: the ID and the dates to expect, or
    (exit 1, nothing written) what is missing. An issue already made into a request, or
    not opened from a form, is left alone (exit 0).
    """
    from icsvc.commands import intake as cmd
    from icsvc.output import intake as out

    shown(lambda: cmd.run(context(store, actor), event), lambda data: out.render(data, fmt.value))
