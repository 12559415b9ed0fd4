"""Rendering a :class:`~icsvc.reports.report.Report` as text: tables of display strings (shared with
the terminal view), Markdown (tabulate), CSV, JSON and one self-contained HTML page with
inline CSS and inline SVG charts (no scripts, no network), drawn by the templates the site's
report pages share. Nothing here prints."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from icsvc.domain.durations import format_timedelta
from icsvc.reports.report import BUCKETS, Report, median, percentile
from icsvc.reports.survey_results import average
from icsvc.templates import Chart, render
from icsvc.templates import Table as HtmlTable

Table = tuple[str, list[str], list[list[str]]]
"""(title, headers, rows) of display strings."""


def fmt_pct(value: float | None) -> str:
    return "-" if value is None else f"{value:g}%"


def fmt_time(value: timedelta | None, day: timedelta) -> str:
    return "-" if value is None else format_timedelta(value, day)


def fmt_num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def fmt_stars(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def bar(value: float | None, width: int = 20) -> str:
    """A text bar for 0..100 with eighth-block resolution."""
    if value is None:
        return ""
    eighths = round(value / 100 * width * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + ("▏▎▍▌▋▊▉"[part - 1] if part else "")


def tables(report: Report) -> list[Table]:
    """Every table of the report, in reading order."""
    flow: list[list[str]] = []
    sla: list[list[str]] = []
    care: list[list[str]] = []
    outcomes: list[list[str]] = []
    negotiation: list[list[str]] = []
    for p in report.providers:
        d = p.day
        flow.append([p.provider, str(p.received), str(p.resolved), str(p.declined),
                     fmt_pct(p.declined_pct), fmt_pct(p.declined_with_alternate_pct),
                     str(p.open), *(str(p.backlog[b]) for b in BUCKETS)])
        sla.append([
            p.provider, fmt_pct(p.met_pct("acknowledge")), fmt_pct(p.met_pct("resolve")),
            fmt_time(median(p.times["acknowledge"]), d),
            fmt_time(percentile(p.times["acknowledge"], 90), d),
            fmt_time(median(p.times["resolve"]), d),
            fmt_time(percentile(p.times["resolve"], 90), d),
        ])
        outcomes.append([
            p.provider, fmt_pct(p.needed_by_met_pct), str(p.needed_by_count),
            str(p.promises_made), str(p.promises["kept"]), str(p.promises["moved"]),
            str(p.promises["broken"]), fmt_pct(p.promises_kept_pct),
            str(p.late_info_requests), fmt_pct(p.reopened_pct),
        ])
        care.append([
            p.provider, str(p.escalations), str(p.escalations_answered), str(p.redirects),
            fmt_stars(p.csat_avg), str(len(p.ratings)), fmt_pct(p.response_rate_pct),
            fmt_num(p.lapse_cost),
        ])
        downgraded = p.to_dict()
        negotiation.append([
            p.provider, str(downgraded["downgrades"]), str(downgraded["downgrades_accepted"]),
            str(downgraded["downgrades_contested"]), str(downgraded["downgrades_pending"]),
        ])
    depts = [[d.department, str(d.requests), fmt_pct(_p(d.urgent, d.requests)),
              fmt_pct(_p(d.rush, d.requests)), fmt_pct(_p(d.info_requested, d.requests)),
              fmt_pct(_p(d.needed_by_met, d.needed_by_count)), str(d.needed_by_count),
              str(d.upgrades_asked), str(d.upgrades_granted),
              fmt_stars(d.rating_avg)] for d in report.departments]
    answered = [[d.department, str(d.declined), fmt_pct(d.declined_pct),
                 fmt_pct(d.declined_with_alternate_pct),
                 fmt_num(d.lapse_cost_suffered), fmt_num(d.lapse_cost_caused)]
                for d in report.departments]
    providers = [p.provider for p in report.providers]
    matrix = [[dept, *(str(row.get(p, 0)) for p in providers), str(sum(row.values()))]
              for dept, row in report.matrix.items()]
    trend = [[w.start.isoformat(), str(w.measured), str(w.met), fmt_pct(w.met_pct)]
             for w in report.trend]
    lapses = [[lapse.id, lapse.provider, lapse.department,
               ", ".join(LAPSE_WORDS.get(r, r) for r in lapse.reasons),
               fmt_num(lapse.cost) if lapse.shared_with is None
               else f"shared with {lapse.shared_with}",
               lapse.kind, lapse.charged_to + (" (kept the provider waiting)"
                                               if lapse.by_customer else ""),
               lapse.note or ""] for lapse in report.lapses]
    link_cols = sorted({t for row in report.links.values() for t in row})
    links = [[p, *(str(row.get(t, 0)) for t in link_cols), str(sum(row.values()))]
             for p, row in report.links.items()]
    out: list[Table] = [
        ("Providers: requests, declines and open backlog by age (calendar days)",
         ["Provider", "Received", "Resolved", "Declined", "Declined %", "With alternate",
          "Open", *(f"Open {b}" for b in BUCKETS)], flow),
        ("Providers: SLA met and business time to acknowledge / resolve",
         ["Provider", "Ack met", "Resolve met", "Ack median", "Ack p90", "Resolve median",
          "Resolve p90"], sla),
        ("Providers: need-by dates met, promises, late requests for information, reopened",
         ["Provider", "Need-by met", "Need-by dates", "Promises", "Kept", "Moved", "Broken",
          "Kept %", "Late info asks", "Reopened"], outcomes),
        ("Providers: escalations, satisfaction, cost of lapses",
         ["Provider", "Escalated", "Answered", "Redirected", "Stars", "Ratings", "Rated",
          "Lapse cost caused"], care),
        ("Providers: priorities agreed below the requested one (downgrades)",
         ["Provider", "Downgrades", "Accepted", "Contested", "Pending"], negotiation),
        ("Requesting departments",
         ["Department", "Requests", "Urgent", "Rush", "Sent back for info", "Need-by met",
          "Need-by dates", "Upgrades asked", "Granted", "Avg rating given"], depts),
        ("Requesting departments: declines, and the cost of lapses they suffered and caused",
         ["Department", "Declined", "Declined %", "With alternate", "Lapse cost suffered",
          "Lapse cost caused"], answered),
        ("Who depends on whom (requests made)", ["Department", *providers, "Total"], matrix),
        ("Requests made for other requests (provider doing the work x provider whose request "
         "waits)", ["Provider", *link_cols, "Total"], links),
        ("SLA compliance per week", ["Week of", "Clocks", "Met", "Compliance"], trend),
        (f"Cost of lapses: {fmt_num(report.lapse_cost)} "
         f"({fmt_num(report.lapse_cost_of('actual'))} recorded, "
         f"{fmt_num(report.lapse_cost_of('estimate'))} estimated)",
         ["Request", "Provider", "From", "What lapsed", "Cost", "Figure", "Charged to",
          "Note"], lapses),
    ]
    return out + survey_tables(report)


def survey_tables(report: Report) -> list[Table]:
    """The quarterly survey's tables; none when the trend's quarters hold no answer (the
    store does not run the survey)."""
    results = report.surveys
    if results is None or not results.any_answers:
        return []
    quarters = " + ".join(q.label for q in results.quarters)
    stars = {p.provider: p.csat_avg for p in report.providers}
    per_provider = [[p.provider, "-" if p.asked is None else str(p.asked), str(len(p.ratings)),
                     fmt_pct(p.response_rate_pct), fmt_stars(p.average),
                     *(str(n) for n in p.distribution.values()),
                     fmt_stars(stars.get(p.provider))] for p in results.providers]
    providers = [p.provider for p in results.providers]
    cells: dict[str, dict[str, str]] = {}
    for pair in results.pairs:
        cells.setdefault(pair.department, {})[pair.provider] = _rated(pair.ratings)
    pairs = [[dept, *(row.get(p, "-") for p in providers)] for dept, row in cells.items()]
    trend = [[p, *(_rated(q.providers.get(p, [])) for q in results.trend)] for p in providers]
    trend.append(["all", *(_rated(q.ratings) for q in results.trend)])
    comments = [[c.provider, c.quarter.label, c.department, c.person, f"{c.rating}/5",
                 c.comment or ""] for c in results.comments]
    return [
        (f"Survey {quarters}: answers per provider (stars 1-5)",
         ["Provider", "Asked", "Answers", "Response", "Average", "1★", "2★", "3★", "4★", "5★",
          "Request stars"], per_provider),
        (f"Survey {quarters} by department: avg (answers)",
         ["Department", *providers], pairs),
        ("Survey trend: average (answers)",
         ["Provider", *(q.quarter.label for q in results.trend)], trend),
        (f"Survey {quarters}: comments, lowest rating first",
         ["Provider", "Quarter", "Department", "Person", "Rating", "Comment"], comments),
    ]


def _rated(ratings: list[int]) -> str:
    return "-" if not ratings else f"{fmt_stars(average(ratings))} ({len(ratings)})"


LAPSE_WORDS = {"resolve": "resolve target", "needed_by": "need-by date"}


def numeric(rows: list[list[str]], column: int) -> bool:
    """Whether a column holds figures (right-aligned)."""
    return all(_FIGURE.match(row[column]) for row in rows)


_FIGURE = re.compile(r"^[-\d.,% hdm()]*$")


def _p(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def heading(report: Report) -> str:
    return f"Service report {report.period.label}"


def subtitle(report: Report) -> str:
    period = report.period.to_dict()
    return (f"{period['start'][:10]} to {period['end'][:10]}; generated "
            f"{report.now.replace(microsecond=0).isoformat()}; times are business time")


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"


def render_markdown(report: Report) -> str:
    from tabulate import tabulate

    out = [f"## {heading(report)}", "", f"_{subtitle(report)}_", ""]
    for title, headers, rows in tables(report):
        out.append(f"### {title}")
        out.append("")
        if title.startswith("SLA compliance"):
            headers = [*headers, ""]
            rows = [[*row, bar(w.met_pct, 10)] for row, w in zip(rows, report.trend, strict=True)]
        if rows:
            cells = [[c.replace("|", "\\|") for c in row] for row in rows]
            out.append(tabulate(cells, headers=headers, tablefmt="github"))
        else:
            out.append("_none_")
        out.append("")
    return "\n".join(out)


def render_csv(report: Report) -> str:
    """Long format, one figure per row: section, name, metric, value."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["section", "name", "metric", "value"])
    data = report.to_dict()
    for p in data["providers"]:
        for key, value in p.items():
            if key == "backlog_age":
                for bucket, n in value.items():
                    writer.writerow(["provider", p["provider"], f"open_{bucket}", n])
            elif key not in ("provider",):
                writer.writerow(["provider", p["provider"], key, _csv(value)])
    for d in data["departments"]:
        for key, value in d.items():
            if key != "department":
                writer.writerow(["department", d["department"], key, _csv(value)])
    for dept, row in data["matrix"].items():
        for provider, n in row.items():
            writer.writerow(["matrix", dept, provider, n])
    for w in data["trend"]:
        for key in ("measured", "met", "met_pct"):
            writer.writerow(["trend", w["week"], key, _csv(w[key])])
    for provider, row in data["links"].items():
        for target, n in row.items():
            writer.writerow(["links", provider, target, n])
    for key in ("lapse_cost", "lapse_cost_actual", "lapse_cost_estimated"):
        writer.writerow(["total", "all", key, data[key]])
    _survey_csv(writer, data["survey"])
    return buf.getvalue()


