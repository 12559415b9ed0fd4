"""The source articles' cases, enacted end to end: the figures a department head would sign.

Each test plays one case of the articles in a store shaped like them (`articles_store.py`):
each change made by the person named, at the time named (`ICSVC_NOW`), committed by them
with real git, then judged by `check --base`; the report read through the installed console
script in every format (table, JSON, CSV, markdown, HTML), and `show` where the request
itself tells the case.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from articles_store import (
    ALICE,
    AMY,
    ANA,
    INES,
    IVAN,
    OLGA,
    OMAR,
    OWEN,
    PAT,
    PAULA,
    RAJ,
    VP,
    WALT,
    Articles,
    Reports,
    t,
)

Q4 = ("--quarter", "2026Q4")
AFTER_Q4 = t("2027-01-04", "09:00")
LATER = t("2027-01-25", "09:00")


def _part(a: Articles, who: str, at: str, title: str, *args: str) -> str:
    """Engineering's part-clarification, asked by `who` at `at`."""
    return a.new(who, at, "-p", "engineering", "-s", "part-clarification", "-t", title,
                 "--info", "order_number=SO-88412", "--info", "part_number=7730-C", *args)


def _everywhere(rep: Reports, title: str, first: str) -> list[list[str]]:
    """The row starting with `first` under `title`, in the table, markdown and HTML
    reports (each the same cells)."""
    rows = [rep.table_row(title, first), rep.markdown_row(title, first),
            rep.html_row(title, first)]
    # plain text ends a row at its last value: the empty cells after it are not written
    rows[0] += [""] * (len(rows[1]) - len(rows[0]))
    assert rows[0] == rows[1] == rows[2], rows
    return rows


FLOW = "Providers: requests, declines and open backlog by age"
SLA = "Providers: SLA met and business time to acknowledge / resolve"
PROMISES = "Providers: need-by dates met, promises, late requests for information, reopened"
ESCALATIONS = "Providers: escalations, satisfaction, cost of lapses"
DOWNGRADES = "Providers: priorities agreed below the requested one"
ANSWERED = "Requesting departments: declines, and the cost of lapses they suffered and caused"
LAPSES = "Cost of lapses"


def test_a_decliner_does_not_rank_first(tmp_path: Path) -> None:
    """IT declines every request it gets, each with an alternate; Engineering delivers one
    in time and one late. IT is not the best provider of the company: it delivered
    nothing, so it has no resolve figure, and its declines show."""
    a = Articles(tmp_path / "store")
    screen = a.new(OLGA, t("2026-10-05", "09:00"), "-p", "it", "-s", "equipment", "-t",
                   "The warehouse PCs are too slow to print the pick lists")
    a.run(IVAN, t("2026-10-05", "09:10"), "triage", screen, "--decline",
          "we do not support the warehouse PCs", "--alternate", "operations")
    phone = a.new(ALICE, t("2026-10-06", "09:00"), "-p", "it", "-s", "equipment", "-t",
                  "A phone for the new clerk")
    a.run(INES, t("2026-10-06", "09:20"), "triage", phone, "--decline", "phones are bought "
          "by each department", "--alternate", "accounting")
    quick = _part(a, OLGA, t("2026-10-05", "09:00"), "Finish on bracket 7730-C")
    a.run(ANA, t("2026-10-05", "09:30"), "triage", quick, "--ack")
    a.run(ANA, t("2026-10-05", "15:00"), "update", quick, "--status", "resolved",
          "--note", "zinc plated")
    slow = _part(a, ALICE, t("2026-10-05", "09:00"), "Thread on bracket 7730-C")
    a.run(RAJ, t("2026-10-05", "10:00"), "triage", slow, "--ack")
    a.run(RAJ, t("2026-10-09", "10:00"), "update", slow, "--status", "resolved",
          "--note", "M6")
    a.check_every_commit(AFTER_Q4)

    table, data = a.show(screen, AFTER_Q4)
    assert data["sla"]["resolve"]["state"] == "declined"
    assert data["sla"]["acknowledge"]["state"] == "met"
    row = next(line for line in table.splitlines() if line.startswith("resolve"))
    assert row.split()[-1] == "declined" and " met" not in row

    rep = a.reports(AFTER_Q4, *Q4, "-p", "it", "-p", "engineering")
    it, eng = rep.provider("it"), rep.provider("engineering")
    assert (it["declined"], it["declined_pct"], it["declined_with_alternate_pct"]) == \
        (2, 100.0, 100.0)
    assert (it["resolve_measured"], it["resolve_met_pct"], it["resolve_median_minutes"]) \
        == (0, None, None)
    assert it["acknowledge_met_pct"] == 100.0
    assert (eng["resolve_measured"], eng["resolve_met_pct"], eng["declined"]) == (2, 50.0, 0)
    assert _everywhere(rep, FLOW, "it")[0][:6] == ["it", "2", "0", "2", "100%", "100%"]
    assert _everywhere(rep, SLA, "it")[0][:3] == ["it", "100%", "-"]
    assert _everywhere(rep, SLA, "engineering")[0][:3] == ["engineering", "100%", "50%"]
    assert rep.csv_value("provider", "it", "declined_pct") == "100.0"
    assert rep.csv_value("provider", "it", "resolve_met_pct") == ""
    for dept in ("operations", "accounting"):
        d = rep.department(dept)
        assert (d["declined"], d["declined_with_alternate_pct"]) == (1, 100.0)
        assert _everywhere(rep, ANSWERED, dept)[0][:4] == [dept, "1", "50%", "100%"]
        assert rep.csv_value("department", dept, "declined") == "1"


