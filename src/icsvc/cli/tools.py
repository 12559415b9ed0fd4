"""Tool commands: shell completion scripts and the JSON Schemas of the store's files."""

from enum import StrEnum
from typing import Annotated

from icsvc.cli.common import examples
from icsvc.cli.declare import Argument, Group, Option

group = Group()
"""This module's commands, added to the app by `app.py`."""


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


class SchemaName(StrEnum):
    providers = "providers"
    request = "request"


class JsonFormat(StrEnum):
    json = "json"


@group.command(epilog=examples(
    'eval "$(icsvc completion bash)"      # in ~/.bashrc',
    'eval "$(icsvc completion zsh)"       # in ~/.zshrc, after compinit',
    "icsvc completion fish > ~/.config/fish/completions/icsvc.fish",
))
def completion(
    shell: Annotated[Shell, Argument(metavar="SHELL", help="Your shell: bash, zsh or "
                                                           "fish.")],
) -> None:
    """Print the shell script that completes commands, options, request IDs, providers,
    services, statuses, priorities and members from the store."""
    from icsvc.cli import completion as comp

    print(comp.script(shell.value), end="")


@group.command(epilog=examples(
    "icsvc schema providers > schemas/providers.schema.json",
    "icsvc schema request",
))
def schema(
    name: Annotated[SchemaName, Argument(
        metavar="FILE", help="providers (providers.yaml) or request "
                             "(requests/<provider>/<ID>.yaml).")],
    fmt: Annotated[JsonFormat, Option(
        "--format", "-f", help="Output format (JSON Schema, draft 2020-12).")] =
    JsonFormat.json,
) -> None:
    """Print the JSON Schema of providers.yaml or of request files, for editors and linters."""
    from icsvc.store import schemafiles

    print(schemafiles.text(name.value), end="")
