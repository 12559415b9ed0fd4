"""Two branches edit the same requests; real git merges them with the icsvc driver."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import Store
from git_helpers import at, change, clone, commit, conflict_markers, git, load, redirect

ANA, RAJ, MARIA = "ana@example.com", "raj@example.com", "maria@example.com"
EVENING = "2026-11-24T18:00:00-05:00"
"""When the checks run: after the day's entries (a check refuses an entry from its future)."""
PAYROLL_TARGETS = {"acknowledge": "1d", "resolve": "5d"}


def new_request(store: Store, title: str, cwd: Path | None = None) -> str:
    result = store.ok("new", "--format", "json", "-p", "engineering", "-s",
                      "part-clarification", "-t", title, "--info", "order_number=SO-1",
                      "--info", "part_number=P-1", actor=MARIA, cwd=cwd)
    return str(result.json()["id"])


@pytest.fixture
def two_branches(store: Store) -> tuple[Store, dict[str, str]]:
    """main: R1 and R2; branch a and branch b change them differently and add one each."""
    store.ok("git-setup")
    r1, r2 = new_request(store, "Bore diameter"), new_request(store, "Payslip question")
    commit(store, "two requests", MARIA)
    git(store, "checkout", "-qb", "a")
    change(store, r1, "10:30", RAJ, "status", {"status": "acknowledged"},
           from_="new", to="acknowledged")
    commit(store, "ack", RAJ)
    change(store, r1, "10:31", RAJ, "assigned", {"owner": RAJ}, to=RAJ)
    change(store, r1, "10:32", RAJ, "promise", {"promised_by": at("16:00")}, to=at("16:00"))
    change(store, r1, "10:33", RAJ, "note", note="Checking the drawing")
    commit(store, "own, promise, note", RAJ)
    redirect(store, r2, "10:40", ANA, "payroll", "Payroll owns payslips", PAYROLL_TARGETS)
    commit(store, "redirect", ANA)
    r3 = new_request(store, "Created on a")
    commit(store, "r3", MARIA)
    git(store, "checkout", "-q", "main")
    git(store, "checkout", "-qb", "b")
    change(store, r1, "10:20", ANA, "assigned", {"owner": ANA}, to=ANA)
    change(store, r1, "10:45", ANA, "status", {"status": "in-progress"},
           from_="new", to="in-progress")
    change(store, r1, "10:46", ANA, "progress", {"progress": 40}, to=40)
    commit(store, "work", ANA)
    change(store, r1, "10:50", MARIA, "note", note="Any news?")
    change(store, r2, "10:21", MARIA, "info", {"info": {"order_number": "SO-1",
                                                       "part_number": "P-1",
                                                       "employee": "E-7"}},
           info={"employee": "E-7"})
    commit(store, "maria", MARIA)
    r4 = new_request(store, "Created on b")
    commit(store, "r4", MARIA)
    return store, {"r1": r1, "r2": r2, "r3": r3, "r4": r4}


def check_merged(store: Store, ids: dict[str, str], ours: str, theirs: str) -> None:
    assert conflict_markers(store.root) == []
    store.ok("check")
    store.ok("check", "--base", "main", now=EVENING)
    for rid in ids.values():
        store.request_file(rid)  # every request is there, once
    assert store.request_file(ids["r2"]).parent.name == "payroll"
    r1 = load(store.request_file(ids["r1"]))
    assert r1["status"] == "in-progress"  # ana's 10:45 status is later than raj's 10:30
    assert r1["owner"] == RAJ  # raj's 10:31 assignment is later than ana's 10:20
    assert r1["progress"] == 40 and r1["promised_by"] == at("16:00")
    types = [(e["type"], e["by"]) for e in r1["history"]]
    assert types.count(("note", RAJ)) == 1 and types.count(("note", MARIA)) == 1
    times = [e["at"] for e in r1["history"]]
    assert times == sorted(times)
    conflicts = {e["field"]: e for e in r1["history"] if e["type"] == "conflict"}
    assert set(conflicts) == {"status", "owner"}
    assert conflicts["status"]["kept"] == "in-progress"
    assert {conflicts["status"]["ours"], conflicts["status"]["theirs"]} == {
        "acknowledged", "in-progress"}
    assert conflicts["owner"]["kept"] == RAJ and conflicts["owner"]["by"] == "merge@icsvc"
    assert conflicts["status"]["ours"] == ("acknowledged" if ours == "a" else "in-progress")
    r2 = load(store.request_file(ids["r2"]))
    assert r2["provider"] == "payroll" and r2["info"]["employee"] == "E-7"
    assert [e["type"] for e in r2["history"]] == ["created", "info", "redirect", "targets"]
    shown = store.ok("show", ids["r1"], "--format", "json").json()
    assert shown["id"] == ids["r1"]


