"""`icsvc commit [-m] [--push] [--pr]` and `icsvc new --pr`, with real git, a bare remote
and a fake `gh` on PATH that records its arguments."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from conftest import Store
from git_helpers import base_commit, git

MARIA, ANA, RAJ = "maria@example.com", "ana@example.com", "raj@example.com"
LEE = "lee@example.com"
PART = ["-p", "engineering", "-s", "part-clarification", "-t", "Bore diameter",
        "--info", "order_number=SO-1", "--info", "part_number=P-2"]
PAY = ["-p", "payroll", "-s", "pay-correction", "-t", "Overtime",
       "--info", "employee_id=E1", "--info", "pay_period=2026-11"]


def log(store: Store, *args: str) -> list[str]:
    return git(store, "log", "--format=%ae|%an|%s", *args).stdout.splitlines()


def committed_files(store: Store, rev: str = "HEAD") -> list[str]:
    out = git(store, "show", "--name-status", "--format=", rev).stdout
    return sorted(line for line in out.splitlines() if line.strip())


@pytest.fixture
def remote(store: Store, tmp_path: Path) -> Path:
    """A bare repository as origin, with main pushed."""
    bare = tmp_path / "origin.git"
    git(store, "init", "-q", "--bare", "-b", "main", str(bare))
    git(store, "remote", "add", "origin", str(bare))
    git(store, "push", "-q", "-u", "origin", "main")
    return bare


@pytest.fixture
def fake_gh(store: Store, tmp_path: Path) -> Path:
    """A `gh` that records its arguments and prints a pull request address."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "gh-args.json"
    gh = bin_dir / "gh"
    gh.write_text(f"""#!/bin/sh
python3 -c 'import json, sys; json.dump(sys.argv[1:], open("{record}", "w"))' "$@"
echo "https://github.com/acme/services/pull/7"
""")
    gh.chmod(gh.stat().st_mode | stat.S_IEXEC)
    store.env["PATH"] = f"{bin_dir}{os.pathsep}{store.env['PATH']}"
    return record


def test_commits_only_my_request_files_as_me(store: Store) -> None:
    mine = store.new(*PART)
    theirs = store.new(*PAY, actor="lee@example.com")
    base_commit(store, "two requests")
    store.ok("triage", mine, "--ack", actor=ANA)
    store.ok("update", theirs, "--note", "Looking", actor="pat@example.com")
    (store.root / "notes.txt").write_text("not a request\n")
    r = store.ok("commit", "--as", ANA)
    assert f"Committed 1 file(s) as {ANA}: " in r.out
    assert f"icsvc: ack {mine}" in r.out
    assert f"Left out requests/payroll/{theirs}.yaml: changed by pat@example.com, not you" \
        in r.out
    assert r.out.rstrip().endswith("Next: icsvc commit --push (or --pr to open the pull request)")
    assert log(store, "-1") == [f"{ANA}|{ANA}|icsvc: ack {mine}"]
    assert committed_files(store) == [f"M\trequests/engineering/{mine}.yaml"]
    status = git(store, "status", "--porcelain").stdout
    assert f"requests/payroll/{theirs}.yaml" in status and "notes.txt" in status
    # the branch passes check --base: each entry committed by its author
    r = store.ok("commit", "--as", "pat@example.com")
    assert log(store, "-1") == ["pat@example.com|pat@example.com|icsvc: note " + theirs]
    store.ok("check", "--base", "HEAD~2")


def test_the_default_message_names_each_change(store: Store) -> None:
    a = store.new(*PART)
    b = store.new(*PART)
    base_commit(store, "base")
    store.ok("triage", a, "--ack", "--assign", "raj", "--promise", "fri", actor=ANA)
    store.ok("update", b, "--note", "On it", actor=ANA)
    store.ok("commit", actor=ANA)
    subject = log(store, "-1")[0].split("|")[2]
    parts = sorted([f"ack, assign {a}", f"note {b}"], key=lambda p: p.split()[-1])
    assert subject == "icsvc: " + "; ".join(parts)  # in path order


