"""The quarterly survey commands: `icsvc survey send`, `answer`, `respond` and `review`."""

from enum import StrEnum
from typing import Annotated

from icsvc.cli.common import ActorOpt, ShowFormat, StoreOpt, context, examples
from icsvc.cli.declare import Argument, Group, Option

group = Group(
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


class ReviewFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


QuarterOpt = Annotated[str, Option(
    "--quarter", "-q", metavar="QUARTER", help="The quarter, e.g. 2026Q4.")]


@group.command("send", epilog=examples(
    "icsvc survey send --quarter 2026Q4",
    "icsvc survey send --quarter 2026Q4 --provider engineering --format csv",
    "icsvc survey send --quarter 2026Q4 --format json",
))
def send(
    quarter: QuarterOpt,
    provider: Annotated[list[str] | None, Option(
        "--provider", "-p", metavar="PROVIDER", help="Only this provider (repeatable).")]
    = None,
    fmt: Annotated[SendFormat, Option("--format", "-f", help="Output format.")] =
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
    provider: Annotated[str, Argument(metavar="PROVIDER",
                                      help="The provider you answer about.")],
    quarter: QuarterOpt,
    rating: Annotated[int, Option("--rating", "-r", metavar="STARS",
                                  help="1 (poor) to 5 (excellent) stars.")],
    comment: Annotated[str | None, Option("--comment", "-c", metavar="TEXT",
                                             help="What went well or not.")] = None,
    fmt: Annotated[ShowFormat, Option("--format", "-f", help="Output format.")] =
    ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Answer a provider's survey about a quarter, if you made a request to it then or
    belong to a department it serves.

    Writes surveys/QUARTER/PROVIDER/EMAIL.yaml; answering again replaces your answer and
    keeps the earlier one in the file's history. Commit it yourself: only you may."""
    from icsvc.commands import survey as cmd
    from icsvc.output import survey as out

    out.answered(cmd.answer(context(store, actor), provider, quarter, rating, comment),
                 fmt.value)


@group.command("respond", epilog=examples(
    "icsvc survey respond engineering -q 2026Q4 --person lee@example.com "
    "--response \"Bid reviews get an engineer within a day\"",
    "icsvc survey respond payroll -q 2026Q4 --person sam@example.com --response \"Fixed\" "
    "--format json",
))
def respond(
    provider: Annotated[str, Argument(metavar="PROVIDER",
                                      help="Your provider (you must be a member).")],
    quarter: QuarterOpt,
    person: Annotated[str, Option("--person", metavar="EMAIL",
                                  help="Whose answer you respond to.")],
    response: Annotated[str, Option("--response", metavar="TEXT",
                                    help="What the provider does about it.")],
    fmt: Annotated[ShowFormat, Option("--format", "-f", help="Output format.")] =
    ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Record the provider's response to a person's survey answer (a low rating or a
    comment), as a member of the provider. It is kept in the answer's file under
    responses:, and shown by 'icsvc survey review'; commit it with 'icsvc commit'."""
    from icsvc.commands import survey as cmd
    from icsvc.output import survey as out

    out.responded(cmd.respond(context(store, actor), provider, quarter, person, response),
                  fmt.value)


@group.command("review", epilog=examples(
    "icsvc survey review engineering",
    "icsvc survey review payroll -q 2026Q3 -q 2026Q4 --format csv",
))
def review(
    provider: Annotated[str, Argument(metavar="PROVIDER", help="The provider.")],
    quarter: Annotated[list[str] | None, Option(
        "--quarter", "-q", metavar="QUARTER",
        help="These quarters (repeatable); default: the last one and this one.")] = None,
    fmt: Annotated[ReviewFormat, Option("--format", "-f", help="Output format.")] =
    ReviewFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """A provider's review list: each low rating (3 or less) and each comment of its
    survey, lowest rating first, with its recorded response and whether the customer saw
    progress (their rating of the next quarter: better, same, worse)."""
    from icsvc.commands import survey as cmd
    from icsvc.output import survey as out

    out.review(cmd.review(context(store, actor), provider, quarter or []), fmt.value)


class JsonOnly(StrEnum):
    json = "json"


@group.command("intake", epilog=examples(
    'icsvc survey intake --event "$GITHUB_EVENT_PATH"',
    "icsvc survey intake --event event.json --format json",
))
def intake(
    event: Annotated[str, Option(
        "--event", metavar="FILE", help="The GitHub event JSON ($GITHUB_EVENT_PATH).")],
    fmt: Annotated[JsonOnly, Option("--format", "-f", help="Output format.")] =
    JsonOnly.json,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Record a survey answer from an issue opened or edited with the survey's issue form
    (icsvc forms writes it), by the rules of 'icsvc survey answer', as the person people:
    maps the issue's author to. Prints JSON for the workflow: status (answered, unchanged,
    ignored, refused: exit 1, nothing written), the comment to post, the file and who
    commits it."""
    from pathlib import Path

    from icsvc.commands import survey as cmd
    from icsvc.output.ui import print_json

    # who answers is the author (people:), not the acting person
    result = cmd.intake(context(store, actor), Path(event))
    print_json(result)
    if result["status"] == "refused":
        raise SystemExit(1)
