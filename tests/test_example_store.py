"""The bundled example organisation (`examples/acme/`: its providers.yaml and requests/).

It is a snapshot of Tuesday 2026-11-24 15:00 New York time; read at that instant it must
show live SLA clocks in every state, and it must stay a valid store as the code evolves.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import EXAMPLE, Store, make_store

SNAPSHOT = "2026-11-24T15:00:00-05:00"
STATUSES = ("new", "acknowledged", "in-progress", "waiting-on-customer", "resolved",
            "closed", "declined", "cancelled")


@pytest.fixture
def example(tmp_path: Path) -> Store:
    store = make_store(tmp_path / "example", (EXAMPLE / "providers.yaml").read_text())
    shutil.rmtree(store.root / "requests")
    shutil.copytree(EXAMPLE / "requests", store.root / "requests")
    store.git("add", "-A")
    store.git("commit", "-qm", "example organisation")
    return store


def _requests() -> list[dict[str, Any]]:
    files = sorted((EXAMPLE / "requests").glob("*/*.yaml"))
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in files]


def test_example_store_passes_check(example: Store) -> None:
    result = example.ok("check", now=SNAPSHOT)
    said = result.out + result.err
    assert said.startswith("ok") and f"{len(_requests())} request" in said, said


def test_example_covers_the_practice(example: Store) -> None:
    data = example.ok("list", "--all", "--format", "json", now=SNAPSHOT).json()
    assert len(data) >= 20
    assert {d["status"] for d in data} == set(STATUSES)
    assert len({d["provider"] for d in data}) >= 4
    assert len({d["customer"]["department"] for d in data}) >= 3
    rush = [d for d in data if d["rush"]]
    assert 3 <= len(rush) and all(d["justification"] for d in rush)
    assert {d["priority"] for d in data} == {"low", "normal", "high", "urgent"}
    kinds = {e["type"] for d in data for e in d["history"]}
    for kind in ("redirect", "promise", "escalation", "feedback", "info", "progress",
                 "priority", "targets", "assigned", "note"):
        assert kind in kinds, kind
    assert any(e.get("broken") for d in data for e in d["history"])
    assert any(d["impact"] for d in data)


def test_example_clocks_at_the_snapshot(example: Store) -> None:
    data = example.ok("list", "--all", "--format", "json", now=SNAPSHOT).json()
    open_states = {
        clock["state"]
        for d in data if d["status"] in STATUSES[:4]
        for clock in d["sla"].values()
    }
    assert {"breached", "at-risk", "ok", "paused"} <= open_states
    states = {d["promise"] for d in data}
    assert {"kept", "broken", "pending"} <= states


def test_example_redirect_lives_with_its_new_provider(example: Store) -> None:
    data = example.ok("list", "--all", "--format", "json", now=SNAPSHOT).json()
    moved = [d for d in data if any(e["type"] == "redirect" for e in d["history"])]
    assert moved
    for d in moved:
        last = [e for e in d["history"] if e["type"] == "redirect"][-1]
        assert d["provider"] == last["to"] and d["path"].startswith(f"requests/{last['to']}/")


def _last(history: list[dict[str, Any]], kind: str, key: str = "to") -> Any:
    found = [e for e in history if e["type"] == kind]
    return found[-1].get(key) if found else None


def test_example_fields_agree_with_history() -> None:
    """Hand edits must keep each current field equal to what its history says."""
    snapshot = datetime.fromisoformat(SNAPSHOT)
    for r in _requests():
        rid, history = r["id"], r["history"]
        assert history[0]["type"] == "created" and history[0]["at"] == r["created_at"], rid
        assert all(e["at"] <= snapshot for e in history), rid
        changes = [e for e in history if e["type"] in ("status", "redirect")]
        if changes:  # a redirect sends the request back to `new` at its new provider
            expected = "new" if changes[-1]["type"] == "redirect" else changes[-1]["to"]
            assert r["status"] == expected, rid
        else:
            assert r["status"] == "new", rid
        assert _last(history, "assigned") == r.get("owner"), rid
        assert _last(history, "promise") == r.get("promised_by"), rid
        assert _last(history, "progress") == r.get("progress"), rid
        assert (_last(history, "priority") or r["requested_priority"]) == r["priority"], rid
        assert (_last(history, "targets") or r["targets"]) == r["targets"], rid
        assert r.get("rush", False) == bool(r.get("justification")), rid
