"""`icsvc people`: who may ask, kept from the company directory."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from icsvc.cli.common import ActorOpt, StoreOpt, context, examples
from icsvc.cli.declare import Argument, Group, Option

group = Group(
    name="people",
    help="Who may ask: the departments of providers.yaml from the company directory.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


class TextFormat(StrEnum):
    text = "text"
    json = "json"


@group.command("import", epilog=examples(
    "icsvc people import directory.csv --dry-run",
    "icsvc people import directory.csv --format json",
))
def import_(
    csv_file: Annotated[Path, Argument(
        metavar="FILE.csv", help="The directory's CSV export: a header row with 'email' and "
                                 "'department' columns ('manager': yes for managers).")],
    dry_run: Annotated[bool, Option(
        "--dry-run", help="Show what would change; write nothing.")] = False,
    fmt: Annotated[TextFormat, Option("--format", "-f", help="Output format.")]
    = TextFormat.text,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Set the members of each department the file names in providers.yaml's departments.

    A department is matched by its key or name, else added; the ones the file does not
    name are left alone. With people.rules.departments, everyone listed may ask by mail.
    Commit the change: only an admin may change departments (check --base).
    """
    from icsvc.commands import people as cmd
    from icsvc.output import people as out

    out.render(cmd.run(context(store, actor), csv_file, dry_run), fmt.value)
