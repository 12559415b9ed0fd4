"""The installed console script, end to end: most tests run `icsvc.cli.entry.main()` in process
for speed; these run the real script in a subprocess, as users and CI do."""

from __future__ import annotations

from pathlib import Path

from conftest import Store
from test_docs import commands


def test_every_command_answers_help_through_the_script(store: Store) -> None:
    for name in commands():
        result = store.icsvc(name, "--help", script=True)
        assert result.code == 0, (name, result.err)
        assert "Usage:" in result.out


def test_a_request_lifecycle_through_the_script(store: Store) -> None:
    made = store.ok("new", "-p", "engineering", "-s", "drawing-review", "-t", "Check drawing",
                    "--needed-by", "2026-12-10", "--format", "json", actor="maria@example.com",
                    script=True)
    rid = made.json()["id"]
    store.ok("triage", rid, "--ack", actor="ana@example.com", script=True)
    store.ok("update", rid, "--status", "resolved", "--note", "Done", actor="ana@example.com",
             script=True)
    store.ok("feedback", rid, "--rating", "5", actor="maria@example.com", script=True)
    assert store.ok("show", rid, "--format", "json", script=True).json()["status"] == "resolved"
    assert rid in store.ok("list", "--all", script=True).out
    store.ok("report", "--format", "json", script=True)
    store.ok("check", script=True)
    refused = store.icsvc("update", rid, "--status", "closed", actor="maria@example.com",
                          script=True)
    assert refused.code == 1 and refused.err.startswith("icsvc: error: ")
    assert "Traceback" not in refused.err


def test_the_script_ends_without_finalization_and_loses_nothing(store: Store,
                                                                 tmp_path: Path) -> None:
    """The script ends the process at once (`entry.script`): what it printed is all there
    (a long output, piped), the exit codes are `main`'s, a write is seen by the next run,
    and the exit handlers ran (the dataclass cache is written, by one of them). Python
    as users run it: its output buffered, its bytecode written."""
    for setting in ("PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"):
        store.env.pop(setting, None)
    for n in range(40):
        store.ok("new", "-p", "engineering", "-s", "drawing-review", "-t", f"Drawing {n}",
                 "--needed-by", "2026-12-10", actor="maria@example.com")
    listed = store.ok("list", "--all", "-f", "csv").out
    assert store.ok("list", "--all", "-f", "csv", script=True).out == listed
    assert listed.count("\n") > 40
    refused = store.icsvc("list", "--stauts", "new", script=True)
    assert (refused.code, refused.out) == (2, "")
    assert refused.err.startswith("icsvc: error: list: no such option: --stauts")
    assert store.icsvc("show", "ZZZZZZZZ", script=True).code == 1
    rid = listed.splitlines()[1].split(",")[0]
    store.ok("update", rid, "--note", "Ordered", actor="ana@example.com", script=True)
    assert "Ordered" in store.ok("show", rid, "-f", "json", script=True).out
    prefix = tmp_path / "pycache"
    store.ok("sla", env={"PYTHONPYCACHEPREFIX": str(prefix)}, script=True)
    assert list(prefix.rglob("dataclass_cache.*.codes"))