@pytest.mark.parametrize(("ours", "theirs"), [("a", "b"), ("b", "a")])
def test_sync_merges_two_branches_both_ways(two_branches: tuple[Store, dict[str, str]],
                                            ours: str, theirs: str) -> None:
    store, ids = two_branches
    git(store, "checkout", "-q", ours)
    result = store.ok("sync", "--remote", ".", "--branch", theirs)
    assert f"Merged {theirs} into this branch" in result.out
    assert "both sides changed status" in result.out
    check_merged(store, ids, ours, theirs)


@pytest.mark.parametrize(("ours", "theirs"), [("a", "b"), ("b", "a")])
def test_plain_git_merge_then_sync_finishes_it(two_branches: tuple[Store, dict[str, str]],
                                               ours: str, theirs: str) -> None:
    """`git merge` settles every edited file with the driver, but stops on the redirect:
    git either pairs the moved request with a similar one added on the other branch (the
    driver refuses: different IDs) or reports modify/delete. `icsvc sync` then finishes the
    merge by request ID; nothing is lost."""
    store, ids = two_branches
    git(store, "checkout", "-q", ours)
    merge = git(store, "merge", "--no-edit", theirs, check=False)
    assert merge.returncode != 0
    assert "as one moved file; run 'icsvc sync'" in merge.stderr
    assert conflict_markers(store.root) == []
    result = store.ok("sync")
    assert f"-> requests/payroll/{ids['r2']}.yaml" in result.out
    assert git(store, "status", "--porcelain").stdout.strip() == ""
    check_merged(store, ids, ours, theirs)


@pytest.mark.parametrize("direction", ["moved-into-edited", "edited-into-moved"])
def test_redirect_git_sees_as_modify_delete(store: Store, direction: str) -> None:
    """A redirect with long notes changes most of a short file: no rename for git."""
    store.ok("git-setup")
    rid = new_request(store, "Short one")
    commit(store, "new", MARIA)
    git(store, "checkout", "-qb", "moved")
    for minute in range(30, 36):
        change(store, rid, f"10:{minute}", ANA, "note", note=f"Long investigation {minute} " * 4)
    redirect(store, rid, "11:00", ANA, "payroll", "Payroll's", PAYROLL_TARGETS)
    commit(store, "redirect", ANA)
    git(store, "checkout", "-q", "main")
    change(store, rid, "10:40", MARIA, "note", note="Edited before the move")
    commit(store, "note", MARIA)
    if direction == "edited-into-moved":
        git(store, "checkout", "-q", "moved")
        other = "main"
    else:
        other = "moved"
    merge = git(store, "merge", "--no-edit", other, check=False)
    assert "modify/delete" in merge.stdout
    result = store.ok("sync")
    assert f"requests/engineering/{rid}.yaml -> requests/payroll/{rid}.yaml" in result.out
    doc = load(store.request_file(rid))
    assert [e["type"] for e in doc["history"]].count("note") == 7
    assert doc["provider"] == "payroll" and doc["status"] == "new"
    assert conflict_markers(store.root) == []
    assert git(store, "status", "--porcelain").stdout.strip() == ""
    store.ok("check")
    store.ok("check", "--base", "main~1" if direction == "moved-into-edited" else "main",
             now=EVENING)


@pytest.mark.parametrize("direction", ["moved-into-edited", "edited-into-moved"])
def test_driver_runs_on_a_detected_rename(store: Store, direction: str) -> None:
    """A longer request keeps git's rename detection: the driver merges at the new path."""
    store.ok("git-setup")
    rid = new_request(store, "Long one")
    path = store.request_file(rid)
    doc = load(path)
    doc["details"] = "".join(f"Line {i} of a long description.\n" for i in range(40))
    from git_helpers import save

    save(path, doc)
    commit(store, "new", MARIA)
    git(store, "checkout", "-qb", "moved")
    redirect(store, rid, "11:00", ANA, "payroll", "Payroll's", PAYROLL_TARGETS)
    commit(store, "redirect", ANA)
    git(store, "checkout", "-q", "main")
    change(store, rid, "10:30", MARIA, "note", note="Edited before the move")
    commit(store, "note", MARIA)
    if direction == "edited-into-moved":
        git(store, "checkout", "-q", "moved")
        merge = git(store, "merge", "--no-edit", "main")
    else:
        merge = git(store, "merge", "--no-edit", "moved")
    assert f"Auto-merging requests/payroll/{rid}.yaml" in merge.stdout  # the driver ran
    moved = store.request_file(rid)
    assert moved.parent.name == "payroll"
    types = [e["type"] for e in load(moved)["history"]]
    assert types == ["created", "note", "redirect", "targets"]
    assert conflict_markers(store.root) == []
    store.ok("check")


