"""Finding the store, IDs and prefixes, init, atomic and readable writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import PROVIDERS, Store
from icsvc.domain import ids

PART = ["-p", "engineering", "-s", "part-clarification", "-t", "T",
        "--info", "order_number=1", "--info", "part_number=2"]


def test_store_is_found_from_a_subfolder(store: Store) -> None:
    sub = store.root / "requests" / "deep"
    sub.mkdir()
    assert "Engineering" in store.ok("sla", cwd=sub).out


def test_outside_a_store_says_how_to_create_one(store: Store, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = store.fails("list", cwd=elsewhere)
    assert "no icsvc store" in r.err and "icsvc init" in r.err
    assert "Traceback" not in r.err


def test_store_option_and_env_override(store: Store, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert "Engineering" in store.ok("sla", "--store", str(store.root), cwd=elsewhere).out
    assert "Engineering" in store.ok("sla", cwd=elsewhere,
                                     env={"ICSVC_STORE": str(store.root)}).out
    r = store.fails("sla", "--store", str(elsewhere), cwd=elsewhere)
    assert "not an icsvc store" in r.err


def test_ids_are_short_readable_and_random() -> None:
    made = {ids.new_id() for _ in range(2000)}
    assert len(made) == 2000
    for value in made:
        assert len(value) <= 10 and ids.is_valid(value)
        assert not set(value) & set("ILOU")
    assert ids.normalize("b1qd-49vf") == "B1QD49VF"
    assert ids.normalize("bIqd49vo") == "B1QD49V0"


def test_unique_prefix_finds_a_request_case_insensitively(store: Store) -> None:
    rid = store.new(*PART)
    assert store.ok("show", rid[:4].lower(), "-f", "json").json()["id"] == rid
    r = store.fails("show", rid[:3], code=2)
    assert "is not an ID (accepted: 4 or more characters of an ID" in r.err
    r = store.fails("show", "ZZZZZZ" if not rid.startswith("ZZ") else "YYYYYY")
    assert "no request with an ID starting" in r.err


def test_ambiguous_prefix_lists_the_candidates(store: Store) -> None:
    folder = store.root / "requests" / "engineering"
    rid = store.new(*PART)
    text = (folder / f"{rid}.yaml").read_text()
    twin = "ABCD" + rid[4:]
    other = "ABCE" + rid[4:]
    (folder / f"{rid}.yaml").unlink()
    (folder / f"{twin}.yaml").write_text(text.replace(rid, twin))
    (folder / f"{other}.yaml").write_text(text.replace(rid, other))
    store.ok("show", "abcd")  # unique
    r = store.fails("show", "abcx")
    assert "no request" in r.err
    third = "ABCD" + ("Z" if rid[4] != "Z" else "Y") + rid[5:]
    (folder / f"{third}.yaml").write_text(text.replace(rid, third))
    r = store.fails("show", "abcd")
    assert "ambiguous" in r.err and twin in r.err and third in r.err
    assert store.ok("show", twin.lower(), "-f", "json").json()["id"] == twin


def test_init_creates_a_store_and_refuses_to_overwrite(tmp_path: Path, store: Store) -> None:
    target = tmp_path / "fresh"
    r = store.ok("init", str(target), cwd=tmp_path)
    assert (target / "providers.yaml").is_file()
    assert (target / "requests").is_dir()
    assert ".icsvc/" in (target / ".gitignore").read_text()
    assert "#" in (target / "providers.yaml").read_text()  # commented template
    store.ok("check", cwd=target)
    before = (target / "providers.yaml").read_text()
    (target / "providers.yaml").write_text(before + "# mine\n")
    r = store.fails("init", str(target), cwd=tmp_path)
    assert "already exists" in r.err
    assert (target / "providers.yaml").read_text().endswith("# mine\n")


def test_writes_leave_no_temp_files_and_a_cache_that_can_be_deleted(store: Store) -> None:
    store.new(*PART)
    store.new(*PART)
    assert len(store.ok("list", "-f", "json").json()) == 2
    leftovers = list(store.root.rglob("*.tmp"))
    assert leftovers == []
    cache = store.root / ".icsvc"
    assert cache.is_dir()
    status = store.git("status", "--porcelain", "--ignored")
    assert "!! .icsvc/" in status
    import shutil

    shutil.rmtree(cache)
    assert len(store.ok("list", "-f", "json").json()) == 2


def test_cache_notices_edited_files(store: Store) -> None:
    rid = store.new(*PART)
    assert store.ok("list", "-f", "json").json()[0]["title"] == "T"
    path = store.request_file(rid)
    path.write_text(path.read_text().replace("title: T", "title: Changed by hand"))
    assert store.ok("list", "-f", "json").json()[0]["title"] == "Changed by hand"


@pytest.mark.parametrize("providers", [PROVIDERS])
def test_targets_are_recorded_at_creation(store: Store, providers: str) -> None:
    rid = store.new(*PART)
    (store.root / "providers.yaml").write_text(
        providers.replace("normal: {acknowledge: 4h, resolve: 2d, update: 1d}",
                          "normal: {acknowledge: 1h, resolve: 1w}"))
    data = store.ok("show", rid, "-f", "json").json()
    assert data["targets"] == {"acknowledge": "4h", "resolve": "2d", "update": "1d"}
    assert data["sla"]["acknowledge"]["due"] == "2026-11-24T14:00:00-05:00"
    data = store.ok("show", store.new(*PART), "-f", "json").json()
    assert data["targets"] == {"acknowledge": "1h", "resolve": "1w"}


def test_a_read_only_store_is_an_error_not_a_traceback(store: Store) -> None:
    import os

    if os.geteuid() == 0:
        # root ignores permissions; a file where the provider folder should be fails for all
        (store.root / "requests" / "engineering").write_text("not a folder")
    else:  # pragma: no cover - depends on who runs the suite
        (store.root / "requests").chmod(0o500)
    before = store.snapshot()
    r = store.fails("new", *PART, actor="maria@example.com")
    assert r.err.startswith("icsvc: error: ") and len(r.err.strip().splitlines()) == 1
    assert "requests/engineering" in r.err
    assert store.snapshot() == before


def test_comments_in_a_request_file_survive_an_update(store: Store) -> None:
    rid = store.new(*PART)
    path = store.request_file(rid)
    text = path.read_text()
    text = text.replace("title: T\n", "# asked on the phone first\ntitle: T  # keep it short\n")
    text = text.replace("  type: created\n", "  type: created  # by Maria, on behalf of Sam\n")
    text = text.replace("  order_number: '1'\n", "  order_number: '1'  # the SO number\n")
    path.write_text(text)
    store.ok("triage", rid, "--ack", "--assign", "raj@example.com", actor="ana@example.com",
             now="2026-11-24T11:00:00-05:00")
    after = path.read_text()
    for comment in ("# asked on the phone first\ntitle: T  # keep it short\n",
                    "  type: created  # by Maria, on behalf of Sam\n",
                    "  order_number: '1'  # the SO number\n"):
        assert comment in after, after
    data = store.ok("show", rid, "-f", "json").json()
    assert data["status"] == "acknowledged" and data["owner"] == "raj@example.com"
    # an acknowledgement carries its timeframe; only a date the provider types is a promise
    assert [e["type"] for e in data["history"]] == ["created", "assigned", "status"]
    store.ok("check")


def test_a_damaged_cache_is_rebuilt(store: Store) -> None:
    a = store.new(*PART)
    b = store.new(*PART)
    assert len(store.ok("list", "-f", "json").json()) == 2  # writes the cache
    cache = store.root / ".icsvc" / "index.sqlite"
    cache.write_bytes(b"\x00garbage")
    assert {d["id"] for d in store.ok("list", "-f", "json").json()} == {a, b}
    store.ok("update", a, "--status", "cancelled", actor="maria@example.com")
    assert [d["id"] for d in store.ok("list", "-f", "json").json()] == [b]  # open only
    assert {d["id"] for d in store.ok("list", "--all", "-f", "json").json()} == {a, b}
