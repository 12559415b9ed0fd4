"""`icsvc list`, `show` and `sla`: filters, formats and the timeline."""

from __future__ import annotations

import csv
import io

from conftest import Store

PART = ["-p", "engineering", "-s", "part-clarification",
        "--info", "order_number=1", "--info", "part_number=2"]
PAY = ["-p", "payroll", "-s", "pay-correction", "--info", "employee_id=E7",
       "--info", "pay_period=2026-11"]


def seed(store: Store) -> dict[str, str]:
    ids = {
        "eng": store.new(*PART, "-t", "Part question", now="2026-11-20T10:00:00-05:00"),
        "pay": store.new(*PAY, "-t", "Overtime", actor="lee@example.com",
                         now="2026-11-21T10:00:00-05:00"),
        "urgent": store.new(*PART, "-t", "Line down", "--priority", "urgent",
                            "--justification", "Customer line stopped",
                            now="2026-11-23T10:00:00-05:00"),
    }
    path = store.request_file(ids["pay"])
    path.write_text(path.read_text().replace("status: new", "status: cancelled", 1) + (
        "- at: 2026-11-21T10:30:00-05:00\n  by: lee@example.com\n  type: status\n"
        "  from: new\n  to: cancelled\n"))
    return ids


def test_list_filters(store: Store) -> None:
    ids = seed(store)

    def listed(*args: str) -> list[str]:
        return [d["id"] for d in store.ok("list", "-f", "json", *args).json()]

    assert listed() == [ids["urgent"], ids["eng"]]  # open only, newest first
    assert listed("--all") == [ids["urgent"], ids["pay"], ids["eng"]]
    assert listed("--status", "cancelled") == [ids["pay"]]
    assert listed("--all", "--provider", "payroll") == [ids["pay"]]
    assert listed("--all", "--department", "sales") == [ids["pay"]]
    assert listed("--priority", "urgent") == [ids["urgent"]]
    assert listed("--department", "customer-service", "--priority", "normal") == [ids["eng"]]
    r = store.fails("list", "--status", "done", code=2)
    assert "accepted: new, acknowledged" in r.err
    r = store.fails("list", "--provider", "legal", code=2)
    assert "accepted: engineering, payroll" in r.err


def test_list_formats(store: Store) -> None:
    ids = seed(store)
    out = store.ok("list", "--all", "-f", "csv").out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in rows] == [ids["urgent"], ids["pay"], ids["eng"]]
    assert rows[0]["rush"] == "rush" and rows[0]["priority"] == "urgent"
    md = store.ok("list", "-f", "markdown").out
    assert md.splitlines()[0].startswith("| ID ")
    assert set(md.splitlines()[1]) <= set("|-: ")
    assert f"| {ids['eng']} " in md
    table = store.ok("list", env={"COLUMNS": "200"}).out
    assert ids["urgent"] in table and "Line down" in table and "\x1b[" not in table
    empty = store.ok("list", "--status", "closed").out
    assert "no requests match" in empty


def test_show_timeline_and_clocks(store: Store) -> None:
    ids = seed(store)
    out = store.ok("show", ids["urgent"], env={"COLUMNS": "160"},
                   now="2026-11-23T11:00:00-05:00").out
    assert "Line down" in out
    assert "rush" in out and "Customer line stopped" in out
    assert "acknowledge" in out and "breached" in out  # 30m target, an hour later
    assert "Mon 2026-11-23 10:00 -0500" in out and "created the request" in out
    data = store.ok("show", ids["pay"], "-f", "json").json()
    assert data["status"] == "cancelled"
    assert [e["type"] for e in data["history"]] == ["created", "status"]


def test_color_only_on_a_terminal(store: Store) -> None:
    seed(store)
    out = store.ok("list", env={"NO_COLOR": "1"}).out
    assert "\x1b[" not in out


def test_sla_catalogue(store: Store) -> None:
    out = store.ok("sla", env={"COLUMNS": "160"}).out
    for text in ("Engineering", "Payroll", "part-clarification", "order_number, part_number",
                 "America/New_York", "09:00-12:30, 13:30-17:30", "vp-eng@example.com",
                 "urgent", "30m"):
        assert text in out, text
    data = store.ok("sla", "payroll", "-f", "json").json()
    assert data[0]["provider"] == "payroll"
    assert data[0]["sla"]["low"] == {"acknowledge": "2d", "resolve": "2w"}
    assert data[0]["services"][0] == {
        "service": "pay-correction", "description": "Correct an employee's pay",
        "requires": ["employee_id", "pay_period"], "lead_time": "2d",
        "min_priority": None}
    r = store.fails("sla", "legal", code=2)
    assert "unknown provider 'legal'" in r.err


def test_progress_is_shown_only_while_the_work_goes_on(store: Store) -> None:
    """A resolved or closed request never reads "closed, 50% done"."""
    rid = store.new(*PART, "-t", "Bore")
    store.ok("triage", rid, "--ack", actor="ana@example.com")
    store.ok("update", rid, "--progress", "50", actor="ana@example.com")
    assert "acknowledged, 50% done" in store.ok("show", rid).out
    store.ok("update", rid, "--status", "resolved", "--note", "Done", actor="ana@example.com")
    out = store.ok("show", rid).out
    assert "% done" not in out and "resolved" in out
    store.ok("update", rid, "--status", "closed", actor="ana@example.com")
    out = store.ok("show", rid).out
    assert "% done" not in out and "closed" in out
    assert store.ok("show", rid, "-f", "json").json()["progress"] == 50  # the record


def test_a_listing_row_holds_the_csv_columns_in_order() -> None:
    """`list` keeps a row as a tuple (`Row`): its fields are the CSV's columns, in order."""
    from icsvc.commands.listing import COLUMNS, Row

    assert list(Row._fields) == [key for key, _ in COLUMNS]
