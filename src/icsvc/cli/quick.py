"""The command line without Typer, for the runs it can be sure of.

`parse` reads the arguments against the commands' declarations (`declare`) as Click reads
them for the Typer application `app.py` builds from the same declarations, and answers
only for a plain run: a known command; its options given whole (`--name VALUE`,
`--name=VALUE`, `-n VALUE`, a flag), its arguments in place, every value valid. Anything
else (help, `--`, short options run together, an unknown option, a bad value, a missing
argument) gives None, and the run goes to Typer: its help and its error messages stay the
only ones. Importing Typer and building a command cost 0.06-0.07 s, more than half of a
small command. `tests/test_quick.py` holds the two parsers to the same values.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from types import NoneType, UnionType
from typing import Any

from icsvc.cli.declare import Argument, Command, Group, Option, declared

_SETTINGS = {"help", "metavar", "autocompletion", "envvar", "show_envvar", "min", "max"}
"""The declaration settings this parser knows the meaning of; a command declaring another
is left to Typer."""


class Param:
    """One parameter as the command line reads it."""

    __slots__ = ("name", "convert", "multiple", "default", "required", "envvar")

    def __init__(self, name: str, convert: Callable[[str], Any], multiple: bool,
                 default: Any, required: bool, envvar: str | None) -> None:
        self.name = name
        self.convert = convert
        self.multiple = multiple
        self.default = default
        self.required = required
        self.envvar = envvar


class Spec:
    """A command's options (each name, with the value a flag sets, or None when the option
    takes a value) and its arguments, in order."""

    __slots__ = ("options", "arguments", "params")

    def __init__(self) -> None:
        self.options: dict[str, tuple[Param, bool | None]] = {}
        self.arguments: list[Param] = []
        self.params: list[Param] = []


class Unsure(Exception):
    """Typer is to read these arguments."""


def parse(find: Callable[[str], Command | Group | None], args: list[str]
          ) -> tuple[Callable[..., Any], dict[str, Any]] | None:
    """The function to run and its arguments, or None when Typer is to read `args`;
    `find` gives the command or group of a name (`tree.find`)."""
    if not args or args[0].startswith("-"):
        return None
    found, rest = find(args[0]), args[1:]
    while isinstance(found, Group):
        if not rest or rest[0].startswith("-"):
            return None
        found, rest = found.find(rest[0]), rest[1:]
    if found is None:
        return None
    spec = spec_of(found.func)
    if spec is None:
        return None
    try:
        return found.func, read(spec, rest)
    except Unsure:
        return None


def read(spec: Spec, args: list[str]) -> dict[str, Any]:
    """The values of `spec`'s parameters given `args`, as Click and Typer give them."""
    given: dict[str, Any] = {}
    positional: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--" or arg in ("-h", "--help"):
            raise Unsure
        if not arg.startswith("-") or arg == "-":
            positional.append(arg)
            continue
        name, attached = arg, None
        if arg.startswith("--") and "=" in arg:
            name, attached = arg.split("=", 1)
        param, flag = spec.options.get(name) or _unsure()
        if flag is not None:
            if attached is not None:
                raise Unsure
            given[param.name] = flag
            continue
        if attached is None:
            if i == len(args):
                raise Unsure
            attached = args[i]
            i += 1
        value = _converted(param, attached)
        if param.multiple:
            given.setdefault(param.name, []).append(value)
        else:
            given[param.name] = value
    for param in spec.arguments:
        if param.multiple:
            if positional:
                given[param.name] = [_converted(param, v) for v in positional]
            positional = []
        elif positional:
            given[param.name] = _converted(param, positional.pop(0))
    if positional:
        raise Unsure
    values: dict[str, Any] = {}
    for param in spec.params:
        if param.name in given:
            values[param.name] = given[param.name]
        elif param.envvar and os.environ.get(param.envvar):
            values[param.name] = _converted(param, os.environ[param.envvar])
        elif param.required:
            raise Unsure
        else:
            values[param.name] = param.default
    return values


def _unsure() -> tuple[Param, bool | None]:
    raise Unsure


def _converted(param: Param, text: str) -> Any:
    try:
        return param.convert(text)
    except (ValueError, KeyError):
        raise Unsure from None


def spec_of(func: Callable[..., Any]) -> Spec | None:
    """How the command line gives `func` its parameters, or None when one of them is
    declared in a way this parser does not read (Typer then reads every run of it)."""
    import inspect

    spec = Spec()
    for declaration in inspect.signature(func).parameters.values():
        name = declaration.name
        kind, marker = declared(declaration.annotation)
        if marker is None or set(marker.settings) - _SETTINGS:
            return None
        required = declaration.default is declaration.empty
        default = None if required else declaration.default
        if isinstance(kind, UnionType):
            kinds = [k for k in kind.__args__ if k is not NoneType]
            if len(kinds) != 1:
                return None
            kind = kinds[0]
        multiple = getattr(kind, "__origin__", None) is list
        if multiple:
            kind = kind.__args__[0]
        flag = kind is bool and isinstance(marker, Option)
        convert = _converter(kind, marker.settings)
        if convert is None and not flag or (multiple and default is not None):
            return None
        param = Param(name, convert or str, multiple, default, required,
                      marker.settings.get("envvar"))
        if param.envvar is not None and (multiple or not isinstance(param.envvar, str)):
            return None
        spec.params.append(param)
        if isinstance(marker, Argument):
            if spec.arguments and spec.arguments[-1].multiple:
                return None  # arguments after a repeated one: Click's own way of sharing
            spec.arguments.append(param)
            continue
        for decl in marker.decls or (_default_decl(name, flag),):
            on, _, off = decl.partition("/")
            spec.options[on.strip()] = (param, True if flag else None)
            if off:
                spec.options[off.strip()] = (param, False)
    return spec


def _default_decl(name: str, flag: bool) -> str:
    """Typer's option name for a parameter declared without one."""
    option = name.replace("_", "-")
    return f"--{option}/--no-{option}" if flag else f"--{option}"


def _converter(kind: Any, settings: dict[str, Any]) -> Callable[[str], Any] | None:
    if kind is str:
        return str
    if kind is int:
        low, high = settings.get("min"), settings.get("max")
        return lambda text: _within(int(text), low, high)
    if kind is float and "min" not in settings and "max" not in settings:
        return float
    if kind is Path:
        return _path
    if isinstance(kind, type) and issubclass(kind, Enum):
        members = {str(member.value): member for member in kind}
        return members.__getitem__
    return None


def _within(value: int, low: int | None, high: int | None) -> int:
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(value)
    return value


def _path(text: str) -> Path:
    """A path as Typer's `click.Path()` takes it: anything, but a path that exists and
    cannot be read."""
    try:
        os.stat(text)
    except (OSError, ValueError):
        return Path(text)
    if not os.access(text, os.R_OK):
        raise ValueError(text)
    return Path(text)
