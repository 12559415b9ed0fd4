"""`icsvc feedback`: only the requester, only on a resolved or closed request; rating again
replaces the rating and keeps both entries in the history."""

from __future__ import annotations

import pytest
import yaml

import reportstore as rs
from conftest import Store

NOW = "2026-11-24T15:00:00-05:00"


@pytest.fixture
def rstore(store: Store) -> Store:
    rs.write(store.root)
    return store


def feedback_entries(store: Store, rid: str) -> list[dict[str, object]]:
    data = yaml.safe_load(store.request_file(rid).read_text())
    return [e for e in data["history"] if e["type"] == "feedback"]


def test_requester_rates_a_resolved_request(rstore: Store) -> None:
    result = rstore.ok("feedback", "PAY00001", "--rating", "5", "--comment", "Sorted quickly",
                       actor=rs.LEE, now=NOW)
    assert "Rated PAY00001 5/5" in result.out
    assert "replaces your earlier 4/5" in result.out
    entries = feedback_entries(rstore, "PAY00001")
    assert len(entries) == 2
    last = entries[-1]
    assert last["rating"] == 5 and last["comment"] == "Sorted quickly"
    assert last["by"] == rs.LEE
    # written in the provider calendar's timezone (payroll: Europe/London)
    assert str(last["at"]).startswith("2026-11-24 20:00:00")


def test_rating_again_keeps_both_in_the_history(rstore: Store) -> None:
    rstore.ok("feedback", "ENG00006", "--rating", "1", "--comment", "Took a redirect",
              actor=rs.MARIA, now=NOW)
    shown = rstore.ok("show", "ENG00006", "--format", "json", now=NOW).json()
    ratings = [e["rating"] for e in shown["history"] if e["type"] == "feedback"]
    assert ratings == [2, 1]
    text = rstore.ok("show", "ENG00006", now=NOW).out
    assert "rated 2/5" in text and "rated 1/5" in text


def test_a_closed_request_can_be_rated(rstore: Store) -> None:
    rstore.ok("feedback", "ENG00002", "-r", "4", actor=rs.MARIA, now=NOW)
    assert [e["rating"] for e in feedback_entries(rstore, "ENG00002")] == [3, 4]


def test_json_output_is_the_request(rstore: Store) -> None:
    data = rstore.ok("feedback", "eng00001", "--rating", "3", "--format", "json",
                     actor=rs.MARIA, now=NOW).json()
    assert data["id"] == "ENG00001"
    assert data["history"][-1]["type"] == "feedback"
    assert data["history"][-1]["rating"] == 3


@pytest.mark.parametrize("rid, actor, message", [
    ("PAY00001", rs.MARIA, "only the requester (lee@example.com) may rate PAY00001"),
    ("PAY00001", rs.PAT, "only the requester"),
    ("ENG00004", rs.SAM, "feedback is for resolved, closed or declined requests (or cancelled "
                         "by the provider); this one is in-progress"),
    ("ENG00007", rs.MARIA, "this one is cancelled"),
])
def test_refusals_change_nothing(rstore: Store, rid: str, actor: str, message: str) -> None:
    before = rstore.snapshot()
    result = rstore.fails("feedback", rid, "--rating", "5", actor=actor, now=NOW)
    assert message in result.err
    assert result.err.startswith("icsvc: error:") and result.err.count("\n") == 1
    assert rstore.snapshot() == before


@pytest.mark.parametrize("args, message", [
    (["--rating", "0"], "--rating: 0 is not a rating (accepted: 1 to 5)"),
    (["--rating", "6"], "--rating: 6 is not a rating (accepted: 1 to 5)"),
    (["--rating", "4", "--comment", "  "], "--comment needs a text"),
])
def test_bad_ratings_are_usage_errors(rstore: Store, args: list[str], message: str) -> None:
    before = rstore.snapshot()
    result = rstore.fails("feedback", "PAY00001", *args, code=2, actor=rs.LEE, now=NOW)
    assert message in result.err
    assert rstore.snapshot() == before


def test_missing_rating_is_a_usage_error(rstore: Store) -> None:
    rstore.fails("feedback", "PAY00001", code=2, actor=rs.LEE, now=NOW)


def test_the_file_stays_valid(rstore: Store) -> None:
    rstore.ok("feedback", "ENG00001", "--rating", "2", "--comment", "Line one\nline two",
              actor=rs.MARIA, now=NOW)
    rstore.ok("check", now=NOW)
