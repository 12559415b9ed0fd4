"""The command line: Typer parses options, calls one plain function per command
(`commands/`) and hands its result to its renderer (`output/`); `main()` turns an error
into one line and an exit code. The group modules (`workflow.py`, `git.py`...) hold the
other commands; this module adds them to the app.

Heavy modules are imported inside the commands so `icsvc --help` starts quickly. The
modules that define commands do without `from __future__ import annotations`: Typer reads
each command's signature, and annotations that are objects rather than strings spare it
evaluating some 1,500 of them (a third of building every command, which `icsvc --help`
does). Every
command takes `--as EMAIL`, `--store FOLDER` and `--format`, and ends its help with real
examples (`examples()`), except `merge-driver` and `completion`, which git and shells run.
"""

import functools
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from icsvc import __version__
from icsvc.cli import completion, git, github, notify, people, reports, survey, tools, workflow
from icsvc.cli.common import (
    ActorOpt,
    CheckFormat,
    FormatOpt,
    IdArg,
    NoPagerOpt,
    ProvidersOpt,
    ShowFmtOpt,
    ShowFormat,
    StoreOpt,
    TableFormat,
    context,
    date_help,
    examples,
    interactive,
    paged,
)

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
        from icsvc.domain.tzrules import use_newest

        version, source = use_newest()
        print(f"icsvc {__version__} (time-zone rules {version}, from {source})")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True,
                           help="Show the version and exit.")
    ] = False,
) -> None:
    """Internal customer service as code."""


