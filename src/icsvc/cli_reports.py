"""Report and feedback commands."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from icsvc.cli import ActorOpt, ShowFormat, StoreOpt, _context, app


class ReportFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    csv = "csv"
    json = "json"
    html = "html"


@app.command()
def feedback(
    request_id: Annotated[str, typer.Argument(metavar="ID", help="A request ID or prefix.")],
    rating: Annotated[int, typer.Option("--rating", "-r",
                                        help="1 (poor) to 5 (excellent) stars.")],
    comment: Annotated[str | None, typer.Option("--comment", "-c",
                                                   help="What went well or not.")] = None,
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")] =
    ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Rate a resolved request (requester only); rating again replaces your earlier rating."""
    from icsvc.commands import feedback as cmd

    cmd.run(_context(store, actor), request_id, rating, comment, fmt.value)


@app.command()
def report(
    since: Annotated[str | None, typer.Option(
        "--since", help="First day (YYYY-MM-DD); default: 13 weeks before --until.")] = None,
    until: Annotated[str | None, typer.Option(
        "--until", help="Last day, included (YYYY-MM-DD); default: now.")] = None,
    quarter: Annotated[str | None, typer.Option(
        "--quarter", help="A calendar quarter such as 2026Q4 (instead of --since/--until).")]
    = None,
    provider: Annotated[list[str] | None, typer.Option(
        "--provider", "-p", help="Only these providers (repeatable).")] = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")] =
    ReportFormat.table,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to this file instead of the terminal.")] = None,
    store: StoreOpt = None,
) -> None:
    """SLA compliance, response times, backlog, promises, satisfaction and who depends on whom.

    Default period: the 13 weeks ending now."""
    from icsvc.commands import report as cmd

    cmd.run(_context(store, None), cmd.Options(
        since=since, until=until, quarter=quarter, providers=provider or [],
        fmt=fmt.value, output=output,
    ))