def test_planning_ahead_is_measured_against_the_customers_date(tmp_path: Path) -> None:
    """Operations asks IT for a printer nine days ahead; IT promises the day before and
    delivers then: promise kept, need-by met, resolve met (the customer's date is the
    target). A need-by earlier than the SLA's target leaves the target alone, and a
    delivery after the customer's date is a breach."""
    a = Articles(tmp_path / "store")
    printer = a.new(OLGA, t("2026-10-06", "09:00"), "-p", "it", "-s", "printer", "-t",
                    "A printer for the loading dock", "--needed-by", "2026-10-15")
    a.run(IVAN, t("2026-10-06", "09:30"), "triage", printer, "--ack", "--promise",
          "2026-10-14")
    a.run(IVAN, t("2026-10-14", "15:00"), "update", printer, "--status", "resolved",
          "--note", "installed by the dock door")
    # planned as well, delivered a day after the customer's date: a breach
    late = a.new(OMAR, t("2026-10-06", "09:00"), "-p", "it", "-s", "printer", "-t",
                 "A printer for the office", "--needed-by", "2026-10-15")
    a.run(IVAN, t("2026-10-06", "09:40"), "triage", late, "--ack")
    a.run(IVAN, t("2026-10-16", "15:00"), "update", late, "--status", "resolved",
          "--note", "installed")
    # a need-by earlier than the SLA's target: the target stays, the need-by is its own
    soon = a.new(OLGA, t("2026-10-19", "09:00"), "-p", "it", "-s", "equipment", "-t",
                 "A screen for the dock", "--needed-by", "2026-10-20")
    a.run(INES, t("2026-10-19", "09:30"), "triage", soon, "--ack")
    a.run(INES, t("2026-10-21", "16:00"), "update", soon, "--status", "resolved",
          "--note", "installed")
    a.check_every_commit(AFTER_Q4)

    table, data = a.show(printer, AFTER_Q4)
    resolve = data["sla"]["resolve"]
    assert (resolve["basis"], resolve["state"]) == ("needed_by", "met")
    assert resolve["due"] == "2026-10-15T17:00:00-04:00"
    assert resolve["sla_due"] == "2026-10-08T17:00:00-04:00"
    assert "your date (SLA 3d)" in table
    assert "promised by  Wed 2026-10-14 17:00 -0400 (kept)" in table
    explained = a.store.ok("explain", printer, now=AFTER_Q4, script=True).out
    assert ("resolve: the requester's need-by date (the SLA's 3d ends Thu 2026-10-08 17:00 "
            "-0400)") in explained
    assert ("the resolve target is the requester's need-by date (Thu 2026-10-15 17:00 "
            "-0400): it is later than where the SLA's 3d ends (Thu 2026-10-08 17:00 -0400)"
            ) in explained
    as_json = a.store.ok("explain", printer, "-f", "json", now=AFTER_Q4, script=True).json()
    clock = as_json["clocks"]["resolve"]
    assert (clock["basis"], clock["due"], clock["sla_due"]) == \
        ("needed_by", "2026-10-15T17:00:00-04:00", "2026-10-08T17:00:00-04:00")

    _, data = a.show(late, AFTER_Q4)
    assert (data["sla"]["resolve"]["basis"], data["sla"]["resolve"]["state"]) == \
        ("needed_by", "breached")
    table, data = a.show(soon, AFTER_Q4)
    resolve = data["sla"]["resolve"]
    assert (resolve["basis"], resolve["sla_due"], resolve["state"]) == ("sla", None, "met")
    assert data["sla"]["needed_by"]["state"] == "breached", data["sla"]
    assert "MISSED" in table and "your date (SLA" not in table
    explained = a.store.ok("explain", soon, now=AFTER_Q4, script=True).out
    assert ("the resolve target is the SLA's 3d: the requester's need-by date (Tue "
            "2026-10-20 17:00 -0400) is not later, and is its own outcome (met or missed)"
            ) in explained
    assert json.loads(a.store.ok("explain", soon, "-f", "json", now=AFTER_Q4).out)[
        "clocks"]["resolve"]["basis"] == "sla"

    rep = a.reports(AFTER_Q4, *Q4, "-p", "it")
    it = rep.provider("it")
    assert (it["resolve_measured"], it["resolve_met"]) == (3, 2)
    assert (it["needed_by_count"], it["needed_by_met"]) == (3, 1)
    assert (it["promises_made"], it["promises_kept"], it["promises_broken"]) == (1, 1, 0)
    assert _everywhere(rep, SLA, "it")[0][:3] == ["it", "100%", "66.7%"]
    assert _everywhere(rep, PROMISES, "it")[0][:5] == ["it", "33.3%", "3", "1", "1"]
    assert rep.csv_value("provider", "it", "resolve_met_pct") == "66.7"
    assert rep.csv_value("provider", "it", "promises_kept_pct") == "100.0"


