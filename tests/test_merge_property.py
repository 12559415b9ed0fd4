"""Property: whatever two branches do to the same requests with the commands, a real
`git merge` finished by `icsvc sync` keeps every entry of both, and the result passes
`icsvc check` and `icsvc check --base`."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PROVIDERS, Store, make_store
from git_helpers import commit, git, load
from icsvc.domain.history import entry_key
from test_merge_pairs import LEGAL

ANA, RAJ, MARIA, PAT, VP = ("ana@example.com", "raj@example.com", "maria@example.com",
                            "pat@example.com", "vp-eng@example.com")
T0 = datetime.fromisoformat("2026-11-24T10:00:00-05:00")

ACTIONS: list[tuple[str, list[str]]] = [
    (ANA, ["triage", "{id}", "--ack"]),
    (ANA, ["triage", "{id}", "--assign", ANA]),
    (RAJ, ["triage", "{id}", "--assign", RAJ]),
    (ANA, ["triage", "{id}", "--priority", "high", "--note", "a shipment waits"]),
    (ANA, ["triage", "{id}", "--need-info", "Which revision?"]),
    (MARIA, ["update", "{id}", "--info", "revision=C"]),
    (RAJ, ["update", "{id}", "--status", "in-progress"]),
    (RAJ, ["update", "{id}", "--progress", "50", "--note", "halfway"]),
    (ANA, ["update", "{id}", "--promise", "2026-12-04", "--note", "drawing first"]),
    (RAJ, ["update", "{id}", "--status", "resolved", "--note", "done"]),
    (MARIA, ["update", "{id}", "--reopen", "--note", "not what I asked"]),
    (ANA, ["triage", "{id}", "--decline", "not ours", "--alternate", "a supplier"]),
    (ANA, ["triage", "{id}", "--redirect", "payroll", "--note", "ask Pat"]),
    (RAJ, ["triage", "{id}", "--redirect", "payroll", "--service", "pay-correction",
           "--note", "Pat's"]),
    (PAT, ["triage", "{id}", "--ack"]),
    (ANA, ["triage", "{id}", "--redirect", "legal", "--note", "ask Liz"]),
    ("liz@example.com", ["triage", "{id}", "--ack"]),
    (MARIA, ["update", "{id}", "--note", "any news?"]),
    (MARIA, ["escalate", "{id}", "--reason", "too slow"]),
    (MARIA, ["update", "{id}", "--status", "cancelled", "--note", "sorted elsewhere"]),
    (MARIA, ["feedback", "{id}", "--rating", "2"]),
]


def _branch(store: Store, name: str, rid: str, actions: list[int], offset: int) -> None:
    git(store, "checkout", "-q", "main")
    git(store, "checkout", "-qb", name)
    for i, choice in enumerate(actions):
        actor, args = ACTIONS[choice]
        now = (T0 + timedelta(minutes=10 * (i + 1) + offset)).isoformat()
        result = store.icsvc(*[a.replace("{id}", rid) for a in args], actor=actor, now=now)
        assert result.code in (0, 1, 2) and "Traceback" not in result.err, result.err
        if result.code == 0:
            commit(store, " ".join(args[:2]), actor)


def _entries(store: Store, branch: str, rid: str) -> set[str]:
    git(store, "checkout", "-q", branch)
    return {entry_key(e) for e in load(store.request_file(rid))["history"]}


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(a=st.lists(st.integers(0, len(ACTIONS) - 1), min_size=1, max_size=5),
       b=st.lists(st.integers(0, len(ACTIONS) - 1), min_size=1, max_size=5),
       offset=st.sampled_from([0, 5]))
def test_merges_keep_everything_and_stay_valid(tmp_path_factory: Any, a: list[int],
                                              b: list[int], offset: int) -> None:
    store = make_store(Path(tmp_path_factory.mktemp("merge")) / "store", PROVIDERS + LEGAL)
    store.ok("git-setup")
    rid = store.ok("new", "-f", "json", "-p", "engineering", "-s", "part-clarification",
                   "-t", "Bore", "--info", "order_number=SO-1", "--info", "part_number=P-1",
                   actor=MARIA, now=T0.isoformat()).json()["id"]
    commit(store, "new", MARIA)
    _branch(store, "a", rid, a, 0)
    _branch(store, "b", rid, b, offset)  # offset 0: entries in the same second on both
    expected = _entries(store, "a", rid) | _entries(store, "b", rid)
    git(store, "checkout", "-q", "a")
    result = store.icsvc("sync", "--remote", ".", "--branch", "b")
    assert result.code == 0, result.out + result.err
    assert git(store, "status", "--porcelain").stdout.strip() == ""
    merged = load(store.request_file(rid))
    assert expected <= {entry_key(e) for e in merged["history"]}
    late = (T0 + timedelta(days=1)).isoformat()
    store.ok("check", now=late)
    store.ok("check", "--base", "main", now=late)
