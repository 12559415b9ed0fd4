"""Notification commands: tell people what changed (notify) and send digests (digest)."""

from enum import StrEnum
from typing import Annotated

from icsvc.cli.common import ActorOpt, StoreOpt, context, examples, shown
from icsvc.cli.declare import Argument, Group, Option

group = Group()
"""This module's commands, added to the app by `app.py`."""


class TextFormat(StrEnum):
    text = "text"
    json = "json"


class DigestKind(StrEnum):
    daily = "daily"
    weekly = "weekly"


FormatOpt = Annotated[TextFormat, Option("--format", "-f", help="Output format.")]
DryRunOpt = Annotated[bool, Option(
    "--dry-run", help="Print the messages instead of sending them; record nothing.")]


@group.command(epilog=examples(
    "icsvc notify --since HEAD~1 --dry-run",
    "icsvc notify",
    'icsvc notify --since "$BEFORE" --no-clocks',
))
def notify(
    since: Annotated[str | None, Option(
        "--since", metavar="REV",
        help="Tell what the commits after REV added (default: since the last run recorded "
             "in .icsvc/notify.json).")] = None,
    until: Annotated[str | None, Option(
        "--until", metavar="REV", help="Up to this commit (default: HEAD).")] = None,
    since_time: Annotated[str | None, Option(
        "--since-time", metavar="WHEN",
        help="Clock changes only, since WHEN: an ISO 8601 time, or a period such as 1h "
             "meaning the last whole hour (for a schedule).")] = None,
    clocks: Annotated[bool, Option(
        "--clocks/--no-clocks",
        help="Also tell the clocks that turned at risk or breached meanwhile (default).")]
    = True,
    dry_run: DryRunOpt = False,
    fmt: FormatOpt = TextFormat.text,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Tell requesters, providers and escalation contacts what changed, one message each.

    New history entries (acknowledged, need-info, resolved, escalated...) and SLA clocks
    that turned at risk or breached go to the people concerned, through the channels under
    'notify:' in providers.yaml (or ICSVC_NOTIFY_URL). What was sent is recorded in
    .icsvc/notify.json, so nothing is sent twice; a failed delivery is tried again next
    time (exit 1).
    """
    from icsvc.commands import notify as cmd
    from icsvc.notify.changes import Options
    from icsvc.output import notify as out

    shown(lambda: cmd.run(context(store, actor), Options(since, until, since_time, clocks),
                          dry_run), lambda done: out.render(done, fmt.value))


@group.command(epilog=examples(
    "icsvc digest daily --dry-run",
    "icsvc digest weekly",
))
def digest(
    kind: Annotated[DigestKind, Argument(
        metavar="daily|weekly",
        help="daily: each provider member's queue (breached, at risk, due today); weekly: "
             "last week's report to escalation contacts and department managers.")],
    dry_run: DryRunOpt = False,
    fmt: FormatOpt = TextFormat.text,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Send the daily or weekly digest, once per day (week) and recipient."""
    from icsvc.commands import digest as cmd
    from icsvc.output import notify as out

    shown(lambda: cmd.run(context(store, actor), kind.value, dry_run),
          lambda done: out.render(done, fmt.value))


@group.command(epilog=examples(
    "icsvc mail --format json",
    "icsvc mail --store /srv/requests --commit",
))
def mail(
    commit: Annotated[bool, Option(
        "--commit", help="Commit what the message wrote, authored by its sender.")] = False,
    fmt: FormatOpt = TextFormat.text,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Read one mail message (RFC 5322) on standard input: a new request, or a reply to one.

    A new message asks for the service of its address's +tag or 'Service: provider.service'
    line, titled by its subject, with 'key: value' lines for what the service needs; a
    reply with [ID] in its subject answers a question, adds a note, or acts as a comment
    would (/rate N, /cancel, ...). The sender is answered by mail (notify: channels).
    Automatic mail is never answered; the same message twice changes nothing. A mail
    server's alias pipes each message in: requests: "|icsvc mail --store PATH --commit".
    """
    import sys

    from icsvc.commands import mail as cmd
    from icsvc.output import intake as out

    ctx = context(store, actor)
    stream = getattr(sys.stdin, "buffer", None)  # bytes: a message is not always UTF-8
    read = stream.read if stream is not None else (
        lambda n: sys.stdin.read(n).encode("utf-8", "surrogateescape"))
    shown(lambda: cmd.run(ctx, read, commit),
          lambda result: out.render_mail(result, fmt.value))
