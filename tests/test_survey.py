"""The quarterly survey end to end: who to ask (against a hand-made store), answering (every
rule allowed and refused), `check` of answer files, and `check --base` of answers committed
on a branch (by the person, by someone else, edited, deleted, forged)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import surveystore as ss
from conftest import EXAMPLE, Store
from git_helpers import commit, git
from icsvc.domain import history
from icsvc.domain.answers import Quarter
from icsvc.domain.history import MERGE_IDENTITY
from icsvc.domain.history.kinds import Conflict
from icsvc.store import yamlio
from icsvc.store.answer_files import file_stem
from icsvc.store.files import load_catalogue, load_request
from surveystore import ANA, LEE, MARIA, NOW, SAM

AFTER_BASE = "2027-01-05T09:00:00-05:00"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, dict[str, str]]:
    with ss.building(tmp_path_factory, "survey") as built:
        return built


@pytest.fixture
def sv(template: tuple[Store, dict[str, str]], tmp_path: Path) -> tuple[Store, dict[str, str]]:
    return ss.copy(template, tmp_path / "store")


def answer(store: Store, provider: str, who: str, rating: int, *args: str,
           quarter: str = "2026Q4", now: str = NOW) -> dict[str, Any]:
    result = store.ok("survey", "answer", provider, "--quarter", quarter, "--rating",
                      str(rating), "--format", "json", *args, actor=who, now=now)
    data: dict[str, Any] = result.json()
    return data


def path_of(store: Store, provider: str, who: str, quarter: str = "2026Q4") -> Path:
    return store.root / "surveys" / quarter / provider / f"{who}.yaml"


# -- who to ask ---------------------------------------------------------------------------------


@pytest.mark.parametrize("quarter", ["2026Q3", "2026Q4", "2027Q1"])
def test_who_to_ask_matches_the_hand_made_store(sv: tuple[Store, dict[str, str]],
                                                quarter: str) -> None:
    store, ids = sv
    data = store.ok("survey", "send", "--quarter", quarter, "--format", "json", now=NOW).json()
    got = {(p["provider"], p["person"]): (p["department"], p["requests"], p["request_ids"])
           for p in data["people"]}
    expected = {(provider, person): (dept, len(letters), sorted(ids[x] for x in letters))
                for provider, people in ss.ASKED[quarter].items()
                for person, (dept, letters) in people.items()}
    assert got == expected
    assert data["quarter"] == quarter
    # per provider in catalogue order, then by email
    assert [(p["provider"], p["person"]) for p in data["people"]] == sorted(
        expected, key=lambda k: (["engineering", "payroll"].index(k[0]), k[1]))


def test_send_shows_who_answered_and_filters_providers(sv: tuple[Store, dict[str, str]]) -> None:
    store, _ = sv
    answer(store, "engineering", MARIA, 4)
    out = store.ok("survey", "send", "--quarter", "2026Q4", now=NOW,
                   env={"COLUMNS": "120"}).out
    lines = {line.split()[1]: line for line in out.splitlines()
             if line.startswith(("engineering", "payroll"))}
    assert "4/5 on 2027-01-05" in [line for line in out.splitlines()
                                   if MARIA in line][0]
    assert len(lines) == 4 and "no" in lines[SAM].split()
    assert "5 to ask (4 people, 2 providers); 1 answered." in out
    csv_out = store.ok("survey", "send", "-q", "2026q4", "-p", "payroll", "-f", "csv",
                       now=NOW).out.splitlines()
    assert csv_out[0] == "quarter,provider,person,department,requests,answered,rating,answered_at"
    assert csv_out[1:] == ["2026Q4,payroll,ana@example.com,engineering,1,,,",
                           "2026Q4,payroll,lee@example.com,sales,1,,,"]
    data = store.ok("survey", "send", "-q", "2026Q4", "-p", "engineering", "-f", "json",
                    now=NOW).json()
    maria = [p for p in data["people"] if p["person"] == MARIA][0]
    assert maria["answered"] is True and maria["rating"] == 4
    assert maria["answered_at"] == "2027-01-05T10:00:00-05:00"


def test_send_refusals(sv: tuple[Store, dict[str, str]]) -> None:
    store, _ = sv
    err = store.fails("survey", "send", "--quarter", "2027Q2", now=NOW).err
    assert "refused: 2027Q2 has not started yet" in err
    err = store.fails("survey", "send", "--quarter", "Q4", code=2, now=NOW).err
    assert err == ("icsvc: error: --quarter: 'Q4' is not a quarter (accepted: YYYYQ1..YYYYQ4, "
                   "e.g. 2026Q4)\n")
    err = store.fails("survey", "send", "-q", "2026Q4", "-p", "legal", code=2, now=NOW).err
    assert "--provider: 'legal' is not a provider (accepted: engineering, payroll)" in err
    out = store.ok("survey", "send", "-q", "2026Q2", now=NOW).out
    assert "nobody made a request in 2026Q2" in out


# -- answering ----------------------------------------------------------------------------------


def test_answer_writes_one_file_and_answering_again_keeps_the_history(
        sv: tuple[Store, dict[str, str]]) -> None:
    store, _ = sv
    out = store.ok("survey", "answer", "engineering", "--quarter", "2026Q4", "--rating", "4",
                   "--comment", "Clear answers", actor="Maria@Example.com",
                   now="2027-01-05T09:00:00-05:00").out
    assert out.splitlines()[0] == ("Recorded maria@example.com's answer about Engineering "
                                   "(engineering) for 2026Q4: 4/5 ★★★★☆.")
    path = path_of(store, "engineering", MARIA)
    assert path.read_text() == """\