def test_a_wrong_answer_found_later_costs_the_provider(tmp_path: Path) -> None:
    """The $125,000 case: Engineering answers within the SLA with the wrong thread; the lot
    is rejected two weeks later. The requester reopens it and records the actual cost (equal
    to the estimate): the reopen counts against first-time-right and the cost is
    Engineering's lapse, though every clock was met. Found after the window, the refusal
    names the escalation, which reaches the contact whatever the request's status."""
    a = Articles(tmp_path / "store")
    thread = _part(a, OLGA, t("2026-10-05", "10:00"), "Thread spec on bracket 7730-C",
                   "--cost", "125000", "--impact-note", "a rejected lot of 5,000 brackets")
    a.run(ANA, t("2026-10-05", "10:30"), "triage", thread, "--ack")
    a.run(ANA, t("2026-10-05", "14:00"), "update", thread, "--status", "resolved",
          "--note", "UNC 1/4-20")
    a.run(OLGA, t("2026-10-19", "11:00"), "update", thread, "--reopen", "--note",
          "the customer rejected the lot: the thread was M6")
    out = a.run(OLGA, t("2026-10-19", "11:05"), "update", thread, "--cost", "125000",
                "--actual", "--note", "the lot rejected at the customer's dock").out
    assert "recorded the actual cost of the lapse: 125000 -> 125000" in out
    assert ".0" not in out
    a.run(ANA, t("2026-10-19", "15:00"), "update", thread, "--status", "resolved",
          "--note", "M6, checked against the drawing")

    # found after the window: the refusal names the escalation, and that path works
    tolerance = _part(a, INES, t("2026-10-06", "09:00"), "Tolerance on bracket 7731")
    a.run(RAJ, t("2026-10-06", "09:30"), "triage", tolerance, "--ack")
    a.run(RAJ, t("2026-10-06", "15:00"), "update", tolerance, "--status", "resolved",
          "--note", "0.1 mm")
    a.run(RAJ, t("2026-10-07", "09:00"), "update", tolerance, "--status", "closed")
    err = a.refused(INES, t("2027-01-20", "10:00"), "update", tolerance, "--reopen",
                    "--note", "the tolerance was wrong")
    assert "within 60d of its resolution" in err
    assert f"icsvc escalate {tolerance} --reason TEXT" in err and VP in err
    assert f"icsvc update {tolerance} --cost N --actual" in err
    a.run(INES, t("2027-01-20", "10:05"), "escalate", tolerance, "--reason",
          "the tolerance was wrong; a lot was scrapped")
    queue = a.store.ok("queue", "--escalated", "-f", "json", actor=VP,
                       now=t("2027-01-20", "11:00"), script=True).json()
    assert [item["id"] for item in queue] == [tolerance]
    a.run(VP, t("2027-01-20", "12:05"), "escalate", tolerance, "--answer",
          "Engineering reviews its answer; record the cost")
    a.run(VP, t("2027-01-20", "12:10"), "update", tolerance, "--reopen", "--note",
          "reopened: Engineering reviews its answer")
    a.run(INES, t("2027-01-20", "13:00"), "update", tolerance, "--cost", "8000",
          "--actual", "--note", "the scrapped lot")
    assert a.store.ok("queue", "--escalated", "-f", "json", actor=VP,
                      now=t("2027-01-20", "14:00"), script=True).json() == []
    a.run(RAJ, t("2027-01-21", "11:00"), "update", tolerance, "--status", "resolved",
          "--note", "0.05 mm")
    a.check_every_commit(LATER)

    table, data = a.show(thread, LATER)
    # show says what the report says: the actual figure, and its note
    assert "impact        125000 (actual) the lot rejected at the customer's dock" in table
    assert data["cost"] == {"amount": 125000, "kind": "actual",
                            "note": "the lot rejected at the customer's dock"}
    assert "recorded the actual cost of the lapse: 125000 -> 125000" in table
    assert data["impact"]["cost"] == 125000
    assert (data["sla"]["acknowledge"]["state"], data["sla"]["resolve"]["state"]) == \
        ("met", "met")

    rep = a.reports(LATER, "--since", "2026-10-01", "--until", "2027-01-22", "-p",
                    "engineering")
    eng = rep.provider("engineering")
    assert (eng["resolve_measured"], eng["resolve_met_pct"]) == (2, 100.0)
    assert (eng["reopened"], eng["reopened_pct"]) == (2, 100.0)
    assert eng["lapse_cost"] == 133000
    assert (eng["escalations"], eng["escalations_answered"],
            eng["escalation_answer_median_minutes"]) == (1, 1, 120.0)
    assert (rep.json["lapse_cost"], rep.json["lapse_cost_actual"],
            rep.json["lapse_cost_estimated"]) == (133000, 133000, 0)
    first = rep.json["lapses"][0]
    assert (first["id"], first["reasons"], first["cost"], first["kind"], first["charged_to"],
            first["at"]) == (thread, ["delivered wrong"], 125000, "actual",
                             {"provider": "engineering"}, "2026-10-19T11:00:00-04:00")
    assert rep.department("operations")["lapse_cost_suffered"] == 125000
    assert rep.department("it")["lapse_cost_suffered"] == 8000
    assert _everywhere(rep, ESCALATIONS, "engineering")[0][:3] == ["engineering", "1", "1"]
    assert _everywhere(rep, ESCALATIONS, "engineering")[0][-1] == "133,000"
    assert _everywhere(rep, PROMISES, "engineering")[0][-1] == "100%"
    assert _everywhere(rep, LAPSES, thread)[0] == [
        thread, "engineering", "operations", "delivered wrong", "125,000", "actual",
        "engineering", "the lot rejected at the customer's dock"]
    assert _everywhere(rep, ANSWERED, "operations")[0][-2:] == ["125,000", "0"]
    assert "Cost of lapses: 133,000 (133,000 recorded, 0 estimated)" in rep.table
    assert rep.csv_value("provider", "engineering", "lapse_cost") == "133000"
    assert rep.csv_value("total", "all", "lapse_cost_actual") == "133000"