def test_a_long_summary_gets_a_body(store: Store) -> None:
    ids = [store.new(*PART) for _ in range(6)]
    store.ok("commit", "-m", "six", actor=MARIA)
    for rid in ids:
        store.ok("triage", rid, "--ack", actor=ANA)
    store.ok("commit", actor=ANA)
    message = git(store, "log", "-1", "--format=%B").stdout
    assert message.startswith("icsvc: ack 6 (6 requests)\n\n")
    assert all(f"- ack {rid}" in message for rid in ids)


def test_name_from_git_config_and_a_message(store: Store) -> None:
    store.git("config", "user.email", ANA)
    store.git("config", "user.name", "Ana Lopes")
    rid = store.new(*PART, actor=MARIA)
    store.ok("commit", "-m", "A request for Engineering", actor=MARIA)
    assert log(store, "-1") == [f"{MARIA}|{MARIA}|A request for Engineering"]  # not Ana's name
    store.ok("triage", rid, "--ack")  # acting as git's user.email: ana
    store.ok("commit")
    assert log(store, "-1")[0].startswith(f"{ANA}|Ana Lopes|icsvc: ack {rid}")


def test_as_commits_that_persons_entries_up_to_someone_elses(store: Store) -> None:
    rid = store.new(*PART)
    base_commit(store, "base")
    store.ok("triage", rid, "--ack", actor=ANA)
    store.ok("update", rid, "--note", "Thanks", actor=MARIA)
    r = store.fails("commit", "--as", MARIA)  # ana's entry comes first
    assert r.err.startswith("icsvc: error: nothing to commit: no request file has new history "
                            f"entries by {MARIA} (requests/engineering/{rid}.yaml: has new "
                            f"entries by {ANA} before yours: they commit first (icsvc commit "
                            f"--as {ANA}), or run icsvc commit")
    r = store.ok("commit", "--as", ANA)
    assert f"Left out requests/engineering/{rid}.yaml: changed by {MARIA}, not you" in r.out
    assert log(store, "-1") == [f"{ANA}|{ANA}|icsvc: ack {rid}"]
    committed = git(store, "show", f"HEAD:requests/engineering/{rid}.yaml").stdout
    assert "Thanks" not in committed and "acknowledged" in committed
    assert "Thanks" in store.request_file(rid).read_text()  # still pending, for maria
    store.ok("commit", "--as", MARIA)
    assert log(store, "-1") == [f"{MARIA}|{MARIA}|icsvc: note {rid}"]
    assert git(store, "status", "--porcelain").stdout == ""
    store.ok("check", "--base", "HEAD~2")


def test_hand_edited_files_are_left_out(store: Store) -> None:
    rid = store.new(*PART)
    base_commit(store, "base")
    path = store.request_file(rid)
    path.write_text(path.read_text().replace("title: Bore diameter", "title: Bore"))
    r = store.fails("commit", actor=ANA)
    assert "changed without a new history entry" in r.err


def test_a_redirect_commits_the_move(store: Store) -> None:
    rid = store.new("-p", "engineering", "-s", "drawing-review", "-t", "x", "--needed-by",
                    "2026-12-20")
    base_commit(store, "base")
    store.ok("triage", rid, "--redirect", "payroll", "--service", "pay-correction",
             "--note", "Payroll's", actor=ANA)
    r = store.ok("commit", actor=ANA)
    assert f"icsvc: redirect to payroll {rid}" in r.out
    assert committed_files(store) == [f"A\trequests/payroll/{rid}.yaml",
                                      f"D\trequests/engineering/{rid}.yaml"]
    assert git(store, "status", "--porcelain").stdout == ""


def test_other_staged_changes_stay_staged(store: Store) -> None:
    rid = store.new(*PART)
    (store.root / "README.txt").write_text("x\n")
    git(store, "add", "README.txt")
    store.ok("commit", actor=MARIA)
    assert committed_files(store) == [f"A\trequests/engineering/{rid}.yaml"]
    assert git(store, "diff", "--cached", "--name-only").stdout.strip() == "README.txt"


