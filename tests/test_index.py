"""The derived index (`.icsvc/index.sqlite`): plain data that cannot run code, checked on
read, rebuilt when odd, never taken from a commit."""

from __future__ import annotations

import os
import pickle
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from conftest import Store, without_index
from icsvc.store import index as index_module
from icsvc.store.index import INDEX_FILE

PART = ["-p", "engineering", "-s", "part-clarification", "-t", "T",
        "--info", "order_number=1", "--info", "part_number=2"]


def listing(store: Store, *args: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = store.ok("list", "--all", "-f", "json", *args).json()
    return data


def fresh_listing(store: Store) -> list[dict[str, Any]]:
    """The listing from a fresh parse of every file (no index)."""
    return without_index(store, listing)


class _Payload:
    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, ("touch PWNED",))


def test_an_old_pickle_cache_is_never_unpickled(store: Store) -> None:
    rid = store.new(*PART)
    derived = store.root / ".icsvc"
    derived.mkdir(exist_ok=True)
    (derived / "requests.cache").write_bytes(pickle.dumps(_Payload()))
    assert [d["id"] for d in listing(store)] == [rid]
    assert not (store.root / "PWNED").exists()
    assert not (derived / "requests.cache").exists()  # the index replaced it


def test_the_index_is_used_and_follows_edits(store: Store) -> None:
    a, b = store.new(*PART), store.new(*PART)
    assert {d["id"] for d in listing(store)} == {a, b}
    index = store.root / ".icsvc" / INDEX_FILE
    with sqlite3.connect(index) as conn:
        assert conn.execute("SELECT count(*) FROM files").fetchone()[0] == 2
    path = store.request_file(a)
    path.write_text(path.read_text().replace("title: T", "title: Edited"))
    assert {d["title"] for d in listing(store)} == {"T", "Edited"}
    path.unlink()
    assert [d["id"] for d in listing(store)] == [b]
    with sqlite3.connect(index) as conn:
        assert conn.execute("SELECT count(*) FROM files").fetchone()[0] == 1


def test_rows_of_the_wrong_shape_are_ignored_and_results_stay_right(store: Store) -> None:
    ids = [store.new(*PART) for _ in range(4)]
    store.ok("update", ids[0], "--status", "cancelled", actor="maria@example.com")
    expected = fresh_listing(store)
    listing(store)  # fills the index
    index = store.root / ".icsvc" / INDEX_FILE
    bodies = ['{"__class__": "os.system"}', "[1, 2, 3]", "not json", '["x"]']
    with sqlite3.connect(index) as conn:
        rows = conn.execute("SELECT path FROM files ORDER BY path").fetchall()
        for (path,), body in zip(rows, bodies, strict=True):
            conn.execute("UPDATE files SET body = ? WHERE path = ?", (body, path))
        conn.execute("UPDATE files SET created = 'soon' WHERE path = ?", (rows[0][0],))
    assert listing(store) == expected
    assert listing(store) == expected  # and the rows were rebuilt
    with sqlite3.connect(index) as conn:
        assert all(b.startswith("[") and len(b) > 50
                   for (b,) in conn.execute("SELECT body FROM files"))


def test_an_index_with_objects_icsvc_did_not_make_is_rebuilt(store: Store) -> None:
    rid = store.new(*PART)
    listing(store)
    index = store.root / ".icsvc" / INDEX_FILE
    with sqlite3.connect(index) as conn:
        conn.execute("CREATE TABLE loot (x TEXT)")
        conn.execute("CREATE TRIGGER steal AFTER INSERT ON files BEGIN "
                     "INSERT INTO loot VALUES (new.body); END")
        conn.execute("DELETE FROM files")
    assert [d["id"] for d in listing(store)] == [rid]
    with sqlite3.connect(index) as conn:
        names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    assert names == {name for _, name, _ in index_module._OBJECTS}


def test_a_damaged_or_odd_index_file_is_replaced(store: Store) -> None:
    rid = store.new(*PART)
    index = store.root / ".icsvc" / INDEX_FILE
    listing(store)
    index.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    assert [d["id"] for d in listing(store)] == [rid]
    index.unlink()
    os.mkfifo(index)  # would block a reader that opened it
    assert [d["id"] for d in listing(store)] == [rid]
    assert index.is_file()
    with sqlite3.connect(index) as conn:
        conn.execute("PRAGMA user_version = 99")
    assert [d["id"] for d in listing(store)] == [rid]


