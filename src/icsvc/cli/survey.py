"""The quarterly survey commands: `icsvc survey send` and `icsvc survey answer`."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from icsvc.cli.common import ActorOpt, ShowFormat, StoreOpt, context, examples

group = typer.Typer(
    name="survey",
    help="The quarterly survey: who each provider asks about a quarter, and their answers "
         "(one file per person, provider and quarter under surveys/).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


class SendFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


QuarterOpt = Annotated[str, typer.Option(
    "--quarter", "-q", metavar="QUARTER", help="The quarter, e.g. 2026Q4.")]


@group.command("send", epilog=examples(
    "icsvc survey send --quarter 2026Q4",
    "icsvc survey send --quarter 2026Q4 --provider engineering --format csv",
    "icsvc survey send --quarter 2026Q4 --format json",
))
def send(
    quarter: QuarterOpt,
    provider: Annotated[list[str] | None, typer.Option(
        "--provider", "-p", metavar="PROVIDER", help="Only this provider (repeatable).")]
    = None,
    fmt: Annotated[SendFormat, typer.Option("--format", "-f", help="Output format.")] =
    SendFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Who each provider should ask about a quarter: everyone who made a request to it in
    the quarter (created then, in the provider's timezone; a redirected request counts for
    each provider that held it then), with their department, how many requests, and
    whether they already answered.

    It lists only, as a --dry-run would: sending the invitations through the channels of
    'icsvc notify' (notify: in providers.yaml) arrives with the notifications; until then,
    --format csv or json feeds a mail merge."""
    from icsvc.commands import survey as cmd
    from icsvc.output import survey as out

    out.who_to_ask(cmd.send(context(store, actor), quarter, provider or []), fmt.value)


@group.command("answer", epilog=examples(
    "icsvc survey answer engineering --quarter 2026Q4 --rating 4",
    "icsvc survey answer payroll --quarter 2026Q4 --rating 2 --comment \"Slow on corrections\"",
    "icsvc survey answer it -q 2026Q4 -r 5 --as maria@example.com --format json",
))
def answer(
    provider: Annotated[str, typer.Argument(metavar="PROVIDER",
                                            help="The provider you answer about.")],
    quarter: QuarterOpt,
    rating: Annotated[int, typer.Option("--rating", "-r", metavar="STARS",
                                        help="1 (poor) to 5 (excellent) stars.")],
    comment: Annotated[str | None, typer.Option("--comment", "-c", metavar="TEXT",
                                                   help="What went well or not.")] = None,
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")] =
    ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Answer a provider's survey about a quarter, if you made a request to it then.

    Writes surveys/QUARTER/PROVIDER/EMAIL.yaml; answering again replaces your answer and
    keeps the earlier one in the file's history. Commit it yourself: only you may."""
    from icsvc.commands import survey as cmd
    from icsvc.output import survey as out

    out.answered(cmd.answer(context(store, actor), provider, quarter, rating, comment),
                 fmt.value)
