"""Survey comments and what a provider does about them, end to end on the hand-made store
of tests/surveystore.py: the comments in every format of the report, `icsvc survey
respond` (members only, kept in the answer's file), `icsvc survey review` (ranked, with the
response and the next quarter's rating), and `check --base` of a committed response."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from pathlib import Path

import pytest

import surveystore as ss
from conftest import Store
from git_helpers import commit, git
from surveystore import ANA, LEE, MARIA, NOW, SAM

RAJ, PAT = "raj@example.com", "pat@example.com"
Q1 = "2027-01-05T11:00:00-05:00"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Store:
    with ss.building(tmp_path_factory, "survey-review") as (store, _):
        for provider, who, rating, comment in (
                ("engineering", MARIA, 5, "Quick and clear"),
                ("engineering", SAM, 2, "Drawings sat for a week"),
                ("engineering", LEE, 3, None),
                ("payroll", LEE, 1, "Wrong overtime, twice")):
            args = ["-c", comment] if comment else []
            store.ok("survey", "answer", provider, "-q", "2026Q4", "-r", str(rating), *args,
                     actor=who, now=NOW)
            git(store, "add", f"surveys/2026Q4/{provider}/{who}.yaml")
            git(store, "commit", "-qm", f"{who} answers", author=who,
                date=datetime.fromisoformat(NOW))
        return store


@pytest.fixture
def sv(template: Store, tmp_path: Path) -> Store:
    return ss.copy((template, {}), tmp_path / "store")[0]


def report(store: Store, fmt: str) -> str:
    return store.ok("report", "--quarter", "2026Q4", "-f", fmt, now=NOW,
                    env={"COLUMNS": "200"}).out


RANKED = [("payroll", LEE, 1, "Wrong overtime, twice"),
          ("engineering", SAM, 2, "Drawings sat for a week"),
          ("engineering", MARIA, 5, "Quick and clear")]


def test_comments_in_every_format_of_the_report(sv: Store) -> None:
    data = json.loads(report(sv, "json"))["survey"]["comments"]
    assert [(c["provider"], c["person"], c["rating"], c["comment"]) for c in data] == RANKED
    assert data[0]["department"] == "sales" and data[0]["quarter"] == "2026Q4"
    rows = list(csv.DictReader(io.StringIO(report(sv, "csv"))))
    ranked: dict[str, dict[str, str]] = {}
    for r in rows:
        if r["section"] == "survey_comment":  # a row a value: the comment's rank, its metric
            ranked.setdefault(r["name"], {})[r["metric"]] = r["value"]
    found = {(c["provider"], c["quarter"], c["person"]): c for c in ranked.values()}
    assert list(ranked) == [str(i) for i in range(1, len(RANKED) + 1)]
    assert [(c["provider"], c["person"], int(c["rating"]), c["comment"])
            for c in ranked.values()] == [(p, who, n, text) for p, who, n, text in RANKED]
    assert found[("payroll", "2026Q4", LEE)]["comment"] == "Wrong overtime, twice"
    assert found[("engineering", "2026Q4", SAM)]["rating"] == "2"
    assert ("engineering", "2026Q4", LEE) not in found  # no comment: not listed
    title = "Survey 2026Q4: comments, lowest rating first"
    for fmt in ("table", "markdown", "html"):
        out = report(sv, fmt)
        assert title in out, fmt
        section = out[out.index(title):]
        order = [section.index(comment) for *_, comment in RANKED]
        assert order == sorted(order), fmt
    html = report(sv, "html")
    assert re.search(r"<td[^>]*>Drawings sat for a week</td>", html)


def test_a_comment_is_escaped_in_html_and_markdown(sv: Store) -> None:
    sv.ok("survey", "answer", "engineering", "-q", "2026Q4", "-r", "1", "-c",
          "<script>alert(1)</script> | pipes", actor=SAM, now=NOW)
    assert "<script>alert" not in report(sv, "html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; | pipes" in report(sv, "html")
    assert "\\| pipes" in report(sv, "markdown")


def review(store: Store, provider: str, *args: str, now: str = NOW) -> list[dict[str, object]]:
    data = store.ok("survey", "review", provider, "-f", "json", *args, now=now).json()
    items: list[dict[str, object]] = data["items"]
    return items


def test_review_ranks_low_ratings_and_comments(sv: Store) -> None:
    items = review(sv, "engineering")
    # Sam's 2 with a comment, Lee's 3 without one, Maria's 5 with one; lowest first
    assert [(i["person"], i["rating"]) for i in items] == [(SAM, 2), (LEE, 3), (MARIA, 5)]
    assert all(i["responses"] == [] for i in items)
    assert {i["progress"] for i in items} == {"not answered yet"}  # 2027Q1 has begun
    out = sv.ok("survey", "review", "engineering", now=NOW, env={"COLUMNS": "200"}).out
    assert "Drawings sat for a week" in out and "none yet" in out
    assert "no low rating or comment about payroll in 2026Q3" in sv.ok(
        "survey", "review", "payroll", "-q", "2026Q3", now=NOW).out
    csv_out = sv.ok("survey", "review", "engineering", "-f", "csv", now=NOW).out
    assert csv_out.splitlines()[0] == "quarter,rating,department,person,comment,response," \
                                      "progress"


def test_respond_then_progress_next_quarter(sv: Store) -> None:
    path = sv.root / "surveys/2026Q4/engineering/sam@example.com.yaml"
    before = path.read_text()
    sv.ok("survey", "respond", "engineering", "-q", "2026Q4", "--person", SAM, "--response",
          "Drawing reviews now start within a day", actor=RAJ, now=NOW)
    text = path.read_text()
    assert text.startswith(before.rstrip("\n"))  # the answer itself is unchanged
    assert "responses:\n- at: 2027-01-05T10:00:00-05:00\n  by: raj@example.com\n  " \
           "response: Drawing reviews now start within a day\n" in text
    sv.ok("check", now=NOW)
    # Sam answers 2027Q1 (D, made on Dec 31, counts in 2026Q4; Sam's department is served
    # in 2027Q1 only when listed): list it, then Sam answers 4
    providers = sv.root / "providers.yaml"
    providers.write_text(providers.read_text().replace(
        "    calendar: us-east\n", "    calendar: us-east\n    serves: [customer-service]\n"))
    sv.ok("survey", "answer", "engineering", "-q", "2027Q1", "-r", "4", actor=SAM, now=Q1)
    items = review(sv, "engineering", "-q", "2026Q4", now=Q1)
    sam = next(i for i in items if i["person"] == SAM)
    assert sam["progress"] == "better" and sam["next_rating"] == 4
    assert sam["responses"] == [{"at": "2027-01-05T10:00:00-05:00", "by": RAJ,
                                 "response": "Drawing reviews now start within a day"}]
    maria = next(i for i in items if i["person"] == MARIA)
    assert maria["progress"] == "not answered yet"
    # Sam answers 2026Q4 again: the provider's response stays in the file
    sv.ok("survey", "answer", "engineering", "-q", "2026Q4", "-r", "3", actor=SAM, now=Q1)
    assert "Drawing reviews now start within a day" in path.read_text()
    sv.ok("check", now=Q1)


@pytest.mark.parametrize(("args", "who", "code", "said"), [
    (["--person", SAM, "--response", "We will"], MARIA, 1,
     "refused: only members of engineering respond to its survey answers"),
    (["--person", ANA, "--response", "We will"], RAJ, 1,
     "refused: ana@example.com has not answered engineering's 2026Q4 survey"),
    (["--person", SAM, "--response", "  "], RAJ, 2, "--response needs a text"),
    (["--person", "sam", "--response", "x"], RAJ, 2, "--person: 'sam' is not an email"),
])
def test_respond_refusals_write_nothing(sv: Store, args: list[str], who: str, code: int,
                                        said: str) -> None:
    before = sv.snapshot()
    err = sv.fails("survey", "respond", "engineering", "-q", "2026Q4", *args, code=code,
                   actor=who, now=NOW).err
    assert said in err and "Traceback" not in err
    assert sv.snapshot() == before


def test_check_base_judges_a_committed_response(sv: Store) -> None:
    sv.git("branch", "base")
    sv.ok("survey", "respond", "payroll", "-q", "2026Q4", "--person", LEE, "--response",
          "Overtime is now checked twice", actor=PAT, now=NOW)
    out = sv.ok("commit", "--format", "json", actor=PAT, now=NOW).json()
    assert out["files"] == ["surveys/2026Q4/payroll/lee@example.com.yaml"]
    assert out["message"] == "icsvc: survey response payroll-2026Q4"
    assert sv.ok("check", "--base", "base", now=NOW).err.startswith("ok")
    # a response written by someone who is not a member, or edited later, is refused
    path = sv.root / "surveys/2026Q4/payroll/lee@example.com.yaml"
    path.write_text(path.read_text().replace("by: pat@example.com", "by: maria@example.com"))
    commit(sv, "forged", MARIA)
    out = sv.fails("check", "--base", "base", now=NOW).out
    assert "responses: a response was edited or removed" in out
    assert "responses[0].by: maria@example.com is not a member of payroll" in out
    git(sv, "reset", "-q", "--hard", "HEAD~1")
    text = path.read_text()
    path.write_text(text + "- at: 2027-01-05T10:00:00-05:00\n  by: pat@example.com\n"
                           "  response: Pat again, committed by Lee\n")
    commit(sv, "not by pat", LEE)
    out = sv.fails("check", "--base", "base", now=NOW).out
    assert re.search(r"responses\[1\] \(response by pat@example.com\): pat@example.com is "
                     r"not the author of commit", out), out