def test_push_and_pull_request(store: Store, remote: Path, fake_gh: Path) -> None:
    git(store, "switch", "-q", "-c", "ana/triage")
    rid = store.new(*PART, actor=MARIA)
    store.ok("commit", actor=MARIA)
    store.ok("triage", rid, "--ack", actor=ANA)
    r = store.ok("commit", "--pr", actor=ANA)
    assert "Pushed ana/triage to origin." in r.out
    assert "Opened the pull request: https://github.com/acme/services/pull/7" in r.out
    assert json.loads(fake_gh.read_text()) == ["pr", "create", "--fill", "--head", "ana/triage",
                                               "--base", "main"]
    remote_log = git(store, "log", "--format=%ae", "ana/triage", cwd=remote).stdout.split()
    assert remote_log[:2] == [ANA, MARIA]
    assert git(store, "rev-parse", "--abbrev-ref", "@{u}").stdout.strip() == "origin/ana/triage"
    # nothing left to commit: --push still pushes
    r = store.ok("commit", "--push", actor=ANA)
    assert "Pushed ana/triage to origin." in r.out and "Committed" not in r.out


def test_pr_from_the_default_branch_starts_a_branch(store: Store, remote: Path,
                                                    fake_gh: Path) -> None:
    rid = store.new(*PART, actor=MARIA)
    r = store.ok("commit", "--pr", "--format", "json", actor=MARIA)
    out = json.loads(r.out)
    assert out["branch"] == f"maria/new-{rid.lower()}" and out["created_branch"] is True
    assert out["pull_request"] == "https://github.com/acme/services/pull/7"
    assert git(store, "branch", "--show-current").stdout.strip() == out["branch"]
    assert git(store, "rev-parse", "main").stdout == git(store, "rev-parse",
                                                         "origin/main").stdout


def test_without_gh_it_says_where_to_open_it(store: Store, remote: Path) -> None:
    git(store, "remote", "set-url", "origin", "git@github.com:acme/services.git")
    git(store, "remote", "set-url", "--push", "origin", str(remote))
    store.env["PATH"] = os.pathsep.join(p for p in store.env["PATH"].split(os.pathsep)
                                        if not (Path(p) / "gh").exists())
    git(store, "switch", "-q", "-c", "maria/x")
    store.new(*PART)
    r = store.ok("commit", "--pr", actor=MARIA)
    assert ("gh is not installed: open the pull request at "
            "https://github.com/acme/services/pull/new/maria/x") in r.out


def test_new_pr_does_the_whole_requesters_path(store: Store, remote: Path,
                                               fake_gh: Path) -> None:
    r = store.ok("new", *PART, "--pr", actor=MARIA)
    rid = r.out.split()[1]
    assert f"Switched to a new branch maria/new-{rid.lower()}" in r.out
    assert f"Committed 1 file(s) as {MARIA}: " in r.out and f"icsvc: new {rid}" in r.out
    assert "Opened the pull request: https://github.com/acme/services/pull/7" in r.out
    assert git(store, "ls-remote", "--heads", "origin").stdout.count(
        f"refs/heads/maria/new-{rid.lower()}") == 1
    store.ok("check", "--base", "main")


def test_new_pr_failure_keeps_the_request_and_says_what_next(store: Store) -> None:
    r = store.fails("new", *PART, "--pr", actor=MARIA)  # no remote
    assert "is saved in requests/engineering/" in r.err
    assert "no remote to push to" in r.err and "then run 'icsvc commit --pr'" in r.err
    assert len(list((store.root / "requests" / "engineering").glob("*.yaml"))) == 1


def test_commands_that_change_a_request_end_with_the_next_step(store: Store) -> None:
    r = store.ok("new", *PART, actor=MARIA)
    assert r.out.rstrip().splitlines()[-1] == (
        "Next: icsvc commit --pr (commit as you, push, open the pull request)")
    rid = r.out.split()[1]
    for args, actor in ((["triage", rid, "--ack"], ANA), (["update", rid, "--note", "x"], ANA),
                        (["escalate", rid, "--reason", "late"], MARIA)):
        assert store.ok(*args, actor=actor).out.rstrip().splitlines()[-1] == (
            "Next: icsvc commit"), args
    assert "Next:" not in store.ok("show", rid).out
    assert "Next:" not in store.ok("update", rid, "--note", "y", "-f", "json", actor=ANA).out


