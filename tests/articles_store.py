"""A store shaped like the source articles, for the end-to-end tests of the figures a
department head would sign (`test_articles.py`).

Engineering, Accounting, IT, Payroll, Operations and the Warehouse are each a provider and a
requesting department, with their members and managers; a VP is the escalation contact of
Engineering and IT, each other provider's escalation contact is its department's manager.
Every provider works the same calendar (New York, Mon-Fri 09:00-17:00, Thanksgiving,
Christmas and New Year's Day off), so each expected figure below can be worked out by hand.

`Articles` enacts a case as the people of the articles would: each change is made by the
person named (`--as`), at the time named (`ICSVC_NOW`), and committed by them with a real
commit dated then (`icsvc commit` as that person), so `check --base` can judge every
commit by its author. `reports` reads the report in every format (table, JSON, CSV,
markdown, HTML) through the installed console script.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

from conftest import Result, make_store

# the people of the articles
ANA, RAJ = "ana@example.com", "raj@example.com"  # Engineering
GRACE = "grace@example.com"  # Engineering's manager
ALICE, ARNO, AMY = "alice@example.com", "arno@example.com", "amy@example.com"  # Accounting
IVAN, INES, IKE = "ivan@example.com", "ines@example.com", "ike@example.com"  # IT
PAT, PIA, PAULA = "pat@example.com", "pia@example.com", "paula@example.com"  # Payroll
OLGA, OMAR, OWEN = "olga@example.com", "omar@example.com", "owen@example.com"  # Operations
WALT, WES, WENDY = "walt@example.com", "wes@example.com", "wendy@example.com"  # Warehouse
VP = "vp@example.com"

PROVIDERS = f"""\
calendars:
  us-east:
    timezone: America/New_York
    days: [mon, tue, wed, thu, fri]
    hours: "09:00-17:00"
    holidays: [2026-11-26, 2026-12-25, 2027-01-01]
departments:
  engineering:
    members: [{ANA}, {RAJ}]
    manager: {GRACE}
  accounting:
    members: [{ALICE}, {ARNO}]
    manager: {AMY}
  it:
    members: [{IVAN}, {INES}]
    manager: {IKE}
  payroll:
    members: [{PAT}, {PIA}]
    manager: {PAULA}
  operations:
    members: [{OLGA}, {OMAR}]
    manager: {OWEN}
  warehouse:
    members: [{WALT}, {WES}]
    manager: {WENDY}