quarter: 2026Q4
provider: engineering
person: maria@example.com
department: customer-service
rating: 4
comment: Clear answers
answered_at: 2027-01-05T09:00:00-05:00
history:
- at: 2027-01-05T09:00:00-05:00
  by: maria@example.com
  rating: 4
  comment: Clear answers
"""
    # a comment someone added by hand stays; the new answer is appended
    path.write_text("# Maria's answers\n" + path.read_text())
    out = store.ok("survey", "answer", "engineering", "-q", "2026Q4", "-r", "2", actor=MARIA,
                   now="2027-01-05T09:30:00-05:00").out
    assert "(replaces your earlier 4/5 of 2027-01-05)" in out
    text = path.read_text()
    assert text.startswith("# Maria's answers\nquarter: 2026Q4\n")
    doc = yamlio.load(text)
    assert doc["rating"] == 2 and "comment" not in doc
    assert [(e["rating"], e.get("comment")) for e in doc["history"]] == [
        (4, "Clear answers"), (2, None)]
    assert doc["answered_at"] == doc["history"][1]["at"]
    data = answer(store, "engineering", MARIA, 5, "--comment", "Better")
    assert data["path"] == "surveys/2026Q4/engineering/maria@example.com.yaml"
    assert data["rating"] == 5 and len(data["history"]) == 3
    assert data["history"][2] == {"at": "2027-01-05T10:00:00-05:00", "by": MARIA,
                                  "rating": 5, "comment": "Better"}
    store.ok("check", now=NOW)


def test_payroll_answers_are_stamped_in_london(sv: tuple[Store, dict[str, str]]) -> None:
    store, _ = sv
    data = answer(store, "payroll", ANA, 3)
    assert data["answered_at"] == "2027-01-05T15:00:00+00:00"
    assert data["department"] == "engineering"


@pytest.mark.parametrize(("args", "who", "code", "message"), [
    (["payroll", "-q", "2026Q4", "-r", "4"], MARIA, 1,
     "refused: only people who made a request to payroll in 2026Q4, or belong to a "
     "department it serves (with requests to it then, or under its 'serves:'), may answer "
     "its 2026Q4 survey; maria@example.com did neither"),
    # G was made in 2026Q4 but reached Payroll only in 2027Q1
    (["payroll", "-q", "2026Q4", "-r", "4"], SAM, 1, "survey; sam@example.com did neither"),
    # C was made at 04:30 on Jan 1 in London: 2027Q1 for Payroll
    (["payroll", "-q", "2027Q1", "-r", "4"], SAM, 1, "survey; sam@example.com did neither"),
    (["engineering", "-q", "2027Q2", "-r", "4"], MARIA, 1,
     "refused: 2027Q2 has not started yet (it starts Thu 2027-04-01 00:00 -0400 in "
     "Engineering's timezone, America/New_York)"),
    (["engineering", "-q", "2026Q4", "-r", "0"], MARIA, 2,
     "--rating: 0 is not a rating (accepted: 1 to 5)"),
    (["engineering", "-q", "2026Q4", "-r", "6"], MARIA, 2, "(accepted: 1 to 5)"),
    (["engineering", "-q", "2026Q4", "-r", "4", "-c", "  "], MARIA, 2,
     "--comment needs a text"),
    (["engineering", "-q", "2026-10", "-r", "4"], MARIA, 2,
     "--quarter: '2026-10' is not a quarter"),
    (["legal", "-q", "2026Q4", "-r", "4"], MARIA, 2,
     "PROVIDER: 'legal' is not a provider (accepted: engineering, payroll)"),
    (["engineering", "-q", "2026Q4", "-r", "4", "--as", "not-an-email"], None, 2,
     "--as: 'not-an-email' is not an email address"),
])
def test_answer_refusals_write_nothing(sv: tuple[Store, dict[str, str]], args: list[str],
                                       who: str | None, code: int, message: str) -> None:
    store, _ = sv
    before = store.snapshot()
    err = store.fails("survey", "answer", *args, code=code, actor=who, now=NOW).err
    assert message in err, err
    assert err.startswith("icsvc: error: ") and err.count("\n") == 1
    assert store.snapshot() == before


def test_a_broken_or_hand_edited_answer_is_not_overwritten(
        sv: tuple[Store, dict[str, str]]) -> None:
    store, _ = sv
    answer(store, "engineering", MARIA, 4, now=AFTER_BASE)
    path = path_of(store, "engineering", MARIA)
    good = path.read_text()
    path.write_text(good.replace("rating: 4\ncomment", "rating: 5\ncomment")
                    .replace("rating: 4\nanswered_at", "rating: 5\nanswered_at"))
    err = store.fails("survey", "answer", "engineering", "-q", "2026Q4", "-r", "3",
                      actor=MARIA, now=NOW).err
    assert ("surveys/2026Q4/engineering/maria@example.com.yaml:5: rating: is 5 but the latest "
            "answer in the history says 4") in err
    path.write_text("rating: [")
    err = store.fails("survey", "answer", "engineering", "-q", "2026Q4", "-r", "3",
                      actor=MARIA, now=NOW).err
    assert "maria@example.com.yaml:2: not valid YAML" in err
    assert path.read_text() == "rating: ["


def test_a_clock_behind_the_last_answer(sv: tuple[Store, dict[str, str]]) -> None:
    store, _ = sv
    answer(store, "engineering", MARIA, 4, now="2027-01-05T10:00:00-05:00")
    out = store.ok("survey", "answer", "engineering", "-q", "2026Q4", "-r", "5", actor=MARIA,
                   now="2027-01-05T09:50:00-05:00").out
    assert "is behind the newest entry" in out
    doc = yamlio.load(path_of(store, "engineering", MARIA).read_text())
    assert doc["answered_at"] == datetime.fromisoformat("2027-01-05T10:00:00-05:00")
    err = store.fails("survey", "answer", "engineering", "-q", "2026Q4", "-r", "5",
                      actor=MARIA, now="2027-01-05T08:00:00-05:00").err
    assert "behind by more than the clock tolerance" in err


def test_file_names_are_safe_and_stable() -> None:
    assert file_stem("Maria@Example.com") == "maria@example.com"
    assert file_stem("o'brien+qa@example.com") == "o%27brien+qa@example.com"
    assert file_stem("a/b@x") == "a%2Fb@x"
    assert file_stem(".hidden@x") == "%2Ehidden@x"
    assert file_stem("zoë@x") == "zo%C3%AB@x"


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=40).filter(lambda t: t.strip() == t and t))
def test_a_file_name_is_safe_and_gives_the_email_back(email: str) -> None:
    stem = file_stem(email)
    assert re.fullmatch(r"[a-z0-9._+@%A-F-]+", stem) and not stem.startswith(".")
    assert "/" not in stem and stem not in (".", "..")
    assert unquote(stem, errors="strict") == email.lower()


def test_only_redirects_and_merges_move_a_request(
        template: tuple[Store, dict[str, str]]) -> None:
    """Who to ask replays only a history with an entry that `moves()` (it can change which
    provider holds the request); any other history stays with the provider it was made to.
    Replayed entry by entry, no other entry of this store's or the example organisation's
    histories changes the provider; a merge's conflict entry can."""
    store, ids = template
    seen: dict[str, bool] = {}
    for root in (store.root, EXAMPLE):
        cat = load_catalogue(root / "providers.yaml")
        for path in sorted((root / "requests").glob("*/*.yaml")):
            request = load_request(path)
            state = history.initial_state(request)
            state.cat = cat
            for entry in request.history:
                before = state.provider
                history.apply(state, entry)
                seen[entry.type] = entry.moves()
                assert entry.moves() or state.provider == before, (path, entry)
    assert {t for t, moves in seen.items() if moves} == {"redirect"}
    assert len(seen) >= 12  # most kinds were seen not to move
    request = load_request(store.request_file(ids["A"]))
    state = history.replay(request, load_catalogue(store.root / "providers.yaml"))
    merged = Conflict(at=request.history[-1].at, by=MERGE_IDENTITY, field="provider",
                      ours="payroll", theirs="engineering", kept="payroll")
    history.apply(state, merged)
    assert merged.moves() and state.provider == "payroll"


