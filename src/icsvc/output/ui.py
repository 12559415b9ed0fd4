"""Terminal output: tables and lines written without Rich (`plain`), Rich for prompts and
progress bars, JSON/CSV/Markdown for scripts. The commands never print: the renderers beside
this module show what they return."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from icsvc.commands.context import Step

SEVERITY = ("breached", "at-risk", "paused", "ok", "met")
"""SLA states, worst first: a row showing one state shows the worst of its clocks."""

STATE_STYLE = {
    "ok": "green",
    "met": "green",
    "at-risk": "yellow",
    "paused": "cyan",
    "breached": "bold red",
}
PRIORITY_STYLE = {"urgent": "bold red", "high": "yellow", "normal": "", "low": "dim"}

_consoles: dict[bool, Console] = {}


def console(stderr: bool = False) -> Console:
    """A Console that is plain (no colour, wide) when not writing to a terminal."""
    if stderr not in _consoles:
        from rich.console import Console

        stream = sys.stderr if stderr else sys.stdout
        tty = stream.isatty()
        width = None if tty else columns()
        _consoles[stderr] = Console(
            file=stream, stderr=stderr, width=width, highlight=False,
            no_color=not tty or "NO_COLOR" in os.environ, soft_wrap=False,
        )
    return _consoles[stderr]


def columns(default: int = 160) -> int:
    """The width for plain output: `COLUMNS` when it is a sensible number, else `default`
    (a bad value must not fail a command, least of all after it has written)."""
    raw = os.environ.get("COLUMNS", "").strip()
    if not raw.isdigit():
        return default
    return min(max(int(raw), 20), 1000)


def reset() -> None:
    """Forget the consoles (their streams may have changed: tests run commands in process)."""
    _consoles.clear()


def warn(message: str) -> None:
    """One line on stderr (control characters and undecodable bytes escaped)."""
    from icsvc.errors import one_line
    from icsvc.output import plain

    plain.write([[("warning:", "yellow"), (f" {one_line(message)}", "")]], sys.stderr)


def error(message: str) -> None:
    """One line on stderr; plain `print` so nothing wraps it, and control characters (a
    newline in a value the message quotes, an escape sequence) escaped."""
    from icsvc.errors import one_line

    print(f"icsvc: error: {one_line(message)}", file=sys.stderr)


def print_json(data: Any) -> None:
    """JSON as the contract: strict (no NaN or Infinity, which JSON does not have)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str,
                                allow_nan=False) + "\n")


HEADER_SHORT = {"Provider": "Prov", "Priority": "Prio", "Department": "Dept",
                "Requests": "Reqs", "Answered": "Ans", "Status": "State", "Created": "Made"}
"""Headers' short forms, for a terminal too narrow for the full ones."""


def print_rows(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[tuple[str, str]],
    fmt: str,
    *,
    title: str | None = None,
    styles: dict[str, dict[str, str]] | None = None,
    empty: str = "nothing to show",
    flex: Sequence[str] = ("title",),
    droppable: Sequence[str] = (),
    short: dict[str, str] | None = None,
) -> None:
    """Print rows as a table (see `plain`), CSV, or Markdown. `columns` pairs a key with a
    header; on a terminal only the `flex` columns wrap, the others keep their values on one
    line, the headers take their short forms (`short`, else `HEADER_SHORT`) and the
    `droppable` columns are left out, in that order, when the terminal is too narrow."""
    if fmt == "csv":
        keys = [key for key, _ in columns]
        print_csv(keys, ([row.get(key) for key in keys] for row in rows))
        return
    if fmt == "markdown":
        from tabulate import tabulate

        cells = [[_cell(row.get(key)).replace("|", "\\|") for key, _ in columns] for row in rows]
        out = tabulate(cells, headers=[h for _, h in columns], tablefmt="github")
        sys.stdout.write((f"**{title}**\n\n" if title else "") + out + "\n")
        return
    from icsvc.output import plain

    if not rows:
        plain.say(empty)
        return
    shorts = {**HEADER_SHORT, **(short or {})}
    cols = [plain.Col(header, shorts.get(header, ""), wrap=key in flex)
            for key, header in columns]
    width = plain.terminal_width()
    if width is None:  # piped: no styles, every row on one line
        texts = [[_cell(row.get(key)) for key, _ in columns] for row in rows]
        sys.stdout.write(plain.unstyled(cols, texts, title))
        return
    styled_cells = [[(text, (styles or {}).get(key, {}).get(text, ""))
              for key, _ in columns for text in (_cell(row.get(key)),)] for row in rows]
    keys = [key for key, _ in columns]
    plain.write(plain.table(cols, styled_cells, title=title, width=width,
                            droppable=[keys.index(k) for k in droppable if k in keys]))


def print_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """CSV: the header, then each row's values (None: empty, a flag: yes or empty), written
    as it goes (100,000 rows are 8 MB of text)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for n, values in enumerate(rows, 1):
        writer.writerow(values if set(map(type, values)) == {str}  # (C speed: many rows)
                        else [_cell(c) for c in values])
        if n % 4096 == 0:
            sys.stdout.write(buf.getvalue())
            buf.seek(0)
            buf.truncate()
    sys.stdout.write(buf.getvalue())


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    return str(value)


# -- progress --------------------------------------------------------------------------------

PROGRESS_THRESHOLD = 2000
"""Show a progress bar (on a terminal) when a command goes through more request files than
this: parsing them after a clone, checking them, a report over a big store."""

def _no_step(*args: Any) -> None:
    return None


@contextmanager
def progress(count: Callable[[], int]) -> Iterator[Step]:
    """Yields `step(label, total=files)`, which starts a bar and returns its advance
    callback: a transient Rich progress bar on stderr when stderr is a terminal and `count()`
    (called only then) exceeds PROGRESS_THRESHOLD; otherwise steps that do nothing, so
    output off a terminal is unchanged."""
    if not sys.stderr.isatty():
        yield _no_step
        return
    files = count()
    if files <= PROGRESS_THRESHOLD:
        yield _no_step
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console(stderr=True), transient=True) as bar:
        def step(label: str, total: int = files) -> Callable[[], None]:
            task = bar.add_task(label, total=total)
            return lambda: bar.advance(task)

        yield step


def next_step(step: str | None) -> None:
    """The one line that ends a command that changed a request: what to run next (None:
    nothing, outside git)."""
    if step is not None:
        from icsvc.output import plain

        plain.say(f"Next: {step}")


def note(message: str) -> None:
    """A one-line remark on stderr (a date on a day off, a hint), out of the way of output."""
    print(f"note: {message}", file=sys.stderr)


def interactive() -> bool:
    """Whether a person is at the keyboard: questions are asked only then."""
    return sys.stdin.isatty() and sys.stdout.isatty()
