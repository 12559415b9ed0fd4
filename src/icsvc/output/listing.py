"""`icsvc list` shown: a table (or CSV, Markdown) of the requests found, or their JSON."""

from __future__ import annotations

from icsvc.commands.listing import COLUMNS, Listed
from icsvc.output.ui import PRIORITY_STYLE, STATE_STYLE, print_json, print_rows


def render(listed: Listed, fmt: str) -> None:
    if listed.json is not None:
        print_json(listed.json)
        return
    rows = listed.rows
    sla_styles = {row["sla"]: STATE_STYLE.get(row["sla"].split(":")[0], "") for row in rows}
    print_rows(rows, COLUMNS, fmt, styles={"sla": sla_styles, "priority": PRIORITY_STYLE},
               empty="no requests match", droppable=("created", "provider", "department"))
