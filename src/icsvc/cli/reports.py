"""Report and feedback commands."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from icsvc.cli.common import (
    ActorOpt,
    IdArg,
    NoPagerOpt,
    ProvidersOpt,
    ShowFmtOpt,
    ShowFormat,
    StoreOpt,
    context,
    examples,
    paged,
)
from icsvc.cli.declare import Argument, Group, Option

group = Group()
"""This module's commands, added to the app by `app.py`."""


class ReportFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    csv = "csv"
    json = "json"
    html = "html"


DAY_FORMS = (
    "2026-11-01, Nov 1, 1 November 2026, today, yesterday, monday, last monday, "
    "3 weeks ago, -2w, end of month"
)
"""dates.DAY_FORMS (a test keeps the two equal)."""


@group.command(epilog=examples(
    "icsvc feedback 4DT5 --rating 5 --comment 'Clear answer, the customer signed'",
    "icsvc feedback 4DT5ZT49 -r 4 --as maria@example.com --format json",
))
def feedback(
    request_id: IdArg,
    rating: Annotated[int, Option("--rating", "-r", metavar="N",
                                  help="1 (poor) to 5 (excellent) stars.")],
    comment: Annotated[str | None, Option("--comment", "-c", metavar="TEXT",
                                             help="What went well or not.")] = None,
    fmt: ShowFmtOpt = ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Rate a resolved request (requester only); rating again replaces your earlier rating."""
    from icsvc.commands import feedback as cmd
    from icsvc.output import feedback as out

    out.render(cmd.run(context(store, actor), request_id, rating, comment), fmt.value)


@group.command(epilog=examples(
    "icsvc report --quarter 2026Q4",
    "icsvc report --since 'Nov 1' --until today -p engineering -p it",
    "icsvc report --since '4 weeks ago' -o weekly.html",
))
def report(
    since: Annotated[str | None, Option(
        "--since", metavar="DATE",
        help=f"First day; default: 13 weeks before --until. Accepted: {DAY_FORMS}.")] = None,
    until: Annotated[str | None, Option(
        "--until", metavar="DATE", help="Last day, included; default: now.")] = None,
    quarter: Annotated[str | None, Option(
        "--quarter", metavar="QUARTER",
        help="A calendar quarter such as 2026Q4 (instead of --since/--until).")] = None,
    provider: ProvidersOpt = None,
    department: Annotated[str | None, Option(
        "--department", "-d", metavar="DEPARTMENT",
        help="The customer's view: every provider's figures for this requesting department's "
             "requests only.")] = None,
    fmt: Annotated[ReportFormat | None, Option(
        "--format", "-f", help="Output format (default: table; with --output, from the file's "
                               "extension: .html, .md, .csv, .json).")] = None,
    output: Annotated[Path | None, Option(
        "--output", "-o", metavar="FILE",
        help="Write to this file instead of the terminal (an existing file only with "
             "--force; never one of the store's own files or git's).")] = None,
    force: Annotated[bool, Option(
        "--force", help="Replace the --output file if it exists.")] = False,
    actor: ActorOpt = None,
    store: StoreOpt = None,
    no_pager: NoPagerOpt = False,
) -> None:
    """SLA compliance, response times, backlog, promises, satisfaction and who depends on whom.

    Default period: the 13 weeks ending now. Days are whole days in each provider's
    timezone."""
    from icsvc.commands import report as cmd
    from icsvc.output import report as out

    with paged(no_pager or output is not None):
        out.render(cmd.run(context(store, actor), cmd.Options(
            since=since, until=until, quarter=quarter, providers=provider or [],
            fmt=fmt.value if fmt is not None else None, output=output, force=force,
            department=department,
        )))


@group.command(epilog=examples(
    "icsvc site public/",
    "icsvc site public/ --serve",
    "icsvc site public/ --repo-url https://github.com/acme/services --mail requests@acme.example",
))
def site(
    out: Annotated[Path, Argument(
        metavar="OUT", help="The folder to build the site in (made if missing; a later "
                            "build rewrites only what changed).")],
    serve: Annotated[bool, Option(
        "--serve", help="Then serve it on http://127.0.0.1:PORT/ (this machine only) until "
                        "Ctrl-C.")] = False,
    port: Annotated[int, Option(
        "--port", metavar="PORT", min=0, max=65535,
        help="The port --serve listens on (0: any free port).")] = 8000,
    repo_url: Annotated[str | None, Option(
        "--repo-url", metavar="URL",
        help="The repository whose issue forms the catalogue links to (default: the one "
             "'icsvc forms' wrote them for).")] = None,
    mail: Annotated[str | None, Option(
        "--mail", metavar="ADDRESS",
        help="The address requests can be mailed to, shown in the catalogue.")] = None,
    force: Annotated[bool, Option(
        "--force", help="Build into a folder that holds other files.")] = False,
    fmt: ShowFmtOpt = ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """A static web site of the store: the catalogue, each provider's queue, a page per
    request, the reports of this quarter and the last, the dependency map and a search.

    Self-contained (nothing from another host), for any web server or GitHub Pages."""
    from icsvc.commands import site as cmd
    from icsvc.output import site as out_

    done = cmd.run(context(store, actor), cmd.Options(out, force, repo_url, mail))
    out_.render(done, fmt.value)
    if serve:
        cmd.serve(done, port, out_.serving)
