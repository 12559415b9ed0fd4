"""`icsvc report` shown: Rich tables and the weekly trend as a bar chart on the terminal,
or the report as JSON, Markdown, CSV or HTML text."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from icsvc.commands.report import Reported, as_text
from icsvc.output.ui import console
from icsvc.reports import report_render
from icsvc.reports.report import Report

if TYPE_CHECKING:
    from rich.box import Box


def render(reported: Reported) -> None:
    """On the terminal, or (with --output) the line that says where it was written."""
    if reported.written is not None:
        console(stderr=True).print(f"Wrote {reported.written} ({reported.fmt})", markup=False)
    elif reported.fmt == "table":
        show(reported.report)
    else:
        sys.stdout.write(as_text(reported.report, reported.fmt))


def show(report: Report) -> None:
    """Rich tables, and the weekly trend as a bar chart."""
    from rich.markup import escape
    from rich.table import Table

    con = console()
    con.print(f"[bold]{escape(report_render.heading(report))}[/bold]")
    con.print(escape(report_render.subtitle(report)))
    for title, headers, rows in report_render.tables(report):
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
            right = i > 0 and report_render.numeric(rows, i)
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
        chart = report_render.bar(pct, 30).ljust(30)
        label = report_render.fmt_pct(pct)
        con.print(f"  {w.start.isoformat()}  [{colour}]{escape(chart)}[/{colour}] "
                  f"{label:>6}  {w.met}/{w.measured}")


def _box(terminal: bool) -> Box:
    from rich import box

    return box.SIMPLE_HEAD if terminal else box.ASCII2