def test_both_create_requests_and_same_field_same_value(store: Store) -> None:
    store.ok("git-setup")
    rid = new_request(store, "Shared")
    commit(store, "new", MARIA)
    git(store, "checkout", "-qb", "x")
    change(store, rid, "10:30", RAJ, "status", {"status": "acknowledged"},
           from_="new", to="acknowledged")
    commit(store, "x", RAJ)
    git(store, "checkout", "-q", "main")
    change(store, rid, "10:30", RAJ, "status", {"status": "acknowledged"},
           from_="new", to="acknowledged")  # the same change committed twice
    change(store, rid, "10:35", RAJ, "note", note="More")
    commit(store, "main", RAJ)
    git(store, "merge", "--no-edit", "x")
    history = load(store.request_file(rid))["history"]
    assert [e["type"] for e in history] == ["created", "status", "note"]  # deduplicated
    store.ok("check")


def _remote_pair(store: Store, tmp_path: Path) -> tuple[Store, Store, str]:
    """A bare remote and two clones (alice and bob) of a store with one request."""
    store.ok("git-setup")
    rid = new_request(store, "Shared")
    commit(store, "new request", MARIA)
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(store.root), str(bare)],
                   env=store.env, check=True)
    alice = clone(store, str(bare), tmp_path / "alice")
    bob = clone(store, str(bare), tmp_path / "bob")
    return alice, bob, rid


@pytest.mark.parametrize("rebase", [False, True])
def test_sync_with_a_bare_remote(store: Store, tmp_path: Path, rebase: bool) -> None:
    alice, bob, rid = _remote_pair(store, tmp_path)
    change(alice, rid, "10:30", RAJ, "status", {"status": "acknowledged"},
           from_="new", to="acknowledged")
    commit(alice, "ack", RAJ)
    git(alice, "push", "-q", "origin", "main")
    change(bob, rid, "10:40", MARIA, "note", note="Thanks")
    commit(bob, "note", MARIA)
    push = git(bob, "push", "-q", "origin", "main", check=False)
    assert push.returncode != 0  # rejected: bob is behind
    # a fresh clone has no driver in its git config: sync registers it before merging
    assert git(bob, "config", "--get", "merge.icsvc.driver", check=False).returncode != 0
    args = ["sync", "--rebase"] if rebase else ["sync"]
    result = bob.ok(*args)
    assert ("Rebased onto origin/main" if rebase else "Merged origin/main") in result.out
    assert git(bob, "config", "--get", "merge.icsvc.driver").stdout.strip()
    doc = load(bob.request_file(rid))
    assert doc["status"] == "acknowledged"
    assert [e["type"] for e in doc["history"]] == ["created", "status", "note"]
    git(bob, "push", "-q", "origin", "main")
    assert bob.ok("sync").out.startswith("Already up to date with origin/main")
    bob.ok("check")


def test_sync_reports_a_file_it_cannot_merge(store: Store, tmp_path: Path) -> None:
    alice, bob, rid = _remote_pair(store, tmp_path)
    change(alice, rid, "10:30", RAJ, "note", note="Fine")
    commit(alice, "note", RAJ)
    git(alice, "push", "-q", "origin", "main")
    path = bob.request_file(rid)
    path.write_text(path.read_text() + "history: [broken\n")
    commit(bob, "broken", MARIA)
    result = bob.fails("sync")
    rel = f"requests/engineering/{rid}.yaml"
    assert f"  {rel}" in result.out and "git merge --abort" in result.out
    assert "still in conflict" in result.err
    assert conflict_markers(bob.root)  # git's usual conflict, as the driver promised
    check = bob.fails("check")
    assert f"{rel}:" in check.out and "unresolved git conflict markers" in check.out
    assert "icsvc sync" in check.out


def test_merge_without_the_driver_is_explained_by_check(store: Store) -> None:
    """What a hosted merge button does: an ordinary text merge, conflict markers."""
    rid = new_request(store, "No driver")
    commit(store, "new", MARIA)
    git(store, "checkout", "-qb", "x")
    change(store, rid, "10:30", RAJ, "note", note="From x")
    commit(store, "x", RAJ)
    git(store, "checkout", "-q", "main")
    change(store, rid, "10:31", ANA, "note", note="From main")
    commit(store, "main", ANA)
    assert git(store, "merge", "--no-edit", "x", check=False).returncode != 0
    result = store.fails("check")
    assert "unresolved git conflict markers" in result.out and "icsvc sync" in result.out
    git(store, "merge", "--abort")
    result = store.ok("sync", "--remote", ".", "--branch", "x")
    notes = [e.get("note") for e in load(store.request_file(rid))["history"]]
    assert notes == [None, "From x", "From main"]
    store.ok("check")


