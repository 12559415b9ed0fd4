"""`icsvc queue` end to end: whose queue, the order, the columns and the formats."""

from __future__ import annotations

import csv
import io

from conftest import NOW, Store

ANA, RAJ, MARIA, LEE, PAT = ("ana@example.com", "raj@example.com", "maria@example.com",
                             "lee@example.com", "pat@example.com")
MON = "2026-11-23T{}:00-05:00"
TUE = "2026-11-24T{}:00-05:00"


def part(title: str, *extra: str) -> list[str]:
    return ["-p", "engineering", "-s", "part-clarification", "-t", title,
            "--info", "order_number=SO-1", "--info", "part_number=P-2", *extra]


def pay(title: str) -> list[str]:
    return ["-p", "payroll", "-s", "pay-correction", "-t", title,
            "--info", "employee_id=E1", "--info", "pay_period=2026-11"]


def order(store: Store, *args: str, actor: str = ANA) -> list[str]:
    return [d["title"] for d in store.ok("queue", *args, "--format", "json",
                                         actor=actor).json()]


def scenario(store: Store) -> dict[str, str]:
    ids = {
        "overdue-ack": store.new(*part("overdue-ack", "--priority", "urgent",
                                       "--justification", "line down"), now=MON.format("10:00")),
        "late-ack": store.new(*part("late-ack", "--priority", "high"), now=MON.format("15:00")),
        "at-risk": store.new(*part("at-risk"), now=MON.format("14:30")),
        "fresh": store.new(*part("fresh"), now=TUE.format("09:30")),
        "low": store.new(*part("low", "--priority", "low"), now=TUE.format("09:00")),
        "waiting": store.new(*part("waiting"), now=MON.format("10:00")),
        "done": store.new(*part("done"), now=MON.format("10:00")),
        "payroll": store.new(*pay("payroll"), now=MON.format("10:00")),
    }
    store.ok("triage", ids["waiting"], "--need-info", "revision?", actor=ANA,
             now=MON.format("10:30"))
    store.ok("update", ids["done"], "--status", "resolved", actor=ANA, now=MON.format("11:00"))
    store.ok("triage", ids["at-risk"], "--assign", RAJ, actor=ANA, now=MON.format("14:30"))
    return ids


def test_most_urgent_first(store: Store) -> None:
    scenario(store)
    # breached (most overdue first), at risk, then least time left, paused last
    assert order(store) == ["overdue-ack", "late-ack", "at-risk", "fresh", "low", "waiting"]


def test_json_carries_the_queue_reasons(store: Store) -> None:
    scenario(store)
    data = store.ok("queue", "--format", "json", actor=ANA).json()
    first = data[0]
    assert first["queue"] == {"next_due": "2026-11-23T10:30:00-05:00",
                              "next_due_kind": "acknowledge", "left": "-7h 30m",
                              "state": "breached", "reasons": ["acknowledge", "resolve"]}
    assert {"owner", "promised_by", "progress", "sla"} <= first.keys()
    at_risk = data[2]
    assert at_risk["queue"]["state"] == "at-risk" and at_risk["queue"]["left"] == "30m"
    assert data[-1]["queue"]["state"] == "paused"
    assert data[-1]["queue"]["next_due_kind"] == "resolve"


def test_ties_break_on_priority_then_age(store: Store) -> None:
    promise = "2026-11-24T15:00"
    for title, prio, created in (("low-new", "low", "10:00"), ("high", "high", "10:00"),
                                 ("low-old", "low", "09:00")):
        rid = store.new(*part(title, "--priority", prio), now=TUE.format(created))
        store.ok("triage", rid, "--ack", "--promise", promise, actor=ANA)
    data = store.ok("queue", "--format", "json", actor=ANA).json()
    assert [d["title"] for d in data] == ["high", "low-old", "low-new"]
    assert {d["queue"]["next_due_kind"] for d in data} == {"promise"}
    assert {d["queue"]["left"] for d in data} == {"5h"}


def test_update_overdue_and_broken_promise_show(store: Store) -> None:
    quiet = store.new(*part("quiet"), now=MON.format("09:00"))
    store.ok("triage", quiet, "--ack", actor=ANA, now=MON.format("09:00"))
    promised = store.new(*part("promised", "--priority", "low"), now=MON.format("09:00"))
    store.ok("triage", promised, "--ack", "--promise", MON.format("12:00")[:16], actor=ANA,
             now=MON.format("09:00"))
    store.ok("update", promised, "--note", "on it", actor=ANA, now=TUE.format("09:30"))
    rows = {d["title"]: d["queue"] for d in store.ok("queue", "-f", "json", actor=ANA).json()}
    assert rows["quiet"]["state"] == "breached"
    assert rows["quiet"]["reasons"] == ["update overdue"]
    assert rows["promised"]["reasons"] == ["promise"]
    out = store.ok("queue", actor=ANA, env={"COLUMNS": "200"}).out
    assert "breached: update overdue" in out and "breached: promise" in out


def test_whose_queue(store: Store) -> None:
    scenario(store)
    assert order(store, actor=PAT) == ["payroll"]
    assert len(order(store, actor=LEE)) == 7  # not a member anywhere: everyone's open requests
    assert len(order(store, "payroll", "engineering", actor=PAT)) == 7
    assert order(store, "payroll", actor=ANA) == ["payroll"]
    result = store.fails("queue", "legal", actor=ANA, code=2)
    assert "unknown provider 'legal' (accepted: engineering, payroll)" in result.err


def test_mine(store: Store) -> None:
    scenario(store)
    assert order(store, "--mine", actor=RAJ) == ["at-risk"]
    out = store.ok("queue", "--mine", actor=ANA).out
    assert "nothing open" in out


def test_table_csv_markdown(store: Store) -> None:
    ids = scenario(store)
    table = store.ok("queue", actor=ANA, env={"COLUMNS": "200"}).out
    assert "Queue: engineering" in table
    for header in ("ID", "Priority", "Title", "From", "Status", "Owner", "Next due", "Left",
                   "SLA"):
        assert header in table
    lines = [line for line in table.splitlines() if ids["at-risk"] in line]
    assert len(lines) == 1
    assert "raj" in lines[0] and "ack Tue 24 Nov 10:30" in lines[0] and "at-risk" in lines[0]
    rows = list(csv.DictReader(io.StringIO(store.ok("queue", "-f", "csv", actor=ANA).out)))
    assert list(rows[0]) == ["id", "priority", "asked_priority", "title", "department",
                             "status", "owner", "next_due", "next_due_kind", "left", "sla",
                             "sla_clocks", "blocks"]
    assert rows[0]["id"] == ids["overdue-ack"]
    assert (rows[0]["sla"], rows[0]["sla_clocks"]) == ("breached", "acknowledge resolve")
    assert rows[0]["next_due"] == "2026-11-23T10:30:00-05:00"
    assert rows[0]["next_due_kind"] == "ack"
    assert rows[2]["owner"] == RAJ
    md = store.ok("queue", "-f", "markdown", actor=ANA).out
    assert md.startswith("**Queue: engineering**") and "| ID " in md


def test_empty_queue(store: Store) -> None:
    out = store.ok("queue", actor=ANA, now=NOW).out
    assert "Queue: engineering: nothing open" in out
    assert store.ok("queue", "-f", "json", actor=ANA).json() == []