def test_quarters() -> None:
    q = Quarter.parse("2026-q4")
    assert (q.label, q.first_day.isoformat(), q.end_day.isoformat()) == (
        "2026Q4", "2026-10-01", "2027-01-01")
    assert q.next() == Quarter(2027, 1) and Quarter(2027, 1).previous() == q
    for bad in ("2026Q0", "2026Q5", "26Q1", "Q4", ""):
        with pytest.raises(ValueError, match="is not a quarter"):
            Quarter.parse(bad)
    for far in ("9999Q4", "0000Q1", "1969Q4", "2201Q1"):
        with pytest.raises(ValueError, match=f"'{far}' is out of range .accepted: quarters "
                                             "from 1970Q1 to 2200Q4"):
            Quarter.parse(far)
    assert Quarter.parse("1970Q1").first_day.isoformat() == "1970-01-01"
    assert Quarter.parse("2200Q4").end_day.isoformat() == "2201-01-01"


# -- check ------------------------------------------------------------------------------------


def _write(store: Store, rel: str, doc: dict[str, Any] | str) -> Path:
    path = store.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc if isinstance(doc, str) else yamlio.dump(doc))
    return path


def good(person: str = MARIA, provider: str = "engineering", quarter: str = "2026Q4",
         department: str = "customer-service", rating: int = 4) -> dict[str, Any]:
    at = datetime.fromisoformat(AFTER_BASE)
    return {"quarter": quarter, "provider": provider, "person": person,
            "department": department, "rating": rating, "answered_at": at,
            "history": [{"at": at, "by": person, "rating": rating}]}