def test_several_peoples_changes_become_one_commit_each_in_order(store: Store) -> None:
    """The newcomer's tour: create as one person, triage as another, one `icsvc commit`."""
    rid = store.new(*PART, actor=MARIA, now="2026-11-24T09:00:00-05:00")
    store.ok("triage", rid, "--ack", "--note", "On it", actor=ANA,
             now="2026-11-24T09:45:00-05:00")
    other = store.new(*PAY, actor=LEE, now="2026-11-24T09:30:00-05:00")
    r = store.ok("commit", "--format", "json")
    made = r.json()["commits"]
    assert [(m["author"]["email"], m["files"]) for m in made] == [  # by time, not by file
        (MARIA, [f"requests/engineering/{rid}.yaml"]),
        (LEE, [f"requests/payroll/{other}.yaml"]),
        (ANA, [f"requests/engineering/{rid}.yaml"])]
    assert log(store, "-3") == [f"{ANA}|{ANA}|icsvc: ack {rid}",
                                f"{LEE}|{LEE}|icsvc: new {other}",
                                f"{MARIA}|{MARIA}|icsvc: new {rid}"]
    # maria's commit holds the request as she created it: no triage yet
    first = git(store, "show", f"HEAD~1:requests/engineering/{rid}.yaml").stdout
    assert "status: new" in first and ANA not in first
    assert git(store, "status", "--porcelain").stdout == ""
    store.ok("check", "--base", "HEAD~3")


def test_several_people_in_turn_on_one_file(store: Store) -> None:
    """A, then B, then A again on one request: three commits, each passing check --base."""
    rid = store.new(*PART, actor=MARIA, now="2026-11-24T09:00:00-05:00")
    base_commit(store, "base")
    store.ok("triage", rid, "--ack", actor=ANA, now="2026-11-24T09:10:00-05:00")
    store.ok("update", rid, "--note", "Which rev?", actor=MARIA,
             now="2026-11-24T09:20:00-05:00")
    store.ok("update", rid, "--progress", "40", actor=ANA, now="2026-11-24T09:30:00-05:00")
    r = store.ok("commit")
    assert r.out.count("Committed 1 file(s) as") == 3
    assert [line.split("|")[0] for line in log(store, "-3")] == [ANA, MARIA, ANA]
    middle = git(store, "show", f"HEAD~1:requests/engineering/{rid}.yaml").stdout
    assert "Which rev?" in middle and "progress: 40" not in middle
    store.ok("check", "--base", "HEAD~3")


def test_a_redirect_by_a_second_person_commits_each_path(store: Store) -> None:
    rid = store.new("-p", "engineering", "-s", "drawing-review", "-t", "x", "--needed-by",
                    "2026-12-20", actor=MARIA, now="2026-11-24T09:00:00-05:00")
    store.ok("triage", rid, "--redirect", "payroll", "--service", "pay-correction",
             "--note", "Payroll's", actor=ANA)
    store.ok("commit")
    assert committed_files(store, "HEAD~1") == [f"A\trequests/engineering/{rid}.yaml"]
    assert committed_files(store) == [f"A\trequests/payroll/{rid}.yaml",
                                      f"D\trequests/engineering/{rid}.yaml"]
    assert git(store, "status", "--porcelain").stdout == ""


def test_signed_store_refuses_several_people_with_each_ones_command(store: Store) -> None:
    providers = store.root / "providers.yaml"
    providers.write_text(providers.read_text() + "settings:\n  require_signed: true\n")
    base_commit(store, "signed")
    rid = store.new(*PART, actor=MARIA, now="2026-11-24T09:00:00-05:00")
    store.ok("triage", rid, "--ack", actor=ANA)
    before = git(store, "rev-parse", "HEAD").stdout
    r = store.fails("commit")
    assert r.err.count("\n") == 1, r.err  # one line
    assert "requires signed commits (settings.require_signed)" in r.err
    assert (f"1. {MARIA} runs 'icsvc commit --as {MARIA}' with their own signing key "
            f"('icsvc git-setup --as {MARIA}' in their clone); 2. {ANA} runs 'icsvc commit "
            f"--as {ANA}'") in r.err
    assert git(store, "rev-parse", "HEAD").stdout == before  # nothing committed
    # one person's own changes are theirs to sign: refused only when they are not the signer
    r = store.fails("commit", "--as", ANA)
    assert "nothing to commit" in r.err and f"by {MARIA} before yours" in r.err