providers:
  engineering:
    name: Engineering
    calendar: us-east
    members: [{ANA}, {RAJ}]
    escalation: {VP}
    sla:
      urgent: {{acknowledge: 30m, resolve: 4h}}
      high: {{acknowledge: 2h, resolve: 1d}}
      normal: {{acknowledge: 4h, resolve: 2d, update: 1d}}
      low: {{acknowledge: 1d, resolve: 10d}}
    services:
      part-clarification:
        description: Clarify a custom part's spec so an order ships right
        requires: [order_number, part_number]
        lead_time: 1d
  accounting:
    name: Accounting
    calendar: us-east
    members: [{ALICE}, {ARNO}]
    escalation: {AMY}
    sla:
      urgent: {{acknowledge: 1h, resolve: 1d}}
      high: {{acknowledge: 2h, resolve: 2d}}
      normal: {{acknowledge: 4h, resolve: 3d}}
      low: {{acknowledge: 1d, resolve: 10d}}
    services:
      invoice-query:
        description: Why an invoice was paid, held or changed
        lead_time: 1d
  it:
    name: IT
    calendar: us-east
    members: [{IVAN}, {INES}]
    escalation: {VP}
    sla:
      urgent: {{acknowledge: 30m, resolve: 4h}}
      high: {{acknowledge: 2h, resolve: 1d}}
      normal: {{acknowledge: 4h, resolve: 3d}}
      low: {{acknowledge: 1d, resolve: 10d}}
    services:
      equipment:
        description: A computer, a screen or a phone, or a complaint about one
        lead_time: 2d
      printer:
        description: A printer installed where it is needed
        lead_time: 5d
  payroll:
    name: Payroll
    calendar: us-east
    members: [{PAT}]
    escalation: {PAULA}
    sla:
      urgent: {{acknowledge: 1h, resolve: 1d}}
      high: {{acknowledge: 4h, resolve: 2d}}
      normal: {{acknowledge: 1d, resolve: 5d}}
      low: {{acknowledge: 2d, resolve: 2w}}
    services:
      pay-run:
        description: Run a pay run
        requires: [pay_date]
        lead_time: 5d
  operations:
    name: Operations
    calendar: us-east
    members: [{OLGA}, {OMAR}]
    escalation: {OWEN}
    sla:
      urgent: {{acknowledge: 30m, resolve: 4h}}
      high: {{acknowledge: 2h, resolve: 1d}}
      normal: {{acknowledge: 4h, resolve: 2d}}
      low: {{acknowledge: 1d, resolve: 10d}}
    services:
      customer-record:
        description: A customer's record (D&B number, address, credit terms)
        requires: [customer]
        lead_time: 1d
  warehouse:
    name: Warehouse
    calendar: us-east
    members: [{WALT}, {WES}]
    escalation: {WENDY}
    sla:
      urgent: {{acknowledge: 1h, resolve: 4h}}
      high: {{acknowledge: 2h, resolve: 1d}}
      normal: {{acknowledge: 4h, resolve: 2d}}
      low: {{acknowledge: 1d, resolve: 5d}}
    services:
      timesheets:
        description: The crews' signed timesheets for a pay period
        requires: [week]
        lead_time: 2d
