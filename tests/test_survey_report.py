"""The survey section of `icsvc report`, against answers given with the real command on the
hand-made store of tests/surveystore.py, checked in every format against values worked out
by hand."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

import surveystore as ss
from conftest import Store
from surveystore import LEE, MARIA, NOW, SAM

# 2026Q4, who was asked (surveystore.ASKED): Engineering lee, maria, sam; Payroll ana, lee.
# Maria answered 4, then 5 (the latest counts); Sam 2; Lee 3 about Engineering, 4 about
# Payroll; Ana did not answer. In 2026Q3 Lee rated Engineering 5.
ANSWERS = [
    ("engineering", MARIA, 4, "2026Q4", "2026-12-10T12:00:00-05:00"),
    ("engineering", MARIA, 5, "2026Q4", NOW),
    ("engineering", SAM, 2, "2026Q4", NOW),
    ("engineering", LEE, 3, "2026Q4", NOW),
    ("payroll", LEE, 4, "2026Q4", NOW),
    ("engineering", LEE, 5, "2026Q3", "2026-10-02T10:00:00-04:00"),
]

NONE = {"answers": 0, "average": None}
EXPECTED = {
    "quarters": ["2026Q4"],
    "providers": [
        # (5 + 2 + 3) / 3 = 3.33; all three asked answered
        {"provider": "engineering", "name": "Engineering", "asked": 3, "answers": 3,
         "response_rate_pct": 100.0, "average": 3.33,
         "distribution": {"1": 0, "2": 1, "3": 1, "4": 0, "5": 1}},
        # Lee answered, Ana did not
        {"provider": "payroll", "name": "Payroll", "asked": 2, "answers": 1,
         "response_rate_pct": 50.0, "average": 4.0,
         "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}},
    ],
    "pairs": [
        {"department": "customer-service", "provider": "engineering", "answers": 2,
         "average": 3.5},  # Maria 5, Sam 2
        {"department": "sales", "provider": "engineering", "answers": 1, "average": 3.0},
        {"department": "sales", "provider": "payroll", "answers": 1, "average": 4.0},
    ],
    "trend": [
        {"quarter": "2026Q1", "answers": 0, "average": None,
         "providers": {"engineering": NONE, "payroll": NONE}},
        {"quarter": "2026Q2", "answers": 0, "average": None,
         "providers": {"engineering": NONE, "payroll": NONE}},
        {"quarter": "2026Q3", "answers": 1, "average": 5.0,
         "providers": {"engineering": {"answers": 1, "average": 5.0}, "payroll": NONE}},
        # (5 + 2 + 3 + 4) / 4 = 3.5
        {"quarter": "2026Q4", "answers": 4, "average": 3.5,
         "providers": {"engineering": {"answers": 3, "average": 3.33},
                       "payroll": {"answers": 1, "average": 4.0}}},
    ],
    "comments": [],  # nobody wrote one (tests/test_survey_review.py has comments)
}


@pytest.fixture(scope="module")
def answered(tmp_path_factory: pytest.TempPathFactory) -> Store:
    root = tmp_path_factory.mktemp("survey-report") / "store"
    (root.parent / "home").mkdir()
    store, _ = ss.build(root)
    for provider, who, rating, quarter, when in ANSWERS:
        store.ok("survey", "answer", provider, "--quarter", quarter, "--rating", str(rating),
                 actor=who, now=when)
    return store


def report(store: Store, *args: str) -> str:
    return store.ok("report", *args, now=NOW, env={"COLUMNS": "200"}).out


def test_json_survey_figures(answered: Store) -> None:
    data = json.loads(report(answered, "--quarter", "2026Q4", "--format", "json"))
    assert data["survey"] == EXPECTED


def test_a_provider_filter_keeps_its_figures(answered: Store) -> None:
    data = json.loads(report(answered, "--quarter", "2026Q4", "-p", "payroll", "-f", "json"))
    survey = data["survey"]
    assert survey["providers"] == [EXPECTED["providers"][1]]
    assert survey["pairs"] == [EXPECTED["pairs"][2]]
    assert survey["trend"][3] == {"quarter": "2026Q4", "answers": 1, "average": 4.0,
                                  "providers": {"payroll": {"answers": 1, "average": 4.0}}}


def test_a_period_over_two_quarters_pools_them(answered: Store) -> None:
    # the 13 weeks to Jan 5 overlap 2026Q4 and 2027Q1: Lee is asked about Payroll in both
    # (E, then C), so Payroll asked 3 and has one answer
    survey = json.loads(report(answered, "--format", "json"))["survey"]
    assert survey["quarters"] == ["2026Q4", "2027Q1"]
    payroll = survey["providers"][1]
    assert (payroll["asked"], payroll["answers"], payroll["response_rate_pct"]) == (3, 1, 33.3)
    assert [q["quarter"] for q in survey["trend"]] == ["2026Q2", "2026Q3", "2026Q4", "2027Q1"]


def test_csv_survey_rows(answered: Store) -> None:
    out = report(answered, "--quarter", "2026Q4", "--format", "csv")
    rows = {(r["section"], r["name"], r["metric"]): r["value"]
            for r in csv.DictReader(io.StringIO(out))}
    assert rows[("survey", "all", "quarter")] == "2026Q4"
    assert rows[("survey", "engineering", "average")] == "3.33"
    assert rows[("survey", "payroll", "response_rate_pct")] == "50.0"
    assert rows[("survey", "engineering", "stars_2")] == "1"
    assert rows[("survey_pair", "customer-service", "engineering_average")] == "3.5"
    assert rows[("survey_pair", "sales", "payroll_answers")] == "1"
    assert rows[("survey_trend", "2026Q3", "engineering_average")] == "5.0"
    assert rows[("survey_trend", "2026Q1", "average")] == ""
    assert rows[("survey_trend", "2026Q4", "answers")] == "4"


# the three survey tables, as display cells
PROVIDER_ROWS = [["engineering", "3", "3", "100%", "3.33", "0", "1", "1", "0", "1", "-"],
                 ["payroll", "2", "1", "50%", "4.00", "0", "0", "0", "1", "0", "-"]]
PAIR_ROWS = [["customer-service", "3.50 (2)", "-"], ["sales", "3.00 (1)", "4.00 (1)"]]
TREND_ROWS = [["engineering", "-", "-", "5.00 (1)", "3.33 (3)"],
              ["payroll", "-", "-", "-", "4.00 (1)"],
              ["all", "-", "-", "5.00 (1)", "3.50 (4)"]]


def _cells(line: str, sep: str) -> list[str]:
    return [c.strip() for c in line.strip().strip(sep).split(sep)]


def _section(text: str, title: str) -> str:
    start = text.index(title)
    return text[start:start + 2500]


def test_markdown_survey_tables(answered: Store) -> None:
    out = report(answered, "--quarter", "2026Q4", "--format", "markdown")
    per_provider = _section(out, "### Survey 2026Q4: answers per provider")
    rows = [_cells(line, "|") for line in per_provider.splitlines()
            if line.startswith("| engineering") or line.startswith("| payroll")][:2]
    # tabulate reads figures as numbers: 4.00 is written 4
    assert rows == [[c if c != "4.00" else "4" for c in row] for row in PROVIDER_ROWS]
    pairs = _section(out, "### Survey 2026Q4 by department: avg (answers)")
    assert "| Department       | engineering   | payroll   |" in pairs
    assert [_cells(line, "|") for line in pairs.splitlines()
            if line.startswith(("| customer-service", "| sales"))][:2] == PAIR_ROWS
    trend = _section(out, "### Survey trend: average (answers)")
    assert "| Provider    | 2026Q1   | 2026Q2   | 2026Q3   | 2026Q4   |" in trend
    assert [_cells(line, "|") for line in trend.splitlines()
            if line.startswith(("| engineering", "| payroll", "| all"))][:3] == TREND_ROWS


def test_terminal_survey_tables(answered: Store) -> None:
    out = report(answered, "--quarter", "2026Q4")
    # piped: plain text, the columns two spaces apart or more
    per_provider = _section(out, "Survey 2026Q4: answers per provider (stars 1-5)")
    rows = [re.split(r" {2,}", line) for line in per_provider.splitlines()
            if line.startswith(("engineering", "payroll"))][:2]
    assert rows == PROVIDER_ROWS
    trend = _section(out, "Survey trend: average (answers)")
    assert [re.split(r" {2,}", line) for line in trend.splitlines()
            if line.startswith(("engineering", "payroll", "all"))][:3] == TREND_ROWS


def test_html_survey_tables(answered: Store) -> None:
    out = report(answered, "--quarter", "2026Q4", "--format", "html")
    assert "<h2>Survey 2026Q4: answers per provider (stars 1-5)</h2>" in out
    cells = [re.findall(r"<t[hd](?: [^>]*)?>(.*?)</t[hd]>", row)
             for row in re.findall(r"<tr>(.*?)</tr>", _section(out, "Survey 2026Q4"))]
    assert PROVIDER_ROWS[0] in cells and PROVIDER_ROWS[1] in cells
    assert PAIR_ROWS[1] in cells
    assert TREND_ROWS[2] in cells


def test_no_answers_no_survey_tables(tmp_path: Path) -> None:
    store, _ = ss.build(tmp_path / "store")
    out = report(store, "--quarter", "2026Q4")
    assert "Survey" not in out
    data: dict[str, Any] = json.loads(report(store, "--quarter", "2026Q4", "-f", "json"))
    assert data["survey"]["providers"][0] == {
        # nobody answered: the requests of the quarter are not loaded for the survey
        "provider": "engineering", "name": "Engineering", "asked": None, "answers": 0,
        "response_rate_pct": None, "average": None,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}}


def test_a_broken_answer_file_is_skipped_with_a_warning(answered: Store, tmp_path: Path) -> None:
    broken = answered.root / "surveys" / "2026Q4" / "payroll" / "ana@example.com.yaml"
    broken.write_text("rating: [")
    try:
        result = answered.ok("report", "--quarter", "2026Q4", "-f", "json", now=NOW)
        assert "warning: skipped surveys/2026Q4/payroll/ana@example.com.yaml:2" in result.err
        assert json.loads(result.out)["survey"] == EXPECTED
    finally:
        broken.unlink()


def test_a_warning_is_said_once_when_the_survey_is_reported_too(tmp_path: Path) -> None:
    """With survey answers the report reads the summaries once, for its figures and for
    who was asked: a file it skips is warned about once."""
    root = tmp_path / "store"
    store, _ = ss.build(root)
    provider, who, rating, quarter, when = ANSWERS[0]
    store.ok("survey", "answer", provider, "--quarter", quarter, "--rating", str(rating),
             actor=who, now=when)
    (root / "requests" / "engineering" / "ZZZZ9999.yaml").write_text("id: [unclosed\n")
    result = store.ok("report", "--quarter", "2026Q4", "-f", "json", now=NOW)
    assert result.err.count("ZZZZ9999.yaml") == 1, result.err
    assert json.loads(result.out)["survey"]["providers"][0]["asked"] == 3