def _survey_csv(writer: Any, survey: dict[str, Any] | None) -> None:
    """The quarterly survey's figures: the quarters pooled (a row each), `survey` per
    provider, `survey_pair` per requesting department (metric `<provider>_answers`/
    `_average`), `survey_trend` per quarter, and `survey_comment` per comment (name: its
    rank, lowest rating first; metrics provider, quarter, person, department, rating,
    comment: one value a cell)."""
    if survey is None:
        return
    for quarter in survey["quarters"]:  # one value a cell: a row a quarter
        writer.writerow(["survey", "all", "quarter", quarter])
    for rank, c in enumerate(survey.get("comments", []), 1):
        for key in ("provider", "quarter", "person", "department", "rating", "comment"):
            writer.writerow(["survey_comment", str(rank), key, _csv(c[key])])
    for p in survey["providers"]:
        for key in ("asked", "answers", "response_rate_pct", "average"):
            writer.writerow(["survey", p["provider"], key, _csv(p[key])])
        for stars, n in p["distribution"].items():
            writer.writerow(["survey", p["provider"], f"stars_{stars}", n])
    for pair in survey["pairs"]:
        for key in ("answers", "average"):
            writer.writerow(["survey_pair", pair["department"], f"{pair['provider']}_{key}",
                             _csv(pair[key])])
    for q in survey["trend"]:
        for key in ("answers", "average"):
            writer.writerow(["survey_trend", q["quarter"], key, _csv(q[key])])
        for provider, figures in q["providers"].items():
            for key in ("answers", "average"):
                writer.writerow(["survey_trend", q["quarter"], f"{provider}_{key}",
                                 _csv(figures[key])])


