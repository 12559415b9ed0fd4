"""`icsvc report` against a hand-built store (tests/reportstore.py) whose every figure was
worked out by hand: business-time medians and percentiles, paused time, promises, ratings,
backlog ages, departments, the dependency matrix, the weekly trend and the cost of lapses."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

import reportstore as rs
from conftest import Store


@pytest.fixture
def rstore(store: Store) -> Store:
    rs.write(store.root)
    return store


def report(store: Store, *args: str) -> dict[str, Any]:
    result = store.ok("report", "--format", "json", *args, now=rs.NOW)
    data: dict[str, Any] = json.loads(result.out)
    return data


def by_provider(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["provider"]: p for p in data["providers"]}


@pytest.mark.parametrize("provider", ["engineering", "payroll"])
def test_provider_figures_match_the_hand_computed_values(rstore: Store, provider: str) -> None:
    got = by_provider(report(rstore, *rs.PERIOD))[provider]
    expected = rs.EXPECTED_PROVIDERS[provider]
    assert {k: got[k] for k in expected} == expected


def test_json_contract_keys(rstore: Store) -> None:
    data = report(rstore, *rs.PERIOD)
    assert {"providers", "departments", "matrix", "trend", "lapse_cost"} <= data.keys()
    for p in data["providers"]:
        assert {"provider", "received", "resolved", "open", "acknowledge_met_pct",
                "resolve_met_pct", "promises_made", "promises_kept_pct", "escalations",
                "redirects", "csat_avg", "csat_count"} <= p.keys()
    for d in data["departments"]:
        assert {"department", "requests", "urgent_pct", "rush_pct",
                "info_requested_pct"} <= d.keys()
    assert data["period"]["start"] == "2026-11-02"
    assert data["period"]["end"] == "2026-11-29"


def test_departments_matrix_trend_and_lapses(rstore: Store) -> None:
    data = report(rstore, *rs.PERIOD)
    assert data["departments"] == rs.EXPECTED_DEPARTMENTS
    assert data["matrix"] == rs.EXPECTED_MATRIX
    assert data["trend"] == rs.EXPECTED_TREND
    assert data["lapse_cost"] == 1500
    # the cost of a lapse counts when the resolve target (not the acknowledge) was breached
    assert [(x["id"], x["reasons"], x["cost"], x["kind"]) for x in data["lapses"]] == [
        ("ENG00003", ["resolve"], 1200, "estimate"), ("ENG00004", ["resolve"], 300, "estimate")]
    assert (data["lapse_cost_actual"], data["lapse_cost_estimated"]) == (0, 1500)


def test_paused_time_does_not_count(rstore: Store) -> None:
    """ENG00002 waited on the customer Wed 11:00 to Fri 11:00: 11h, not 25h, to resolve."""
    data = report(rstore, "--provider", "engineering", "--since", "2026-11-09",
                  "--until", "2026-11-09")
    eng = by_provider(data)["engineering"]
    assert eng["resolved"] == 1
    assert eng["resolve_median_minutes"] == 11 * 60
    assert eng["resolve_met_pct"] == 100.0


def test_provider_filter_limits_providers_departments_and_matrix(rstore: Store) -> None:
    data = report(rstore, *rs.PERIOD, "--provider", "payroll")
    assert [p["provider"] for p in data["providers"]] == ["payroll"]
    assert by_provider(data)["payroll"]["received"] == 2
    assert [(d["department"], d["requests"]) for d in data["departments"]] == [("sales", 1)]
    assert data["matrix"] == {"sales": {"payroll": 1}}
    assert data["lapse_cost"] == 0
    assert [w["measured"] for w in data["trend"]] == [0, 2, 0, 0]


def test_rating_again_replaces_the_rating_in_reports(rstore: Store) -> None:
    rstore.ok("feedback", "ENG00006", "--rating", "5", actor=rs.MARIA, now=rs.NOW)
    eng = by_provider(report(rstore, *rs.PERIOD))["engineering"]
    assert eng["csat_avg"] == round((5 + 3 + 5) / 3, 2)
    assert eng["csat_count"] == 3


def test_quarter_and_default_period(rstore: Store) -> None:
    q = report(rstore, "--quarter", "2026Q4")
    assert q["period"]["start"] == "2026-10-01" and q["period"]["end"] == "2026-12-31"
    eng = by_provider(q)["engineering"]
    assert eng["received"] == 8  # ENG00000 too
    assert eng["resolved"] == 5
    default = report(rstore)
    assert default["period"]["label"].startswith("13 weeks")
    assert by_provider(default)["engineering"]["received"] == 8


def test_nothing_measured_gives_null_percentages(rstore: Store) -> None:
    data = report(rstore, "--since", "2025-01-01", "--until", "2025-01-31")
    eng = by_provider(data)["engineering"]
    assert eng["received"] == 0
    assert eng["acknowledge_met_pct"] is None and eng["resolve_met_pct"] is None
    assert eng["promises_kept_pct"] is None and eng["csat_avg"] is None
    assert data["departments"] == [] and data["lapse_cost"] == 0


@pytest.mark.parametrize("args, message", [
    (["--quarter", "2026Q5"], "--quarter: '2026Q5' is not a quarter"),
    (["--quarter", "2026Q4", "--since", "2026-10-01"], "cannot be combined"),
    (["--since", "someday"], "--since: 'someday' is not a date"),
    (["--since", "3pm"], "--since: '3pm': a report period is made of whole days"),
    (["--since", "07/12/2026"], "--since: '07/12/2026' reads two ways"),
    (["--since", "2026-11-10", "--until", "2026-11-01"], "is after --until"),
    (["--provider", "legal"], "--provider: unknown provider 'legal'"),
])
def test_bad_options_are_one_line_usage_errors(rstore: Store, args: list[str],
                                               message: str) -> None:
    result = rstore.fails("report", *args, code=2, now=rs.NOW)
    assert message in result.err
    assert result.err.startswith("icsvc: error:")


def test_terminal_table_shows_every_section(rstore: Store) -> None:
    out = rstore.ok("report", *rs.PERIOD, now=rs.NOW, env={"COLUMNS": "200"}).out
    for text in ("Service report 2026-11-02 to 2026-11-29", "Providers: SLA met", "Open 3-7d",
                 "Providers: need-by dates met, promises", "Providers: escalations, satisfaction",
                 "Requesting departments",
                 "Who depends on whom", "SLA compliance per week",
                 "Cost of lapses: 1,500 (0 recorded, 1,500 estimated)",
                 "66.7%", "33.3%", "1h", "1d 3h", "6d 1h", "3.33", "ENG00003"):
        assert text in out, text
    trend = [line for line in out.splitlines() if line.startswith("  2026-11-")]
    assert len(trend) == 4
    assert "3/5" in trend[1] and "60%" in trend[1] and "█" in trend[1]


def test_markdown_is_pasteable(rstore: Store) -> None:
    out = rstore.ok("report", *rs.PERIOD, "--format", "markdown", now=rs.NOW).out
    assert out.startswith("## Service report 2026-11-02 to 2026-11-29")
    assert "### Requesting departments" in out
    assert "| customer-service |" in out.replace("  ", " ")
    lines = [line for line in out.splitlines() if line.startswith("| engineering")]
    assert len(lines) == 5  # flow, SLA, outcomes, care, negotiation
    assert "66.7%" in lines[1] and "60%" in lines[1] and "1d 3h" in lines[1]


def test_csv_is_one_figure_per_row(rstore: Store) -> None:
    out = rstore.ok("report", *rs.PERIOD, "--format", "csv", now=rs.NOW).out
    rows = list(csv.DictReader(io.StringIO(out)))
    figures = {(r["section"], r["name"], r["metric"]): r["value"] for r in rows}
    assert figures[("provider", "engineering", "acknowledge_met_pct")] == "66.7"
    assert figures[("provider", "payroll", "promises_kept_pct")] == ""
    assert figures[("provider", "engineering", "open_3-7d")] == "1"
    assert figures[("matrix", "sales", "payroll")] == "1"
    assert figures[("trend", "2026-11-23", "met_pct")] == "33.3"
    assert figures[("total", "all", "lapse_cost")] == "1500"


def test_output_file(rstore: Store, tmp_path: Path) -> None:
    target = tmp_path / "out" / "q4.json"
    result = rstore.ok("report", *rs.PERIOD, "--format", "json", "--output", str(target),
                       now=rs.NOW)
    assert result.out == ""
    assert "Wrote" in result.err
    assert json.loads(target.read_text())["lapse_cost"] == 1500


def test_report_writes_nothing_in_the_store(rstore: Store) -> None:
    before = rstore.snapshot()
    rstore.ok("report", *rs.PERIOD, now=rs.NOW)
    assert rstore.snapshot() == before


def test_progress_bar_only_on_a_terminal_for_big_stores(rstore: Store) -> None:
    import os
    import pty
    import subprocess

    from conftest import ICSVC

    template = (rstore.root / "requests/engineering/ENG00001.yaml").read_text()
    for i in range(2001):
        rid = f"BG{i:06d}"
        (rstore.root / f"requests/engineering/{rid}.yaml").write_text(
            template.replace("ENG00001", rid))
    piped = rstore.ok("report", "--format", "json", now=rs.NOW)
    assert piped.err == ""
    assert by_provider(piped.json())["engineering"]["resolved"] == 5 + 2001
    leader, follower = pty.openpty()
    proc = subprocess.Popen([str(ICSVC), "report", "--format", "json"], cwd=rstore.root,
                            env={**rstore.env, "ICSVC_NOW": rs.NOW},
                            stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    assert proc.wait(timeout=120) == 0
    assert b"Loading requests" in seen and b"Computing figures" in seen


def test_default_period_includes_what_happens_now(store: Store) -> None:
    """A request created, acknowledged and resolved at the very instant of the report counts:
    the default period runs up to and including now."""
    now = "2026-11-24T10:00:00-05:00"
    rid = store.new("-p", "engineering", "-s", "drawing-review", "-t", "x", "--needed-by",
                    "2026-12-10", now=now)
    store.ok("triage", rid, "--ack", actor="ana@example.com", now=now)
    store.ok("update", rid, "--status", "resolved", actor="ana@example.com", now=now)
    data = store.ok("report", "-f", "json", now=now).json()
    eng = next(p for p in data["providers"] if p["provider"] == "engineering")
    assert (eng["received"], eng["resolved"], eng["acknowledge_met_pct"]) == (1, 1, 100.0)
    assert data["period"]["end"] == now


def test_old_requests_count_where_they_belong(store: Store) -> None:
    """Requests made long before the period: one still open (in the backlog, and its
    resolve clock breached inside the period), one closed long ago (in nothing)."""
    old = "2026-03-02T10:00:00-05:00"
    still_open = store.new("-p", "engineering", "-s", "drawing-review", "-t", "old open",
                           "--priority", "low", now=old)
    done = store.new("-p", "engineering", "-s", "drawing-review", "-t", "old done", now=old)
    store.ok("triage", done, "--ack", actor="ana@example.com", now=old)
    store.ok("update", done, "--status", "resolved", actor="ana@example.com", now=old)
    assert still_open and done
    data = store.ok("report", "--quarter", "2026Q4", "-f", "json",
                    now="2026-11-24T10:00:00-05:00").json()
    eng = next(p for p in data["providers"] if p["provider"] == "engineering")
    assert (eng["received"], eng["resolved"], eng["open"]) == (0, 0, 1)
    assert eng["backlog_age"]["7d+"] == 1
    # the open request's clocks were breached back in March: not measured in Q4
    assert eng["acknowledge_measured"] == 0 and eng["resolve_measured"] == 0
