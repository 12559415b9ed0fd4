"""`icsvc report`: the big picture for managers, in the terminal or as a file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from icsvc.commands import open_store, output_target, write_output
from icsvc.commands.context import Context, Step, Warn
from icsvc.domain import names
from icsvc.domain.answers import Answer
from icsvc.domain.catalogue import Catalogue
from icsvc.domain.dates import DateError, parse_day
from icsvc.domain.limits import DATE_RANGE, date_in_range
from icsvc.errors import UsageError
from icsvc.reports import report_render as render
from icsvc.reports.facts import fold
from icsvc.reports.report import Period, Report, Tally, make_period
from icsvc.reports.survey_results import quarters_of, results, trend_quarters
from icsvc.store.answer_files import created_within, load_answers
from icsvc.store.store import Store, Summary, active_in

EXTENSIONS = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown",
              ".csv": "csv", ".json": "json"}
"""`--output FILE` picks its format from the extension (any other: the markdown tables)."""


@dataclass
class Reported:
    """The report's figures, in the format asked for; `written`: the --output file it was
    written to (None: for the terminal)."""

    report: Report
    fmt: str
    written: Path | None = None


@dataclass
class Options:
    """What `icsvc report` was asked for."""

    since: str | None
    until: str | None
    quarter: str | None
    providers: list[str]
    fmt: str | None
    """None: the default (table), or the output file's extension."""
    output: Path | None
    force: bool = False
    """Replace an existing --output file."""
    department: str | None = None
    """Only this requesting department's requests: every provider reporting back to it."""


def output_format(fmt: str | None, output: Path | None) -> str:
    """The format to write: --format, else the --output file's extension, else table. A
    --format that contradicts the extension is refused rather than written misnamed."""
    inferred = EXTENSIONS.get(output.suffix.lower()) if output is not None else None
    if fmt is not None and inferred is not None and fmt != inferred:
        assert output is not None
        raise UsageError(f"--format {fmt} conflicts with --output {output.name} (a "
                         f"{output.suffix} file gets {inferred}); drop --format, or name the "
                         "file for the format")
    return fmt or inferred or "table"


def period_zone(cat: Catalogue) -> tzinfo:
    """The zone `today`, `monday` or `end of month` are read in for a report: the first
    provider's calendar (UTC without providers), so a CI machine and a laptop agree."""
    first = next(iter(cat.providers.values()), None)
    return first.calendar.tz if first is not None else ZoneInfo("UTC")


def _day(text: str | None, option: str, ctx: Context, zone: tzinfo) -> str | None:
    if text is None:
        return None
    try:
        return parse_day(text, ctx.now, zone).isoformat()
    except DateError as exc:
        raise UsageError(f"{option}: {exc}") from None


def relevant_span(period: Period, now: datetime) -> tuple[float, float]:
    """The requests that can count in the period, as `Store.summaries(active=...)` takes
    them: made before it ends, and open or active since it began (a day's margin each side
    covers every provider's timezone)."""
    first, last = period.bounds(ZoneInfo("UTC"))
    return ((first - timedelta(days=1)).timestamp(),
            (min(last, now) + timedelta(days=1)).timestamp())


def figures(store: Store, period: Period, now: datetime, providers: list[str] | None = None,
            step: Step | None = None, found: list[tuple[str, Summary]] | None = None,
            warn: Warn | None = None, department: str | None = None) -> Report:
    """The report's figures, from the requests that can count in the period (among `found`,
    `Store.summaries`, when given); `step` (a progress bar's) is called for loading them,
    then for computing their figures; `warn` says a file that cannot be read."""
    span = relevant_span(period, now)
    if found is None:
        found = store.summaries(warn, progress=step("Loading requests") if step else None,
                                active=span)
    else:
        found = [(rel, s) for rel, s in found if active_in(s, span)]
    cat = store.catalogue
    return fold(store, found, now, warn, lambda: Tally(cat, period, now, providers, department),
                Tally.add, Tally.merge,
                step("Computing figures", len(found)) if step else None).report()


def run(ctx: Context, opts: Options) -> Reported:
    fmt = output_format(opts.fmt, opts.output)
    store = open_store(ctx)
    cat = store.catalogue
    providers = names.providers(cat, opts.providers)
    department = (names.department(cat, opts.department) if opts.department is not None
                  else None)
    zone = period_zone(cat)
    since = _day(opts.since, "--since", ctx, zone)
    until = _day(opts.until, "--until", ctx, zone)
    try:
        period = make_period(ctx.now, since, until, opts.quarter)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    except OverflowError:
        period = None
    if period is None or not (date_in_range(period.start)
                              and date_in_range(period.end - timedelta(days=1))):
        option = "--quarter" if opts.quarter else "--since/--until"
        raise UsageError(f"{option}: the period is out of range (accepted: {DATE_RANGE})")
    target = (output_target(ctx, store, "--output", opts.output, force=opts.force)
              if opts.output is not None else None)
    # the quarterly survey: the answers of the trend's quarters; when there are any, the
    # requests made in the period's quarters are loaded too (who was asked)
    answers, surveyed = survey_inputs(store, period, ctx.warn)
    with ctx.progress(lambda: sum(1 for _ in store.request_files())) as step:
        if surveyed is None:
            report = figures(store, period, ctx.now, providers, step, warn=ctx.warn,
                             department=department)
            asked = None
        else:  # (one look at the summaries: its warnings are said once)
            found = store.summaries(ctx.warn, progress=step("Loading requests"))
            report = figures(store, period, ctx.now, providers, step, found, ctx.warn,
                             department)
            asked = store.requests([rel for rel, s in found if surveyed(s)], ctx.warn)
    report.surveys = results(answers, cat, period, providers, asked)
    if target is not None:
        write_output(target, as_text(report, fmt), "--output")
    return Reported(report, fmt, opts.output if target is not None else None)


def as_text(report: Report, fmt: str) -> str:
    """The report as a file's text: JSON, Markdown, CSV or HTML (a table written to a file
    is Markdown)."""
    return {
        "json": render.render_json, "markdown": render.render_markdown,
        "csv": render.render_csv, "html": render.render_html,
        "table": render.render_markdown,
    }[fmt](report)




def survey_inputs(store: Store, period: Period, warn: Warn) -> \
        tuple[list[Answer], Callable[[Summary], bool] | None]:
    """The survey answers of the report's trend quarters, and a load filter for the requests
    made in the period's quarters (None when nobody answered: nothing more to load)."""
    quarters = quarters_of(period)
    answers = load_answers(store.root, trend_quarters(quarters[-1]), warn)
    return answers, (created_within(quarters) if answers else None)