def _csv(value: Any) -> Any:
    return "" if value is None else value


# -- HTML ------------------------------------------------------------------------------------
# The page is drawn by the templates (`templates/html/report.html`, whose body the site's
# report pages share); here are its figures: the cards, the charts' shapes, the tables.

def render_html(report: Report) -> str:
    """One self-contained page: the stylesheet inline, the charts inline SVG, no script, no
    link."""
    return render("report.html", r=html_view(report))


def render_html_body(report: Report, department_href: Callable[[str], str] | None = None
                     ) -> str:
    """The page's body alone, for a page of the site; `department_href` links each
    requesting department's row to its page."""
    return render("report_body.html", r=html_view(report, department_href))


def html_view(report: Report, department_href: Callable[[str], str] | None = None
              ) -> dict[str, Any]:
    """What the report's page shows, for its templates."""
    data = report.to_dict()
    shown: list[HtmlTable] = []
    for title, headers, rows in tables(report):
        numeric_cols = [bool(rows) and numeric(rows, i) for i in range(len(headers))]
        heat = _heat(rows) if title.startswith("Who depends") else None
        cells: list[list[Any]] = [list(row) for row in rows]
        if department_href is not None and title.startswith("Requesting departments"):
            for row in cells:
                row[0] = (row[0], department_href(row[0]))
        wrap = tuple(i for i, h in enumerate(headers) if h in ("Note", "What lapsed"))
        shown.append(HtmlTable(title, headers, cells, numeric_cols, heat, wrap))
    return {"heading": heading(report), "subtitle": subtitle(report), "cards": _cards(data),
            "sla_chart": _sla_chart(data), "stars_chart": _stars_chart(data),
            "trend_chart": _trend_chart(data), "tables": shown}


