"""GitHub commands: issue forms generated from the catalogue, and issues turned into requests."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from icsvc.cli.common import ActorOpt, StoreOpt, context, examples, shown
from icsvc.cli.declare import Group, Option

group = Group()
"""This module's commands, added to the app by `app.py`."""


class TextFormat(StrEnum):
    text = "text"
    json = "json"


FormatOpt = Annotated[TextFormat, Option("--format", "-f", help="Output format.")]


@group.command(epilog=examples(
    "icsvc forms",
    "icsvc forms --check",
    "icsvc forms --repo-url https://github.com/acme/requests",
))
def forms(
    output: Annotated[Path | None, Option(
        "--output", "-o", metavar="FOLDER",
        help="Where to write them (default: .github/ISSUE_TEMPLATE in the repository; never "
             "among the store's own files or git's).")]
    = None,
    force: Annotated[bool, Option(
        "--force", help="Also replace files of the forms' names written by hand.")] = False,
    check_only: Annotated[bool, Option(
        "--check", help="Write nothing; list stale, missing or orphaned forms, exit 1 if "
                        "any.")] = False,
    repo_url: Annotated[str | None, Option(
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
        raise SystemExit(1)  # a failed check: the report says why


@group.command(epilog=examples(
    'icsvc intake --event "$GITHUB_EVENT_PATH" --format json > result.json',
    "icsvc intake --post result.json",
    'icsvc intake --mirror "$BEFORE" --format json > mirror.json',
))
def intake(
    event: Annotated[Path | None, Option(
        "--event", metavar="FILE",
        help="The event JSON GitHub gives the workflow ($GITHUB_EVENT_PATH): an issue "
             "opened, edited or closed, or a comment on it.")] = None,
    mirror: Annotated[str | None, Option(
        "--mirror", metavar="REV",
        help="Instead: the comments the issues of requests changed since REV get (what "
             "their requesters are told), and which issues close.")] = None,
    post: Annotated[Path | None, Option(
        "--post", metavar="FILE",
        help="Instead: post on GitHub what an earlier run's JSON result says (comments, "
             "closing), with GITHUB_TOKEN and GITHUB_REPOSITORY.")] = None,
    pull_request: Annotated[bool, Option(
        "--pull-request",
        help="The workflow proposes each new request by a pull request (the comment says "
             "so); by default it commits it to the default branch.")] = False,
    fmt: FormatOpt = TextFormat.text,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Turn an issue opened from an icsvc form into a request file, by the rules of new;
    act on a comment on its issue; cancel it when its requester closes the issue.

    The requester is the person whose 'people:' entry in providers.yaml has the issue
    author's GitHub login; the request is dated when the issue was opened and records the
    issue as its source. A comment's commands (/rate, /cancel, /reopen, /escalate, /accept,
    /contest, /needed-by for the customer; /ack, /need-info, /resolve, /decline for the
    provider) and answers become the entries the commands write, by the commenter.
    Prints the comment to post, or (exit 1, nothing written) why not. An event already
    acted on, or with nothing to act on, is left alone (exit 0).
    """
    from icsvc.commands import intake as cmd
    from icsvc.output import intake as out

    chosen = [name for name, value in (("--event", event), ("--mirror", mirror),
                                       ("--post", post)) if value is not None]
    if len(chosen) != 1:
        from icsvc.errors import UsageError

        raise UsageError("intake: pass one of --event FILE, --mirror REV or --post FILE"
                         + (f" (not {' and '.join(chosen)})" if chosen else ""))
    ctx = context(store, actor)
    if mirror is not None:
        out.render(cmd.mirror_since(ctx, mirror), fmt.value)
    elif post is not None:
        out.render(cmd.post(ctx, post), fmt.value)
    else:
        assert event is not None
        shown(lambda: cmd.run(ctx, event, pull_request), lambda data: out.render(data, fmt.value))
