"""The field-by-field request merge, as a pure function and as the git driver command."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import ICSVC, Store
from icsvc.git.merge import MERGE_IDENTITY, MergeError, merge_requests
from icsvc.store import yamlio


def t(clock: str) -> datetime:
    return datetime.fromisoformat(f"2026-11-24T{clock}:00-05:00")


def entry(clock: str, by: str, type_: str, **data: Any) -> dict[str, Any]:
    return {"at": t(clock), "by": by, "type": type_, **{k.rstrip("_"): v for k, v in data.items()}}


CREATED = entry("10:00", "maria@example.com", "created")


def request(*extra: dict[str, Any], **fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": "B1QD49VF", "title": "Bore", "provider": "engineering",
        "service": "part-clarification", "status": "new", "priority": "normal",
        "requested_priority": "normal",
        "customer": {"email": "maria@example.com", "department": "customer-service"},
        "created_at": t("10:00"), "info": {"order_number": "SO-1"},
        "targets": {"acknowledge": "4h", "resolve": "2d"}, "history": [CREATED, *extra],
    }
    doc.update(fields)
    return {k: v for k, v in doc.items() if v is not None}


def test_disjoint_edits_merge_without_conflict() -> None:
    base = request()
    ours = request(entry("10:30", "raj@example.com", "status", to="acknowledged"),
                   status="acknowledged")
    theirs = request(entry("10:20", "maria@example.com", "info", info={"part_number": "P"}),
                     info={"order_number": "SO-1", "part_number": "P"}, title="Bore 4471")
    result = merge_requests(base, ours, theirs)
    assert result.conflicts == []
    m = result.merged
    assert m["status"] == "acknowledged" and m["title"] == "Bore 4471"
    assert m["info"] == {"order_number": "SO-1", "part_number": "P"}
    assert [e["type"] for e in m["history"]] == ["created", "info", "status"]  # time order
    assert list(m)[:3] == ["id", "title", "provider"] and list(m)[-1] == "history"


def test_later_history_entry_wins_and_the_loser_is_recorded() -> None:
    base = request()
    ours = request(entry("11:00", "raj@example.com", "assigned", to="raj@example.com"),
                   owner="raj@example.com")
    theirs = request(entry("10:30", "ana@example.com", "assigned", to="ana@example.com"),
                     entry("11:30", "ana@example.com", "note", note="later, but not owner"),
                     owner="ana@example.com")
    for a, b in ((ours, theirs), (theirs, ours)):
        result = merge_requests(base, a, b)
        assert result.merged["owner"] == "raj@example.com"
        conflict = result.merged["history"][-1]
        assert conflict["type"] == "conflict" and conflict["by"] == MERGE_IDENTITY
        assert conflict["field"] == "owner" and conflict["kept"] == "raj@example.com"
        assert {conflict["ours"], conflict["theirs"]} == {"raj@example.com", "ana@example.com"}
        assert conflict["at"] == t("11:30")  # the latest time: history stays in order


def test_without_entries_the_later_side_wins_the_same_both_ways() -> None:
    base = request()
    ours = request(entry("10:10", "raj@example.com", "note", note="x"), title="Ours")
    theirs = request(entry("10:20", "raj@example.com", "note", note="y"), title="Theirs")
    assert merge_requests(base, ours, theirs).merged["title"] == "Theirs"
    assert merge_requests(base, theirs, ours).merged["title"] == "Theirs"
    tie_a, tie_b = request(title="A"), request(title="B")
    assert merge_requests(base, tie_a, tie_b).merged["title"] == \
        merge_requests(base, tie_b, tie_a).merged["title"]


def test_histories_union_dedupes_and_never_loses_an_entry() -> None:
    note = entry("10:30", "raj@example.com", "note", note="same")
    base = request(entry("10:05", "raj@example.com", "note", note="old"))
    ours = request(note)  # dropped the 10:05 entry: it comes back
    theirs = request(entry("10:05", "raj@example.com", "note", note="old"), note,
                     entry("10:30", "ana@example.com", "note", note="same time"))
    history = merge_requests(base, ours, theirs).merged["history"]
    assert sorted(e.get("note") or "" for e in history) == ["", "old", "same", "same time"]
    # entries of the same instant from the two sides: the same order whichever is "ours"
    assert merge_requests(base, theirs, ours).merged["history"] == history


def test_unset_on_one_side_and_changed_on_the_other() -> None:
    base = request(owner="raj@example.com")
    ours = request(entry("10:30", "raj@example.com", "assigned", from_="raj@example.com"),
                   owner=None)
    theirs = request(entry("10:40", "raj@example.com", "progress", to=10),
                     owner="raj@example.com", progress=10)
    merged = merge_requests(base, ours, theirs).merged
    assert "owner" not in merged and merged["progress"] == 10
    # a field changed without an entry is not a change: the fields are what the history says
    hand = request(owner="raj@example.com", progress=50)
    assert "progress" not in merge_requests(base, base, hand).merged


def test_both_added_the_same_path() -> None:
    one = request(entry("10:30", "raj@example.com", "note", note="a"))
    two = request(entry("10:31", "raj@example.com", "note", note="b"))
    assert len(merge_requests(None, one, two).merged["history"]) == 3
    other = request()
    other["history"] = [entry("09:00", "sam@example.com", "created")]
    with pytest.raises(MergeError, match="different request"):
        merge_requests(None, one, other)


def _driver(store: Store, base: str, ours: str, theirs: str) -> tuple[int, str, Path]:
    paths = []
    for name, text in (("base", base), ("ours", ours), ("theirs", theirs)):
        path = store.root / f".merge_{name}"
        path.write_text(text)
        paths.append(path)
    assert ICSVC
    proc = subprocess.run([ICSVC, "merge-driver", *map(str, paths), "requests/x/B1QD49VF.yaml"],
                          cwd=store.root, env=store.env, capture_output=True, text=True)
    return proc.returncode, proc.stderr, paths[1]


def test_driver_command_writes_ours(store: Store) -> None:
    base = yamlio.dump(request())
    ours = yamlio.dump(request(entry("10:30", "raj@example.com", "status", to="acknowledged"),
                               status="acknowledged"))
    theirs = yamlio.dump(request(entry("10:40", "ana@example.com", "status", to="declined"),
                                 status="declined"))
    code, err, result = _driver(store, base, ours, theirs)
    assert code == 0, err
    assert "both sides changed status ('acknowledged' and 'declined'); kept 'declined'" in err
    merged = yamlio.load(result.read_text())
    assert merged["status"] == "declined" and merged["history"][-1]["type"] == "conflict"
    assert "<<<<<<<" not in result.read_text()


def test_driver_leaves_git_conflict_markers_when_it_cannot_parse(store: Store) -> None:
    good = yamlio.dump(request())
    code, err, result = _driver(store, good, good + "status: [broken\n", good + "x: 1\n")
    assert code == 1
    assert "icsvc: error: requests/x/B1QD49VF.yaml: cannot merge: our side is not valid YAML" \
        in err
    assert "Traceback" not in err
    assert "<<<<<<< ours:requests/x/B1QD49VF.yaml" in result.read_text()