def test_a_lapse_is_charged_to_its_cause(tmp_path: Path) -> None:
    """Accounting kept Operations waiting three days for which Kestrel it meant: the missed
    need-by and its $20,000 are Accounting's. Payroll's pay run waited on the Warehouse's
    timesheets (`new --for`), which came late: the $3,000 lapse is the Warehouse's, and a
    chain of three charges it down to the first that missed. When Payroll is late on its
    own, longer than what it waited for, the lapse stays Payroll's."""
    a = Articles(tmp_path / "store")
    dnb = a.new(ALICE, t("2026-10-05", "09:00"), "-p", "operations", "-s", "customer-record",
                "-t", "D&B number for Kestrel", "--info", "customer=Kestrel",
                "--needed-by", "2026-10-07", "--cost", "20000")
    a.run(OMAR, t("2026-10-05", "09:20"), "triage", dnb, "--need-info",
          "Which Kestrel: the US or the UK company?")
    a.run(ALICE, t("2026-10-08", "09:00"), "update", dnb, "--reply", "the UK company")
    a.run(OMAR, t("2026-10-08", "11:00"), "update", dnb, "--status", "resolved",
          "--note", "D&B 21-000-1234")

    pay = a.new(PAULA, t("2026-10-05", "09:00"), "-p", "payroll", "-s", "pay-run", "-t",
                "October pay run", "--info", "pay_date=2026-10-16", "--needed-by",
                "2026-10-16", "--cost", "3000", "--department", "payroll")
    a.run(PAT, t("2026-10-05", "09:30"), "triage", pay, "--ack")
    sheets = a.new(PAT, t("2026-10-05", "10:00"), "-p", "warehouse", "-s", "timesheets",
                   "-t", "Crew timesheets for October 1-15", "--info", "week=41",
                   "--needed-by", "2026-10-12", "--for", pay)
    a.run(WALT, t("2026-10-05", "11:00"), "triage", sheets, "--ack")
    # the Warehouse waits in turn on IT's scanner, which comes late: down the chain
    scanner = a.new(WALT, t("2026-10-05", "12:00"), "-p", "it", "-s", "equipment", "-t",
                    "A scanner for the signed timesheets", "--needed-by", "2026-10-08",
                    "--for", sheets)
    a.run(IVAN, t("2026-10-05", "13:00"), "triage", scanner, "--ack")
    a.run(IVAN, t("2026-10-13", "10:00"), "update", scanner, "--status", "resolved",
          "--note", "installed")
    a.run(WALT, t("2026-10-15", "12:00"), "update", sheets, "--status", "resolved",
          "--note", "signed, scanned")
    a.run(PAT, t("2026-10-19", "12:00"), "update", pay, "--status", "resolved",
          "--note", "paid")

    # the November pay run: the timesheets a day late, the pay run a week late
    nov = a.new(PAULA, t("2026-11-02", "09:00"), "-p", "payroll", "-s", "pay-run", "-t",
                "November pay run", "--info", "pay_date=2026-11-13", "--needed-by",
                "2026-11-13", "--cost", "4000", "--department", "payroll")
    a.run(PAT, t("2026-11-02", "09:30"), "triage", nov, "--ack")
    nov_sheets = a.new(PAT, t("2026-11-02", "10:00"), "-p", "warehouse", "-s", "timesheets",
                       "-t", "Crew timesheets for November 1-12", "--info", "week=45",
                       "--needed-by", "2026-11-09", "--for", nov)
    a.run(WALT, t("2026-11-02", "11:00"), "triage", nov_sheets, "--ack")
    a.run(WALT, t("2026-11-10", "12:00"), "update", nov_sheets, "--status", "resolved",
          "--note", "signed")
    a.run(PAT, t("2026-11-24", "12:00"), "update", nov, "--status", "resolved",
          "--note", "paid")
    a.check_every_commit(AFTER_Q4)

    rep = a.reports(AFTER_Q4, *Q4)
    by_id = {lapse["id"]: lapse for lapse in rep.json["lapses"]}
    assert set(by_id) == {dnb, pay, nov}
    assert by_id[dnb]["charged_to"] == {"department": "accounting"}
    assert by_id[dnb]["reasons"] == ["needed_by"]
    assert by_id[pay]["charged_to"] == {"provider": "it"}
    assert by_id[nov]["charged_to"] == {"provider": "payroll"}
    lapse_cost = {p["provider"]: p["lapse_cost"] for p in rep.json["providers"]}
    assert lapse_cost == {"engineering": 0, "accounting": 0, "it": 3000, "payroll": 4000,
                          "operations": 0, "warehouse": 0}
    accounting, payroll = rep.department("accounting"), rep.department("payroll")
    assert (accounting["lapse_cost_suffered"], accounting["lapse_cost_caused"]) == \
        (20000, 20000)
    assert (payroll["lapse_cost_suffered"], payroll["lapse_cost_caused"]) == (7000, 0)
    assert rep.provider("operations")["resolve_met_pct"] == 100.0
    assert _everywhere(rep, LAPSES, dnb)[0][-3:-1] == [
        "estimate", "accounting (kept the provider waiting)"]
    assert _everywhere(rep, LAPSES, pay)[0][-2] == "it"
    assert _everywhere(rep, LAPSES, nov)[0][-2] == "payroll"
    assert _everywhere(rep, ESCALATIONS, "it")[0][-1] == "3,000"
    assert _everywhere(rep, ESCALATIONS, "warehouse")[0][-1] == "0"
    assert _everywhere(rep, ANSWERED, "accounting")[0][-2:] == ["20,000", "20,000"]
    assert rep.csv_value("provider", "it", "lapse_cost") == "3000"
    assert rep.csv_value("department", "accounting", "lapse_cost_caused") == "20000"
    assert rep.csv_value("department", "payroll", "lapse_cost_suffered") == "7000"


