"""The index is never stale: whatever changes the files behind its back (icsvc, git checkout,
merge, an editor writing in place with the size and modification time kept, deletes,
renames, a damaged index), the next command answers from the files as they are."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLE, ICSVC, Store, make_store, without_index
from icsvc.store.index import INDEX_FILE

PART = ["-p", "engineering", "-s", "part-clarification", "-t", "T",
        "--info", "order_number=1", "--info", "part_number=2"]
PROVIDER = "ana@example.com"


def listing(store: Store, *args: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = store.ok("list", "--all", "-f", "json", *args).json()
    return data


def table(store: Store) -> str:
    return store.ok("list", "--all", "-f", "csv").out


def fresh(store: Store, *args: str) -> list[dict[str, Any]]:
    """The listing from a fresh parse of every file (no index)."""
    return without_index(store, lambda s: listing(s, *args))


def settle(store: Store, committed: bool = True) -> None:
    """List twice: the index is built, then git's look confirms the rows of committed files
    (later listings trust them without looking at their files)."""
    listing(store)
    listing(store)
    if not committed:
        return
    with closing(sqlite3.connect(store.root / ".icsvc" / INDEX_FILE)) as conn:
        assert conn.execute("SELECT count(*) FROM files WHERE recheck != 0").fetchone()[0] == 0


def commit(store: Store, message: str = "requests") -> None:
    store.git("add", "-A")
    store.git("commit", "-q", "--allow-empty", "-m", message)


def edit_in_place(path: Path, old: str, new: str) -> None:
    """Rewrite a file in place (same inode), keeping its size and modification time."""
    assert len(old) == len(new)
    st = path.stat()
    text = path.read_text()
    assert old in text
    with open(path, "r+") as f:
        f.write(text.replace(old, new, 1))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (st.st_size, st.st_mtime_ns,
                                                               st.st_ino)


@pytest.mark.parametrize("committed", [True, False], ids=["committed", "uncommitted"])
def test_an_edit_in_place_keeping_size_and_mtime_is_seen(store: Store, committed: bool) -> None:
    a, b = store.new(*PART), store.new(*PART)
    if committed:
        commit(store)
    settle(store, committed)
    edit_in_place(store.request_file(a), "title: T\n", "title: X\n")
    assert {d["id"]: d["title"] for d in listing(store)} == {a: "X", b: "T"}
    assert store.ok("show", a, "-f", "json").json()["title"] == "X"
    edit_in_place(store.request_file(a), "title: X\n", "title: Y\n")
    assert store.ok("show", a, "-f", "json").json()["title"] == "Y"  # show first this time
    assert listing(store) == fresh(store)


def test_icsvc_writes_are_seen_and_touch_one_row(store: Store) -> None:
    ids = [store.new(*PART) for _ in range(3)]
    commit(store)
    settle(store)
    index = store.root / ".icsvc" / INDEX_FILE
    with closing(sqlite3.connect(index)) as conn:
        before = dict(conn.execute("SELECT path, body FROM files"))
    store.ok("triage", ids[1], "--ack", actor=PROVIDER)
    with closing(sqlite3.connect(index)) as conn:
        after = dict(conn.execute("SELECT path, body FROM files"))
    assert [p for p in before if before[p] != after[p]] == [
        str(store.request_file(ids[1]).relative_to(store.root))]
    assert {d["id"]: d["status"] for d in listing(store)}[ids[1]] == "acknowledged"
    store.ok("triage", ids[2], "--redirect", "payroll", "--service", "part-clarification",
             "--note", "Payroll answers this", actor=PROVIDER)
    assert {d["id"]: d["provider"] for d in listing(store)}[ids[2]] == "payroll"
    assert listing(store) == fresh(store)


def test_checkout_and_merge_are_seen(store: Store) -> None:
    a = store.new(*PART)
    commit(store, "a")
    settle(store)
    store.git("checkout", "-qb", "side")
    b = store.new(*PART)
    store.ok("update", a, "--note", "on the side branch", actor="maria@example.com")
    commit(store, "side")
    settle(store)
    store.git("checkout", "-q", "main")
    assert [d["id"] for d in listing(store)] == [a]
    assert len(store.ok("show", a, "-f", "json").json()["history"]) == 1
    c = store.new(*PART, now="2026-11-24T11:00:00-05:00")
    commit(store, "c")
    settle(store)
    store.git("merge", "-q", "--no-edit", "side")
    assert {d["id"] for d in listing(store)} == {a, b, c}
    assert len(store.ok("show", a, "-f", "json").json()["history"]) == 2
    assert listing(store) == fresh(store)
    store.git("reset", "-q", "--hard", "HEAD~1")
    assert {d["id"] for d in listing(store)} == {a, c}
    assert listing(store) == fresh(store)


def test_a_revert_to_the_committed_file_is_seen(store: Store) -> None:
    """A file edited (and read by a command), then restored by git: the row of the edit
    must not outlive it."""
    a = store.new(*PART)
    commit(store)
    settle(store)
    path = store.request_file(a)
    path.write_text(path.read_text().replace("title: T\n", "title: Edited\n"))
    assert store.ok("show", a, "-f", "json").json()["title"] == "Edited"
    assert listing(store)[0]["title"] == "Edited"
    store.git("checkout", "--", str(path))
    assert store.ok("show", a, "-f", "json").json()["title"] == "T"
    assert listing(store)[0]["title"] == "T"


def test_deleted_renamed_and_new_files_are_seen(store: Store) -> None:
    a, b, c = (store.new(*PART) for _ in range(3))
    commit(store)
    settle(store)
    store.request_file(a).unlink()
    old = store.request_file(b)
    elsewhere = store.root / "requests" / "payroll" / old.name
    elsewhere.parent.mkdir(exist_ok=True)
    old.rename(elsewhere)
    copy = store.request_file(c).read_text().replace(c, "ZZZZ0000")
    (store.root / "requests" / "engineering" / "ZZZZ0000.yaml").write_text(copy)
    found = {d["id"] for d in fresh(store)}
    assert found == {b, c, "ZZZZ0000"}
    assert {d["id"] for d in listing(store)} == found
    r = store.fails("show", a)
    assert "no request" in r.err
    store.ok("show", "ZZZZ")
    assert listing(store) == fresh(store)


def test_show_finds_files_added_and_removed_without_a_listing(store: Store) -> None:
    a = store.new(*PART)
    commit(store)
    settle(store)
    text = store.request_file(a).read_text().replace(a, "ZZZZ0000")
    (store.root / "requests" / "engineering" / "ZZZZ0000.yaml").write_text(text)
    assert store.ok("show", "zzzz", "-f", "json").json()["id"] == "ZZZZ0000"
    store.request_file(a).unlink()
    assert "no request" in store.fails("show", a).err
    store.git("checkout", "--", ".")
    assert store.ok("show", a, "-f", "json").json()["id"] == a


def test_waits_for_comes_from_the_index(store: Store) -> None:
    a = store.new(*PART)
    b = store.new(*PART, "--for", a)
    assert [w["id"] for w in store.ok("show", a, "-f", "json").json()["waits_for"]] == [b]
    store.ok("update", b, "--status", "cancelled", actor="maria@example.com")
    assert [w["status"] for w in store.ok("show", a, "-f", "json").json()["waits_for"]] == [
        "cancelled"]


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_a_damaged_index_file_is_rebuilt(store: Store, damage: str) -> None:
    a, b = store.new(*PART), store.new(*PART)
    commit(store)
    settle(store)
    index = store.root / ".icsvc" / INDEX_FILE
    with closing(sqlite3.connect(index)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = index.read_bytes()
    index.write_bytes({"truncated": data[:len(data) // 2], "garbage": b"\x00" * 4096,
                       "empty": b""}[damage])
    store.ok("update", a, "--note", "still here", actor="maria@example.com")
    assert {d["id"] for d in listing(store)} == {a, b}
    assert listing(store) == fresh(store)


def test_outside_git_every_file_is_looked_at(tmp_path: Path) -> None:
    store = make_store(tmp_path / "store")
    shutil.rmtree(store.root / ".git")
    a = store.new(*PART)
    listing(store)
    listing(store)
    edit_in_place(store.request_file(a), "title: T\n", "title: Q\n")
    assert listing(store)[0]["title"] == "Q"


# -- a listing from the index equals one from the files, whatever happened ------------------

OPS = st.lists(st.sampled_from(["new", "ack", "cancel", "edit", "delete", "commit",
                                "branch", "checkout", "list", "show"]),
               min_size=3, max_size=7)


@settings(max_examples=5, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_the_index_agrees_with_a_fresh_parse(tmp_path_factory: pytest.TempPathFactory,
                                             ops: list[str]) -> None:
    store = make_store(tmp_path_factory.mktemp("gen") / "store")
    ids: list[str] = [store.new(*PART)]
    branches = ["main"]
    for n, op in enumerate(ops):
        live = [i for i in ids if list((store.root / "requests").glob(f"*/{i}.yaml"))]
        target = live[n % len(live)] if live else None
        if op == "new" or target is None:
            ids.append(store.new(*PART))
        elif op == "ack":
            store.icsvc("triage", target, "--ack", actor=PROVIDER)
        elif op == "cancel":
            store.icsvc("update", target, "--status", "cancelled", actor="maria@example.com")
        elif op == "edit":
            path = store.request_file(target)
            if "title: T\n" in path.read_text():
                edit_in_place(path, "title: T\n", f"title: {n % 10}\n")
        elif op == "delete":
            store.request_file(target).unlink()
        elif op == "commit":
            commit(store, f"step {n}")
        elif op == "branch":
            commit(store, f"step {n}")
            branches.append(f"b{n}")
            store.git("checkout", "-qb", branches[-1])
        elif op == "checkout" and len(branches) > 1:
            commit(store, f"step {n}")
            store.git("checkout", "-q", branches[n % len(branches)])
        elif op == "show":
            store.icsvc("show", target)
        listing(store)
        assert listing(store) == fresh(store), ops[:n + 1]
        assert queue(store) == without_index(store, queue), ops[:n + 1]
    assert table(store) == table_fresh(store), ops
    report(store)  # the cards of every request in the period are kept
    assert report(store) == without_index(store, report), ops


def report(store: Store) -> str:
    return store.ok("report", "-f", "json").out


def queue(store: Store) -> str:
    return store.ok("queue", "-f", "csv", actor="maria@example.com").out


def table_fresh(store: Store) -> str:
    return without_index(store, table)


def _cards(store: Store) -> list[tuple[str, str | None]]:
    with closing(sqlite3.connect(store.root / ".icsvc" / INDEX_FILE)) as conn:
        return list(conn.execute("SELECT path, card FROM files ORDER BY path"))


def _set_cards(store: Store, values: dict[str, str]) -> None:
    with closing(sqlite3.connect(store.root / ".icsvc" / INDEX_FILE)) as conn, conn:
        conn.executemany("UPDATE files SET card = ? WHERE path = ?",
                         [(v, k) for k, v in values.items()])


def test_open_requests_cards_are_kept_and_follow_their_files(store: Store) -> None:
    """`queue` and `list` keep a card per request (what they show, and its clocks' plan):
    later listings read it; a change of the file, of the calendars or of the card itself
    (damaged, of another shape, another request's) makes it worked out again."""
    first, second = store.new(*PART), store.new(*PART, "--priority", "high")
    commit(store)
    before = queue(store)
    cards = dict(_cards(store))
    assert len(cards) == 2 and all(c and c.startswith('["') for c in cards.values())
    assert queue(store) == before == without_index(store, queue)
    store.ok("triage", first, "--ack", actor=PROVIDER)
    assert queue(store) == without_index(store, queue) != before
    one, two = sorted(cards)
    good = dict(_cards(store))
    for damage in ("not json", "[]", good[two], good[one].replace('"engineering"', '1', 1),
                   good[one].replace("-05:00", "")):
        _set_cards(store, {one: damage})
        assert queue(store) == without_index(store, queue), damage
        assert dict(_cards(store))[one] == good[one]
    providers = store.root / "providers.yaml"
    providers.write_text(providers.read_text().replace('hours: "09:00-17:00"',
                                                       'hours: "15:00-17:00"', 1))
    assert queue(store) == without_index(store, queue)
    assert dict(_cards(store)) != good
    assert store.ok("list", "-f", "csv").out == without_index(
        store, lambda s: s.ok("list", "-f", "csv").out)
    assert second


def test_a_value_worked_out_from_an_older_file_is_not_kept(store: Store) -> None:
    """A card is written only onto the row of the file it was worked out from: a row that
    changed meanwhile (another command rewrote the file) keeps no card."""
    from icsvc.store.index import Index

    store.new(*PART)
    queue(store)
    index = Index.open(store.root / ".icsvc")
    assert index is not None
    try:
        (path, card), = _cards(store)
        assert card is not None
        key = index.keys_of([path])[path]
        stamp = index.meta("cards") or ""
        _set_cards(store, {path: None})  # type: ignore[dict-item]
        index.set_kept("card", {path: ((key[0] + 1, *key[1:]), card)}, stamp)
        assert dict(_cards(store))[path] is None
        index.set_kept("card", {path: (key, card)}, stamp)
        assert dict(_cards(store))[path] == card
    finally:
        index.close()


def test_texts_kept_with_the_rows_follow_their_stamp(store: Store) -> None:
    """What a listing's refresh keeps of each open request it parses (`refresh.Keep`) is
    written with the file's row, under the stamp it was worked out with: another stamp
    forgets every value of the column; a request it makes nothing of keeps nothing."""
    from datetime import datetime

    from icsvc.commands import open_store
    from icsvc.commands.context import Context
    from icsvc.store.refresh import Keep

    def refreshed(stamp: str, skip: str = "") -> dict[str, str | None]:
        ctx = Context(cwd=store.root, store_override=None,
                      now=datetime.fromisoformat("2026-11-24T10:00:00-05:00"),
                      actor_option=PROVIDER)
        opened = open_store(ctx)
        opened.summaries(keep=Keep("card", stamp, lambda request, rel: None
                                   if request.id == skip else f"{stamp}:{request.id}"))
        with closing(sqlite3.connect(store.root / ".icsvc" / INDEX_FILE)) as conn:
            assert conn.execute("SELECT value FROM meta WHERE key = 'cards'"
                                ).fetchone() == (stamp,)
        return {path.rsplit("/", 1)[1].split(".")[0]: card for path, card in _cards(store)}

    first, second = store.new(*PART), store.new(*PART)
    (store.root / ".icsvc" / INDEX_FILE).unlink()
    assert refreshed("one", skip=second) == {first: f"one:{first}", second: None}
    third = store.new(*PART)  # written by `new`: parsed again by no listing
    edited = store.root / "requests" / "engineering" / f"{third}.yaml"
    edited.write_text(edited.read_text().replace("title: T", "title: U"))
    assert refreshed("two") == {first: None, second: None, third: f"two:{third}"}


def test_a_closed_requests_kept_row_follows_the_catalogue(store: Store) -> None:
    """A closed request's row is kept in the index; a change of the calendars (or of icsvc)
    makes it worked out again."""
    rid = store.new(*PART)
    store.ok("triage", rid, "--ack", actor=PROVIDER, now="2026-11-24T16:00:00-05:00")
    store.ok("update", rid, "--status", "resolved", "--note", "Done", actor=PROVIDER,
             now="2026-11-24T16:30:00-05:00")
    store.env["ICSVC_NOW"] = "2026-11-25T10:00:00-05:00"  # listed after it was resolved
    commit(store)
    settle(store)
    before = table(store)
    assert ",breached,acknowledge," in before  # 6 working hours to acknowledge, against 4h
    index = store.root / ".icsvc" / INDEX_FILE
    with closing(sqlite3.connect(index)) as conn:
        assert conn.execute("SELECT count(*) FROM files WHERE final IS NOT NULL"
                            ).fetchone()[0] == 1
    assert table(store) == before
    providers = store.root / "providers.yaml"
    providers.write_text(providers.read_text().replace('hours: "09:00-17:00"',
                                                       'hours: "15:00-17:00"', 1))
    after = table(store)
    assert "breached" not in after and after == table_fresh(store)


def test_parsing_and_checking_across_cores_give_the_same_answers(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from icsvc.store import refresh

    ids = [store.new(*PART) for _ in range(5)]
    store.request_file(ids[0]).write_text("id: [broken\n")
    serial = (fresh(store), store.fails("check").out)
    monkeypatch.setattr(refresh, "PARALLEL_FROM", 2)
    shutil.rmtree(store.root / ".icsvc")
    assert (listing(store), store.fails("check").out) == serial


def test_kept_values_read_by_path_or_by_a_pass_over_the_column_agree(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kept rows and cards are looked up path by path, or (for most of the store) read in one
    pass over their column: the two give the same listings."""
    from icsvc.store import index

    for n in range(4):
        rid = store.new(*PART)
        if n % 2:
            store.ok("update", rid, "--status", "cancelled", actor="maria@example.com")
    store.env["ICSVC_NOW"] = "2026-11-30T10:00:00-05:00"
    by_path = (table(store), queue(store), table(store), queue(store))
    monkeypatch.setattr(index, "SCAN_ABOVE", 0)
    assert (table(store), queue(store), table(store), queue(store)) == by_path
    assert by_path[0] == table_fresh(store)


def test_a_quick_look_reads_what_a_parse_reads_or_nothing(store: Store) -> None:
    """`quick_summary` (the cold start's look at files icsvc wrote) gives the summary a full
    parse gives, or None; never another one."""
    from icsvc.store.files import load_request
    from icsvc.store.index import summarize
    from icsvc.store.refresh import quick_summary

    a = store.new(*PART, "--details", "two\nlines: with a colon")
    b = store.new(*PART, "--for", a, "-t", "Quoted: 'title' # not a comment")
    store.ok("triage", a, "--ack", "--promise", "2026-12-01", actor=PROVIDER)
    files = [*sorted((EXAMPLE / "requests").glob("*/*.yaml")), store.request_file(a),
             store.request_file(b)]
    assert len(files) >= 32, "the example organisation's requests are read too"
    read = 0
    for path in files:
        quick = quick_summary(path.read_text())
        if quick is not None:
            assert quick == summarize(load_request(path)), path
            read += 1
    assert read >= len(files) - 5  # most files icsvc writes are read quickly
    text = store.request_file(a).read_text()
    for odd in (text.replace("status: acknowledged", "status: acknowledged  # hm"),
                text.replace("status: acknowledged", "status: 'acknowledged'"),
                text.replace("status: acknowledged", "status: acknowledged\n  later"),
                text + "status: new\n",  # a key twice
                text.replace(f"id: {a}", "id: 12345678"),  # YAML reads a number
                text.replace("  department: customer-service", "  department: no"),
                text.replace("history:\n- at:", "history:\n- by: x\n  at:"),
                text.replace("\n", "\r\n"), "--- " + text, "%YAML 1.1\n" + text,
                text.replace("customer:\n", "customer:\n \n"),  # (raised IndexError)
                text.replace("customer:\n", "customer:\n  \n")):
        assert quick_summary(odd) is None, odd


_EDITS = st.sampled_from(["", " ", "  ", "   ", "-", "- ", "#", ":", " :", "  x", "x:",
                          "- at: 2026-11-24T09:00:00-05:00", "  by: x", "history:", "\t",
                          "customer:", "  email: a@b.c", "status: closed", "'", "[]"])


@settings(max_examples=300, deadline=None)
@given(which=st.integers(0, 31), where=st.integers(0, 200), cut=st.integers(0, 40),
       edit=_EDITS, how=st.sampled_from(["insert", "replace", "append", "truncate"]))
def test_a_quick_look_at_an_edited_file_never_fails_and_never_misleads(
        which: int, where: int, cut: int, edit: str, how: str) -> None:
    """Whatever a hand edit leaves in a file (a line of spaces, a stray dash, a key out of
    place, a line cut short), the cold start's quick look never raises (a line of one
    space under `customer:` did: every listing after a clone of 2,000 requests or more
    stopped), and for a file that parses it returns the summary the parse gives, or None
    (the file is parsed then). It reads only the lines the summary needs, so a file YAML
    refuses in another line may still be summed up: `check` reports it, and every command
    that reads the request refuses it with the line at fault."""
    import yaml

    from icsvc.errors import ValidationError
    from icsvc.store.files import request_from_text
    from icsvc.store.index import summarize
    from icsvc.store.refresh import quick_summary

    files = sorted((EXAMPLE / "requests").glob("*/*.yaml"))
    path = files[which % len(files)]
    lines = path.read_text(encoding="utf-8").split("\n")
    at = where % len(lines)
    if how == "insert":
        lines.insert(at, edit)
    elif how == "replace":
        lines[at] = edit
    elif how == "append":
        lines[at] += edit
    else:
        lines[at] = lines[at][:cut]
    text = "\n".join(lines)
    quick = quick_summary(text)
    if quick is None:
        return
    try:
        full = summarize(request_from_text(path, text))
    except (ValidationError, yaml.YAMLError):
        return  # not a request file any more (see above)
    assert quick == full


def test_check_base_looks_at_what_the_branch_changes(store: Store) -> None:
    """A pull request's check reads the files it changes (the base's were checked when
    merged): its cost follows the change, not the store."""
    from git_helpers import change
    from git_helpers import commit as commit_as

    a, b = store.new(*PART), store.new(*PART)
    commit_as(store, "base", "maria@example.com")
    store.git("checkout", "-qb", "pr")
    change(store, a, "10:40", "maria@example.com", "note", note="Thanks")
    commit_as(store, "a note", "maria@example.com")
    evening = "2026-11-24T18:00:00-05:00"  # the check runs after the note
    r = store.ok("check", "--base", "main", now=evening)
    assert "the 1 request file(s) changed since main are valid" in r.err
    copy = store.request_file(b).read_text()
    (store.root / "requests" / "payroll").mkdir(exist_ok=True)
    (store.root / "requests" / "payroll" / f"{b}.yaml").write_text(
        copy.replace("provider: engineering", "provider: payroll"))
    out = store.fails("check", "--base", "main", now=evening).out
    assert b in out and ("duplicate ID" in out or "two folders" in out), out
    (store.root / "requests" / "payroll" / f"{b}.yaml").unlink()
    providers = store.root / "providers.yaml"
    providers.write_text(providers.read_text() + "\n")  # then every file is checked
    assert "and 2 request file(s) are valid" in store.ok("check", "--base", "main",
                                                          now=evening).err


def test_check_base_finds_twins_and_odd_entries_without_listing_the_store(
        store: Store) -> None:
    """`check --base` reads no folder but by its file names: a file the branch does not
    change that holds a changed file's ID under another case or extension is a duplicate;
    one that is not a plain file is never opened (a FIFO would block); the odd entries it
    reports are the branch's own."""
    from git_helpers import change
    from git_helpers import commit as commit_as

    a, b = store.new(*PART), store.new(*PART)
    payroll = store.root / "requests" / "payroll"
    payroll.mkdir(exist_ok=True)
    twin = payroll / f"{b.lower()}.yml"
    twin.write_text(store.request_file(b).read_text().replace("provider: engineering",
                                                               "provider: payroll"))
    commit_as(store, "base", "maria@example.com")
    store.git("checkout", "-qb", "pr")
    change(store, b, "10:40", "maria@example.com", "note", note="Thanks")
    commit_as(store, "a note", "maria@example.com")
    out = store.fails("check", "--base", "main").out
    assert f"{b}" in out and twin.name in out, out
    twin.unlink()
    store.git("commit", "-qam", "the twin goes")
    os.mkfifo(payroll / f"{b}.yaml")  # named after a changed request; git lists no FIFO
    (store.root / "requests" / "engineering" / ".x.yaml.1a2b.tmp").write_text("x")
    change(store, a, "10:41", "maria@example.com", "note", note="More")
    r = store.fails("check", "--base", "main", script=True)  # (a blocked read: a timeout)
    assert "a temp file left by an interrupted write" in r.out, r.out
    assert "not a regular file" not in r.out and "duplicate" not in r.out, r.out
    assert "not a regular file" in store.fails("check").out  # the whole store's check


def test_a_store_in_a_folder_of_a_repository(tmp_path: Path) -> None:
    store = make_store(tmp_path / "repo" / "store")
    shutil.move(store.root / ".git", tmp_path / "repo" / ".git")
    a = store.new(*PART)
    store.git("add", "-A", cwd=tmp_path / "repo")
    store.git("commit", "-qm", "moved", cwd=tmp_path / "repo")
    settle(store)
    edit_in_place(store.request_file(a), "title: T\n", "title: S\n")
    assert listing(store)[0]["title"] == "S"
    store.git("checkout", "--", ".", cwd=tmp_path / "repo")
    assert listing(store)[0]["title"] == "T"


def test_a_symlinked_request_follows_its_target(store: Store) -> None:
    a = store.new(*PART)
    path = store.request_file(a)
    target = store.root / "kept" / path.name
    target.parent.mkdir()
    shutil.move(path, target)
    path.symlink_to(target)
    commit(store)
    listing(store)
    listing(store)
    edit_in_place(target, "title: T\n", "title: L\n")
    assert listing(store)[0]["title"] == "L"
    assert listing(store) == fresh(store)


def test_an_index_another_command_holds_is_not_answered_from(store: Store) -> None:
    """Rows that could not be written (the index busy past its timeout) are not used: the
    command reads the files, and git's next look starts where the last one did."""
    a = store.new(*PART)
    commit(store)
    settle(store)
    edit_in_place(store.request_file(a), "title: T\n", "title: B\n")
    commit(store, "edited")
    with closing(sqlite3.connect(store.root / ".icsvc" / INDEX_FILE,
                                 isolation_level=None)) as holder:
        holder.execute("BEGIN IMMEDIATE")
        assert listing(store)[0]["title"] == "B"
        holder.execute("ROLLBACK")
    assert listing(store)[0]["title"] == "B"
    assert listing(store) == fresh(store)


def test_a_kept_row_is_not_used_before_its_last_change(store: Store) -> None:
    """A closed request's kept row says how it ended; listed at an earlier moment (a pinned
    ICSVC_NOW) it is worked out again, as a fresh parse would."""
    rid = store.new(*PART)
    store.ok("update", rid, "--status", "cancelled", actor="maria@example.com",
             now="2026-11-26T10:00:00-05:00")
    later = "2026-11-30T10:00:00-05:00"
    assert table(store) != "" and store.ok("list", "--all", "-f", "csv", now=later).out
    earlier = "2026-11-25T10:00:00-05:00"
    seen = store.ok("list", "--all", "-f", "csv", now=earlier).out
    shutil.rmtree(store.root / ".icsvc")
    assert seen == store.ok("list", "--all", "-f", "csv", now=earlier).out


# -- rows read while git looks -----------------------------------------------------------------


def _held_git(folder: Path, real: str) -> str:
    """A `git` that, asked for `status`, marks that it started (`$HOLD.started`) and waits
    for `$HOLD.go` before running: a look made to last while another command writes."""
    script = folder / "git"
    script.write_text(
        "#!/bin/sh\n"
        'case " $* " in *" status "*)\n'
        '  : > "$HOLD.started"; i=0\n'
        '  while [ ! -e "$HOLD.go" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done;;\n'
        "esac\n"
        f'exec "{real}" "$@"\n')
    script.chmod(0o755)
    return f"{folder}{os.pathsep}{os.environ['PATH']}"


@pytest.mark.parametrize("change", [
    ("triage", "--redirect", "payroll", "--service", "part-clarification"),
    ("update", "--status", "cancelled"),
], ids=["redirected", "cancelled"])
def test_rows_read_while_git_looks_are_not_used_when_another_command_wrote(
        store: Store, tmp_path: Path, change: tuple[str, ...]) -> None:
    """A listing of every request reads the index's rows while git looks, and answers from
    them only when the index is unchanged since: here another command writes a request
    (its file and its row) during the look, which then finds nothing of its own to write;
    the listing reads the rows again (the request redirected is found where it is now, the
    one cancelled is not counted as open)."""
    a, b = store.new(*PART), store.new(*PART)
    commit(store)
    settle(store)
    assert ICSVC
    real = shutil.which("git")
    assert real is not None
    hold = tmp_path / "hold"
    env = {**store.env, "PATH": _held_git(tmp_path, real), "HOLD": str(hold)}
    listing_ = subprocess.Popen([ICSVC, "list", "--all", "-f", "json"], cwd=store.root,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
    try:
        for _ in range(600):
            if Path(f"{hold}.started").exists() or listing_.poll() is not None:
                break
            time.sleep(0.05)
        time.sleep(1.0)  # its rows read (a small store's take milliseconds)
        command, *options = change
        store.ok(command, a, *options, "--note", "moved on", actor=PROVIDER
                 if command == "triage" else "maria@example.com", script=True)
    finally:
        Path(f"{hold}.go").touch()
        out, err = listing_.communicate(timeout=120)
    assert listing_.returncode == 0, err
    assert "warning" not in err, err
    seen = {d["id"]: d for d in json.loads(out)}
    assert set(seen) == {a, b}
    assert (seen[a]["provider"], seen[a]["status"]) == (
        ("payroll", "new") if command == "triage" else ("engineering", "cancelled"))
    assert seen == {d["id"]: d for d in listing(store)} == {d["id"]: d for d in fresh(store)}


# -- git's quick look: untracked files known from its last full look -------------------------


def _status_flags(store: Store, tmp: Path) -> list[str]:
    """The `git status` untracked-files option a listing used (from git's own trace)."""
    trace = tmp / "trace.txt"
    trace.unlink(missing_ok=True)
    store.ok("list", "--all", "-f", "csv", env={"GIT_TRACE": str(trace)})
    return [word for line in trace.read_text().splitlines() if " status " in line
            for word in line.split() if word.startswith("--untracked-files")]


def test_untracked_files_are_seen_when_git_looks_quickly(store: Store, tmp_path: Path) -> None:
    """Once git's full look recorded the untracked files, later listings ask git only for
    tracked changes (it then reads no folder) until a folder or HEAD changes: an untracked
    file edited in place, a new untracked file, and a file `git rm --cached` left untracked
    in place are all seen."""
    a, b = store.new(*PART), store.new(*PART)
    commit(store)
    untracked = store.new(*PART)
    settle(store, committed=False)
    assert _status_flags(store, tmp_path) == ["--untracked-files=no"]
    edit_in_place(store.request_file(untracked), "title: T\n", "title: U\n")
    assert _status_flags(store, tmp_path) == ["--untracked-files=no"]
    assert listing(store) == fresh(store)
    assert any(d["title"] == "U" for d in listing(store))
    newer = store.new(*PART)  # a new file: its folder changed, git looks at everything
    assert _status_flags(store, tmp_path) == ["--untracked-files=all"]
    assert newer in {d["id"] for d in listing(store)}
    assert _status_flags(store, tmp_path) == ["--untracked-files=no"]
    store.git("rm", "-q", "--cached", str(store.request_file(a).relative_to(store.root)))
    store.git("commit", "-q", "-m", "untrack one")
    flags = _status_flags(store, tmp_path)  # HEAD moved: the full look again
    assert flags[-1] == "--untracked-files=all"
    listing(store)
    edit_in_place(store.request_file(a), "title: T\n", "title: V\n")
    assert listing(store) == fresh(store)
    assert any(d["title"] == "V" for d in listing(store)) and b


def test_looked_up_reads_equal_plain_reads(store: Store) -> None:
    """`BlobReader.look_for` (one `git ls-tree` a revision) reads what `rev:path` reads: a
    file, a file another commit changed, a missing one, a folder (its listing is read past,
    not taken for the next answer), a symlink, a name with
    pathspec characters, and an unknown revision."""
    from icsvc.store.gitutil import BlobReader

    a = store.new(*PART)
    folder = store.root / "requests" / "engineering"
    (folder / "[x]*.yaml").write_text("odd: name\n")
    (folder / "sub.yaml").mkdir()
    (folder / "sub.yaml" / "f").write_text("f\n")
    (folder / "link.yaml").symlink_to(f"{a}.yaml")
    commit(store, "one")
    first = store.git("rev-parse", "HEAD").strip()
    store.ok("update", a, "--note", "n", actor="maria@example.com")
    commit(store, "two")
    paths = [f"requests/engineering/{name}" for name in
             (f"{a}.yaml", f"{a}.yml", "[x]*.yaml", "sub.yaml", "link.yaml", "none.yaml")]
    plain, looked = BlobReader(store.root), BlobReader(store.root)
    looked.look_for(paths)
    try:
        for rev in (first, "HEAD", "0" * 40):
            for path in paths:
                assert looked.text(rev, path) == plain.text(rev, path), (rev, path)
        assert looked.text("HEAD", paths[0]) != looked.text(first, paths[0])
        assert looked.text("HEAD", paths[2]) == "odd: name\n"
    finally:
        plain.close()
        looked.close()