def _forge(store: Store, title: str) -> Path:
    """A copy of this clone's index whose rows match the files but hold a forged title,
    written in place of the index as git writes a checked-out file (a new file)."""
    index = store.root / ".icsvc" / INDEX_FILE
    forged = index.with_name("forged.sqlite")
    with closing(sqlite3.connect(index)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(index, forged)
    with closing(sqlite3.connect(forged)) as conn, conn:
        conn.execute("PRAGMA journal_mode = DELETE")
        body = conn.execute("SELECT body FROM files").fetchone()[0]
        conn.execute("UPDATE files SET body = ?", (body.replace('"T"', f'"{title}"', 1),))
    for suffix in ("-wal", "-shm"):
        Path(f"{index}{suffix}").unlink(missing_ok=True)
    os.replace(forged, index)
    return index


def test_an_index_written_by_anyone_else_is_never_used(store: Store) -> None:
    store.new(*PART)
    listing(store)
    _forge(store, "Forged")
    assert listing(store)[0]["title"] == "T"  # discarded: it is not the file icsvc made
    assert listing(store)[0]["title"] == "T"  # and rebuilt


def test_an_index_supplied_by_a_commit_is_never_used(store: Store) -> None:
    store.new(*PART)
    listing(store)
    index = _forge(store, "Forged")
    store.git("add", "-f", ".icsvc/index.sqlite")
    store.git("commit", "-qm", "a hostile index")
    r = store.ok("list", "--all", "-f", "json")
    assert r.json()[0]["title"] == "T"
    assert "tracked by git" in r.err  # and no index is made where a commit can supply it
    assert "Forged" in index.read_bytes().decode("latin-1")  # left as git wrote it
    assert "tracked by git" in store.fails("check").out


def test_the_json_form_round_trips_every_field(store: Store) -> None:
    import dataclasses

    from icsvc.domain.history.request import Request
    from icsvc.store import index
    from icsvc.store.files import load_request

    run = store.new(*PART)
    rid = store.new(*PART, "--needed-by", "2026-12-10", "--cost", "1200.5", "--for", run,
                    "--impact-note", "A line stop", "--details", "two\nlines")
    store.ok("triage", rid, "--ack", "--promise", "2026-12-01", "--assign", "raj@example.com",
             actor="ana@example.com")
    store.ok("update", rid, "--progress", "40", "--note", "half", actor="raj@example.com")
    request = load_request(store.request_file(rid))
    request.source = {"github_issue": 7, "url": "https://example.com/7"}
    unset = [f.name for f in dataclasses.fields(Request)
             if f.name != "path" and getattr(request, f.name) in (None, False, [], {})]
    assert set(unset) <= {"justification", "rush"}, unset  # every other field is set
    again = index.decode(index.encode(request), request.path or Path())
    assert again == request
    # a field of a type the index cannot check would make every row fail: none is left out
    assert all(kind in index._CHECKS for _, kind in index._FIELDS)


def test_links_follow_their_rows_however_many_are_written_at_once(tmp_path: Path) -> None:
    """The links a row's `blocks` makes are replaced when the row is, and forgotten with
    it, whether a few rows are written or many (then only the paths that had links are
    looked up)."""
    from icsvc.store.index import Fresh, Index, Summary

    index = Index.open(tmp_path)
    assert index is not None

    def rows(count: int, blocks: dict[int, tuple[str, ...]]) -> list[Fresh]:
        return [Fresh(f"requests/it/R{i:04d}.yaml", (i + 1, i + 1, 1, i + 1),
                      Summary(f"R{i:04d}", "it", "new", "normal", "sales", 1.0, 1.0,
                              blocks=blocks.get(i, ())), "", None) for i in range(count)]

    def links() -> set[tuple[str, str]]:
        return {(target, path[-10:-5]) for path in index.paths("requests/it")
                for target in ["A", "B", "C"] if path in index.blocking(target)}

    try:
        for count in (3, 150):  # a few rows, and more than are deleted one by one
            assert index.update(rows(count, {0: ("A",), 2: ("A", "B")}), ())
            assert links() == {("A", "R0000"), ("A", "R0002"), ("B", "R0002")}
            assert index.update(rows(count, {2: ("C",), 1: ("B",)})[1:],
                                ["requests/it/R0000.yaml"])
            assert links() == {("C", "R0002"), ("B", "R0001")}
            assert index.update([], [f"requests/it/R{i:04d}.yaml" for i in range(count)])
            assert links() == set()
    finally:
        index.close()