def test_the_customers_view_and_escalations_answered(tmp_path: Path) -> None:
    """Operations escalates its request to IT's contact, who answers it (the requester is
    told); `report --department operations` shows each provider's figures for Operations'
    requests only."""
    a = Articles(tmp_path / "store")
    mine = a.new(OLGA, t("2026-10-05", "09:00"), "-p", "it", "-s", "equipment", "-t",
                 "Scanner guns for the dock")
    a.run(IVAN, t("2026-10-05", "09:10"), "triage", mine, "--ack")
    a.run(OWEN, t("2026-10-07", "09:00"), "escalate", mine, "--reason",
          "the dock stops without them")
    assert [item["id"] for item in a.store.ok(
        "queue", "--escalated", "-f", "json", actor=VP, now=t("2026-10-07", "10:00"),
        script=True).json()] == [mine]
    a.run(VP, t("2026-10-07", "11:00"), "escalate", mine, "--answer",
          "IT lends two guns today")
    a.run(IVAN, t("2026-10-07", "15:00"), "update", mine, "--status", "resolved",
          "--note", "two guns lent")
    theirs = a.new(ALICE, t("2026-10-05", "09:00"), "-p", "it", "-s", "equipment", "-t",
                   "A screen for the clerk")
    a.run(INES, t("2026-10-05", "09:10"), "triage", theirs, "--decline", "screens are "
          "bought by each department", "--alternate", "accounting")
    parts = _part(a, OMAR, t("2026-10-06", "09:00"), "Spec of bracket 7730-D")
    a.run(ANA, t("2026-10-06", "10:00"), "triage", parts, "--ack")
    a.run(ANA, t("2026-10-06", "16:00"), "update", parts, "--status", "resolved",
          "--note", "as drawn")
    a.check_every_commit(AFTER_Q4)
    told = a.store.ok("notify", "--dry-run", "-f", "json", "--since", a.root_commit,
                      "--no-clocks", now=AFTER_Q4,
                      env={"ICSVC_NOTIFY_URL": "json://127.0.0.1:9/hook"}).json()
    answers = [m for m in told["messages"] if "IT lends two guns today" in json.dumps(m)]
    assert answers and any(OLGA in m["to"] for m in answers), answers

    rep = a.reports(AFTER_Q4, *Q4, "--department", "operations")
    it, eng = rep.provider("it"), rep.provider("engineering")
    assert (it["received"], it["resolved"], it["declined"]) == (1, 1, 0)
    assert (it["escalations"], it["escalations_answered"],
            it["escalation_answer_median_minutes"]) == (1, 1, 120.0)
    assert (eng["received"], eng["resolved"]) == (1, 1)
    assert [d["department"] for d in rep.json["departments"]] == ["operations"]
    assert _everywhere(rep, ESCALATIONS, "it")[0][:3] == ["it", "1", "1"]
    assert _everywhere(rep, FLOW, "it")[0][:4] == ["it", "1", "1", "0"]
    assert rep.csv_value("provider", "it", "escalations_answered") == "1"
    everyone = a.reports(AFTER_Q4, *Q4, "-p", "it").provider("it")
    assert (everyone["received"], everyone["declined"]) == (2, 1)


