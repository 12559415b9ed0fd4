"""Nothing lost: concurrent writers queue on the store's write lock, and a writer killed at
any point (kill -9) leaves every file whole, no request in two places once the next command
has run, and no temp file.

These run the installed `icsvc` script in real processes.
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock, Timeout

from conftest import ICSVC, Store
from icsvc.store import lock

PART = ["-p", "engineering", "-s", "part-clarification", "-t", "T",
        "--info", "order_number=1", "--info", "part_number=2"]
MEMBER = "ana@example.com"


def spawn(store: Store, *args: str, actor: str = MEMBER,
          env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    assert ICSVC
    return subprocess.Popen([ICSVC, *args], cwd=store.root,
                            env={**store.env, "ICSVC_USER": actor, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def notes(store: Store, rid: str) -> list[str]:
    history = store.ok("show", rid, "-f", "json").json()["history"]
    return [e["note"] for e in history if e["type"] == "note"]


def test_twenty_concurrent_writers_lose_nothing(store: Store) -> None:
    rid = store.new(*PART)
    written: list[str] = []
    for round_ in range(3):
        procs = {f"round {round_} writer {i}": spawn(store, "update", rid, "--note",
                                                     f"round {round_} writer {i}")
                 for i in range(20)}
        for note, proc in procs.items():
            out, err = proc.communicate(timeout=120)
            if proc.returncode == 0:
                written.append(note)
                continue
            # the only acceptable failure: a clean, one-line lock timeout
            assert proc.returncode == 1, err
            assert err.startswith("icsvc: error: the store is busy: .icsvc/write.lock is held "
                                  "by another icsvc command (pid "), err
            assert len(err.strip().splitlines()) == 1, err
        found = notes(store, rid)
        assert sorted(found) == sorted(written)  # every success kept, no failure's note
        assert len(found) == len(set(found))
    assert len(written) >= 30, f"only {len(written)} of 60 writers got the lock"
    store.ok("check")


def test_a_writer_that_cannot_get_the_lock_says_who_holds_it(store: Store) -> None:
    rid = store.new(*PART)
    before = store.snapshot()
    holder = store.root / ".icsvc" / "write.lock.holder"
    with FileLock(str(store.root / ".icsvc" / "write.lock")):
        holder.write_text("pid 4242, icsvc update 5AWR, since 2026-11-24T10:00:00-05:00\n")
        began = time.monotonic()
        r = store.fails("update", rid, "--note", "x", actor=MEMBER,
                        env={"ICSVC_LOCK_TIMEOUT": "0.5"}, script=True)
        assert time.monotonic() - began < 10
    assert r.err == (
        "icsvc: error: the store is busy: .icsvc/write.lock is held by another icsvc command "
        "(pid 4242, icsvc update 5AWR, since 2026-11-24T10:00:00-05:00); waited 0.5s: retry "
        "when it has finished (ICSVC_LOCK_TIMEOUT sets how long to wait)\n")
    assert store.snapshot() == before
    r = store.fails("update", rid, "--note", "x", actor=MEMBER,
                    env={"ICSVC_LOCK_TIMEOUT": "soon"}, code=2)
    assert "ICSVC_LOCK_TIMEOUT: 'soon' is not a number of seconds" in r.err
    store.ok("update", rid, "--note", "x", actor=MEMBER)  # the lock is free again


def test_icsvc_and_filelock_take_one_lock(store: Store) -> None:
    """icsvc takes the write lock with `flock` itself where it can (filelock costs 20-30 ms
    to import), as filelock's `FileLock` takes it on POSIX: each waits for the other, so
    writers of either way (another version of icsvc, a tool of the team's) never overlap.
    Where `flock` cannot be had, filelock takes it; that way excludes the first too."""
    lock_file = store.root / ".icsvc" / "write.lock"
    held = lock.acquire(store.root, "icsvc test")
    try:
        with pytest.raises(Timeout):
            FileLock(str(lock_file), timeout=0.2).acquire()
        with pytest.raises(lock._Busy):
            lock._filelocked(lock_file, 0.2)  # the way taken where flock is missing
        with pytest.raises(lock._Busy):
            lock._flocked(lock_file, 0.2)
    finally:
        held.release()
    other = lock._filelocked(lock_file, 0.2)
    try:
        began = time.monotonic()
        with pytest.raises(lock._Busy):
            lock._flocked(lock_file, 0.3)
        assert 0.3 <= time.monotonic() - began < 5  # it waited, polling
    finally:
        other.release()
    again = lock._flocked(lock_file, 0.2)  # free again
    assert again is not None
    again.release()


def _requests(store: Store) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for path in (store.root / "requests").glob("*/*.yaml"):
        found.setdefault(path.stem, []).append(path)
    return found


def _temps(store: Store) -> list[Path]:
    return list((store.root / "requests").glob("*/.*.tmp"))


def _kill_when(proc: subprocess.Popen[str], ready: Callable[[], bool], deadline: float
               ) -> bool:
    """kill -9 `proc` as soon as `ready()` is true (or at the deadline); False when it
    finished first."""
    while proc.poll() is None:
        if ready() or time.monotonic() >= deadline:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
    return False


def test_writers_killed_at_random_points_leave_a_whole_store(store: Store) -> None:
    rng = random.Random(8)
    big = "x" * 150_000  # bigger files: longer writes, more places to be killed in
    ids = [store.new(*PART, "--details", big) for _ in range(6)]
    anchor = store.new(*PART)
    began = time.monotonic()
    runs = killed = 0
    stopped_states: set[str] = set()
    while runs < 36 and time.monotonic() - began < 45:
        runs += 1
        rid = rng.choice(ids)
        current = store.request_file(rid)
        if rng.random() < 0.5 and current.parent.name == "engineering":
            proc = spawn(store, "triage", rid, "--redirect", "payroll", "--note", "Payroll's")
            target = store.root / "requests" / "payroll" / current.name
        elif rng.random() < 0.5 and current.parent.name == "payroll":
            proc = spawn(store, "triage", rid, "--redirect", "engineering", "--service",
                         "part-clarification", "--note", "back", actor="pat@example.com")
            target = store.root / "requests" / "engineering" / current.name
        else:
            proc = spawn(store, "update", rid, "--note", f"note {runs}",
                         actor=MEMBER if current.parent.name == "engineering"
                         else "pat@example.com")
            target = current
        mode = rng.choice(["time", "temp", "moved"])
        deadline = time.monotonic() + rng.uniform(0.05, 1.5)
        if mode == "temp":
            ready: Callable[[], bool] = lambda: bool(_temps(store))  # noqa: E731
        elif mode == "moved" and target != current:
            ready = target.exists
        else:
            ready = lambda: False  # noqa: E731
        if _kill_when(proc, ready, deadline + (5 if mode != "time" else 0)):
            killed += 1
        if _temps(store):
            stopped_states.add("temp file")
        if any(len(paths) > 1 for paths in _requests(store).values()):
            stopped_states.add("request in two places")
        # every file still parses; then the next writer repairs what the kill left
        store.ok("update", anchor, "--note", f"after run {runs}", actor=MEMBER)
        assert not _temps(store)
        assert all(len(paths) == 1 for paths in _requests(store).values())
        assert set(_requests(store)) == {*ids, anchor}
        store.ok("check")
    assert killed >= 5, (runs, killed)
    print(f"{runs} runs, {killed} killed, states left: {sorted(stopped_states)}")
