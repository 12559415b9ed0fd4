"""The first commands of `icsvc --help`: a store's start (init), the catalogue (sla),
asking (new), one request (show), listing (list) and validating (check)."""

from pathlib import Path
from typing import Annotated

from icsvc.cli import completion
from icsvc.cli.common import (
    ActorOpt,
    CheckFormat,
    FormatOpt,
    IdArg,
    NoPagerOpt,
    ProvidersOpt,
    ShowFmtOpt,
    ShowFormat,
    StoreOpt,
    TableFormat,
    context,
    date_help,
    examples,
    interactive,
    paged,
)
from icsvc.cli.declare import Argument, Group, Option

group = Group()
"""This module's commands, added to the app by `app.py`."""


@group.command(epilog=examples(
    "icsvc init acme-services",
    "icsvc init --format json",
))
def init(
    path: Annotated[Path | None, Argument(
        metavar="[FOLDER]", help="Folder for the new store (default: the current folder, "
                                 "or --store).")] = None,
    fmt: ShowFmtOpt = ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Create a new store: a commented providers.yaml, its JSON Schemas, requests/, ignore
    rules."""
    from icsvc.commands import init as cmd
    from icsvc.errors import UsageError
    from icsvc.output import init as out

    if path is not None and store is not None and Path(store).resolve() != path.resolve():
        raise UsageError(f"init: give the folder once (FOLDER {path} or --store {store})")
    out.render(cmd.run(path or Path(store or ".")), fmt.value)


@group.command(epilog=examples(
    "icsvc sla",
    "icsvc sla -p payroll -p it",
    "icsvc sla legal --format json",
))
def sla(
    provider_args: Annotated[list[str] | None, Argument(
        metavar="[PROVIDER]...", help="Only these providers (same as -p).",
        autocompletion=completion.providers)] = None,
    provider: ProvidersOpt = None,
    fmt: ShowFmtOpt = ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
    no_pager: NoPagerOpt = False,
) -> None:
    """The service catalogue: services, what they need from you, lead times, SLA targets."""
    from icsvc.commands import catalogue as cmd
    from icsvc.output import catalogue as out

    with paged(no_pager):
        out.render(cmd.run(context(store, actor), [*(provider_args or []), *(provider or [])]),
                   fmt.value)


@group.command(epilog=examples(
    "icsvc new",
    "icsvc new -p engineering -s part-clarification -t 'Thread spec on bracket 7730-C' "
    "--info order_number=SO-88412 --info part_number=7730-C --needed-by 'next friday'",
    "icsvc new -p it -s laptop -t 'Laptop for Jo' --info user=jo@example.com "
    "--info reason='New starter' --needed-by 'Dec 14' --pr",
))
def new(
    provider: Annotated[str | None, Option(
        "--provider", "-p", metavar="PROVIDER", help="The provider to ask (any case).",
        autocompletion=completion.providers)] = None,
    service: Annotated[str | None, Option(
        "--service", "-s", metavar="SERVICE", help="The provider's service.",
        autocompletion=completion.services)] = None,
    title: Annotated[str | None, Option(
        "--title", "-t", metavar="TEXT", help="A one-line summary.")] = None,
    details: Annotated[str | None, Option(
        "--details", "-d", metavar="TEXT", help="More detail.")] = None,
    priority: Annotated[str | None, Option(
        metavar="PRIORITY", help="What you ask for: low, normal (default), high, urgent.",
        autocompletion=completion.priorities)] = None,
    needed_by: Annotated[str | None, Option(
        "--needed-by", metavar="DATE",
        help=date_help("When you need it; a date without a time is the end of that "
                       "business day."))] = None,
    info: Annotated[list[str] | None, Option(
        "--info", metavar="KEY=VALUE",
        help="Information the service requires (repeatable).")] = None,
    justification: Annotated[str | None, Option(
        metavar="TEXT", help="Why this is urgent or last-minute (required for a rush).")]
    = None,
    department: Annotated[str | None, Option(
        metavar="DEPT", help="Your department (default: from providers.yaml departments, "
                             "ICSVC_DEPARTMENT or git config icsvc.department).",
        autocompletion=completion.departments)] = None,
    cost: Annotated[float | None, Option(
        metavar="N", help="The cost to the business if the SLA lapses.")] = None,
    impact_note: Annotated[str | None, Option(
        "--impact-note", metavar="TEXT", help="What a lapse would cost, in words.")] = None,
    for_: Annotated[list[str] | None, Option(
        "--for", metavar="ID", help="This request exists to fulfil request ID (which then "
                                    "waits for it; repeatable).",
        autocompletion=completion.request_ids)] = None,
    pr: Annotated[bool, Option(
        "--pr", help="Then send it: branch (when on the default branch), commit as you, "
                     "push and open the pull request.")] = False,
    fmt: ShowFmtOpt = ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Ask a provider for something; prints the new ID and the dates to expect. On a
    terminal, asks for whatever is missing."""
    from icsvc.commands import new as cmd
    from icsvc.output import new as out

    ctx = context(store, actor)
    talk = interactive()
    intake = cmd.start(ctx, cmd.Options(
        provider=provider, service=service, title=title, details=details, priority=priority,
        needed_by=needed_by, info=info or [], justification=justification,
        department=department, cost=cost, impact_note=impact_note, pr=pr, blocks=for_ or [],
    ), talk)
    told = out.ask(intake) if talk else False
    created = cmd.create(ctx, intake, pr)
    out.render(created, fmt.value, pr, day_off_told=told)
    if pr:
        out.sent(created, cmd.send(ctx, intake, created), fmt.value)


@group.command(epilog=examples(
    "icsvc show 09KRRP64",
    "icsvc show 09kr",
    "icsvc show 09KR --format json",
))
def show(
    request_id: IdArg,
    fmt: ShowFmtOpt = ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
    no_pager: NoPagerOpt = False,
) -> None:
    """A request with its SLA clocks and its history as a timeline."""
    from icsvc.commands import show as cmd
    from icsvc.output import show as out

    with paged(no_pager):
        out.render(cmd.run(context(store, actor), request_id), fmt.value)


@group.command("list", epilog=examples(
    "icsvc list",
    "icsvc list --department customer-service --status new --status in-progress",
    "icsvc list -p engineering --all --format csv",
))
def list_(
    provider: ProvidersOpt = None,
    status: Annotated[list[str] | None, Option(
        metavar="STATUS", help="Only these statuses (repeatable).",
        autocompletion=completion.statuses)] = None,
    department: Annotated[list[str] | None, Option(
        metavar="DEPT", help="Only requests from these departments (repeatable).",
        autocompletion=completion.departments)] = None,
    priority: Annotated[list[str] | None, Option(
        metavar="PRIORITY", help="Only these agreed priorities (repeatable).",
        autocompletion=completion.priorities)] = None,
    open_: Annotated[bool, Option(
        "--open/--all", help="Open requests only (default), or all.")] = True,
    mine: Annotated[bool, Option(
        "--mine", help="The requests I asked for (for a department's manager, also the "
                       "department's).")] = False,
    fmt: FormatOpt = TableFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
    no_pager: NoPagerOpt = False,
) -> None:
    """List requests, newest first."""
    from icsvc.commands import listing as cmd
    from icsvc.output import listing as out

    with paged(no_pager):
        out.render(cmd.run(context(store, actor), cmd.Filters(
            providers=provider or [], statuses=status or [], departments=department or [],
            priorities=priority or [], open_only=open_, mine=mine,
        ), fmt == TableFormat.json), fmt.value)


@group.command(epilog=examples(
    "icsvc check",
    "icsvc check --base origin/main --format github",
    "icsvc check --format json",
))
def check(
    fmt: Annotated[CheckFormat, Option(
        "--format", "-f", help="text, github (Actions annotations) or json.")] =
    CheckFormat.text,
    base: Annotated[str | None, Option(
        "--base", metavar="REV",
        help="Also check what this branch changes since REV (pull requests).")] = None,
    require_signed: Annotated[bool | None, Option(
        "--require-signed/--no-require-signed",
        help="With --base: every commit of the branch must be signed by its author's key "
             "(people: in providers.yaml); default: settings.require_signed.")]
    = None,
    allow_orphans: Annotated[bool, Option(
        "--allow-orphans",
        help="With --base: accept parentless commits (an unrelated history merged in), "
             "their files judged as new; refused by default.")] = False,
    actor: ActorOpt = None,
    store: StoreOpt = None,
    no_pager: NoPagerOpt = False,
) -> None:
    """Validate the whole store; every problem as path:line: message, exit 1 if any."""
    from icsvc.commands import check as cmd
    from icsvc.output import check as out

    with paged(no_pager):
        checked = cmd.run(context(store, actor), base, require_signed, allow_orphans)
        out.render(checked, fmt.value)
    if checked.problems:
        raise SystemExit(1)  # a failed check: the report says why
