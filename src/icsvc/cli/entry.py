"""The console entry point (`icsvc`): runs a command, read by the quick parser when it is
sure of the arguments, else by Typer; turns an error into one line and an exit code.

Nothing here imports Typer: a plain run (`icsvc queue -f csv`, `icsvc show 09KR`) never
loads it (see `quick`).
"""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from icsvc.cli import quick, tree
from icsvc.cli.completion import COMPLETE_VAR


def script() -> NoReturn:
    """The console script (`icsvc`): `main()`, then the process ends at once, without
    Python's finalization, which frees every module and object one by one (a listing of
    500 requests spent 25-40 ms there, a fifth of its time). What finalization does that
    matters is done first: the exit handlers run (the dataclass cache is saved by one) and
    the standard streams are flushed. Files are written and closed by the commands
    themselves, and a committed write to the index is in its journal. While another
    thread runs (none of icsvc's own), the usual exit, which waits for it."""
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    threading = sys.modules.get("threading")
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if (threading is not None and threading.active_count() > 1) or run_exit_handlers is None:
        sys.exit(code)
    if code is not None and not isinstance(code, int):  # sys.exit("message"), as Python says it
        print(code, file=sys.stderr)
        code = 1
    run_exit_handlers()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe: as `main` ends on one
        os._exit(code or 1)
    os._exit(code or 0)


def main() -> None:
    """Run `icsvc ARGS` (`sys.argv`): user mistakes become one line on stderr and an exit
    code (see `errors`); anything else is a bug, reported in one line with exit 3. Returns,
    or raises SystemExit (for a caller in the same process, as the tests are)."""
    from icsvc.errors import IcsvcError

    try:
        with _collecting_rarely():
            _check_text_arguments()
            _run(sys.argv[1:])
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


def _run(args: list[str]) -> None:
    """`icsvc ARGS`: `--version` and the plain runs here, the rest through Typer."""
    if args == ["--version"]:
        print(tree.version())
        return
    found = None if os.environ.get(COMPLETE_VAR) else quick.parse(tree.find, args)
    if found is None:
        from icsvc.cli import app

        app.invoke()
        return
    func, values = found
    func(**values)


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

    from icsvc import __version__
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