def _heat(rows: list[list[str]]) -> list[list[int]]:
    """A shade 0-4 per cell of the dependency matrix (its figures between the department
    and the total), by its share of the largest."""
    top = max((int(c) for row in rows for c in row[1:-1]), default=0) or 1
    return [[0, *(math.ceil(int(c) / top * 4) for c in row[1:-1]), 0] for row in rows]


def _cards(data: dict[str, Any]) -> list[tuple[str, str]]:
    providers = data["providers"]
    made = sum(d["requests"] for d in data["departments"])  # each request once, redirected or not
    resolved = sum(p["resolved"] for p in providers)
    backlog = sum(p["open"] for p in providers)
    measured = sum(p["acknowledge_measured"] + p["resolve_measured"] for p in providers)
    met = sum(p["acknowledge_met"] + p["resolve_met"] for p in providers)
    compliance = fmt_pct(_p(met, measured))
    needed = sum(p["needed_by_count"] for p in providers)
    needed_met = sum(p["needed_by_met"] for p in providers)
    made_promises = sum(p["promises_made"] for p in providers)
    kept = sum(p["promises_kept"] for p in providers)
    cost = (f"{fmt_num(data['lapse_cost'])} ({fmt_num(data['lapse_cost_actual'])} recorded, "
            f"{fmt_num(data['lapse_cost_estimated'])} estimated)")
    return [("Requests made", str(made)), ("Resolved", str(resolved)),
            ("Open backlog", str(backlog)), ("SLA met", compliance),
            ("Need-by dates met", fmt_pct(_p(needed_met, needed))),
            ("Promises kept", fmt_pct(_p(kept, made_promises))),
            ("Cost of lapses", cost)]