"""

ORGANISATION_MADE = "2026-09-01T08:00:00-04:00"


def t(day: str, clock: str) -> str:
    """An instant in New York: t('2026-10-05', '09:00') (the offset of that day)."""
    offset = "-04:00" if day < "2026-11-01" else "-05:00"
    return f"{day}T{clock}:00{offset}"


@dataclass
class Reports:
    """The report in every format, as the installed console script writes it."""

    table: str
    json: dict[str, Any]
    csv: list[dict[str, str]]
    markdown: str
    html: str

    def provider(self, pid: str) -> dict[str, Any]:
        return next(p for p in self.json["providers"] if p["provider"] == pid)

    def department(self, name: str) -> dict[str, Any]:
        return next(d for d in self.json["departments"] if d["department"] == name)

    def csv_value(self, section: str, name: str, metric: str) -> str:
        found = [row["value"] for row in self.csv if (row["section"], row["name"],
                                                      row["metric"]) == (section, name, metric)]
        assert len(found) == 1, (section, name, metric, found)
        return found[0]

    def table_row(self, title: str, first: str) -> list[str]:
        """The cells of the row starting with `first` in the table titled `title` of the
        report piped (plain text: one line a row, cells two or more spaces apart)."""
        for line in _section(self.table, title).splitlines():
            cells = re.split(r" {2,}", line.strip())
            if cells and cells[0] == first:
                return cells
        raise AssertionError(f"no row {first!r} under {title!r}")

    def markdown_row(self, title: str, first: str) -> list[str]:
        return _row(_section(self.markdown, "### " + title), first, "|")

    def html_row(self, title: str, first: str) -> list[str]:
        """The cells of a row of the HTML table under the heading `title`."""
        start = self.html.index(f"<h2>{title}")
        end = self.html.find("<h2>", start + 1)
        part = self.html[start:end if end > 0 else None]
        for row in re.findall(r"<tr>(.*?)</tr>", part):
            cells = [unescape(c) for c in re.findall(
                r"<t[dh](?: [^>]*)?>(?:<b>)?(.*?)(?:</b>)?</t[dh]>", row)]
            if cells and cells[0] == first:
                return cells
        raise AssertionError(f"no row {first!r} under {title!r}")


def _section(text: str, title: str) -> str:
    """What follows the heading `title`, up to the blank line that ends its table (the
    blank line markdown puts between a heading and its table is skipped)."""
    start = text.index(title)
    rest = text[start + len(title):]
    line_end = rest.find("\n")
    rest = rest[line_end:].lstrip("\n")
    end = rest.find("\n\n")
    return rest if end < 0 else rest[:end + 1]


def _row(part: str, first: str, sep: str) -> list[str]:
    for line in part.splitlines():
        cells = [c.strip() for c in line.strip().strip(sep).split(sep)]
        if cells and cells[0] == first:
            return cells
    raise AssertionError(f"no row {first!r} in:\n{part}")


class Articles:
    """The articles' store, and the people acting in it."""

    def __init__(self, root: Path) -> None:
        self.store = make_store(root, PROVIDERS, ORGANISATION_MADE)
        self.store.env["COLUMNS"] = "250"  # the terminal report's rows on one line each
        self.root_commit = self.store.git("rev-parse", "HEAD").strip()
        self.html_files = 0

    def run(self, who: str, at: str, *args: str, script: bool = False) -> Result:
        """`icsvc ARGS` as `who` at `at`, committed by them (a change of theirs)."""
        result = self.store.ok(*args, actor=who, now=at, script=script)
        self.commit(who, at)
        return result

    def new(self, who: str, at: str, *args: str, script: bool = False) -> str:
        """A new request by `who` at `at` (committed by them); its ID."""
        result = self.run(who, at, "new", "--format", "json", *args, script=script)
        return str(result.json()["id"])

    def commit(self, who: str, at: str) -> None:
        """Commit what `who` changed, as `who`, dated `at`."""
        self.store.ok("commit", actor=who, now=at,
                      env={"GIT_AUTHOR_DATE": at, "GIT_COMMITTER_DATE": at})

    def refused(self, who: str, at: str, *args: str, code: int = 1) -> str:
        """`icsvc ARGS` refused (through the console script): nothing written; the error."""
        before = self.store.snapshot()
        result = self.store.fails(*args, code=code, actor=who, now=at, script=True)
        assert self.store.snapshot() == before
        assert result.err.startswith("icsvc: error: ") and result.err.count("\n") == 1, \
            result.err
        return result.err

    def show(self, rid: str, at: str, who: str | None = None) -> tuple[str, dict[str, Any]]:
        """`icsvc show` as a table and as JSON (the console script)."""
        table = self.store.ok("show", rid, now=at, actor=who, script=True).out
        data = self.store.ok("show", rid, "--format", "json", now=at, actor=who,
                             script=True).json()
        return table, data

    def reports(self, at: str, *args: str) -> Reports:
        """`icsvc report ARGS` in every format, at `at`."""
        run = self.store.ok
        table = run("report", *args, now=at, script=True).out
        data = json.loads(run("report", "-f", "json", *args, now=at, script=True).out)
        rows = list(csv.DictReader(io.StringIO(run("report", "-f", "csv", *args, now=at,
                                                   script=True).out)))
        markdown = run("report", "-f", "markdown", *args, now=at, script=True).out
        self.html_files += 1
        html_path = self.store.root.parent / f"report-{self.html_files}.html"
        run("report", *args, "-o", str(html_path), now=at, script=True)
        return Reports(table, data, rows, markdown, html_path.read_text())

    def check_every_commit(self, at: str) -> None:
        """`icsvc check --base` (at `at`) judges every commit since the organisation was set
        up, by its author: each change was made by someone allowed to make it, and committed
        by them."""
        self.store.ok("check", "--base", self.root_commit, now=at, script=True)
        authors = self.store.git("log", "--format=%ae", f"{self.root_commit}..HEAD").split()
        assert authors and "test@example.com" not in authors, authors