def _edit(**changes: Any) -> dict[str, Any]:
    doc = good()
    for key, value in changes.items():
        if value is None:
            doc.pop(key)
        else:
            doc[key] = value
    return doc


MARIA_FILE = "surveys/2026Q4/engineering/maria@example.com.yaml"
T = datetime.fromisoformat(AFTER_BASE)


@pytest.mark.parametrize(("rel", "doc", "message"), [
    (MARIA_FILE, _edit(mood="great"), "mood: unknown key (accepted: answered_at, comment, "
                                      "department, history, person, provider, quarter, rating, "
                                      "responses)"),
    (MARIA_FILE, _edit(rating=7, history=[{"at": T, "by": MARIA, "rating": 7}]),
     ":5: rating: 7 is out of range (accepted: 1 to 5)"),
    (MARIA_FILE, _edit(rating="five"), "rating: expected a whole number, got 'five'"),
    (MARIA_FILE, _edit(rating=5), ":5: rating: is 5 but the latest answer in the history "
                                  "says 4; answer with 'icsvc survey answer'"),
    (MARIA_FILE, _edit(history=[]), "history: expected a list of at least one answer"),
    (MARIA_FILE, _edit(history=[{"at": T, "by": SAM, "rating": 4}]),
     "history[0].by: sam@example.com answered in maria@example.com's file; only "
     "maria@example.com answers there"),
    ("surveys/2026Q4/engineering/lee@example.com.yaml",
     good(LEE, quarter="2026Q3", department="sales"),
     "quarter: the file is in surveys/2026Q4/ but answers about 2026Q3 (move it to "
     "surveys/2026Q3/engineering/lee@example.com.yaml)"),
    ("surveys/2026Q4/engineering/lee@example.com.yaml",
     good(LEE, "payroll", department="sales"),
     "provider: the file is in the folder of 'engineering' but answers about 'payroll'"),
    ("surveys/2026Q4/engineering/sam@example.com.yaml", good(),
     "person: the file name sam@example.com.yaml is not the person's (maria@example.com.yaml"),
    ("surveys/2026Q4/legal/maria@example.com.yaml", _edit(provider="legal"),
     "provider: unknown provider 'legal' (accepted: engineering, payroll)"),
    ("surveys/2026Q4/payroll/maria@example.com.yaml", _edit(provider="payroll"),
     "person: only people who made a request to payroll in 2026Q4, or belong to a "
     "department it serves"),
    (MARIA_FILE, _edit(department="sales"),
     "department: 'sales' is not a department maria@example.com may answer "
     "engineering's 2026Q4 survey for (accepted: customer-service)"),
    ("surveys/2027Q1/payroll/lee@example.com.yaml",
     good(LEE, "payroll", "2027Q1", "sales") | {
         "answered_at": datetime.fromisoformat("2026-12-31T23:59:00+00:00"),
         "history": [{"at": datetime.fromisoformat("2026-12-31T23:59:00+00:00"), "by": LEE,
                      "rating": 4}]},
     "history[0].at: 2026-12-31T23:59:00+00:00 is before 2027Q1 began for payroll"),
    ("surveys/maria.yaml", good(), "answers belong in surveys/<quarter>/<provider>/"
                                   "<person>.yaml (surveys/2026Q4/engineering/"
                                   "maria@example.com.yaml)"),
    (MARIA_FILE, "", "the file is empty"),
    (MARIA_FILE, _edit(quarter="9999Q4"),
     ":1: quarter: quarter: '9999Q4' is out of range (accepted: quarters from 1970Q1 to "
     "2200Q4)"),
])
def test_check_reports_every_bad_answer_file(sv: tuple[Store, dict[str, str]], rel: str,
                                             doc: dict[str, Any] | str, message: str) -> None:
    store, _ = sv
    _write(store, rel, doc)
    out = store.fails("check", now=NOW).out
    assert message in out, out
    assert out.startswith(rel + ":")
    assert len(out.strip().splitlines()) == 1, out