def _told_about(messages: list[dict[str, Any]], rid: str, what: str) -> set[str]:
    """Who a notification run tells `what` about request `rid` (its `For:` line: one
    message may bundle several requests for a channel)."""
    found: set[str] = set()
    for message in messages:
        for block in message["body"].split("\n\n"):
            if f"{rid} {what}" in block or message["subject"].startswith(f"{rid} {what}"):
                line = next(x for x in block.splitlines() if x.strip().startswith("For: "))
                found |= set(line.strip().removeprefix("For: ").split(", "))
    return found


def test_bad_news_travels(tmp_path: Path) -> None:
    """A need-by passes with the request not delivered: the requester and their
    department's managers are told, and the provider's escalation contact too when a cost
    is recorded; the progress-note clock is pending until the request is taken up, then
    breached when no note came in time."""
    a = Articles(tmp_path / "store")
    costly = _part(a, OLGA, t("2026-10-05", "09:00"), "Thread on bracket 7730-C",
                   "--needed-by", "2026-10-07", "--cost", "9000")
    plain = _part(a, ALICE, t("2026-10-05", "09:00"), "Finish on bracket 7730-C",
                  "--needed-by", "2026-10-07")
    _, data = a.show(costly, t("2026-10-05", "09:10"))
    assert data["sla"]["update"]["state"] == "pending"
    a.run(ANA, t("2026-10-05", "09:30"), "triage", costly, "--ack")
    a.run(ANA, t("2026-10-05", "09:35"), "triage", plain, "--ack")
    told = a.store.ok("notify", "--dry-run", "-f", "json", "--since-time",
                      t("2026-10-07", "12:00"), now=t("2026-10-08", "09:00"),
                      env={"ICSVC_NOTIFY_URL": "json://127.0.0.1:9/hook"}).json()
    to = {rid: _told_about(told["messages"], rid, "need-by date breached")
          for rid in (costly, plain)}
    assert to[costly] == {ANA, RAJ, OLGA, OWEN, VP}, told
    assert to[plain] == {ANA, RAJ, ALICE, AMY}, told
    _, data = a.show(costly, t("2026-10-08", "09:00"))
    assert data["sla"]["update"]["state"] == "breached"


