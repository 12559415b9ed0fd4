"""The installed console script, end to end: most tests run `icsvc.cli.entry.main()` in process
for speed; these run the real script in a subprocess, as users and CI do."""

from __future__ import annotations

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