def test_check_counts_valid_answers(sv: tuple[Store, dict[str, str]]) -> None:
    store, _ = sv
    answer(store, "engineering", MARIA, 4)
    answer(store, "payroll", LEE, 5)
    err = store.ok("check", now=NOW).err
    assert err == ("ok: providers.yaml, 8 request file(s) and 2 survey answer(s) are valid\n")


# -- check --base -------------------------------------------------------------------------------


def on_branch(store: Store) -> None:
    git(store, "checkout", "-qb", "answers")


def base_refused(store: Store, *needles: str, author: str | None = None,
                 now: str = NOW) -> str:
    env = {"GIT_AUTHOR_EMAIL": author} if author else None
    result = store.fails("check", "--base", "main", now=now, env=env)
    for needle in needles:
        assert needle in result.out, result.out
    return result.out


def test_answers_committed_by_their_person_pass(sv: tuple[Store, dict[str, str]]) -> None:
    store, _ = sv
    on_branch(store)
    answer(store, "engineering", MARIA, 4, now=AFTER_BASE)
    commit(store, "maria answers", MARIA)
    answer(store, "engineering", MARIA, 5, "--comment", "Better", now=NOW)
    answer(store, "payroll", LEE, 3, now=NOW)
    # the work tree counts as the next commit, by whoever will commit it
    out = base_refused(store, "surveys/2026Q4/payroll/lee@example.com.yaml:",
                       "lee@example.com is not the author of the next commit (not committed "
                       "yet) that adds this entry (maria@example.com)", author=MARIA)
    assert len(out.strip().splitlines()) == 1, out
    git(store, "add", path_of(store, "engineering", MARIA).relative_to(store.root).as_posix())
    git(store, "commit", "-qm", "maria answers again", author=MARIA,
        date=datetime.fromisoformat(NOW))
    commit(store, "lee answers", LEE)
    assert store.ok("check", "--base", "main", now=NOW).err.startswith("ok: ")


