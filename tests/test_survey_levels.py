"""A survey for every level: every member and manager of a department a provider serves
may answer its quarterly survey, not only the people who asked; `icsvc commit` commits
one's own answer (and only one's own), which `check --base` accepts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

import surveystore as ss
from conftest import Store
from git_helpers import git
from surveystore import LEE, MARIA, NOW

KIM, BOSS = "kim@example.com", "boss@example.com"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, dict[str, str]]:
    with ss.building(tmp_path_factory, "levels") as (store, ids):
        providers = store.root / "providers.yaml"
        providers.write_text(providers.read_text().replace(
            "    members: [lee@example.com]\n",
            f"    members: [lee@example.com, {KIM}]\n    manager: {BOSS}\n"))
        git(store, "commit", "-qam", "Kim joins sales",
            date=datetime.fromisoformat(ss.BASE_DATE))
        return store, ids


@pytest.fixture
def sv(template: tuple[Store, dict[str, str]], tmp_path: Path) -> Store:
    return ss.copy(template, tmp_path / "store")[0]


def answer(store: Store, provider: str, who: str, rating: int, *args: str,
           quarter: str = "2026Q4", code: int = 0) -> str:
    result = store.icsvc("survey", "answer", provider, "--quarter", quarter, "--rating",
                         str(rating), *args, actor=who, now=NOW)
    assert result.code == code, result.err + result.out
    return result.err if code else result.out


def test_every_member_of_a_served_department_may_answer(sv: Store) -> None:
    # Lee (sales) asked Payroll in 2026Q4: Sales is served, so Kim and the manager may answer
    answer(sv, "payroll", KIM, 2, "-c", "Nobody told us the cut-off")
    answer(sv, "payroll", BOSS, 4)
    kim = (sv.root / "surveys/2026Q4/payroll/kim@example.com.yaml").read_text()
    assert "department: sales" in kim
    people = {p["person"]: p for p in sv.ok("survey", "send", "-q", "2026Q4", "-p", "payroll",
                                            "--format", "json", now=NOW).json()["people"]}
    assert people[KIM]["requests"] == 0 and people[KIM]["rating"] == 2
    assert people[BOSS]["department"] == "sales" and people[LEE]["requests"] == 1
    # Maria (customer-service) neither asked Payroll nor belongs to a department it served
    before = sv.snapshot()
    err = answer(sv, "payroll", MARIA, 3, code=1)
    assert "or belong to a department it serves" in err and "did neither" in err
    assert sv.snapshot() == before
    sv.ok("check", now=NOW)


def test_serves_lists_a_department_without_requests(sv: Store) -> None:
    providers = sv.root / "providers.yaml"
    text = providers.read_text()
    providers.write_text(text.replace("    calendar: uk\n",
                                      "    calendar: uk\n    serves: [customer-service]\n"))
    answer(sv, "payroll", MARIA, 3, "-c", "Fine")
    sv.ok("check", now=NOW)
    providers.write_text(text.replace("    calendar: uk\n",
                                      "    calendar: uk\n    serves: [customer-servce]\n"))
    out = sv.fails("check", now=NOW).out
    assert out.startswith("providers.yaml:43: providers.payroll.serves[0]: unknown department "
                          "'customer-servce'; did you mean customer-service? (accepted: "
                          "customer-service, sales)")


def test_commit_takes_ones_own_answer_and_check_base_accepts_it(sv: Store) -> None:
    sv.git("branch", "base")
    answer(sv, "payroll", KIM, 2, "-c", "Nobody told us the cut-off")
    answer(sv, "engineering", MARIA, 4)
    out = sv.ok("commit", "--as", KIM, "--format", "json", now=NOW).json()
    assert out["files"] == ["surveys/2026Q4/payroll/kim@example.com.yaml"]
    assert out["author"]["email"] == KIM
    assert {s["path"]: s["reason"] for s in out["skipped"]} == {
        "surveys/2026Q4/engineering/maria@example.com.yaml": f"changed by {MARIA}, not you"}
    sv.ok("commit", "--as", MARIA, now=NOW)
    assert sv.git("status", "--porcelain") == ""
    assert sv.git("log", "-2", "--format=%ae %s").splitlines() == [
        f"{MARIA} icsvc: survey answer engineering-2026Q4",
        f"{KIM} icsvc: survey answer payroll-2026Q4"]
    err = sv.fails("commit", actor=KIM, now=NOW).err
    assert "nothing to commit" in err
    assert sv.ok("check", "--base", "base", now=NOW).err.startswith("ok")
    # answering again appends to the history: committed again, still only by its person
    answer(sv, "payroll", KIM, 3)
    sv.ok("commit", actor=KIM, now=NOW)
    assert sv.ok("check", "--base", "base", now=NOW).err.startswith("ok")
