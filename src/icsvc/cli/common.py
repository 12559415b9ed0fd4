"""What every group of commands shares: the common options and formats, the help epilogs,
the context a command runs in, the pager, and showing a result.

The group modules (`workflow.py`, `reports.py`...) import this module, never `app.py`,
which adds their commands to the app. Keep its imports light: `icsvc --help` imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from icsvc.cli import completion
from icsvc.cli.declare import Argument, Option

if TYPE_CHECKING:
    from icsvc.commands.context import Context

R = TypeVar("R")

DATE_FORMS = (
    "2026-12-07, 2026-12-07T15:00, Dec 7, 7 December 2026 3pm, 25/12, today, tomorrow noon, "
    "fri, next friday, friday 3pm, in 3 days, +2w, +4h, eod, end of week, end of month, "
    "noon, 3pm EST, 15:00 Europe/London"
)
"""dates.FORMS, for the help of every date option (importing dates here would slow
`icsvc --help` by 40 ms; a test keeps the two equal)."""

StoreOpt = Annotated[
    str | None,
    Option("--store", envvar="ICSVC_STORE", show_envvar=True, metavar="FOLDER",
           help="Store folder (default: found from the current folder upwards).",
           autocompletion=completion.folders),
]
ActorOpt = Annotated[
    str | None,
    Option("--as", metavar="EMAIL",
           help="Act as this email (default: ICSVC_USER, then git user.email).",
           autocompletion=completion.people),
]
NoPagerOpt = Annotated[
    bool, Option("--no-pager", help="Print long output straight to the terminal "
                                    "(default: through $ICSVC_PAGER, $PAGER or less -R).")
]
ProvidersOpt = Annotated[
    list[str] | None,
    Option("--provider", "-p", metavar="PROVIDER",
           help="Only this provider (repeatable; any case, or its name).",
           autocompletion=completion.providers),
]
IdArg = Annotated[str, Argument(metavar="ID", help="A request ID or a unique prefix.",
                                autocompletion=completion.request_ids)]


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


FormatOpt = Annotated[TableFormat, Option("--format", "-f", help="Output format.")]
ShowFmtOpt = Annotated[ShowFormat, Option(
    "--format", "-f", help="Output format: table for people, json for scripts.")]


def date_help(text: str) -> str:
    """A date option's help: what it is for, then every accepted form."""
    return f"{text} Accepted: {DATE_FORMS}."


def examples(*lines: str) -> str:
    """A command's help epilog: real examples, one command a line, kept as typed."""
    return "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)


def context(store: str | None, actor: str | None) -> Context:
    """The command's inputs: the current folder, `--store`, the clock, `--as`; warnings and
    progress bars go to stderr."""
    from icsvc.commands.context import Context, now_from_env
    from icsvc.output import ui

    return Context(cwd=Path.cwd(), store_override=store, now=now_from_env(), actor_option=actor,
                   warn=ui.warn, progress=ui.progress)


def paged(no_pager: bool) -> Any:
    """Long output on a terminal goes through a pager (see `pager.paged`)."""
    from icsvc.output.pager import paged as pager

    return pager(enabled=not no_pager)


def interactive() -> bool:
    """Whether a person is at the keyboard: questions are asked only then."""
    from icsvc.output import ui

    return ui.interactive()


def shown(run: Callable[[], R], render: Callable[[R], None]) -> R:
    """Run a command and render its result. A refusal that comes with a result (`Refused`:
    the comment an issue gets, the deliveries tried before one failed) is rendered first,
    then reported by `main()` as any other error."""
    from icsvc.commands import Refused

    try:
        result = run()
    except Refused as exc:
        render(exc.result)
        raise
    render(result)
    return result

