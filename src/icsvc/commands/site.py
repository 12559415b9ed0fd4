"""`icsvc site OUT/`: the store as a static web site (`site/`), with the reports of the
current and previous quarters computed here and handed to it rendered."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from icsvc.commands import open_store, output_target
from icsvc.commands.context import Context, Step
from icsvc.commands.report import period_zone, relevant_span, survey_inputs
from icsvc.domain.answers import Quarter
from icsvc.domain.checker import EMAIL_ACCEPTED, is_email
from icsvc.errors import IcsvcError, UsageError
from icsvc.github import forms
from icsvc.reports import report_render
from icsvc.reports.facts import gather
from icsvc.reports.report import Period, total
from icsvc.reports.survey_results import results
from icsvc.site import paths
from icsvc.site.build import Built, ReportPages, build, is_site
from icsvc.site.page_views import HowToAsk
from icsvc.store import gitutil
from icsvc.store.store import Store, Summary, active_in

QUARTERS = 2
"""The reports on the site: the current quarter and the one before."""


@dataclass
class Options:
    out: Path
    force: bool = False
    """Build into a folder that holds other files (and no site)."""
    repo_url: str | None = None
    """The repository the issue forms are in (default: as `icsvc forms` finds it)."""
    mail: str | None = None
    """The address requests can be mailed to, shown in the catalogue."""


@dataclass
class SiteBuilt:
    """What `icsvc site` did (`built`), into the folder given (`out`, as typed), with the
    reports of these quarters."""

    built: Built
    out: Path
    quarters: list[str]


def run(ctx: Context, opts: Options) -> SiteBuilt:
    store = open_store(ctx)
    out = output_target(ctx, store, "OUT", opts.out, force=True, folder=True)
    if not opts.force and not is_site(out):
        raise IcsvcError(f"refused: {opts.out} holds files and no site icsvc built "
                         f"(no {paths.MANIFEST}); name a new or empty folder, or pass "
                         "--force to build into it")
    if opts.mail is not None and not is_email(opts.mail):
        raise UsageError(f"--mail: {opts.mail!r} is not an email address (accepted: "
                         f"{EMAIL_ACCEPTED})")
    ask = how_to_ask(store, opts)
    with ctx.progress(lambda: sum(1 for _ in store.request_files())) as step:
        found = store.summaries(ctx.warn, progress=step("Loading requests"))
        pages = quarter_reports(store, ctx, found, step)
        built = build(store, out, ctx.now, pages, ask, ctx.warn, step, found)
    return SiteBuilt(built, opts.out, [p.quarter for p in pages])


def quarter_reports(store: Store, ctx: Context, found: list[tuple[str, Summary]],
                    step: Step | None = None) -> list[ReportPages]:
    """The report of the current quarter and of the one before (as `icsvc report --quarter`
    gives it), each with its requesting departments' views (`--department`), rendered."""
    cat = store.catalogue
    quarter = Quarter.of(ctx.now.astimezone(period_zone(cat)).date())
    out = []
    for n in range(QUARTERS):
        period = Period(quarter.first_day, quarter.end_day, quarter.label)
        span = relevant_span(period, ctx.now)
        rows = [(rel, s) for rel, s in found if active_in(s, span)]
        facts = list(gather(store, rows, ctx.now, ctx.warn,
                            step(f"Report {quarter.label}", len(rows)) if step else None))
        answers, surveyed = survey_inputs(store, period, ctx.warn)
        asked = (store.requests([rel for rel, s in found if surveyed(s)], ctx.warn)
                 if surveyed is not None else None)
        surveys = results(answers, cat, period, None, asked)
        report = total(facts, cat, period, ctx.now)
        report.surveys = surveys
        departments = {}
        for d in report.departments:
            mine = total(facts, cat, period, ctx.now, department=d.department)
            mine.surveys = surveys
            departments[d.department] = report_render.render_html_body(mine)
        out.append(ReportPages(quarter.label, report_render.render_html_body(
            report, paths.department_file), departments, report.matrix, current=n == 0))
        quarter = quarter.previous()
    return out


def how_to_ask(store: Store, opts: Options) -> HowToAsk:
    """The issue forms' links, when the repository's forms are there (or `--repo-url` names
    the repository), and the mail address given."""
    top = gitutil.toplevel(store.root) or store.root
    folder = top / forms.FORMS_DIR
    if opts.repo_url is not None:
        repo = forms.normalize_repo_url(opts.repo_url)
        if repo is None:
            raise UsageError(f"--repo-url: {opts.repo_url!r} is not a repository URL "
                             "(accepted: https://github.com/OWNER/REPO or a git remote URL)")
    elif folder.is_dir() and forms.any_generated(folder):
        repo = forms.find_repo_url(folder, top)
    else:
        repo = None
    if repo is None:
        return HowToAsk(mail=opts.mail)
    links = {(p.id, s.id): f"{repo}/issues/new?template={forms.file_name(p.id, s.id)}"
             for p in store.catalogue.providers.values() for s in p.services.values()}
    return HowToAsk(links, f"{repo}/issues/new/choose", opts.mail)


def serve(done: SiteBuilt, port: int, ready: Callable[[str], None]) -> None:
    """Serve the built site on this machine until interrupted (`site.serve`)."""
    from icsvc.site.serve import serve as serve_folder

    try:
        serve_folder(done.built.out, port, ready)
    except OSError as exc:
        raise IcsvcError(f"--serve: cannot serve on port {port}: {exc.strerror}") from None
