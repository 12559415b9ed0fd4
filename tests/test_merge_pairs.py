"""Each pair of concurrent changes that used to leave a merged request invalid: after a real
`git merge` (finished by `icsvc sync`), the request is in a state the lifecycle allows, every
entry of both sides is kept, and `check` and `check --base` pass."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from conftest import PROVIDERS, Store, make_store
from git_helpers import commit, git, load
from icsvc.domain.history import entry_key

ANA, RAJ, MARIA, PAT, LIZ = ("ana@example.com", "raj@example.com", "maria@example.com",
                             "pat@example.com", "liz@example.com")
T0 = datetime.fromisoformat("2026-11-24T10:00:00-05:00")
LEGAL = """\
  legal:
    name: Legal
    calendar: us-east
    members: [liz@example.com]
    escalation: gc@example.com
    sla:
      urgent: {acknowledge: 1h, resolve: 1d}
      high: {acknowledge: 4h, resolve: 2d}
      normal: {acknowledge: 1d, resolve: 5d}
      low: {acknowledge: 2d, resolve: 2w}
    services:
      part-clarification:
        description: Contract terms of a part
"""


def at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


@pytest.fixture
def base(tmp_path: Path) -> tuple[Store, str]:
    store = make_store(tmp_path / "store", PROVIDERS + LEGAL)
    store.ok("git-setup")
    rid = store.ok("new", "-f", "json", "-p", "engineering", "-s", "part-clarification",
                   "-t", "Bore", "--info", "order_number=SO-1", "--info", "part_number=P-1",
                   actor=MARIA, now=at(0)).json()["id"]
    commit(store, "new", MARIA)
    return store, str(rid)


def side(store: Store, name: str, rid: str, *steps: tuple[str, int, list[str]]) -> None:
    git(store, "checkout", "-q", "main")
    git(store, "checkout", "-qb", name)
    for actor, minute, args in steps:
        store.ok(*[a.replace("{id}", rid) for a in args], actor=actor, now=at(minute))
        commit(store, args[0], actor)


def merged(store: Store, rid: str) -> dict[str, object]:
    both = set()
    for branch in ("a", "b"):
        git(store, "checkout", "-q", branch)
        both |= {entry_key(e) for e in load(store.request_file(rid))["history"]}
    git(store, "checkout", "-q", "a")
    result = store.icsvc("sync", "--remote", ".", "--branch", "b")
    assert result.code == 0, result.out + result.err
    doc = load(store.request_file(rid))
    assert both <= {entry_key(e) for e in doc["history"]}
    store.ok("check", now=at(600))
    store.ok("check", "--base", "main", now=at(600))
    return doc


def test_resolve_and_reopen_against_a_decline(base: tuple[Store, str]) -> None:
    store, rid = base
    side(store, "a", rid, (RAJ, 10, ["update", "{id}", "--status", "resolved", "--note", "x"]),
         (MARIA, 30, ["update", "{id}", "--reopen", "--note", "not right"]))
    side(store, "b", rid, (ANA, 20, ["triage", "{id}", "--decline", "not ours",
                                     "--alternate", "Legal"]))
    doc = merged(store, rid)
    # the decline came after the resolution: a resolved request cannot be declined, so the
    # history goes on from resolved; the reopen puts it back in progress
    assert doc["status"] == "in-progress"
    kinds = [(e["type"], e.get("to")) for e in doc["history"]]
    assert ("status", "declined") in kinds and ("status", "in-progress") in kinds


def test_an_assignment_against_a_redirect(base: tuple[Store, str]) -> None:
    store, rid = base
    side(store, "a", rid, (RAJ, 20, ["triage", "{id}", "--assign", RAJ]))
    side(store, "b", rid, (ANA, 10, ["triage", "{id}", "--redirect", "payroll", "--note",
                                     "ask Pat"]))
    doc = merged(store, rid)
    assert doc["provider"] == "payroll" and "owner" not in doc  # raj is not in payroll
    conflict = doc["history"][-1]
    assert conflict["type"] == "conflict" and conflict["field"] == "owner"
    assert "kept" not in conflict and store.request_file(rid).parent.name == "payroll"


def test_an_acknowledgement_against_a_redirect(base: tuple[Store, str]) -> None:
    """The member acknowledged on one branch while the request was still Engineering's; the
    merged order puts it after the redirect, and check --base judges it where it was made."""
    store, rid = base
    side(store, "a", rid, (RAJ, 20, ["triage", "{id}", "--ack"]))
    side(store, "b", rid, (ANA, 10, ["triage", "{id}", "--redirect", "payroll", "--note",
                                     "ask Pat"]))
    doc = merged(store, rid)
    assert doc["provider"] == "payroll"


def test_two_redirects_to_different_providers(base: tuple[Store, str]) -> None:
    store, rid = base
    side(store, "a", rid, (ANA, 10, ["triage", "{id}", "--redirect", "payroll", "--note",
                                     "ask Pat"]))
    side(store, "b", rid, (RAJ, 20, ["triage", "{id}", "--redirect", "legal", "--note",
                                     "ask Liz"]))
    doc = merged(store, rid)
    # the later redirect is Raj's, made while the request was still Engineering's: it wins
    # the folder, and the request is in exactly one
    assert doc["provider"] == "legal"
    assert len(list((store.root / "requests").glob(f"*/{rid}.yaml"))) == 1
    assert store.request_file(rid).parent.name == "legal"


def test_entries_in_the_same_second_on_both_sides(base: tuple[Store, str]) -> None:
    store, rid = base
    side(store, "a", rid, (ANA, 10, ["triage", "{id}", "--assign", ANA]))
    side(store, "b", rid, (RAJ, 10, ["triage", "{id}", "--assign", RAJ]))
    doc = merged(store, rid)
    git(store, "checkout", "-q", "b")
    git(store, "reset", "-q", "--hard", "b")
    result = store.icsvc("sync", "--remote", ".", "--branch", "a")
    assert result.code == 0, result.out + result.err
    other = load(store.request_file(rid))
    assert other["owner"] == doc["owner"]  # the same whichever side merges


def test_two_redirects_merged_by_plain_git_then_sync(base: tuple[Store, str]) -> None:
    """git sees two deletions and two new files: no conflict, two copies. `check` says so,
    and `icsvc sync` merges the copies into one."""
    store, rid = base
    side(store, "a", rid, (ANA, 10, ["triage", "{id}", "--redirect", "payroll", "--note",
                                     "ask Pat"]))
    side(store, "b", rid, (RAJ, 20, ["triage", "{id}", "--redirect", "legal", "--note",
                                     "ask Liz"]))
    git(store, "checkout", "-q", "a")
    git(store, "merge", "-q", "--no-edit", "b")
    out = store.fails("check", now=at(600)).out
    assert f"duplicate ID {rid}" in out and "run 'icsvc sync' to merge the copies" in out
    result = store.ok("sync", "--remote", ".", "--branch", "b")
    assert f"requests/legal/{rid}.yaml" in result.out
    assert [p.parent.name for p in (store.root / "requests").glob(f"*/{rid}.yaml")] == ["legal"]
    store.ok("check", now=at(600))
    store.ok("check", "--base", "main", now=at(600))
