"""`update --reply`: the requester answers a request waiting on them and hands it back; a
plain `--note` from them is asked about (on a terminal) or hinted at (off one)."""

from __future__ import annotations

import yaml

from conftest import Store
from git_helpers import base_commit, git
from terminal import on_terminal

MARIA, ANA = "maria@example.com", "ana@example.com"
LATER = "2026-11-24T11:00:00-05:00"
"""After the request was asked about (10:20)."""
PART = ["-p", "engineering", "-s", "part-clarification", "-t", "Bore diameter",
        "--info", "order_number=SO-1", "--info", "part_number=P-2"]


def waiting(store: Store) -> str:
    rid = store.new(*PART)
    store.ok("triage", rid, "--ack", actor=ANA, now="2026-11-24T10:10:00-05:00")
    store.ok("triage", rid, "--need-info", "Which revision?", actor=ANA,
             now="2026-11-24T10:20:00-05:00")
    return rid


def history(store: Store, rid: str) -> list[dict[str, object]]:
    return yaml.safe_load(store.request_file(rid).read_text())["history"]


def test_reply_records_a_note_and_hands_the_request_back(store: Store) -> None:
    rid = waiting(store)
    r = store.ok("update", rid, "--reply", "Revision C", actor=MARIA, now=LATER)
    assert "- Revision C" in r.out and "status waiting-on-customer -> acknowledged" in r.out
    last = history(store, rid)[-2:]
    assert [(e["type"], e["by"]) for e in last] == [("note", MARIA), ("status", MARIA)]
    assert last[0]["note"] == "Revision C"
    assert (last[1]["from"], last[1]["to"]) == ("waiting-on-customer", "acknowledged")
    store.ok("check")


def test_reply_is_only_for_a_request_that_waits(store: Store) -> None:
    rid = store.new(*PART)
    before = store.snapshot()
    r = store.fails("update", rid, "--reply", "x", actor=MARIA)
    assert r.err == (f"icsvc: error: refused: {rid} is new; --reply answers a request waiting "
                     "on you (use --note for a comment)\n")
    rid2 = waiting(store)
    before = store.snapshot()
    assert "needs a text" in store.fails("update", rid2, "--reply", " ", code=2,
                                         actor=MARIA, now=LATER).err
    r = store.fails("update", rid2, "--reply", "x", actor="lee@example.com", now=LATER)
    assert "refused: only a member of engineering" in r.err and "or the requester" in r.err
    assert store.snapshot() == before


def test_reply_with_information(store: Store) -> None:
    rid = waiting(store)
    store.ok("update", rid, "--reply", "Here it is", "--info", "revision=C", actor=MARIA,
             now=LATER)
    kinds = [e["type"] for e in history(store, rid)[-3:]]
    assert kinds == ["info", "note", "status"]


def test_a_note_off_a_terminal_gets_a_hint(store: Store) -> None:
    rid = waiting(store)
    r = store.ok("update", rid, "--note", "Revision C", actor=MARIA, now=LATER)
    assert r.err == (f"note: {rid} still waits on you; if your note answers the question, hand "
                     f"it back to engineering with 'icsvc update {rid} --reply TEXT'\n")
    assert yaml.safe_load(store.request_file(rid).read_text())["status"] == "waiting-on-customer"
    assert store.ok("update", rid, "--note", "x", actor=ANA, now=LATER).err == ""  # a member


def test_a_note_on_a_terminal_is_asked_about(store: Store) -> None:
    rid = waiting(store)
    env = dict(store.env, ICSVC_USER=MARIA, ICSVC_NOW=LATER)
    screen = on_terminal(["update", rid, "--note", "Revision C"], env, store.root,
                         [("Does this answer the question? [Y/n]", "")])
    assert screen.code == 0, screen.text
    data = yaml.safe_load(store.request_file(rid).read_text())
    assert data["status"] == "acknowledged"
    assert [e["type"] for e in data["history"][-2:]] == ["note", "status"]
    screen = on_terminal(["update", rid, "--note", "And thanks"], env, store.root)
    assert "Does this answer" not in screen.text  # it no longer waits
    rid2 = waiting(store)
    screen = on_terminal(["update", rid2, "--note", "Looking for it"], env, store.root,
                         [("Does this answer the question? [Y/n]", "n")])
    assert yaml.safe_load(store.request_file(rid2).read_text())["status"] == (
        "waiting-on-customer")


def test_a_reply_committed_by_the_requester_passes_check_base(store: Store) -> None:
    rid = waiting(store)
    base_commit(store, "waiting", ANA)
    git(store, "switch", "-q", "-c", "maria/reply")
    store.ok("update", rid, "--reply", "Revision C", actor=MARIA, now=LATER)
    store.ok("commit", actor=MARIA, now=LATER)  # the commit is dated ICSVC_NOW
    store.ok("check", "--base", "main", now=LATER)
