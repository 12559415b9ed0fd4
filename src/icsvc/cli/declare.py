"""Commands declared without Typer: what each command is called, takes and runs, read by
two parsers. `app.py` builds the Typer application from these declarations (help, errors,
completion, every run `quick.py` is not sure of); `quick.py` parses the plain runs itself,
without importing Typer and its Click, which cost a small command more than half its time.

The declarations read like Typer's: `Option("--format", "-f", help=...)` and
`Argument(metavar=...)` in `Annotated`, `Group.command(...)` as a decorator. Each takes
the arguments of its Typer namesake, handed over unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class Option:
    """`typer.Option(*decls, **settings)`, for a parameter's `Annotated`."""

    __slots__ = ("decls", "settings")

    def __init__(self, *decls: str, **settings: Any) -> None:
        self.decls = decls
        self.settings = settings


class Argument:
    """`typer.Argument(**settings)`, for a parameter's `Annotated`."""

    __slots__ = ("settings",)

    def __init__(self, **settings: Any) -> None:
        self.settings = settings


def declared(annotation: Any) -> tuple[Any, Option | Argument | None]:
    """A parameter's type and its declaration, from its `Annotated[TYPE, Option(...)]`
    (None: a parameter not declared so)."""
    marker = getattr(annotation, "__metadata__", (None,))[0]
    if not isinstance(marker, Option | Argument):
        return annotation, None
    return annotation.__origin__, marker


class Command:
    """One command: its name, its function, the help's epilog."""

    __slots__ = ("name", "func", "epilog")

    def __init__(self, name: str, func: Callable[..., Any], epilog: str | None) -> None:
        self.name = name
        self.func = func
        self.epilog = epilog


def command_name(function_name: str) -> str:
    """A command's name from its function's, as Typer names it."""
    return function_name.lower().replace("_", "-")


class Group:
    """Commands, and groups of commands under a name (`icsvc survey ...`); `settings` are
    `typer.Typer`'s for the group (its help)."""

    def __init__(self, name: str | None = None, **settings: Any) -> None:
        self.name = name
        self.settings = settings
        self.commands: list[Command] = []
        self.groups: list[Group] = []

    def command(self, name: str | None = None, *, epilog: str | None = None
                ) -> Callable[[F], F]:
        """Declare the decorated function as a command (named after it, by default)."""

        def add(func: F) -> F:
            self.commands.append(Command(name or command_name(func.__name__), func, epilog))
            return func

        return add

    def add_group(self, group: Group) -> None:
        self.groups.append(group)

    def find(self, name: str) -> Command | Group | None:
        """The command or group called `name`."""
        for command in self.commands:
            if command.name == name:
                return command
        for group in self.groups:
            if group.name == name:
                return group
        return None
