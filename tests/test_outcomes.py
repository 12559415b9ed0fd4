"""Figures that tell the truth: the need-by date as an outcome, the real cost of a lapse,
promises kept, moved and broken, late requests for information, reopen and decline, end to
end through the installed commands."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
import yaml

from conftest import Store

MARIA, SAM, ANA, RAJ, LEE = ("maria@example.com", "sam@example.com", "ana@example.com",
                             "raj@example.com", "lee@example.com")
PART = ["-p", "engineering", "-s", "part-clarification", "--info", "order_number=SO-88412",
        "--info", "part_number=7730-C"]
PERIOD = ["--since", "2026-11-23", "--until", "2026-11-29"]


def eng(data: dict[str, Any]) -> dict[str, Any]:
    return next(p for p in data["providers"] if p["provider"] == "engineering")


def report(store: Store, now: str, *args: str) -> dict[str, Any]:
    return store.ok("report", "-f", "json", *PERIOD, *args, now=now).json()  # type: ignore


def history(store: Store, rid: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load(store.request_file(rid).read_text())["history"])


def refused(store: Store, *args: str, code: int = 1, actor: str, now: str) -> str:
    before = store.snapshot()
    result = store.fails(*args, code=code, actor=actor, now=now)
    assert store.snapshot() == before
    assert result.err.startswith("icsvc: error: ") and result.err.count("\n") == 1, result.err
    return result.err


@pytest.fixture
def truck(store: Store) -> tuple[Store, str]:
    """The classic case: a rep needs to know which revision of a custom part to ship before
    the truck leaves at 15:00; a wrong shipment costs $125,000. Engineering lowers the
    priority, promises 14:00 and answers the next morning."""
    rid = store.new(*PART, "-t", "Which revision of 7730-C ships?", "--needed-by",
                    "2026-11-24T15:00", "--cost", "125000", "--impact-note",
                    "A wrong shipment costs $125,000", "--justification",
                    "The truck leaves at 15:00")
    store.ok("triage", rid, "--priority", "low", "--note", "Not a line stop", "--ack",
             "--promise", "2026-11-24T14:00", actor=RAJ, now="2026-11-24T10:20:00-05:00")
    store.ok("update", rid, "--status", "resolved", "--note", "Ship revision C", actor=RAJ,
             now="2026-11-25T09:30:00-05:00")
    return store, rid


def test_the_truck_case_shows_the_missed_need_by_the_cost_and_the_broken_promise(
        truck: tuple[Store, str]) -> None:
    store, rid = truck
    now = "2026-11-25T12:00:00-05:00"
    data = report(store, now)
    e = eng(data)
    # the SLA, measured on the lowered priority, was met...
    assert (e["acknowledge_met_pct"], e["resolve_met_pct"]) == (100.0, 100.0)
    # ...but the customer's date was missed, the promise broken and the cost is counted
    assert (e["needed_by_count"], e["needed_by_met"], e["needed_by_met_pct"]) == (1, 0, 0.0)
    assert (e["promises_made"], e["promises_kept"], e["promises_broken"],
            e["promises_kept_pct"]) == (1, 0, 1, 0.0)
    assert (e["downgrades"], e["downgrades_pending"]) == (1, 1)
    assert e["lapse_cost"] == 125000
    assert data["lapse_cost"] == 125000 and data["lapse_cost_estimated"] == 125000
    lapse = data["lapses"][0]
    assert (lapse["id"], lapse["reasons"], lapse["kind"]) == (rid, ["needed_by"], "estimate")
    assert data["departments"][0]["needed_by_met_pct"] == 0.0
    table = store.ok("report", *PERIOD, now=now, env={"COLUMNS": "220"}).out
    assert "Cost of lapses: 125,000 (0 recorded, 125,000 estimated)" in table
    assert "need-by date" in table and "estimate" in table
    # the requester records what it really cost (--actual): the report says it is a
    # recorded outcome
    store.ok("update", rid, "--cost", "131500", "--actual", "--note",
             "Wrong revision shipped: rework and air freight", actor=MARIA, now=now)
    entry = history(store, rid)[-1]
    assert entry == {**entry, "type": "cost", "from": 125000, "to": 131500, "actual": True}
    data = report(store, "2026-11-25T13:00:00-05:00")
    assert eng(data)["lapse_cost"] == 131500
    assert (data["lapse_cost_actual"], data["lapse_cost_estimated"]) == (131500, 0)
    assert data["lapses"][0]["kind"] == "actual"
    assert "rework and air freight" in data["lapses"][0]["note"]
    shown = store.ok("show", rid, "-f", "json", now=now).json()
    assert shown["sla"]["needed_by"]["state"] == "breached"
    assert shown["sla"]["needed_by"]["due"] == "2026-11-24T15:00:00-05:00"
    assert shown["cost"] == {"amount": 131500, "kind": "actual",
                             "note": "Wrong revision shipped: rework and air freight"}
    assert shown["promise"] == "broken"


def test_the_needed_by_clock(store: Store) -> None:
    rid = store.new(*PART, "-t", "x", "--needed-by", "2026-11-25T12:00",
                    "--justification", "soon")
    store.ok("triage", rid, "--ack", "--promise", "2026-11-25T11:00", actor=ANA)
    d = store.ok("show", rid, "-f", "json").json()
    assert d["sla"]["needed_by"] == {"due": "2026-11-25T12:00:00-05:00", "state": "ok",
                                     "left": "1d 2h", "met_at": None}
    # less than a quarter of the 26 hours from creation to the need-by left: at risk
    late = "2026-11-25T06:00:00-05:00"
    assert store.ok("show", rid, "-f", "json", now=late).json()["sla"]["needed_by"][
        "state"] == "at-risk"
    listed = store.ok("list", now=late, env={"COLUMNS": "200"}).out
    assert "at-risk: " in listed and "need-by" in listed
    assert "[at risk]" in store.ok("show", rid, now=late).out
    queue = store.ok("queue", "engineering", "-f", "json", now=late).json()
    assert queue[0]["queue"]["next_due_kind"] == "promise"  # 11:00, before the need-by
    assert "need-by" in queue[0]["queue"]["reasons"]
    missed = "2026-11-25T13:00:00-05:00"
    assert "MISSED" in store.ok("show", rid, now=missed).out
    assert "breached: need-by" in store.ok("queue", "engineering", now=missed,
                                            env={"COLUMNS": "200"}).out
    store.ok("update", rid, "--status", "resolved", actor=ANA, now="2026-11-25T11:00:00-05:00")
    assert store.ok("show", rid, "-f", "json", now=missed).json()["sla"]["needed_by"][
        "state"] == "met"
    soon = store.new(*PART, "-t", "soon", "--needed-by", "2026-11-24T12:00",
                     "--justification", "now")
    item = next(i for i in store.ok("queue", "engineering", "-f", "json").json()
                if i["id"] == soon)
    assert (item["queue"]["next_due_kind"], item["queue"]["next_due"]) == (
        "needed_by", "2026-11-24T12:00:00-05:00")  # before the acknowledge due, 14:00
    no_date = store.new(*PART, "-t", "y")
    assert "needed_by" not in store.ok("show", no_date, "-f", "json").json()["sla"]


def test_cancelled_after_the_need_by_counts_its_cost(store: Store) -> None:
    rid = store.new(*PART, "-t", "x", "--needed-by", "2026-11-24T15:00", "--justification",
                    "truck", "--cost", "900")
    store.ok("update", rid, "--status", "cancelled", "--note", "shipped without an answer",
             actor=MARIA, now="2026-11-24T16:00:00-05:00")
    data = report(store, "2026-11-25T12:00:00-05:00")
    assert data["lapse_cost"] == 900
    assert data["lapses"][0]["reasons"] == ["needed_by", "cancelled after need-by"]


def test_cost_refusals(truck: tuple[Store, str]) -> None:
    store, rid = truck
    now = "2026-11-25T12:00:00-05:00"
    for value in ("nan", "inf", "-5"):
        err = refused(store, "update", rid, "--cost", value, "--note", "x", code=2,
                      actor=MARIA, now=now)
        assert "is not a cost (accepted: a number, 0 or more)" in err
    assert "--cost needs --note" in refused(store, "update", rid, "--cost", "10", code=2,
                                            actor=MARIA, now=now)
    err = refused(store, "update", rid, "--cost", "10", "--note", "x", actor=RAJ, now=now)
    assert "only the requester (maria@example.com)" in err


def test_promises_kept_moved_and_broken(store: Store) -> None:
    kept = store.new(*PART, "-t", "kept")
    moved = store.new(*PART, "-t", "moved")
    broken = store.new(*PART, "-t", "broken")
    t = "2026-11-24T10:10:00-05:00"
    for rid in (kept, moved, broken):
        store.ok("triage", rid, "--ack", "--promise", "2026-11-24T16:00", actor=ANA, now=t)
    err = refused(store, "update", moved, "--promise", "2026-11-25T12:00", code=2,
                  actor=ANA, now="2026-11-24T11:00:00-05:00")
    assert "moving a promise needs --note" in err
    out = store.ok("update", moved, "--promise", "2026-11-25T12:00", "--note", "parts late",
                   actor=ANA, now="2026-11-24T11:00:00-05:00").out
    assert "promised" in out
    store.ok("update", broken, "--promise", "2026-11-25T12:00", "--note", "sorry",
             actor=ANA, now="2026-11-24T16:30:00-05:00")
    assert history(store, broken)[-1]["broken"] is True
    for rid in (kept, moved, broken):
        store.ok("update", rid, "--status", "resolved", actor=ANA,
                 now="2026-11-24T15:00:00-05:00" if rid == kept else "2026-11-25T11:00:00-05:00")
    e = eng(report(store, "2026-11-26T12:00:00-05:00"))
    assert (e["promises_made"], e["promises_kept"], e["promises_moved"],
            e["promises_broken"], e["promises_kept_pct"]) == (3, 1, 1, 1, 33.3)


def test_an_ack_carries_a_timeframe_and_only_a_typed_date_is_a_promise(store: Store) -> None:
    rid = store.new(*PART, "-t", "x", "--needed-by", "2026-11-25T12:00", "--justification",
                    "soon")
    out = store.ok("triage", rid, "--ack", actor=ANA).out
    shown = store.ok("show", rid, "-f", "json").json()
    assert shown["timeframe"] == "2026-11-27T10:00:00-05:00"  # the resolve due date
    assert (shown["promised_by"], shown["promise"]) == (None, None)  # no promise was typed
    assert "is after the requester's need-by date" in out
    data = report(store, "2026-11-24T12:00:00-05:00")
    assert eng(data)["promises_made"] == 0


def test_a_promise_withdrawn_by_a_redirect_is_the_old_providers(store: Store) -> None:
    rid = store.new(*PART, "-t", "x")
    store.ok("triage", rid, "--ack", "--promise", "2026-11-25T12:00", actor=ANA)
    store.ok("triage", rid, "--redirect", "payroll", "--note", "Pat knows",
             actor=ANA, now="2026-11-24T11:00:00-05:00")
    data = report(store, "2026-11-26T12:00:00-05:00")
    payroll = next(p for p in data["providers"] if p["provider"] == "payroll")
    assert payroll["promises_made"] == 0
    assert (eng(data)["promises_made"], eng(data)["promises_withdrawn"]) == (1, 1)


def test_a_late_request_for_information(store: Store) -> None:
    early = store.new(*PART, "-t", "early")
    late = store.new(*PART, "-t", "late")
    store.ok("triage", early, "--need-info", "Which drawing?", actor=ANA)
    store.ok("triage", late, "--ack", actor=ANA)
    store.ok("triage", late, "--need-info", "Which drawing?", actor=ANA,
             now="2026-11-24T11:00:00-05:00")
    entries = history(store, late)
    assert entries[-1]["late"] is True and "late" not in history(store, early)[-1]
    data = report(store, "2026-11-24T12:00:00-05:00")
    assert eng(data)["late_info_requests"] == 1
    dept = data["departments"][0]
    assert (dept["requests"], dept["info_requested"]) == (2, 1)  # only the early one
    assert "a late request for information" in store.ok("show", late).out
    explained = store.ok("explain", late, now="2026-11-24T12:00:00-05:00").out
    assert "paused this clock (settings.pause_on_late_info is true)" in explained


def test_late_requests_need_not_pause_the_resolve_clock(tmp_path: Any) -> None:
    from conftest import PROVIDERS, make_store

    store = make_store(tmp_path / "s", PROVIDERS.replace(
        "departments:", "settings:\n  pause_on_late_info: false\ndepartments:"))
    rid = store.new(*PART, "-t", "late")
    store.ok("triage", rid, "--ack", actor=ANA)
    store.ok("triage", rid, "--need-info", "Which drawing?", actor=ANA,
             now="2026-11-24T11:00:00-05:00")
    d = store.ok("show", rid, "-f", "json", now="2026-11-24T15:00:00-05:00").json()
    assert d["sla"]["resolve"]["state"] == "ok" and d["sla"]["resolve"]["left"] == "1d 3h"
    explained = store.ok("explain", rid, now="2026-11-24T15:00:00-05:00").out
    assert "did not pause this clock (settings.pause_on_late_info is false)" in explained


def test_reopen_within_the_window(store: Store) -> None:
    rid = store.new(*PART, "-t", "x")
    store.ok("update", rid, "--status", "resolved", actor=ANA, now="2026-11-24T11:00:00-05:00")
    store.ok("feedback", rid, "--rating", "5", actor=MARIA, now="2026-11-24T11:30:00-05:00")
    assert "needs --note" in refused(store, "update", rid, "--reopen", code=2, actor=MARIA,
                                     now="2026-11-24T12:00:00-05:00")
    assert "only" in refused(store, "update", rid, "--reopen", "--note", "x", actor=LEE,
                             now="2026-11-24T12:00:00-05:00")
    store.ok("update", rid, "--reopen", "--note", "Still the old revision", actor=MARIA,
             now="2026-11-24T12:00:00-05:00")
    d = store.ok("show", rid, "-f", "json", now="2026-11-24T13:00:00-05:00").json()
    assert d["status"] == "in-progress" and d["reopened"] == 1 and d["rating"] is None
    store.ok("update", rid, "--status", "resolved", actor=ANA, now="2026-11-24T14:00:00-05:00")
    data = report(store, "2026-11-25T12:00:00-05:00")
    assert (eng(data)["reopened"], eng(data)["reopened_pct"]) == (1, 100.0)
    assert eng(data)["csat_count"] == 0  # the 5 stars were given before the reopen
    # the reopen window: 60 business days of the provider by default (about three months:
    # a wrong answer found later is still recorded; Thanksgiving and Christmas are off)
    store.ok("update", rid, "--reopen", "--note", "wrong thread", actor=MARIA,
             now="2027-02-18T13:00:00-05:00")
    store.ok("update", rid, "--status", "resolved", actor=ANA, now="2027-02-18T14:00:00-05:00")
    err = refused(store, "update", rid, "--reopen", "--note", "again", actor=MARIA,
                  now="2027-05-20T10:00:00-04:00")
    assert "within 60d of its resolution (until 2027-05-" in err
    assert f"escalate it instead (icsvc escalate {rid} --reason TEXT)" in err


def test_decline_needs_an_alternate_and_may_be_rated(store: Store) -> None:
    rid = store.new(*PART, "-t", "x")
    err = refused(store, "triage", rid, "--decline", "Not ours", actor=ANA,
                  now="2026-11-24T10:30:00-05:00")
    assert "a decline names an alternate: pass --alternate" in err
    store.ok("triage", rid, "--decline", "Not ours", "--alternate", "Facilities",
             actor=ANA, now="2026-11-24T10:30:00-05:00")
    shown = store.ok("show", rid, now="2026-11-24T11:00:00-05:00").out
    assert "who can help instead: Facilities" in shown
    store.ok("feedback", rid, "--rating", "2", actor=MARIA, now="2026-11-24T11:00:00-05:00")
    cancelled = store.new(*PART, "-t", "y")
    store.ok("update", cancelled, "--status", "cancelled", "--note", "duplicate of another",
             actor=ANA, now="2026-11-24T10:40:00-05:00")
    store.ok("feedback", cancelled, "--rating", "3", actor=MARIA,
             now="2026-11-24T11:00:00-05:00")
    mine = store.new(*PART, "-t", "z")
    store.ok("update", mine, "--status", "cancelled", actor=MARIA,
             now="2026-11-24T10:40:00-05:00")
    err = refused(store, "feedback", mine, "--rating", "3", actor=MARIA,
                  now="2026-11-24T11:00:00-05:00")
    assert "or cancelled by the provider" in err
    store.ok("check")


def test_new_figures_in_every_format(truck: tuple[Store, str]) -> None:
    store, _ = truck
    now = "2026-11-25T12:00:00-05:00"
    data = report(store, now)
    keys = ("needed_by_met_pct", "needed_by_count", "promises_made", "promises_kept",
            "promises_moved", "promises_broken", "promises_kept_pct", "late_info_requests",
            "reopened_pct", "downgrades", "downgrades_accepted", "downgrades_contested")
    for key in keys:
        assert key in eng(data)
    out = store.ok("report", "-f", "csv", *PERIOD, now=now).out
    rows = {(r["section"], r["name"], r["metric"]): r["value"]
            for r in csv.DictReader(io.StringIO(out))}
    assert rows[("provider", "engineering", "needed_by_met_pct")] == "0.0"
    assert rows[("provider", "engineering", "promises_broken")] == "1"
    assert rows[("department", "customer-service", "needed_by_count")] == "1"
    assert rows[("total", "all", "lapse_cost_estimated")] == "125000"
    markdown = store.ok("report", "-f", "markdown", *PERIOD, now=now).out
    assert "| Need-by met" in markdown and "### Cost of lapses: 125,000" in markdown
    html = store.ok("report", "-f", "html", *PERIOD, now=now).out
    assert "Need-by dates met" in html and "need-by 0%" in html
    assert json.loads(store.ok("report", "-f", "json", *PERIOD, now=now).out) == data
