"""`icsvc report` shown: tables and the weekly trend as a bar chart on the terminal,
or the report as JSON, Markdown, CSV or HTML text."""

from __future__ import annotations

import sys

from icsvc.commands.report import Reported, as_text
from icsvc.reports import report_render
from icsvc.reports.report import Report


def render(reported: Reported) -> None:
    """On the terminal, or (with --output) the line that says where it was written."""
    if reported.written is not None:
        from icsvc.output import plain

        plain.say(f"Wrote {reported.written} ({reported.fmt})", stream=sys.stderr)
    elif reported.fmt == "table":
        show(reported.report)
    else:
        sys.stdout.write(as_text(reported.report, reported.fmt))


SHORT = {"Received": "Recv", "Resolved": "Done", "Declined": "Decl", "Escalated": "Esc",
         "Answered": "Ans", "Redirected": "Redir", "Downgrades": "Down",
         "Accepted": "Acc", "Contested": "Cont", "Pending": "Pend", "Requests": "Reqs",
         "Department": "Dept", "Provider": "Prov", "Compliance": "Met %",
         "Response": "Resp", "Average": "Avg", "Ratings": "Rtgs", "Promises": "Prom",
         "Broken": "Brkn", "Reopened": "Reop", "Resolve met": "Res met",
         "Resolve median": "Res median", "Resolve p90": "Res p90"}
"""Headers' short forms, for a narrow terminal (the others wrap at their spaces)."""
WRAPS = {"What lapsed", "Charged to", "Note", "Cost"}
"""The report's columns of words rather than figures: they wrap on a narrow terminal."""


def show(report: Report) -> None:
    """The report's tables, and the weekly trend as a bar chart."""
    from icsvc.output import plain

    width = plain.terminal_width()
    plain.say(report_render.heading(report), "bold")
    plain.para(report_render.subtitle(report))
    for title, headers, rows in report_render.tables(report):
        plain.say()
        if title.startswith("SLA compliance per week"):
            _trend(report)
            continue
        if not rows:
            plain.para(f"{title}: none", "bold")
            continue
        cols = [plain.Col(header, SHORT.get(header, ""), wrap=header in WRAPS, min=12,
                          right=i > 0 and report_render.numeric(rows, i))
                for i, header in enumerate(headers)]
        plain.write(plain.table(cols, [[(cell, "") for cell in row] for row in rows],
                                title=title, width=width))


def _trend(report: Report) -> None:
    from icsvc.output import plain

    plain.write([[("SLA compliance per week", "bold"), (" (clocks met / measured)", "")]])
    if not any(w.measured for w in report.trend):
        plain.say("  nothing measured")
        return
    for w in report.trend:
        pct = w.met_pct
        colour = "green" if pct is not None and pct >= 90 else (
            "yellow" if pct is not None and pct >= 75 else "red")
        chart = report_render.bar(pct, 30).ljust(30)
        label = report_render.fmt_pct(pct)
        plain.write([[(f"  {w.start.isoformat()}  ", ""), (chart, colour),
                      (f" {label:>6}  {w.met}/{w.measured}", "")]])
