"""`icsvc list` shown: a table (or CSV, Markdown) of the requests found, or their JSON."""

from __future__ import annotations

from icsvc.commands.listing import CLOCK_WORDS, COLUMNS, Listed
from icsvc.output.ui import PRIORITY_STYLE, STATE_STYLE, print_csv, print_json, print_rows

TABLE = [("id", "ID"), ("provider", "Provider"), ("priority", "Priority"),
         ("asked_priority", "Asked"), ("status", "Status"), ("department", "From"),
         ("title", "Title"), ("created", "Created"), ("sla", "SLA"), ("rush", "Rush")]
"""The table's columns: the CSV's, with the SLA's clocks named in its state's cell."""


def render(listed: Listed, fmt: str) -> None:
    if listed.json is not None:
        print_json(listed.json)
        return
    if fmt == "csv":
        print_csv([key for key, _ in COLUMNS], listed.rows)
        return
    rows = [{**row._asdict(), "sla": sla_cell(row.sla, row.sla_clocks),
             "asked_priority": row.asked_priority and
             f"{row.asked_priority} ({row.proposal})"} for row in listed.rows]
    sla_styles = {row["sla"]: STATE_STYLE.get(row["sla"].split(":")[0], "") for row in rows}
    print_rows(rows, TABLE, fmt, styles={"sla": sla_styles, "priority": PRIORITY_STYLE},
               empty="no requests match", flex=("title", "sla"),
               droppable=("created", "department", "provider", "asked_priority", "rush"))


def sla_cell(state: str, clocks: str) -> str:
    """`breached: need-by, resolve` (the clocks in a breach or a risk named), or `ok`."""
    names = [CLOCK_WORDS.get(name, name) for name in clocks.split()]
    return f"{state}: {', '.join(names)}" if names else state