@app.command(epilog=examples(
    "icsvc init acme-services",
    "icsvc init --format json",
))
def init(
    path: Annotated[Path | None, typer.Argument(
        metavar="[FOLDER]", help="Folder for the new store (default: the current folder, "
                                 "or --store).")] = None,
    fmt: ShowFmtOpt = ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Create a new store: a commented providers.yaml, its JSON Schemas, requests/, ignore
    rules."""
    from icsvc.commands import init as cmd
    from icsvc.errors import UsageError
    from icsvc.output import init as out

    if path is not None and store is not None and Path(store).resolve() != path.resolve():
        raise UsageError(f"init: give the folder once (FOLDER {path} or --store {store})")
    out.render(cmd.run(path or Path(store or ".")), fmt.value)


@app.command(epilog=examples(
    "icsvc sla",
    "icsvc sla -p payroll -p it",
    "icsvc sla legal --format json",
))
def sla(
    provider_args: Annotated[list[str] | None, typer.Argument(
        metavar="[PROVIDER]...", help="Only these providers (same as -p).",
        autocompletion=completion.providers)] = None,
    provider: ProvidersOpt = None,
    fmt: ShowFmtOpt = ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
    no_pager: NoPagerOpt = False,
) -> None:
    """The service catalogue: services, what they need from you, lead times, SLA targets."""
    from icsvc.commands import catalogue as cmd
    from icsvc.output import catalogue as out

    with paged(no_pager):
        out.render(cmd.run(context(store, actor), [*(provider_args or []), *(provider or [])]),
                   fmt.value)


@app.command(epilog=examples(
    "icsvc new",
    "icsvc new -p engineering -s part-clarification -t 'Thread spec on bracket 7730-C' "
    "--info order_number=SO-88412 --info part_number=7730-C --needed-by 'next friday'",
    "icsvc new -p it -s laptop -t 'Laptop for Jo' --info user=jo@example.com "
    "--info reason='New starter' --needed-by 'Dec 14' --pr",
))
def new(
    provider: Annotated[str | None, typer.Option(
        "--provider", "-p", metavar="PROVIDER", help="The provider to ask (any case).",
        autocompletion=completion.providers)] = None,
    service: Annotated[str | None, typer.Option(
        "--service", "-s", metavar="SERVICE", help="The provider's service.",
        autocompletion=completion.services)] = None,
    title: Annotated[str | None, typer.Option(
        "--title", "-t", metavar="TEXT", help="A one-line summary.")] = None,
    details: Annotated[str | None, typer.Option(
        "--details", "-d", metavar="TEXT", help="More detail.")] = None,
    priority: Annotated[str | None, typer.Option(
        metavar="PRIORITY", help="What you ask for: low, normal (default), high, urgent.",
        autocompletion=completion.priorities)] = None,
    needed_by: Annotated[str | None, typer.Option(
        "--needed-by", metavar="DATE",
        help=date_help("When you need it; a date without a time is the end of that "
                       "business day."))] = None,
    info: Annotated[list[str] | None, typer.Option(
        "--info", metavar="KEY=VALUE",
        help="Information the service requires (repeatable).")] = None,
    justification: Annotated[str | None, typer.Option(
        metavar="TEXT", help="Why this is urgent or last-minute (required for a rush).")]
    = None,
    department: Annotated[str | None, typer.Option(
        metavar="DEPT", help="Your department (default: from providers.yaml departments, "
                             "ICSVC_DEPARTMENT or git config icsvc.department).",
        autocompletion=completion.departments)] = None,
    cost: Annotated[float | None, typer.Option(
        metavar="N", help="The cost to the business if the SLA lapses.")] = None,
    impact_note: Annotated[str | None, typer.Option(
        "--impact-note", metavar="TEXT", help="What a lapse would cost, in words.")] = None,
    for_: Annotated[list[str] | None, typer.Option(
        "--for", metavar="ID", help="This request exists to fulfil request ID (which then "
                                    "waits for it; repeatable).",
        autocompletion=completion.request_ids)] = None,
    pr: Annotated[bool, typer.Option(
        "--pr", help="Then send it: branch (when on the default branch), commit as you, "
                     "push and open the pull request.")] = False,
    fmt: ShowFmtOpt = ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Ask a provider for something; prints the new ID and the dates to expect. On a
    terminal, asks for whatever is missing."""
    from icsvc.commands import new as cmd
    from icsvc.output import new as out

    ctx = context(store, actor)
    talk = interactive()
    intake = cmd.start(ctx, cmd.Options(
        provider=provider, service=service, title=title, details=details, priority=priority,
        needed_by=needed_by, info=info or [], justification=justification,
        department=department, cost=cost, impact_note=impact_note, pr=pr, blocks=for_ or [],
    ), talk)
    told = out.ask(intake) if talk else False
    created = cmd.create(ctx, intake, pr)
    out.render(created, fmt.value, pr, day_off_told=told)
    if pr:
        out.sent(created, cmd.send(ctx, intake, created), fmt.value)


@app.command(epilog=examples(
    "icsvc show 09KRRP64",
    "icsvc show 09kr",
    "icsvc show 09KR --format json",
))
def show(
    request_id: IdArg,
    fmt: ShowFmtOpt = ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
    no_pager: NoPagerOpt = False,
) -> None:
    """A request with its SLA clocks and its history as a timeline."""
    from icsvc.commands import show as cmd
    from icsvc.output import show as out

    with paged(no_pager):
        out.render(cmd.run(context(store, actor), request_id), fmt.value)


@app.command("list", epilog=examples(
    "icsvc list",
    "icsvc list --department customer-service --status new --status in-progress",
    "icsvc list -p engineering --all --format csv",
))
def list_(
    provider: ProvidersOpt = None,
    status: Annotated[list[str] | None, typer.Option(
        metavar="STATUS", help="Only these statuses (repeatable).",
        autocompletion=completion.statuses)] = None,
    department: Annotated[list[str] | None, typer.Option(
        metavar="DEPT", help="Only requests from these departments (repeatable).",
        autocompletion=completion.departments)] = None,
    priority: Annotated[list[str] | None, typer.Option(
        metavar="PRIORITY", help="Only these agreed priorities (repeatable).",
        autocompletion=completion.priorities)] = None,
    open_: Annotated[bool, typer.Option(
        "--open/--all", help="Open requests only (default), or all.")] = True,
    mine: Annotated[bool, typer.Option(
        "--mine", help="The requests I asked for (for a department's manager, also the "
                       "department's).")] = False,
    fmt: FormatOpt = TableFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
    no_pager: NoPagerOpt = False,
) -> None:
    """List requests, newest first."""
    from icsvc.commands import listing as cmd
    from icsvc.output import listing as out

    with paged(no_pager):
        out.render(cmd.run(context(store, actor), cmd.Filters(
            providers=provider or [], statuses=status or [], departments=department or [],
            priorities=priority or [], open_only=open_, mine=mine,
        ), fmt == TableFormat.json), fmt.value)


@app.command(epilog=examples(
    "icsvc check",
    "icsvc check --base origin/main --format github",
    "icsvc check --format json",
))
def check(
    fmt: Annotated[CheckFormat, typer.Option(
        "--format", "-f", help="text, github (Actions annotations) or json.")] =
    CheckFormat.text,
    base: Annotated[str | None, typer.Option(
        "--base", metavar="REV",
        help="Also check what this branch changes since REV (pull requests).")] = None,
    require_signed: Annotated[bool | None, typer.Option(
        "--require-signed/--no-require-signed",
        help="With --base: every commit of the branch must be signed by its author's key "
             "(people: in providers.yaml); default: settings.require_signed.")]
    = None,
    allow_orphans: Annotated[bool, typer.Option(
        "--allow-orphans",
        help="With --base: accept parentless commits (an unrelated history merged in), "
             "their files judged as new; refused by default.")] = False,
    actor: ActorOpt = None,
    store: StoreOpt = None,
    no_pager: NoPagerOpt = False,
) -> None:
    """Validate the whole store; every problem as path:line: message, exit 1 if any."""
    from icsvc.commands import check as cmd
    from icsvc.output import check as out

    with paged(no_pager):
        checked = cmd.run(context(store, actor), base, require_signed, allow_orphans)
        out.render(checked, fmt.value)
    if checked.problems:
        raise typer.Exit(1)  # a failed check: the report says why


# Each group's commands, after this module's own, in the order of `icsvc --help`: requester,
# provider, reports, notifications, git, GitHub, tools; then the survey's subcommands.
for _group in (workflow, reports, notify, git, github, tools):
    app.registered_commands.extend(_group.group.registered_commands)
app.add_typer(survey.group, name="survey")
app.add_typer(people.group, name="people")


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


def _invoke() -> None:
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


@contextmanager
def _collecting_rarely() -> Iterator[None]:
    """Python looks for reference cycles every 700 new objects, going through every object
    alive each tenth or hundredth time: a listing of 100,000 requests spent a third of its
    time there, finding nothing (what a command builds is freed by reference counting). A
    command is short: a look after every 100,000 new objects is plenty (as mypy does). The
    usual setting comes back after it (for a caller that runs commands in its own process,
    as the tests do)."""
    import gc

    threshold = gc.get_threshold()
    gc.set_threshold(100_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


def main() -> None:
    """Console entry point: user mistakes become one line on stderr and an exit code (see
    `errors`); anything else is a bug, reported in one line with exit 3."""
    from icsvc.errors import IcsvcError

    try:
        with _collecting_rarely():
            _check_text_arguments()
            _invoke()
    except IcsvcError as exc:
        from icsvc.output.ui import error

        error(exc.message)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        os._exit(1)
    except OSError as exc:  # a read-only store, a full disk: say what, not a traceback
        from icsvc.output.ui import error

        where = f"{exc.filename}: " if exc.filename else ""
        error(f"{where}{exc.strerror or exc}")
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - a bug: one report, its own exit code
        _internal_error(exc)


@functools.cache
def _command(only: str | None = None) -> Any:
    """The Click command Typer builds from `app` (what `app()` runs), with every command, or
    with the one command `only` when that is all a run needs: building a command inspects its
    signature, and building all 26 costs 60 ms, half a small command's time. Built once per
    process and name (the tests run many commands in one process)."""
    if only is None:
        return typer.main.get_command(app)
    import copy

    one = copy.copy(app)
    one.registered_commands = [c for c in app.registered_commands if _name_of(c) == only]
    one.registered_groups = [g for g in app.registered_groups if g.name == only]
    return typer.main.get_command(one)


def _root_help() -> Any:
    """The Click command for `icsvc`'s own help: each command by its name and help alone.
    The root's help prints a line per command, and inspecting the signatures of all of
    them (what Typer builds a command from) cost 40 ms of its 0.11 s; the text is the
    same (a test compares it with the full build's)."""
    return typer.main.get_command(_light(app))


def _light(typer_app: typer.Typer) -> typer.Typer:
    """A copy of `typer_app` whose commands (and its groups' commands) take no
    parameters: their names and help are all that is left."""
    import copy

    light = copy.copy(typer_app)
    light.registered_commands = []
    for info in typer_app.registered_commands:
        bare = copy.copy(info)
        callback = info.callback

        def nothing() -> None:
            """A command's stand-in."""

        assert callback is not None
        nothing.__name__ = callback.__name__
        nothing.__doc__ = callback.__doc__
        bare.callback = nothing
        light.registered_commands.append(bare)
    light.registered_groups = []
    for group in typer_app.registered_groups:
        bare_group = copy.copy(group)
        assert group.typer_instance is not None
        bare_group.typer_instance = _light(group.typer_instance)
        light.registered_groups.append(bare_group)
    return light


def _name_of(command: Any) -> str:
    return str(command.name or typer.main.get_command_name(command.callback.__name__))


def _invoked(args: list[str]) -> str | None:
    """The command these arguments run, when it is one of the app's: then only it is built
    (its help and errors are the same either way). None (build them all) for the root's
    help, an unknown command (its error suggests close names) or no command at all;
    `--version` alone needs none of them ("")."""
    if args[:1] == ["--version"]:
        return ""
    if not args or args[0].startswith("-"):
        return None
    names = {_name_of(c) for c in app.registered_commands}
    names |= {str(g.name) for g in app.registered_groups}
    return args[0] if args[0] in names else None


def _check_text_arguments() -> None:
    """Arguments and ICSVC_* settings must be UTF-8 text: one that is not (bytes Python
    could only decode as surrogates) would fail later, when a file is written."""
    from icsvc.errors import UsageError

    named = [(f"argument {i}", arg) for i, arg in enumerate(sys.argv[1:], 1)]
    named += [(k, v) for k, v in os.environ.items() if k.startswith("ICSVC_")]
    for what, text in named:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            try:
                shown = text.encode("utf-8", "surrogateescape")[:60]
            except UnicodeEncodeError:  # a surrogate no undecodable byte gives
                shown = text.encode("utf-8", "backslashreplace")[:60]
            raise UsageError(f"{what} is not UTF-8 text ({shown!r}); use a UTF-8 terminal "
                             "or encoding") from None


def _internal_error(exc: Exception) -> None:
    """A bug: one line naming the exception, the version and the command, then exit 3;
    ICSVC_DEBUG=1 adds the traceback."""
    import shlex
    import traceback

    from icsvc.errors import INTERNAL_ERROR_EXIT, one_line

    message = one_line((str(exc).splitlines() or [""])[0][:200])
    args = " ".join(shlex.quote(a) if a.isprintable() else repr(a) for a in sys.argv[1:])
    if len(args) > 200:
        args = args[:200] + "..."
    if os.environ.get("ICSVC_DEBUG", "") not in ("", "0"):
        traceback.print_exc()
    print(f"icsvc: internal error: {type(exc).__name__}: {message} (icsvc {__version__}, "
          f"command: icsvc {args})", file=sys.stderr)
    print("This is a bug in icsvc, not in your input: please report it with the line above "
          "(ICSVC_DEBUG=1 shows the traceback).", file=sys.stderr)
    sys.exit(INTERNAL_ERROR_EXIT)