def test_an_answer_committed_by_someone_else_is_refused(
        sv: tuple[Store, dict[str, str]]) -> None:
    store, _ = sv
    on_branch(store)
    answer(store, "engineering", MARIA, 1, now=AFTER_BASE)
    commit(store, "lee commits maria's answer", LEE)
    out = base_refused(store, f"{MARIA_FILE}:8: history[0] (answer by {MARIA}): {MARIA} is not "
                              "the author of commit ")
    assert "(lee@example.com); entries must be committed by the person they name" in out


def test_a_forged_person_is_refused(sv: tuple[Store, dict[str, str]]) -> None:
    store, _ = sv
    on_branch(store)
    # Lee writes a low rating in Maria's name, by hand
    _write(store, MARIA_FILE, good(rating=1))
    commit(store, "forged", LEE)
    base_refused(store, f"(answer by {MARIA}): {MARIA} is not the author of commit")
    # ... or as himself in Maria's file: the plain check refuses it
    git(store, "reset", "-q", "--hard", "main")
    doc = good(rating=1)
    doc["history"][0]["by"] = LEE
    _write(store, MARIA_FILE, doc)
    commit(store, "forged", LEE)
    base_refused(store, "lee@example.com answered in maria@example.com's file")


def test_a_github_noreply_author_is_the_person(sv: tuple[Store, dict[str, str]]) -> None:
    store, _ = sv
    on_branch(store)
    answer(store, "engineering", MARIA, 4, now=AFTER_BASE)
    commit(store, "from the web", "maria-acme@users.noreply.github.com")
    store.ok("check", "--base", "main", now=NOW)


def _answered_on_main(store: Store) -> Path:
    answer(store, "engineering", MARIA, 4, "--comment", "Good", now=AFTER_BASE)
    commit(store, "maria answers", MARIA)
    on_branch(store)
    return path_of(store, "engineering", MARIA)


@pytest.mark.parametrize("which", ["new", "existing"])
def test_an_answer_file_that_is_a_symlink_is_refused(sv: tuple[Store, dict[str, str]],
                                                     which: str) -> None:
    """Lee links Maria's answer file to a copy he wrote elsewhere in the store: git holds the
    link, the plain check reads through it."""
    store, _ = sv
    if which == "existing":
        _answered_on_main(store)
    else:
        on_branch(store)
    _write(store, "docs/answer.yaml", good(rating=1))
    link = store.root / MARIA_FILE
    link.parent.mkdir(parents=True, exist_ok=True)
    link.unlink(missing_ok=True)
    link.symlink_to("../../../docs/answer.yaml")
    commit(store, "forged", LEE)
    store.ok("check", now=NOW)
    out = base_refused(store, f"{MARIA_FILE}:1: a symlink where request files, survey answers "
                              "and providers.yaml are regular files; icsvc never follows a link")
    assert len(out.strip().splitlines()) == 1, out


@pytest.mark.parametrize("rel", ["surveys/2026Q4/engineering/Maria@example.com.yaml",
                                 "surveys/2026q4/engineering/maria@example.com.yaml",
                                 "surveys/2026Q4/engineering/maria@example.com.yml",
                                 "surveys/2026Q4/engineering/notes.txt"])
def test_an_answer_under_an_odd_name_is_refused(sv: tuple[Store, dict[str, str]],
                                               rel: str) -> None:
    store, _ = sv
    on_branch(store)
    _write(store, rel, good(rating=1))
    commit(store, "odd", LEE)
    base_refused(store, f"{rel}:1: not a survey answer's name: an answer is surveys/<quarter>/"
                        "<provider>/<person>.yaml")


def test_an_edited_old_answer_is_refused(sv: tuple[Store, dict[str, str]]) -> None:
    store, _ = sv
    path = _answered_on_main(store)
    answer(store, "engineering", MARIA, 2, now=NOW)
    doc = yamlio.load(path.read_text())
    doc["history"][0]["rating"] = 1  # and quietly lower the first answer too
    path.write_text(yamlio.dump(doc))
    commit(store, "edit", MARIA)
    base_refused(store, f"{MARIA_FILE}:", "history: the answer 0 (4/5 at "
                 "2027-01-05T09:00:00-05:00 by maria@example.com) was edited or removed in "
                 "commit ", "an answer's history is append-only")


