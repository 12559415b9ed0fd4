"""The command line: Typer parses options and hands them to one plain function per command.

Heavy modules are imported inside the commands so `icsvc --help` starts quickly.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from icsvc import __version__

if TYPE_CHECKING:
    from icsvc.context import Context

app = typer.Typer(
    name="icsvc",
    help="Internal customer service as code: requests between departments, as YAML in git.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

StoreOpt = Annotated[
    str | None,
    typer.Option("--store", envvar="ICSVC_STORE", show_envvar=True,
                 help="Store folder (default: found from the current folder upwards)."),
]
ActorOpt = Annotated[
    str | None,
    typer.Option("--as", help="Act as this email (default: ICSVC_USER, then git user.email)."),
]


class TableFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class ShowFormat(StrEnum):
    table = "table"
    json = "json"


class CheckFormat(StrEnum):
    text = "text"
    github = "github"
    json = "json"


FormatOpt = Annotated[TableFormat, typer.Option("--format", "-f", help="Output format.")]


def _context(store: str | None, actor: str | None) -> Context:
    from icsvc.context import Context, now_from_env

    return Context(cwd=Path.cwd(), store_override=store, now=now_from_env(), actor_option=actor)


def _version(value: bool) -> None:
    if value:
        from icsvc.tzrules import use_newest

        version, source = use_newest()
        print(f"icsvc {__version__} (time-zone rules {version}, from {source})")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True,
                           help="Show the version and exit.")
    ] = False,
) -> None:
    """Internal customer service as code."""


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Folder for the new store.")] = Path("."),
) -> None:
    """Create a new store: a commented providers.yaml, requests/, ignore rules."""
    from icsvc.commands import init as cmd

    cmd.run(path)


@app.command()
def sla(
    provider: Annotated[str | None, typer.Argument(help="Only this provider.")] = None,
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")] =
    ShowFormat.table,
    store: StoreOpt = None,
) -> None:
    """The service catalogue: services, what they need from you, lead times, SLA targets."""
    from icsvc.commands import catalogue as cmd

    cmd.run(_context(store, None), provider, fmt.value)


@app.command()
def new(
    provider: Annotated[str | None, typer.Option("--provider", "-p",
                                                    help="The provider to ask.")] = None,
    service: Annotated[str | None, typer.Option("--service", "-s",
                                                   help="The provider's service.")] = None,
    title: Annotated[str | None, typer.Option("--title", "-t",
                                                 help="A one-line summary.")] = None,
    details: Annotated[str | None, typer.Option("--details", "-d",
                                                   help="More detail.")] = None,
    priority: Annotated[str, typer.Option(help="Requested priority: low, normal, high, urgent.")]
    = "normal",
    needed_by: Annotated[str | None, typer.Option(
        "--needed-by", help="When you need it: a date, today, tomorrow, fri, +3d...")] = None,
    info: Annotated[list[str] | None, typer.Option(
        "--info", help="KEY=VALUE: information the service requires (repeatable).")] = None,
    justification: Annotated[str | None, typer.Option(
        help="Why this is urgent or last-minute (required for a rush).")] = None,
    department: Annotated[str | None, typer.Option(
        help="Your department (default: from providers.yaml departments, ICSVC_DEPARTMENT "
             "or git config icsvc.department).")] = None,
    cost: Annotated[float | None, typer.Option(
        help="The cost to the business if the SLA lapses.")] = None,
    impact_note: Annotated[str | None, typer.Option(
        "--impact-note", help="What a lapse would cost, in words.")] = None,
    for_: Annotated[list[str] | None, typer.Option(
        "--for", metavar="ID", help="This request exists to fulfil request ID (which then "
                                    "waits for it; repeatable).")] = None,
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")] =
    ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Ask a provider for something; prints the new ID and the dates to expect."""
    from icsvc.commands import new as cmd

    cmd.run(_context(store, actor), cmd.Options(
        provider=provider, service=service, title=title, details=details, priority=priority,
        needed_by=needed_by, info=info or [], justification=justification,
        department=department, cost=cost, impact_note=impact_note, fmt=fmt.value,
        blocks=for_ or [],
    ))


@app.command()
def show(
    request_id: Annotated[str, typer.Argument(metavar="ID", help="A request ID or prefix.")],
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")] =
    ShowFormat.table,
    store: StoreOpt = None,
) -> None:
    """A request with its SLA clocks and its history as a timeline."""
    from icsvc.commands import show as cmd

    cmd.run(_context(store, None), request_id, fmt.value)


@app.command("list")
def list_(
    provider: Annotated[list[str] | None, typer.Option(
        "--provider", "-p", help="Only these providers (repeatable).")] = None,
    status: Annotated[list[str] | None, typer.Option(
        help="Only these statuses (repeatable).")] = None,
    department: Annotated[list[str] | None, typer.Option(
        help="Only requests from these departments (repeatable).")] = None,
    priority: Annotated[list[str] | None, typer.Option(
        help="Only these agreed priorities (repeatable).")] = None,
    open_: Annotated[bool, typer.Option(
        "--open/--all", help="Open requests only (default), or all.")] = True,
    mine: Annotated[bool, typer.Option(
        "--mine", help="The requests I asked for (for a department's manager, also the "
                       "department's).")] = False,
    fmt: FormatOpt = TableFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """List requests, newest first."""
    from icsvc.commands import listing as cmd

    cmd.run(_context(store, actor), cmd.Filters(
        providers=provider or [], statuses=status or [], departments=department or [],
        priorities=priority or [], open_only=open_, mine=mine,
    ), fmt.value)


@app.command()
def check(
    fmt: Annotated[CheckFormat, typer.Option(
        "--format", "-f", help="text, github (Actions annotations) or json.")] =
    CheckFormat.text,
    base: Annotated[str | None, typer.Option(
        "--base", help="Also check what this branch changes since REV (pull requests).")] = None,
    require_signed: Annotated[bool | None, typer.Option(
        "--require-signed/--no-require-signed",
        help="With --base: every commit adding history entries must be signed by its "
             "author's key (people: in providers.yaml); default: settings.require_signed.")]
    = None,
    store: StoreOpt = None,
) -> None:
    """Validate the whole store; every problem as path:line: message, exit 1 if any."""
    from icsvc.commands import check as cmd

    cmd.run(_context(store, None), fmt.value, base, require_signed)


def _register_groups() -> None:
    """Command groups live in their own modules and register on `app` when imported; the
    order here is the order of `icsvc --help`: requester, provider, reports, survey,
    notifications, git."""
    import importlib

    for module in ("cli_workflow", "cli_reports", "cli_survey", "cli_notify", "cli_git",
                   "cli_github"):
        importlib.import_module(f"icsvc.{module}")


_register_groups()


def main() -> None:
    """Console entry point: user mistakes become one line on stderr and an exit code."""
    from icsvc.errors import IcsvcError

    try:
        app()
    except IcsvcError as exc:
        from icsvc.ui import error

        error(exc.message)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        os._exit(1)
    except OSError as exc:  # a read-only store, a full disk: say what, not a traceback
        from icsvc.ui import error

        where = f"{exc.filename}: " if exc.filename else ""
        error(f"{where}{exc.strerror or exc}")
        sys.exit(1)
