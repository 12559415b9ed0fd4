"""`icsvc check --base REV`: append-only histories, who may, and commit authors."""

from __future__ import annotations

import pytest

from conftest import Store
from git_helpers import change, commit, git, load, redirect, save

ANA, RAJ, MARIA, PAT = "ana@example.com", "raj@example.com", "maria@example.com", "pat@example.com"
EVENING = "2026-11-24T18:00:00-05:00"
"""When the checks run: after the day's entries (a check refuses an entry from its future)."""


@pytest.fixture
def pr(store: Store) -> tuple[Store, str]:
    """main has one request; the pull request branch 'pr' starts from it."""
    result = store.ok("new", "--format", "json", "-p", "engineering", "-s", "part-clarification",
                      "-t", "Bore", "--info", "order_number=SO-1", "--info", "part_number=P-1",
                      actor=MARIA)
    commit(store, "new", MARIA)
    git(store, "checkout", "-qb", "pr")
    return store, str(result.json()["id"])


def test_a_proper_branch_passes(pr: tuple[Store, str]) -> None:
    store, rid = pr
    change(store, rid, "10:30", RAJ, "status", {"status": "acknowledged"},
           from_="new", to="acknowledged")
    commit(store, "ack", RAJ)
    change(store, rid, "10:40", MARIA, "note", note="Thanks")
    change(store, rid, "10:41", MARIA, "info", {"info": {"order_number": "SO-1",
                                                        "part_number": "P-1", "x": "1"}},
           info={"x": "1"})
    commit(store, "note", MARIA)
    redirect(store, rid, "11:00", ANA, "payroll", "Payroll's", {"acknowledge": "1d",
                                                              "resolve": "5d"})
    commit(store, "redirect", ANA)
    change(store, rid, "11:30", PAT, "status", {"status": "acknowledged"},
           from_="new", to="acknowledged")
    commit(store, "payroll ack", PAT)
    other = store.ok("new", "--format", "json", "-p", "payroll", "-s", "pay-correction", "-t",
                     "Pay", "--info", "employee_id=E1", "--info", "pay_period=2026-11",
                     actor=MARIA).json()["id"]
    commit(store, "another", MARIA)
    result = store.ok("check", "--base", "main", now=EVENING)
    assert "and the changes since main" in result.err
    assert store.request_file(str(other))


def test_edited_and_removed_entries(pr: tuple[Store, str]) -> None:
    store, rid = pr
    change(store, rid, "10:30", RAJ, "note", note="first")
    git(store, "commit", "-qam", "x", author=RAJ)
    git(store, "checkout", "-q", "main")
    git(store, "merge", "-q", "pr")
    git(store, "checkout", "-q", "pr")
    path = store.request_file(rid)
    doc = load(path)
    doc["history"][1]["note"] = "rewritten"
    save(path, doc)
    commit(store, "rewrite", RAJ)
    result = store.fails("check", "--base", "main")
    rel = f"requests/engineering/{rid}.yaml"
    assert f"{rel}:" in result.out
    assert "the entry 1 of" in result.out and "(note at 2026-11-24T10:30:00-05:00 by " \
        "raj@example.com) was edited, removed or had entries inserted before it in commit" \
        in result.out and "history is append-only" in result.out


def test_who_may_and_commit_authors(pr: tuple[Store, str]) -> None:
    store, rid = pr
    change(store, rid, "10:30", MARIA, "status", {"status": "acknowledged"},
           from_="new", to="acknowledged")  # the requester may not triage
    commit(store, "maria acks", MARIA)
    change(store, rid, "10:40", RAJ, "note", note="committed by someone else")
    commit(store, "ana commits raj's note", ANA)
    result = store.fails("check", "--base", "main", "--format", "github", now=EVENING)
    lines = result.out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"::error file=requests/engineering/{rid}.yaml,line=")
    assert "history[1] (status by maria@example.com, commit " in lines[0]
    assert "maria@example.com may not add a 'status' entry here" in lines[0]
    assert "only a member of engineering (ana@example.com, raj@example.com)" in lines[0]
    assert "history[2] (note by raj@example.com): raj@example.com is not the author of " \
        "commit" in lines[1]
    assert "(ana@example.com)" in lines[1]


def test_uncommitted_entries_are_checked_against_the_next_author(pr: tuple[Store, str]) -> None:
    store, rid = pr
    change(store, rid, "10:40", RAJ, "note", note="not committed")
    result = store.fails("check", "--base", "main", now="2026-11-24T10:45:00-05:00")
    assert "is not the author of the next commit (not committed yet) that adds this entry " \
           "(test@example.com)" in result.out
    store.ok("check", "--base", "main", env={"GIT_AUTHOR_EMAIL": RAJ},
             now="2026-11-24T10:45:00-05:00")


def test_fields_changed_without_history_and_deleted_files(pr: tuple[Store, str]) -> None:
    store, rid = pr
    path = store.request_file(rid)
    doc = load(path)
    doc["status"] = "resolved"
    doc["history"].append({"at": doc["created_at"], "by": RAJ, "type": "note", "note": "x"})
    save(path, doc)
    commit(store, "sneaky", RAJ)
    result = store.fails("check", "--base", "main")
    assert "status: is 'resolved' in commit " in result.out
    assert "but the history says 'new'; make changes with icsvc" in result.out
    path.unlink()
    commit(store, "delete", RAJ)
    result = store.fails("check", "--base", "main")
    assert f"requests/engineering/{rid}.yaml:1: request file deleted since main" in result.out


def test_rights_come_from_providers_yaml_at_the_base(pr: tuple[Store, str]) -> None:
    store, rid = pr
    providers = store.root / "providers.yaml"
    providers.write_text(providers.read_text().replace(
        "members: [ana@example.com, raj@example.com]",
        "members: [ana@example.com, raj@example.com, lee@example.com]"))
    change(store, rid, "10:30", "lee@example.com", "status", {"status": "acknowledged"},
           from_="new", to="acknowledged")
    commit(store, "lee joins and acks", "lee@example.com")
    result = store.fails("check", "--base", "main")
    assert "lee@example.com may not add a 'status' entry" in result.out


def test_forged_conflict_entries(pr: tuple[Store, str]) -> None:
    store, rid = pr
    change(store, rid, "10:30", RAJ, "conflict", field="status", ours="new", theirs="x",
           kept="new")
    commit(store, "forged", RAJ)
    result = store.fails("check", "--base", "main")
    assert "only the merge driver writes 'conflict' entries, and they are by merge@icsvc" \
        in result.out


def test_bad_base(pr: tuple[Store, str]) -> None:
    store, _ = pr
    result = store.fails("check", "--base", "origin/nope")
    assert "icsvc: error: --base: 'origin/nope' names no commit" in result.err
    assert "fetch-depth: 0" in result.err