def test_a_removed_old_answer_is_refused(sv: tuple[Store, dict[str, str]]) -> None:
    store, _ = sv
    path = _answered_on_main(store)
    answer(store, "engineering", MARIA, 2, now=NOW)
    doc = yamlio.load(path.read_text())
    del doc["history"][0]
    path.write_text(yamlio.dump(doc))
    commit(store, "rewrite", MARIA)
    base_refused(store, "history: the answer 0 (4/5", "was edited or removed")


def test_a_changed_answer_without_an_entry_is_refused(sv: tuple[Store, dict[str, str]]) -> None:
    store, _ = sv
    path = _answered_on_main(store)
    path.write_text(path.read_text().replace("department: customer-service",
                                             "department: sales"))
    commit(store, "move", LEE, date=datetime.fromisoformat(NOW))
    out = base_refused(store, "changed in commit ", "without a new answer in its history; "
                                                    "only maria@example.com changes their answer")
    # the plain check, too
    assert "department: 'sales' is not a department maria@example.com may answer" in out


def test_a_deleted_answer_is_refused(sv: tuple[Store, dict[str, str]]) -> None:
    store, _ = sv
    path = _answered_on_main(store)
    path.unlink()
    base_refused(store, f"{MARIA_FILE}:1: survey answer deleted since main (the next commit "
                        "(not committed yet)): answers are never deleted")
    commit(store, "delete", MARIA, date=datetime.fromisoformat(NOW))
    base_refused(store, "survey answer deleted since main (commit ")


def test_an_answer_from_the_future_is_refused(sv: tuple[Store, dict[str, str]]) -> None:
    store, _ = sv
    on_branch(store)
    answer(store, "engineering", MARIA, 4, now="2027-01-05T12:00:00-05:00")
    commit(store, "early", MARIA, date=datetime.fromisoformat("2027-01-05T11:00:00-05:00"))
    base_refused(store, "dated 2027-01-05T12:00:00-05:00, after commit ",
                 "an entry cannot come from the future", now="2027-01-05T13:00:00-05:00")


def test_an_answer_dated_before_the_branch_is_refused(sv: tuple[Store, dict[str, str]]) -> None:
    store, _ = sv
    on_branch(store)
    _write(store, MARIA_FILE, good() | {
        "answered_at": datetime.fromisoformat("2026-12-01T10:00:00-05:00"),
        "history": [{"at": datetime.fromisoformat("2026-12-01T10:00:00-05:00"), "by": MARIA,
                     "rating": 4}]})
    commit(store, "backdated", MARIA, date=datetime.fromisoformat(NOW))
    base_refused(store, "dated 2026-12-01T10:00:00-05:00, before the branch left main")


def test_merged_answers_keep_both_sides(sv: tuple[Store, dict[str, str]]) -> None:
    store, _ = sv
    path = _answered_on_main(store)
    answer(store, "engineering", MARIA, 5, now=NOW)
    commit(store, "again", MARIA)
    git(store, "checkout", "-q", "main")
    answer(store, "engineering", MARIA, 3, now="2027-01-05T09:30:00-05:00")
    commit(store, "on main", MARIA)
    git(store, "checkout", "-q", "answers")
    merged = git(store, "merge", "-q", "main", check=False)
    assert merged.returncode != 0  # both appended: git cannot merge the text
    doc = yamlio.load(git(store, "show", "answers:" + MARIA_FILE).stdout)
    theirs = yamlio.load(git(store, "show", "main:" + MARIA_FILE).stdout)
    doc["history"] = sorted(doc["history"] + theirs["history"][1:], key=lambda e: e["at"])
    doc.update(rating=5, answered_at=doc["history"][-1]["at"])
    doc.pop("comment", None)
    path.write_text(yamlio.dump(doc))
    git(store, "add", "-A")
    git(store, "commit", "-qm", "merge", author=MARIA, date=datetime.fromisoformat(NOW))
    assert store.ok("check", "--base", "main", now=NOW).err.startswith("ok: ")
    # a merge that drops the other side's answer is refused
    doc["history"] = [e for e in doc["history"] if e["rating"] != 3]
    path.write_text(yamlio.dump(doc))
    git(store, "commit", "-qam", "drop", "--amend", author=MARIA,
        date=datetime.fromisoformat(NOW))
    base_refused(store, "history: merge commit ", "lost answers of one of its parents")


