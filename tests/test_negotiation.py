"""Negotiated priorities: standing agreements between departments, proposals the requester
accepts or contests, managers and escalation contacts who act, linked requests; allowed and
refused through the commands and through `check --base` with real git."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from conftest import PROVIDERS, Store, make_store
from git_helpers import commit, git

MARIA, SAM, LEE, ANA, RAJ, PAT = ("maria@example.com", "sam@example.com", "lee@example.com",
                                  "ana@example.com", "raj@example.com", "pat@example.com")
LEAD, VP, CFO = "cs-lead@example.com", "vp-eng@example.com", "cfo@example.com"
NEGOTIATED = PROVIDERS.replace(
    "  customer-service:\n    members: [maria@example.com, sam@example.com]\n",
    "  customer-service:\n    members: [maria@example.com, sam@example.com]\n"
    "    manager: cs-lead@example.com\n",
).replace(
    "    escalation: vp-eng@example.com\n",
    "    escalation: vp-eng@example.com\n"
    "    agreements:\n"
    "      customer-service: {priority: high, note: \"Reps' questions hold shipments\"}\n",
).replace(
    "        requires: [employee_id, pay_period]\n        lead_time: 2d\n",
    "        requires: [employee_id, pay_period]\n        lead_time: 2d\n"
    "        min_priority: high\n",
)
PART = ["-p", "engineering", "-s", "part-clarification", "-t", "Bore", "--info",
        "order_number=SO-1", "--info", "part_number=P-1"]
T = "2026-11-24T{}:00-05:00"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return make_store(tmp_path / "store", NEGOTIATED)


def at(clock: str) -> str:
    return T.format(clock)


def show(store: Store, rid: str, now: str = at("16:00")) -> dict[str, Any]:
    return store.ok("show", rid, "-f", "json", now=now).json()  # type: ignore[no-any-return]


def refused(store: Store, *args: str, actor: str, now: str, code: int = 1) -> str:
    before = store.snapshot()
    result = store.fails(*args, code=code, actor=actor, now=now)
    assert store.snapshot() == before
    return result.err


# -- agreements ------------------------------------------------------------------------------


def test_an_agreement_sets_a_floor_only_the_escalation_contact_may_lower(store: Store) -> None:
    rid = store.new(*PART)
    d = show(store, rid)
    assert (d["priority"], d["requested_priority"]) == ("high", "normal")
    assert d["targets"] == {"acknowledge": "2h", "resolve": "1d"}
    err = refused(store, "triage", rid, "--priority", "normal", "--note", "x", actor=ANA,
                  now=at("10:10"))
    assert "the agreement of engineering with customer-service (Reps' questions hold " \
           "shipments) sets high at least" in err
    assert "only the escalation contact (vp-eng@example.com) may agree normal" in err
    store.ok("triage", rid, "--priority", "normal", "--note", "Not a shipment question",
             actor=VP, now=at("10:10"))
    assert show(store, rid)["priority"] == "normal"
    other = store.new("-p", "payroll", "-s", "pay-correction", "-t", "Pay",
                      "--info", "employee_id=E1", "--info", "pay_period=2026-11", actor=LEE)
    assert show(store, other)["priority"] == "high"  # the service's minimum
    sla = store.ok("sla", "engineering").out
    assert "requests from customer-service are high at least (Reps' questions hold " \
           "shipments)" in sla
    assert store.ok("sla", "payroll", "-f", "json").json()[0]["services"][0][
        "min_priority"] == "high"
    store.ok("check")


@pytest.mark.parametrize("bad, message", [
    ("      customer-service: {priority: high, note: \"Reps' questions hold shipments\"}\n",
     None),
    ("      marketing: {priority: high}\n", "unknown department 'marketing'"),
    ("      customer-service: {priority: asap}\n", "'asap' is not valid (accepted: low, "
                                                    "normal, high, urgent)"),
])
def test_check_validates_agreements(store: Store, bad: str, message: str | None) -> None:
    path = store.root / "providers.yaml"
    path.write_text(path.read_text().replace(
        "      customer-service: {priority: high, note: \"Reps' questions hold shipments\"}\n",
        bad))
    result = store.icsvc("check")
    if message is None:
        assert result.code == 0
    else:
        assert result.code == 1 and message in result.out and "providers.yaml:" in result.out


# -- one request's negotiation ---------------------------------------------------------------


def test_a_downgrade_is_a_proposal_the_requester_accepts(store: Store) -> None:
    rid = store.new(*PART, "--priority", "urgent", "--justification", "Line down", actor=SAM)
    store.ok("triage", rid, "--priority", "high", "--note", "Tomorrow is fine", actor=ANA,
             now=at("10:10"))
    d = show(store, rid)
    assert (d["priority"], d["requested_priority"], d["proposal"]) == ("high", "urgent",
                                                                       "proposed")
    assert "proposed by the provider: accept it" in store.ok("show", rid, now=at("10:20")).out
    mine = store.ok("list", "--mine", now=at("10:20"), actor=SAM,
                    env={"COLUMNS": "200"}).out
    assert "Asked" in mine and "high      urgent (proposed)" in mine
    row, = csv.DictReader(io.StringIO(store.ok("list", "--mine", "-f", "csv", actor=SAM,
                                               now=at("10:20")).out))
    assert (row["priority"], row["asked_priority"], row["proposal"]) == ("high", "urgent",
                                                                         "proposed")
    assert "no requests match" in store.ok("list", "--mine", actor=MARIA, now=at("10:20")).out
    assert "only the requester" in refused(store, "update", rid, "--accept-priority",
                                           actor=MARIA, now=at("10:30"))
    store.ok("update", rid, "--accept-priority", actor=SAM, now=at("10:30"))
    assert show(store, rid)["proposal"] == "accepted"
    e = report(store)["providers"][0]
    assert (e["downgrades"], e["downgrades_accepted"], e["downgrades_contested"]) == (1, 1, 0)


def test_a_contested_downgrade_goes_to_the_escalation_contact(store: Store) -> None:
    rid = store.new(*PART, "--priority", "urgent", "--justification", "Line down", actor=SAM)
    store.ok("triage", rid, "--priority", "high", "--note", "Tomorrow is fine", actor=ANA,
             now=at("10:10"))
    out = store.ok("escalate", rid, "--reason", "The line is down today", actor=SAM,
                   now=at("10:20")).out
    assert "contested the proposed priority high" in out
    assert show(store, rid)["proposal"] == "contested"
    queue = store.ok("queue", "--escalated", "-f", "json", actor=VP, now=at("10:30")).json()
    assert [i["id"] for i in queue] == [rid]
    assert store.ok("queue", "--escalated", "-f", "json", actor=VP, now=at("10:30")).json()
    # the escalation contact decides: keeping high is a decision too
    store.ok("triage", rid, "--priority", "high", "--note", "High: a spare line exists",
             actor=VP, now=at("10:40"))
    d = show(store, rid)
    assert d["proposal"] == "decided" and d["escalation_pending"] is False
    assert store.ok("queue", "--escalated", "-f", "json", actor=VP, now=at("10:50")).json() \
        == []
    e = report(store)["providers"][0]
    assert (e["downgrades"], e["downgrades_contested"]) == (1, 1)
    explained = store.ok("explain", rid, now=at("11:00")).out
    assert "agreed priority urgent -> high (Tomorrow is fine)" in explained
    assert "contested the proposed priority (The line is down today)" in explained
    assert "agreed priority high -> high (High: a spare line exists)" in explained


def test_the_requester_changes_what_they_need(store: Store) -> None:
    rid = store.new(*PART, "--needed-by", "2026-12-10")
    store.ok("update", rid, "--needed-by", "2026-12-01", "--note", "The customer moved it up",
             actor=MARIA, now=at("10:10"))
    assert show(store, rid)["needed_by"] == "2026-12-01T17:00:00-05:00"
    assert show(store, rid)["sla"]["needed_by"]["due"] == "2026-12-01T17:00:00-05:00"
    store.ok("update", rid, "--priority", "urgent", "--note", "Now the line is down",
             actor=MARIA, now=at("10:20"))
    d = show(store, rid)
    assert (d["requested_priority"], d["priority"]) == ("urgent", "high")
    assert "--note" in refused(store, "update", rid, "--needed-by", "2026-12-02", code=2,
                               actor=MARIA, now=at("10:30"))
    assert "only" in refused(store, "update", rid, "--needed-by", "2026-12-02", "--note", "x",
                             actor=ANA, now=at("10:30"))
    explained = store.ok("explain", rid, now=at("11:00")).out
    assert "needed by 2026-12-01T17:00:00-05:00 (was 2026-12-10T17:00:00-05:00)" in explained
    assert "asked for urgent instead of normal (Now the line is down)" in explained
    data = report(store)
    dept = data["departments"][0]
    assert (dept["upgrades_asked"], dept["upgrades_granted"]) == (1, 0)
    store.ok("check")


# -- managers and escalation contacts act -----------------------------------------------------


def test_a_manager_acts_for_the_department(store: Store) -> None:
    git(store, "checkout", "-qb", "pr")
    rid = store.new(*PART, "--needed-by", "2026-12-10", now=at("10:00"))
    commit(store, "new", MARIA)
    steps = [
        (LEAD, "10:10", ["update", rid, "--note", "I follow this one"]),
        (LEAD, "10:20", ["update", rid, "--needed-by", "2026-12-04", "--note", "moved up"]),
        (LEAD, "10:30", ["escalate", rid, "--reason", "Key customer"]),
        (ANA, "10:40", ["triage", rid, "--need-info", "Which drawing?"]),
        (LEAD, "10:50", ["update", rid, "--info", "drawing=D-7"]),
        (RAJ, "11:00", ["update", rid, "--status", "resolved", "--note", "done"]),
        (LEAD, "11:10", ["feedback", rid, "--rating", "4"]),
        (LEAD, "11:20", ["update", rid, "--cost", "0", "--note", "no harm done"]),
    ]
    for actor, clock, args in steps:
        store.ok(*args, actor=actor, now=at(clock))
        commit(store, args[0], actor)
    store.ok("check", "--base", "main", now=at("12:00"))
    mine = store.ok("list", "--mine", "--all", "-f", "json", actor=LEAD,
                    now=at("12:00")).json()
    assert [d["id"] for d in mine] == [rid]
    err = refused(store, "update", rid, "--note", "me too", actor="lee-boss@example.com",
                  now=at("12:00"))
    assert "a manager of customer-service (cs-lead@example.com)" in err


def test_the_escalation_contact_acts_as_a_member(store: Store) -> None:
    git(store, "checkout", "-qb", "pr")
    rid = store.new(*PART, now=at("10:00"))
    other = store.new(*PART, now=at("10:00"))
    commit(store, "new", MARIA)
    for clock, args in [
        ("10:10", ["triage", rid, "--assign", RAJ]),
        ("10:20", ["triage", rid, "--ack", "--promise", "2026-11-25T12:00"]),
        ("10:30", ["triage", other, "--redirect", "payroll", "--note", "Pat knows"]),
    ]:
        store.ok(*args, actor=VP, now=at(clock))
        commit(store, args[0], VP)
    store.ok("triage", other, "--decline", "Not payroll's", "--alternate", "Facilities",
             actor=CFO, now=at("10:40"))
    commit(store, "decline", CFO)
    store.ok("check", "--base", "main", now=at("12:00"))


def test_the_queue_views(store: Store) -> None:
    mine = store.new(*PART)
    store.new(*PART)
    store.ok("triage", mine, "--assign", RAJ, actor=ANA, now=at("10:10"))
    q = store.ok("queue", "--mine", "-f", "json", actor=RAJ, now=at("10:20")).json()
    assert [i["id"] for i in q] == [mine]
    err = refused(store, "queue", "--escalated", actor=ANA, now=at("10:20"))
    assert "ana@example.com is the escalation contact of no provider" in err


# -- linked requests -------------------------------------------------------------------------


def test_linked_requests(store: Store) -> None:
    run = store.new("-p", "payroll", "-s", "pay-correction", "-t", "November payroll run",
                    "--info", "employee_id=ALL", "--info", "pay_period=2026-11",
                    "--needed-by", "2026-11-25T12:00", "--justification", "Pay day",
                    "--cost", "50000", "--impact-note", "Late pay for everyone", actor=LEE,
                    now="2026-11-23T09:00:00-05:00")
    hours = store.new(*PART, "-t", "Overtime hours for the run", "--for", run,
                      "--cost", "50000", "--impact-note", "The same late pay")
    extra = store.new(*PART, "-t", "Shift hours", now=at("10:05"))
    store.ok("update", extra, "--blocks", run, actor=ANA, now=at("10:10"))
    d = show(store, hours, now=at("10:20"))
    assert d["blocks"] == [run]
    waits = show(store, run, now=at("10:20"))["waits_for"]
    assert sorted(w["id"] for w in waits) == sorted([hours, extra])
    assert "they wait for this one" in store.ok("show", hours, now=at("10:20")).out
    # the run's acknowledgement is overdue: what it waits for is at least as urgent, and
    # the queue says so
    store.ok("triage", hours, "--ack", actor=ANA, now=at("10:20"))
    q = store.ok("queue", "engineering", "-f", "json", now=at("10:30")).json()
    item = next(i for i in q if i["id"] == hours)
    assert item["queue"]["state"] == "ok"
    assert f"blocks {run} (breached)" in item["queue"]["reasons"]
    assert q[0]["id"] == hours  # ahead of the other, unlinked, request
    # both lapse with the same cost: counted once along the chain
    data = report(store, now="2026-11-26T12:00:00-05:00")
    assert data["lapse_cost"] == 50000
    shared = [x for x in data["lapses"] if x["shared_with"]]
    assert len(shared) == 1 and shared[0]["shared_with"] in (run, hours)
    assert data["links"] == {"engineering": {"payroll": 2}}
    csv_rows = list(csv.DictReader(io.StringIO(store.ok(
        "report", "-f", "csv", "--since", "2026-11-23", "--until", "2026-11-29",
        now="2026-11-26T12:00:00-05:00").out)))
    assert {"section": "links", "name": "engineering", "metric": "payroll", "value": "2"} \
        in csv_rows
    markdown = store.ok("report", "-f", "markdown", "--since", "2026-11-23", "--until",
                        "2026-11-29", now="2026-11-26T12:00:00-05:00").out
    assert "Requests made for other requests" in markdown
    assert "shared with" in markdown
    html = store.ok("report", "-f", "html", "--since", "2026-11-23", "--until",
                    "2026-11-29", now="2026-11-26T12:00:00-05:00").out
    assert "Requests made for other requests" in html and "Downgrades" in html
    assert "only" in refused(store, "update", hours, "--blocks", extra, actor=LEE,
                             now=at("10:30"))
    store.ok("check")


def report(store: Store, now: str = at("16:00")) -> dict[str, Any]:
    return store.ok("report", "-f", "json", "--since", "2026-11-23", "--until",  # type: ignore
                    "2026-11-29", now=now).json()
