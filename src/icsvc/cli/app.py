"""The command line as Typer reads it: the application built from the commands'
declarations (`tree`, `declare`), for help, completion, usage errors and every run the
quick parser leaves to it (`entry.main` decides). Click's usage errors become one line.

The modules that declare commands do without `from __future__ import annotations`: Typer
reads each command's signature, and annotations that are objects rather than strings spare
it evaluating some 1,500 of them (a third of building every command, which `icsvc --help`
does). Every command takes `--as EMAIL`, `--store FOLDER` and `--format`, and ends its help
with real examples (`examples()`), except `merge-driver` and `completion`, which git and
shells run.
"""

import functools
import os
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from icsvc.cli import completion, declare, tree

app = typer.Typer(
    name="icsvc",
    help="Internal customer service as code: requests between departments, as YAML in git.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(tree.version())
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True,
                           help="Show the version and exit.")
    ] = False,
) -> None:
    """Internal customer service as code."""


def typed(func: Callable[..., Any], call: Callable[..., Any] | None = None
          ) -> Callable[..., Any]:
    """`func` as Typer reads a command: its parameters' declarations (`declare.Option`,
    `declare.Argument`) made Typer's, the rest of the signature and the help unchanged.
    Running it runs `call` (default: `func`) with the values Typer read."""
    import inspect

    signature = inspect.signature(func)
    params = []
    for param in signature.parameters.values():
        kind, marker = declare.declared(param.annotation)
        assert marker is not None, f"{func.__name__}: {param.name} is not declared"
        made = (typer.Option(*marker.decls, **marker.settings)
                if isinstance(marker, declare.Option) else typer.Argument(**marker.settings))
        params.append(param.replace(annotation=Annotated[kind, made]))
    target = call or func

    def command(**values: Any) -> Any:
        return target(**values)

    command.__name__ = command.__qualname__ = func.__name__
    command.__doc__ = func.__doc__
    command.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    command.__annotations__ = {param.name: param.annotation for param in params}
    return command


def application(only: str | None = None, bare: bool = False) -> typer.Typer:
    """The Typer application with every command, or with the one command (or group) `only`
    when that is all a run needs (each command's declaration is made Typer's only then:
    5-8 ms for all of them). `bare`: each command with no parameters, its name and help
    alone (what the root's help prints)."""
    import copy

    made = copy.copy(app)
    made.registered_commands, made.registered_groups = [], []
    return _typer(tree.commands(), made, only, bare)


def _typer(group: declare.Group, into: typer.Typer, only: str | None, bare: bool
           ) -> typer.Typer:
    for declared in group.commands:
        if only is None or declared.name == only:
            made = _bare(declared.func) if bare else typed(declared.func)
            into.command(declared.name, epilog=declared.epilog)(made)
    for sub in group.groups:
        if only is None or sub.name == only:
            sub_app = typer.Typer(name=sub.name, **sub.settings)
            into.add_typer(_typer(sub, sub_app, None, bare), name=sub.name)
    return into


def _bare(func: Callable[..., Any]) -> Callable[..., Any]:
    def nothing() -> None:
        """A command's stand-in."""

    nothing.__name__ = func.__name__
    nothing.__doc__ = func.__doc__
    return nothing


def _click() -> Any:
    """Click as Typer uses it: vendored in Typer 0.28 (`typer._click`), a dependency before."""
    import importlib

    try:
        return importlib.import_module("typer._click")
    except ImportError:  # pragma: no cover - Typer < 0.25
        return importlib.import_module("click")


def _usage_message(exc: Any, command: str | None = None) -> str:
    """Click's usage error as one line: `list: no such option: --stauts; did you mean
    --status? (see 'icsvc list --help')`, pointing to the help of the command that was
    run (`command`, when Click's context is the app's)."""
    ctx = getattr(exc, "ctx", None)
    option = getattr(exc, "option_name", None)
    if option and getattr(exc, "possibilities", None) is not None and ctx is not None:
        import difflib

        known = [o for p in ctx.command.params for o in (*p.opts, *p.secondary_opts)
                 if o.startswith("--")]
        close = difflib.get_close_matches(option, known, n=2, cutoff=0.7)
        text = f"no such option: {option}" + (f"; did you mean {' or '.join(close)}?"
                                              if close else "")
    else:
        text = " ".join(str(exc.format_message()).split())
        text = text[:1].lower() + text[1:]
    path = ctx.command_path if ctx is not None else "icsvc"
    if " " not in path and command:
        path = f"icsvc {command}"
    where = path.split(" ", 1)[1] + ": " if " " in path else ""
    return f"{where}{text.rstrip('.')} (see '{path} --help')"


def invoke() -> None:
    """Run the app (or answer the shell's completion request). Click's usage errors (an
    unknown option, a missing argument, a bad choice) become one line, like every other
    error: `icsvc: error: ...`, exit 2."""
    from icsvc.errors import IcsvcError, UsageError

    if os.environ.get(completion.COMPLETE_VAR):
        sys.exit(completion.run(_command()))
    click = _click()
    args = sys.argv[1:]
    command = _root_help() if args in ([], ["-h"], ["--help"]) else _command(_invoked(args))
    try:
        code = command(prog_name="icsvc", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        print(exc.ctx.get_help())
        sys.exit(0)
    except click.exceptions.UsageError as exc:
        raise UsageError(_usage_message(exc, _invoked(sys.argv[1:]))) from None
    except click.exceptions.ClickException as exc:
        raise IcsvcError(" ".join(str(exc.format_message()).split())) from None
    except typer.Abort:
        raise KeyboardInterrupt from None
    if isinstance(code, int) and code:
        sys.exit(code)


@functools.cache
def _command(only: str | None = None) -> Any:
    """The Click command Typer builds (what `app()` runs), with every command, or with the
    one command `only` when that is all a run needs: building a command inspects its
    signature, and building all 26 costs 60 ms, half a small command's time. Built once per
    process and name (the tests run many commands in one process)."""
    return typer.main.get_command(application(only))


def _root_help() -> Any:
    """The Click command for `icsvc`'s own help: each command by its name and help alone.
    The root's help prints a line per command, and inspecting the signatures of all of
    them (what Typer builds a command from) cost 40 ms of its 0.11 s; the text is the
    same (a test compares it with the full build's)."""
    return typer.main.get_command(application(bare=True))


def _invoked(args: list[str]) -> str | None:
    """The command these arguments run, when it is one of the app's: then only it is built
    (its help and errors are the same either way). None (build them all) for the root's
    help, an unknown command (its error suggests close names) or no command at all;
    `--version` alone needs none of them ("")."""
    if args[:1] == ["--version"]:
        return ""
    if not args or args[0].startswith("-"):
        return None
    return args[0] if tree.find(args[0]) is not None else None