def test_request_checks_still_run_beside_survey_checks(
        sv: tuple[Store, dict[str, str]]) -> None:
    store, ids = sv
    on_branch(store)
    answer(store, "engineering", MARIA, 4, now=AFTER_BASE)
    store.ok("update", ids["A"], "--note", "Any news?", actor=MARIA, now=AFTER_BASE)
    commit(store, "both", LEE)
    out = base_refused(store, "surveys/2026Q4/engineering/maria@example.com.yaml:",
                       f"requests/engineering/{ids['A']}.yaml:")
    assert len(out.strip().splitlines()) == 2


def test_json_answer_contract(sv: tuple[Store, dict[str, str]]) -> None:
    store, _ = sv
    data = answer(store, "engineering", SAM, 2, "--comment", "Slow")
    assert list(data) == ["quarter", "provider", "person", "department", "rating", "comment",
                          "answered_at", "history", "responses", "path"]
    assert json.loads(json.dumps(data)) == data


def test_hostile_answer_files_are_one_line_each_and_stop_nothing(
        sv: tuple[Store, dict[str, str]]) -> None:
    store, _ = sv
    answer(store, "engineering", MARIA, 4)
    folder = store.root / "surveys" / "2026Q4" / "engineering"
    (folder / "sam@example.com.yaml").write_bytes(b"quarter: \xff\xfe\n")
    (folder / "lee@example.com.yaml").write_text("- a list\n- not a mapping\n")
    (folder / "dir.yaml").mkdir()
    (folder / "ana@example.com.yaml").write_text("<<<<<<< ours\nrating: 4\n=======\n")
    out = store.fails("check", now=NOW).out
    lines = sorted(out.strip().splitlines())
    assert len(lines) == 3, out
    assert lines[0].startswith("surveys/2026Q4/engineering/ana@example.com.yaml:1: git conflict")
    assert lines[1].startswith("surveys/2026Q4/engineering/lee@example.com.yaml:1: expected a "
                               "mapping")
    assert lines[2] == "surveys/2026Q4/engineering/sam@example.com.yaml:1: not UTF-8 text"
    # the other commands skip them with a warning and go on
    result = store.ok("survey", "send", "-q", "2026Q4", "-f", "json", now=NOW)
    assert result.err.count("warning: skipped surveys/2026Q4/engineering/") == 3
    assert [p["person"] for p in result.json()["people"] if p["answered"]] == [MARIA]
    report = store.ok("report", "--quarter", "2026Q4", "-f", "json", now=NOW)
    assert report.json()["survey"]["providers"][0]["answers"] == 1
    assert store.ok("survey", "answer", "engineering", "-q", "2026Q4", "-r", "5",
                    actor=MARIA, now=NOW)


def test_an_answer_the_readers_would_refuse_is_never_written(
        sv: tuple[Store, dict[str, str]]) -> None:
    """An answer keeps its history, each comment twice (the latest, and in its entry):
    answering again with a long comment would make a file over the limit, which every
    reader then skips. It is refused and the first answer kept."""
    store, _ = sv
    long = "c" * 100_000
    answer(store, "engineering", MARIA, 4, "--comment", long)
    path = path_of(store, "engineering", MARIA)
    before = path.read_bytes()
    result = store.icsvc("survey", "answer", "engineering", "-q", "2026Q4", "-r", "2",
                         "--comment", long, actor=MARIA, now=NOW)
    assert result.code == 1
    assert re.fullmatch(
        r"icsvc: error: surveys/2026Q4/engineering/maria@example\.com\.yaml: too big to "
        r"write: it would be 3\d\d,\d\d\d bytes, more than a survey answer file may hold "
        r"\(up to 256 KiB\); write a shorter text, or put the long part in a document of its "
        r"own and link to it\n", result.err), result.err[:300]
    assert path.read_bytes() == before
    assert answer(store, "engineering", MARIA, 2, "--comment", "short")["rating"] == 2
    assert store.ok("survey", "send", "-q", "2026Q4", now=NOW).err == ""
