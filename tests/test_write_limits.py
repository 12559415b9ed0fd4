"""The tool never writes what it would then refuse to read: every writer of a request file or
a survey answer checks the file it would write against the readers' limit (256 KiB) first,
and refuses with what to do instead, writing nothing. Three 120 KB notes made a 362 KB file
that `show` and `update` then refused, and `list` and `report` skipped."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from conftest import Store
from git_helpers import commit, conflict_markers, git
from issue_helpers import example_store, form_path, payload, render_body

PART = ["-p", "engineering", "-s", "part-clarification", "-t", "T",
        "--info", "order_number=1", "--info", "part_number=2"]
MEMBER, MARIA = "ana@example.com", "maria@example.com"
LIMIT = 256 * 1024
TOO_BIG = re.compile(
    r"icsvc: error: (?P<path>requests/\w+/\w{8}\.yaml): too big to write: it would "
    r"be (?P<size>[\d,]+) bytes, more than a request file may hold \(up to 256 KiB\); write "
    r"a shorter text, or put the long part in a document of its own and link to it\n")


def refused(result_err: str) -> int:
    """The size the refusal names (and that it is the one-line message)."""
    found = TOO_BIG.fullmatch(result_err)
    assert found is not None, result_err[:400]
    return int(found["size"].replace(",", ""))


def test_three_long_notes_third_refused_and_the_request_still_served(store: Store) -> None:
    rid = store.new(*PART)
    note = "x" * 120_000
    store.ok("update", rid, "--note", note, actor=MARIA)
    store.ok("update", rid, "--note", note, actor=MARIA)
    path = store.request_file(rid)
    before = store.snapshot()
    result = store.fails("update", rid, "--note", note, actor=MARIA)
    assert refused(result.err) > LIMIT
    assert store.snapshot() == before
    assert path.stat().st_size <= LIMIT
    assert len(store.ok("show", rid, "--format", "json").json()["history"]) == 3
    assert [r["id"] for r in store.ok("list", "--format", "json").json()] == [rid]
    store.ok("update", rid, "--note", "a short one, linking to the long text",
             actor=MARIA)
    store.ok("check")


@pytest.mark.parametrize("command", [
    ["triage", "{rid}", "--ack", "--promise", "2026-12-01", "--note", "{long}"],
    ["triage", "{rid}", "--need-info", "{long}"],
    ["triage", "{rid}", "--redirect", "payroll", "--note", "{long}"],
    ["triage", "{rid}", "--decline", "{long}", "--alternate", "payroll"],
    ["update", "{rid}", "--status", "in-progress", "--note", "{long}"],
    ["escalate", "{rid}", "--reason", "{long}"],
])
def test_every_writer_refuses_a_file_over_the_limit(store: Store,
                                                    command: list[str]) -> None:
    rid = store.new(*PART)
    store.git("add", "-A")
    store.git("commit", "-qm", "a request")
    actor = MARIA if command[0] == "escalate" else MEMBER
    before = store.snapshot()
    long = "y" * (LIMIT + 10)
    args = [a.format(rid=rid, long=long) for a in command]
    result = store.fails(*args, actor=actor)
    assert refused(result.err) > LIMIT + 10
    assert store.snapshot() == before  # a refused redirect leaves the file where it was
    assert store.request_file(rid).parent.name == "engineering"
    assert not (store.root / ".icsvc" / "redirect.journal").exists()
    store.ok("show", rid)
    store.ok("check")


def test_feedback_over_the_limit_is_refused(store: Store) -> None:
    rid = store.new(*PART)
    store.ok("triage", rid, "--ack", "--promise", "2026-12-01", actor=MEMBER)
    store.ok("update", rid, "--status", "resolved", "--note", "done", actor=MEMBER)
    before = store.snapshot()
    result = store.fails("feedback", rid, "-r", "4", "-c", "z" * LIMIT, actor=MARIA)
    assert refused(result.err) > LIMIT
    assert store.snapshot() == before
    store.ok("feedback", rid, "-r", "4", "-c", "z" * 1000, actor=MARIA)


def test_new_over_the_limit_writes_no_file(store: Store) -> None:
    before = store.snapshot()
    result = store.fails("new", *PART, "--details", "d" * LIMIT, actor=MARIA)
    assert refused(result.err) > LIMIT
    assert store.snapshot() == before
    assert list((store.root / "requests").rglob("*.yaml")) == []


def test_a_file_of_exactly_the_limit_is_written_and_read(store: Store) -> None:
    """At the limit to the byte: written and read back; one byte more: refused."""
    first, second = store.new(*PART), store.new(*PART)
    for rid in (first, second):
        store.ok("update", rid, "--note", "n" * 1000, actor=MARIA)
    size = store.request_file(first).stat().st_size
    assert size == store.request_file(second).stat().st_size
    # a note entry of 1000 characters took this many bytes; one of N takes N more than
    # the rest of it
    fits = LIMIT - size - (_entry_size(store, first) - 1000)
    result = store.fails("update", first, "--note", "m" * (fits + 1), actor=MARIA)
    assert refused(result.err) == LIMIT + 1
    store.ok("update", second, "--note", "m" * fits, actor=MARIA)
    assert store.request_file(second).stat().st_size == LIMIT
    shown = store.ok("show", second, "--format", "json").json()
    assert len(shown["history"][-1]["note"]) == fits
    store.ok("check")
    assert second in store.ok("list").out
    store.fails("update", second, "--note", "m", actor=MARIA)


def _entry_size(store: Store, rid: str) -> int:
    """The bytes the last history entry (a note) takes in the file."""
    text = store.request_file(rid).read_text()
    return len(text) - text.rindex("\n- at: ") - 1


def test_intake_of_an_issue_over_the_limit_is_refused_with_a_comment(tmp_path: Path) -> None:
    example = example_store(tmp_path / "example")
    example.ok("forms", "--repo-url", "https://github.com/acme/requests")
    form = form_path(example, "engineering", "part-clarification")
    body = render_body(form, {"info-order_number": "SO-1", "info-part_number": "P-1",
                              "details": "é" * 140_000})  # 280,000 bytes of UTF-8
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload(77, "[engineering/part-clarification] Big", body)))
    before = example.snapshot()
    result = example.fails("intake", "--event", str(path))
    assert "icsvc could not turn this issue into a request" in result.out
    assert "too big to write: it would be" in result.out
    assert "write a shorter text, or put the long part in a document of its own" in result.out
    assert result.err.startswith("icsvc: error: issue #77: too big to write")
    assert example.snapshot() == before


def test_a_merge_past_the_limit_leaves_the_conflict_to_the_user(store: Store) -> None:
    """Each branch adds a 140 KB note: each file is fine, their union is not. The merge
    driver refuses to write it and leaves git's conflict markers; nothing is lost."""
    store.ok("git-setup")
    rid = store.new(*PART)
    commit(store, "a request", MARIA)
    git(store, "checkout", "-qb", "a")
    store.ok("update", rid, "--note", "a" * 140_000, actor=MARIA)
    commit(store, "note a", MARIA)
    git(store, "checkout", "-q", "main")
    store.ok("update", rid, "--note", "b" * 140_000, actor=MEMBER)
    commit(store, "note b", MEMBER)
    merge = subprocess.run(["git", "merge", "a"], cwd=store.root, env=store.env,
                           capture_output=True, text=True)
    assert merge.returncode != 0
    assert "cannot merge: too big to write: it would be" in merge.stderr
    rel = f"requests/engineering/{rid}.yaml"
    assert conflict_markers(store.root) == [str(store.root / rel)]
    text = (store.root / rel).read_text()
    assert "a" * 140_000 in text and "b" * 140_000 in text  # both sides are kept