def test_a_downgrade_asked_and_contested(tmp_path: Path) -> None:
    """Operations' manager asks for urgent after the request was agreed normal; IT keeps it
    normal; the manager contests it: a downgrade asked, and contested."""
    a = Articles(tmp_path / "store")
    rid = a.new(OLGA, t("2026-10-05", "09:00"), "-p", "it", "-s", "equipment", "-t",
                "The label printer jams")
    a.run(IVAN, t("2026-10-05", "09:10"), "triage", rid, "--ack")
    a.run(OWEN, t("2026-10-05", "10:00"), "update", rid, "--priority", "urgent", "--note",
          "the trucks wait for labels")
    a.run(OWEN, t("2026-10-05", "11:00"), "escalate", rid, "--reason",
          "the spare prints no barcodes")
    a.check_every_commit(AFTER_Q4)
    rep = a.reports(AFTER_Q4, *Q4, "-p", "it")
    it = rep.provider("it")
    assert (it["downgrades"], it["downgrades_contested"], it["downgrades_accepted"]) == \
        (1, 1, 0)
    assert rep.department("operations")["upgrades_asked"] == 1
    assert _everywhere(rep, DOWNGRADES, "it")[0] == ["it", "1", "0", "1", "0"]
    assert rep.csv_value("provider", "it", "downgrades_contested") == "1"
    table, _ = a.show(rid, AFTER_Q4)
    assert "urgent" in table