def _hbar_chart(rows: list[tuple[str, list[tuple[float | None, str, str]]]], top: float,
                label: str) -> Chart | None:
    """Horizontal bars: per row its label on a line of its own, then its (value, text, CSS
    class) bars, scaled to `top`: narrow enough for a phone's width."""
    if not rows:
        return None
    width, bar_h, text_w = 230, 16, 130
    chart = Chart(width + text_w, 0, label)
    y = 4.0
    for name, bars in rows:
        chart.text(0, y + 12, name)
        y += 18
        for value, text, cls in bars:
            length = 0 if value is None else value / top * width
            chart.rect(0, y, width, bar_h - 3, "track")
            chart.rect(0, y, length, bar_h - 3, cls)
            chart.text(width + 6, y + bar_h - 5, text)
            y += bar_h
        y += 8
    chart.height = y
    return chart


def _sla_chart(data: dict[str, Any]) -> Chart | None:
    rows = [(p["provider"], [
        (p["acknowledge_met_pct"], f"ack {fmt_pct(p['acknowledge_met_pct'])}", "ack"),
        (p["resolve_met_pct"], f"resolve {fmt_pct(p['resolve_met_pct'])}", "resolve"),
        (p["needed_by_met_pct"], f"need-by {fmt_pct(p['needed_by_met_pct'])}", "need"),
    ]) for p in data["providers"]]
    return _hbar_chart(rows, 100, "SLA compliance per provider")


def _stars_chart(data: dict[str, Any]) -> Chart | None:
    rows = []
    for p in data["providers"]:
        n = p["csat_count"]
        text = f"{fmt_stars(p['csat_avg'])} ({n} rating{'' if n == 1 else 's'})"
        rows.append((p["provider"], [(p["csat_avg"], text, "star")]))
    return _hbar_chart(rows, 5, "Satisfaction per provider")


def _trend_chart(data: dict[str, Any]) -> Chart | None:
    """A column per week; it keeps its size (its box scrolls on a narrow screen)."""
    weeks = data["trend"]
    if not weeks:
        return None
    left, top, plot_h, step = 40, 10, 160, 64
    chart = Chart(left + step * len(weeks) + 10, top + plot_h + 40, "SLA compliance per week",
                  fit=False)
    for tick in (0, 50, 100):
        y = top + plot_h - tick / 100 * plot_h
        chart.line(left, y, left + step * len(weeks), y, "grid-line")
        chart.text(0, y + 4, f"{tick}%")
    for i, w in enumerate(weeks):
        x = left + i * step + 8
        value = w["met_pct"]
        if value is not None:
            h = value / 100 * plot_h
            chart.rect(x, top + plot_h - h, step - 16, h, "trend")
        chart.text(x, top + plot_h + 16, w["week"][5:])
        chart.text(x, top + plot_h + 30, fmt_pct(value) if value is not None else "-")
    return chart
