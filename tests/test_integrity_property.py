"""Property: `check --base` accepts every branch the commands write, committed by the people
who acted, and refuses every tampering of those files."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Store, make_store
from git_helpers import commit, git, load, save

ANA, RAJ, MARIA, PAT, VP = ("ana@example.com", "raj@example.com", "maria@example.com",
                            "pat@example.com", "vp-eng@example.com")
T0 = datetime.fromisoformat("2026-11-24T10:00:00-05:00")

ACTIONS: list[tuple[str, list[str]]] = [
    (ANA, ["triage", "{id}", "--ack"]),
    (ANA, ["triage", "{id}", "--priority", "high", "--note", "a shipment waits"]),
    (RAJ, ["triage", "{id}", "--priority", "low", "--note", "not urgent for us"]),
    (RAJ, ["triage", "{id}", "--assign", RAJ]),
    (ANA, ["triage", "{id}", "--need-info", "Which revision?"]),
    (MARIA, ["update", "{id}", "--info", "revision=C"]),
    (MARIA, ["update", "{id}", "--reply", "Revision C"]),
    (RAJ, ["update", "{id}", "--status", "in-progress"]),
    (RAJ, ["update", "{id}", "--progress", "50", "--note", "halfway"]),
    (ANA, ["update", "{id}", "--promise", "2026-12-04", "--note", "drawing first"]),
    (RAJ, ["update", "{id}", "--status", "resolved", "--note", "done"]),
    (MARIA, ["update", "{id}", "--reopen", "--note", "not what I asked"]),
    (MARIA, ["feedback", "{id}", "--rating", "4"]),
    (MARIA, ["escalate", "{id}", "--reason", "too slow"]),
    (VP, ["triage", "{id}", "--priority", "normal", "--note", "decided"]),
    (MARIA, ["update", "{id}", "--note", "any news?"]),
    (MARIA, ["update", "{id}", "--needed-by", "2026-12-15", "--note", "the truck moved"]),
    (MARIA, ["update", "{id}", "--priority", "urgent", "--note", "the customer called"]),
    (MARIA, ["update", "{id}", "--accept-priority"]),
    (MARIA, ["update", "{id}", "--cost", "300", "--note", "overtime"]),
    (ANA, ["triage", "{id}", "--redirect", "payroll", "--note", "ask Pat"]),
    (PAT, ["triage", "{id}", "--ack"]),
    (ANA, ["triage", "{id}", "--decline", "not ours", "--alternate", "a supplier"]),
    (MARIA, ["update", "{id}", "--status", "cancelled", "--note", "sorted elsewhere"]),
]


def _field(value: Any) -> Any:
    return value


TAMPERINGS = [
    ("status", lambda d: d.__setitem__("status", "closed" if d["status"] != "closed"
                                       else "new")),
    ("priority", lambda d: d.__setitem__("priority", "urgent" if d["priority"] != "urgent"
                                         else "low")),
    ("owner", lambda d: d.__setitem__("owner", "ana@example.com" if d.get("owner") != ANA
                                      else RAJ)),
    ("targets", lambda d: d.__setitem__("targets", {"acknowledge": "9w", "resolve": "9w"})),
    ("title", lambda d: d.__setitem__("title", d["title"] + " (edited)")),
    ("customer", lambda d: d["customer"].__setitem__("email", "lee@example.com")),
    ("edit an old entry", lambda d: d["history"][0].__setitem__("note", "rewritten")),
    ("remove an entry", lambda d: d["history"].pop(-1) if len(d["history"]) > 1
     else d["history"].append({"at": T0, "by": "x@example.com", "type": "note", "note": "x"})),
    ("an entry by someone else", lambda d: d["history"].append(
        {"at": d["history"][-1]["at"], "by": "lee@example.com", "type": "note",
         "note": "hi"})),
    ("a backdated entry", lambda d: d["history"].append(
        {"at": T0 - timedelta(days=1), "by": MARIA, "type": "note", "note": "earlier"})),
]


def _run(store: Store, rid: str, actions: list[int]) -> None:
    for i, choice in enumerate(actions):
        actor, args = ACTIONS[choice]
        now = (T0 + timedelta(minutes=10 * (i + 1))).isoformat()
        before = store.snapshot()
        result = store.icsvc(*[a.replace("{id}", rid) for a in args], actor=actor, now=now)
        assert result.code in (0, 1, 2) and "Traceback" not in result.err, result.err
        if result.code:
            assert store.snapshot() == before, args  # a refusal writes nothing
            continue
        commit(store, " ".join(args[:2]), actor)


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(actions=st.lists(st.integers(0, len(ACTIONS) - 1), min_size=1, max_size=8),
       tampering=st.integers(0, len(TAMPERINGS) - 1), author=st.sampled_from([ANA, MARIA]))
def test_legitimate_branches_pass_and_tampered_ones_do_not(
        tmp_path_factory: Any, actions: list[int], tampering: int, author: str) -> None:
    store = make_store(Path(tmp_path_factory.mktemp("prop")) / "store")
    rid = store.ok("new", "-f", "json", "-p", "engineering", "-s", "part-clarification",
                   "-t", "Bore", "--info", "order_number=SO-1", "--info", "part_number=P-1",
                   "--needed-by", "2026-12-10", "--cost", "1200", actor=MARIA,
                   now=T0.isoformat()).json()["id"]
    commit(store, "new", MARIA)
    git(store, "checkout", "-qb", "pr")
    _run(store, rid, actions)
    late = (T0 + timedelta(days=1)).isoformat()
    store.ok("check", "--base", "main", now=late)
    name, edit = TAMPERINGS[tampering]
    path = store.request_file(rid)
    doc = load(path)
    edit(doc)
    save(path, doc)
    commit(store, f"tamper: {name}", author)
    result = store.icsvc("check", "--base", "main", now=late)
    assert result.code == 1, f"{name} after {[ACTIONS[a][1][:2] for a in actions]} passed"
    assert "Traceback" not in result.err