def test_git_setup_and_init_register_the_driver(store: Store, tmp_path: Path) -> None:
    result = store.ok("git-setup")
    assert "merge.icsvc.driver" in result.out
    assert "requests/**/*.yaml merge=icsvc" in (store.root / ".gitattributes").read_text()
    assert git(store, "config", "merge.icsvc.name").stdout.strip() == "icsvc request merge"
    driver = git(store, "config", "merge.icsvc.driver").stdout.strip()
    assert driver.endswith("merge-driver %O %A %B %P")
    assert "already set up" in store.ok("git-setup").out
    assert (store.root / ".gitattributes").read_text().count("merge=icsvc") == 1
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    git(store, "init", "-q", cwd=fresh)
    store.ok("init", str(fresh))
    assert "merge=icsvc" in (fresh / ".gitattributes").read_text()
    assert git(store, "config", "merge.icsvc.driver", cwd=fresh).stdout.strip() == driver


def test_pull_request_flow_with_real_triage(store: Store, tmp_path: Path) -> None:
    """Raj acknowledges on a branch while Ana takes the request on main; raj syncs with main,
    the branch passes `check --base`, and the merge is recorded."""
    alice, _, rid = _remote_pair(store, tmp_path)
    raj = clone(store, str(tmp_path / "remote.git"), tmp_path / "raj")
    git(raj, "switch", "-qc", "raj/ack")
    raj.ok("triage", rid, "--ack", "--assign", RAJ, actor=RAJ, now="2026-11-24T10:20:00-05:00")
    commit(raj, "ack", RAJ)
    alice.ok("triage", rid, "--assign", ANA, actor=ANA, now="2026-11-24T10:30:00-05:00")
    commit(alice, "ana takes it", ANA)
    git(alice, "push", "-q", "origin", "main")
    result = raj.ok("sync", "--branch", "main")
    assert "both sides changed owner ('raj@example.com' and 'ana@example.com'); " \
           "kept 'ana@example.com', recorded in the history" in result.out
    raj.ok("check", "--base", "origin/main", now=EVENING)
    doc = load(raj.request_file(rid))
    assert doc["owner"] == ANA and doc["status"] == "acknowledged"
    assert doc["history"][-1]["type"] == "conflict"
    shown = raj.ok("show", rid)
    assert "on two branches; kept 'ana@example.com'" in shown.out


SIGNING_PEOPLE = """\
people:
  ana@example.com:
    signing_keys:
    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests ana@laptop
"""


@pytest.mark.parametrize("first", ["git-setup", "list", "update", "notify"])
def test_the_derived_folder_is_never_committed(tmp_path: Path, first: str) -> None:
    """Wherever `.icsvc/` is made (git-setup's allowed signers, the index, the write lock,
    the notification record), it holds its own `.gitignore` ignoring everything in it, so
    `git add -A` commits none of it even when the store's `.gitignore` does not list it;
    a folder made without one (by an older icsvc) gets it on its next use."""
    from conftest import PROVIDERS, make_store

    store = make_store(tmp_path / "store", PROVIDERS + SIGNING_PEOPLE)
    (store.root / ".gitignore").unlink()
    rid = new_request(store, "Bore diameter")
    git(store, "add", "-A")
    git(store, "commit", "-qm", "a request")
    shutil.rmtree(store.root / ".icsvc")
    args = {"git-setup": ["git-setup"], "list": ["list"],
            "update": ["update", rid, "--note", "x"], "notify": ["notify", "--since", "HEAD"]}
    env = {"ICSVC_NOTIFY_URL": "json://127.0.0.1:9/never-called"}
    store.ok(*args[first], actor=ANA, env=env)
    assert (store.root / ".icsvc").is_dir()
    assert (store.root / ".icsvc" / ".gitignore").read_text().splitlines()[-1] == "*"
    for more in args.values():  # every other writer of .icsvc/ too
        store.ok(*more, actor=ANA, env=env)
    assert {p.name for p in (store.root / ".icsvc").iterdir()} >= {
        ".gitignore", "allowed_signers", "index.sqlite", "write.lock", "notify.json"}
    git(store, "add", "-A")
    staged = git(store, "diff", "--cached", "--name-only").stdout.split()
    assert staged and not [p for p in staged if p.startswith(".icsvc")], staged
    assert git(store, "status", "--porcelain", "--ignored", ".icsvc").stdout == "!! .icsvc/\n"
    # a folder an older icsvc made without its own .gitignore gets one on its next use
    (store.root / ".icsvc" / ".gitignore").unlink()
    store.ok("list")
    assert (store.root / ".icsvc" / ".gitignore").is_file()
