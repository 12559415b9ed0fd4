"""`icsvc report`: the big picture for managers, in the terminal or as a file."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from icsvc import report_render as render
from icsvc import survey
from icsvc.commands import open_store
from icsvc.context import Context
from icsvc.errors import IcsvcError, UsageError
from icsvc.lifecycle import is_open
from icsvc.report import Period, Report, build, make_period
from icsvc.store import Store, Summary, summarize
from icsvc.ui import console, warn

if TYPE_CHECKING:
    from rich.box import Box

PROGRESS_THRESHOLD = 2000
"""Show a progress bar (on a terminal) when the store holds more request files than this."""


@dataclass
class Options:
    since: str | None
    until: str | None
    quarter: str | None
    providers: list[str]
    fmt: str
    output: Path | None


def relevant_to(period: Period, now: datetime) -> Callable[[Summary], bool]:
    """Requests that can count in the period: made before it ends, and open or active since
    it began (a day's margin each side covers every provider's timezone)."""
    first, last = period.bounds(ZoneInfo("UTC"))
    start = (first - timedelta(days=1)).timestamp()
    end = (min(last, now) + timedelta(days=1)).timestamp()
    return lambda s: s.created < end and (s.updated >= start or is_open(s.status))


def run(ctx: Context, opts: Options) -> None:
    store = open_store(ctx)
    cat = store.catalogue
    for p in opts.providers:
        if p not in cat.providers:
            raise UsageError(f"--provider: {p!r} is not a provider "
                             f"(accepted: {', '.join(cat.providers)})")
    try:
        period = make_period(ctx.now, opts.since, opts.until, opts.quarter)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if opts.output is not None and opts.output.is_dir():
        raise UsageError(f"--output: {opts.output} is a folder (accepted: a file path)")
    providers = list(dict.fromkeys(opts.providers))
    # the quarterly survey: the answers of the trend's quarters; when there are any, the
    # requests made in the period's quarters are loaded too (who was asked)
    answers, surveyed = _survey_inputs(store, period)
    relevant = relevant_to(period, ctx.now)
    with _progress(sum(1 for _ in store.request_files())) as step:
        loaded = store.load_all(warn, progress=step("Loading requests"),
                                where=relevant if surveyed is None
                                else lambda s: relevant(s) or surveyed(s))
        requests = loaded if surveyed is None else [r for r in loaded
                                                    if relevant(summarize(r))]
        report = build(requests, cat, period, ctx.now, providers,
                       progress=step("Computing figures", len(requests)))
    report.surveys = survey.results(answers, cat, period, providers,
                                    loaded if surveyed is not None else None)
    if opts.fmt == "table" and opts.output is None:
        show(report)
        return
    text = {
        "json": render.render_json, "markdown": render.render_markdown,
        "csv": render.render_csv, "html": render.render_html,
        "table": render.render_markdown,
    }[opts.fmt](report)
    if opts.output is None:
        sys.stdout.write(text)
        return
    from icsvc.yamlio import write_atomic

    try:
        write_atomic(opts.output, text)
    except OSError as exc:
        raise IcsvcError(f"--output: cannot write {opts.output}: {exc.strerror}") from None
    console(stderr=True).print(f"Wrote {opts.output}")


def _survey_inputs(store: Store, period: Period) -> \
        tuple[list[survey.Answer], Callable[[Summary], bool] | None]:
    """The survey answers of the report's trend quarters, and a load filter for the requests
    made in the period's quarters (None when nobody answered: nothing more to load)."""
    quarters = survey.quarters_of(period)
    answers = survey.load_answers(store.root, survey.trend_quarters(quarters[-1]), warn)
    return answers, (survey.created_within(quarters) if answers else None)


Step = Callable[..., Callable[[], None] | None]


@contextmanager
def _progress(files: int) -> Iterator[Step]:
    """A Rich progress bar on stderr for big stores on a terminal; otherwise no-op steps."""
    if files <= PROGRESS_THRESHOLD or not sys.stderr.isatty():
        yield lambda *args: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console(stderr=True), transient=True) as bar:
        def step(label: str, total: int = files) -> Callable[[], None]:
            task = bar.add_task(label, total=total)
            return lambda: bar.advance(task)

        yield step


def show(report: Report) -> None:
    """Rich tables, and the weekly trend as a bar chart."""
    from rich.markup import escape
    from rich.table import Table

    con = console()
    con.print(f"[bold]{escape(render.heading(report))}[/bold]")
    con.print(escape(render.subtitle(report)))
    for title, headers, rows in render.tables(report):
        con.print()
        if title.startswith("SLA compliance per week"):
            _trend(report)
            continue
        if not rows:
            con.print(f"[bold]{escape(title)}[/bold]: none")
            continue
        table = Table(title=title, title_justify="left", title_style="bold",
                      header_style="bold", box=_box(con.is_terminal))
        for i, header in enumerate(headers):
            right = i > 0 and render.numeric(rows, i)
            table.add_column(escape(header), justify="right" if right else "left",
                             no_wrap=i == 0, overflow="fold")
        for row in rows:
            table.add_row(*(escape(c) for c in row))
        con.print(table)


def _trend(report: Report) -> None:
    from rich.markup import escape

    con = console()
    con.print("[bold]SLA compliance per week[/bold] (clocks met / measured)")
    if not any(w.measured for w in report.trend):
        con.print("  nothing measured")
        return
    for w in report.trend:
        pct = w.met_pct
        colour = "green" if pct is not None and pct >= 90 else (
            "yellow" if pct is not None and pct >= 75 else "red")
        chart = render.bar(pct, 30).ljust(30)
        label = render.fmt_pct(pct)
        con.print(f"  {w.start.isoformat()}  [{colour}]{escape(chart)}[/{colour}] "
                  f"{label:>6}  {w.met}/{w.measured}")


def _box(terminal: bool) -> Box:
    from rich import box

    return box.SIMPLE_HEAD if terminal else box.ASCII2
