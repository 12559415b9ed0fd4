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


@pytest.fixture
def long_request(tmp_path: Path) -> tuple[Store, str]:
    """A request whose file is long enough that a redirect changes little of it: git sees
    each branch's move as a rename, and two moves to different folders as rename/rename."""
    store = make_store(tmp_path / "store", PROVIDERS + LEGAL)
    store.ok("git-setup")
    details = " ".join(["The bore of part 2210-C is 0.05 mm over on the last three runs."] * 12)
    rid = store.ok("new", "-f", "json", "-p", "engineering", "-s", "part-clarification",
                   "-t", "Bore", "-d", details, "--info", "order_number=SO-1",
                   "--info", "part_number=P-1", actor=MARIA, now=at(0)).json()["id"]
    commit(store, "new", MARIA)
    return store, str(rid)


def two_ways(store: Store, rid: str, note: bool) -> set[str]:
    """Branch a: Ana redirects to Payroll (and, with `note`, Maria adds a note after);
    branch b: Raj redirects to Legal later. Returns the keys of every entry of both."""
    a_steps: list[tuple[str, int, list[str]]] = [
        (ANA, 10, ["triage", "{id}", "--redirect", "payroll", "--note", "ask Pat"])]
    if note:
        a_steps.append((MARIA, 15, ["update", "{id}", "--note", "Pat, the drawing is attached"]))
    side(store, "a", rid, *a_steps)
    side(store, "b", rid, (RAJ, 20, ["triage", "{id}", "--redirect", "legal", "--note",
                                     "ask Liz"]))
    both: set[str] = set()
    for branch in ("a", "b"):
        git(store, "checkout", "-q", branch)
        both |= {entry_key(e) for e in load(store.request_file(rid))["history"]}
    git(store, "checkout", "-q", "a")
    return both


def settled_two_ways(store: Store, rid: str, both: set[str], rebased: bool = False) -> None:
    """One file, in Legal's folder (Raj's later redirect, the one the driver keeps), with
    every entry of both sides and a conflict entry recording the other; nothing left in the
    index or the work tree elsewhere; check and check --base pass (a rebase puts Ana's
    earlier entries before Raj's in a rewritten commit, which check --base refuses as an
    insertion whatever the merge: it is not asked there)."""
    assert git(store, "status", "--porcelain").stdout == ""
    assert git(store, "ls-files", "requests").stdout.split() == [f"requests/legal/{rid}.yaml"]
    assert [p.relative_to(store.root).as_posix()
            for p in (store.root / "requests").rglob("*.yaml")] == [f"requests/legal/{rid}.yaml"]
    doc = load(store.request_file(rid))
    assert doc["provider"] == "legal"
    assert both <= {entry_key(e) for e in doc["history"]}
    conflicts = [e for e in doc["history"] if e["type"] == "conflict"]
    assert len(conflicts) == 1, conflicts
    assert conflicts[0]["by"] == "merge@icsvc" and conflicts[0]["field"] == "provider"
    assert {conflicts[0]["ours"], conflicts[0]["theirs"]} == {"payroll", "legal"}
    assert conflicts[0]["kept"] == "legal"
    times = [e["at"] for e in doc["history"]]
    assert times == sorted(times) and conflicts[0]["at"] == times[-1]
    store.ok("check", now=at(600))
    if not rebased:
        store.ok("check", "--base", "main", now=at(600))
    store.ok("show", rid, now=at(600))


@pytest.mark.parametrize("note", [False, True], ids=["redirects", "and-a-note"])
@pytest.mark.parametrize("how", ["sync", "sync-rebase", "git-merge-then-sync"])
def test_two_redirects_seen_as_rename_rename(long_request: tuple[Store, str], how: str,
                                             note: bool) -> None:
    """git reports rename/rename (1to2) and stops with three paths in conflict; `icsvc sync`
    settles it as the README says."""
    store, rid = long_request
    both = two_ways(store, rid, note)
    probe = git(store, "merge", "--no-edit", "b", check=False)
    assert probe.returncode != 0 and "CONFLICT (rename/rename)" in probe.stdout, probe.stdout
    if how != "git-merge-then-sync":
        git(store, "merge", "--abort")
        args = ["sync", "--remote", ".", "--branch", "b"]
        result = store.icsvc(*args, *(["--rebase"] if how == "sync-rebase" else []),
                             now=at(600), script=True)
    else:
        result = store.icsvc("sync", now=at(600), script=True)
    assert result.code == 0, result.out + result.err
    assert f"-> requests/legal/{rid}.yaml" in result.out
    settled_two_ways(store, rid, both, rebased=how == "sync-rebase")
