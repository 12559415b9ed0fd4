"""`icsvc new`: intake rules, expectations, and the JSON contract, end to end."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

import yaml

from conftest import ICSVC, Store
from terminal import on_terminal

PART = ["-p", "engineering", "-s", "part-clarification", "-t", "Bore diameter",
        "--info", "order_number=SO-1", "--info", "part_number=P-2"]


def test_new_creates_a_file_and_prints_expectations(store: Store) -> None:
    out = store.ok("new", *PART, actor="maria@example.com").out
    files = list((store.root / "requests" / "engineering").glob("*.yaml"))
    assert len(files) == 1
    rid = files[0].stem
    assert f"Created {rid}" in out
    # Tue 10:00 + 4h (normal ack) -> Tue 14:00; + 2d resolve skips Thanksgiving -> Fri 10:00
    assert "acknowledge by: Tue 2026-11-24 14:00 -0500" in out
    assert "resolve by:     Fri 2026-11-27 10:00 -0500" in out
    data = yaml.safe_load(files[0].read_text())
    assert data["customer"] == {"email": "maria@example.com", "department": "customer-service"}
    assert data["targets"] == {"acknowledge": "4h", "resolve": "2d", "update": "1d"}
    assert data["history"][0]["type"] == "created"
    assert data["status"] == "new"
    text = files[0].read_text()
    assert "created_at: 2026-11-24T10:00:00-05:00\n" in text  # ISO 8601, block style
    assert "{" not in text and "&" not in text


def test_json_contract(store: Store) -> None:
    data = store.ok("new", *PART, "--format", "json", "--needed-by", "2026-12-04",
                    actor="maria@example.com").json()
    for key in ("id", "title", "provider", "service", "status", "priority",
                "requested_priority", "customer", "needed_by", "rush", "created_at", "sla",
                "history", "owner", "promised_by", "progress"):
        assert key in data, key
    assert data["customer"] == {"email": "maria@example.com", "department": "customer-service"}
    assert data["rush"] is False
    assert data["needed_by"] == "2026-12-04T17:00:00-05:00"  # a date = end of business day
    assert data["sla"]["acknowledge"] == {
        "due": "2026-11-24T14:00:00-05:00", "state": "ok", "target": "4h", "left": "4h",
        "met_at": None, "basis": "sla", "sla_due": None,
    }
    # planned work: the customer's date (Dec 4) is later than the SLA's (Nov 27), so the
    # resolve target is the customer's date
    assert data["sla"]["resolve"]["due"] == "2026-12-04T17:00:00-05:00"
    for entry in data["history"]:
        assert {"at", "by", "type"} <= entry.keys()
        datetime.fromisoformat(entry["at"])
    assert data["id"] == store.request_file(data["id"]).stem


def test_out_of_hours_request_starts_next_working_minute(store: Store) -> None:
    # Saturday evening: clocks start Monday 09:00 (in London for payroll, with a lunch break)
    data = store.ok("new", "-p", "payroll", "-s", "pay-correction", "-t", "Overtime missing",
                    "--info", "employee_id=E1", "--info", "pay_period=2026-11", "-f", "json",
                    actor="maria@example.com", now="2026-11-28T19:00:00+00:00").json()
    assert data["created_at"] == "2026-11-28T19:00:00+00:00"
    # normal: acknowledge 1d = 8h of 09:00-12:30 + 13:30-17:30 -> Monday 17:30
    assert data["sla"]["acknowledge"]["due"] == "2026-11-30T17:30:00+00:00"
    assert data["sla"]["resolve"]["due"] == "2026-12-04T17:30:00+00:00"


def test_missing_items_are_all_listed_without_a_terminal(store: Store) -> None:
    before = store.snapshot()
    r = store.fails("new", "-p", "engineering", "-s", "part-clarification", code=2,
                    actor="nobody@example.com")
    assert r.err.startswith("icsvc: error: missing:")
    for item in ("--title", "--department", "--info order_number=", "--info part_number="):
        assert item in r.err
    assert len(r.err.strip().splitlines()) == 1
    assert store.snapshot() == before


def test_required_information_missing_is_refused(store: Store) -> None:
    before = store.snapshot()
    r = store.fails("new", "-p", "engineering", "-s", "part-clarification", "-t", "x",
                    "--info", "order_number=SO-1", code=2, actor="maria@example.com")
    assert "--info part_number=..." in r.err and "order_number" not in r.err
    r = store.fails("new", "-p", "engineering", "-s", "part-clarification", "-t", "x",
                    "--info", "order_number=SO-1", "--info", "part_number=",
                    code=2, actor="maria@example.com")
    assert "missing: --info part_number=..." in r.err  # an empty value is still missing
    assert store.snapshot() == before


def test_urgent_needs_a_justification(store: Store) -> None:
    before = store.snapshot()
    r = store.fails("new", *PART, "--priority", "urgent", actor="maria@example.com")
    assert "urgent" in r.err and "--justification" in r.err
    assert store.snapshot() == before
    data = store.ok("new", *PART, "--priority", "urgent", "--justification", "Line down",
                    "-f", "json", actor="maria@example.com").json()
    assert data["rush"] is True and data["justification"] == "Line down"
    assert data["requested_priority"] == "urgent"
    assert data["sla"]["acknowledge"]["due"] == "2026-11-24T10:30:00-05:00"


def test_last_minute_needs_a_justification(store: Store) -> None:
    # lead time 1d: needed tomorrow end of day is fine, today is last-minute
    store.ok("new", *PART, "--needed-by", "tomorrow", actor="maria@example.com")
    before = store.snapshot()
    r = store.fails("new", *PART, "--needed-by", "today", actor="maria@example.com")
    assert "lead time" in r.err and "--justification" in r.err
    assert store.snapshot() == before
    data = store.ok("new", *PART, "--needed-by", "+4h", "--justification", "Truck at 3pm",
                    "-f", "json", actor="maria@example.com").json()
    assert data["rush"] is True
    assert data["needed_by"] == "2026-11-24T14:00:00-05:00"


def test_needed_by_forms(store: Store) -> None:
    def needed(text: str) -> str:
        return str(store.ok("new", "-p", "engineering", "-s", "drawing-review", "-t", "x",
                            "--needed-by", text, "--justification", "j", "-f", "json",
                            actor="maria@example.com").json()["needed_by"])

    assert needed("2026-12-01") == "2026-12-01T17:00:00-05:00"
    assert needed("2026-12-01T11:00:00-05:00") == "2026-12-01T11:00:00-05:00"
    assert needed("fri") == "2026-11-27T17:00:00-05:00"
    assert needed("monday") == "2026-11-30T17:00:00-05:00"
    assert needed("+3d") == "2026-11-27T17:00:00-05:00"
    # a typed date is that day, even a day off (the command says so, see test_dates.py)
    assert needed("2026-11-29") == "2026-11-29T17:00:00-05:00"


def test_bad_inputs_are_refused_cleanly(store: Store) -> None:
    before = store.snapshot()
    cases = [
        (["new", *PART, "--priority", "asap"], "accepted: low, normal, high, urgent"),
        (["new", *PART, "--needed-by", "someday"], "--needed-by: 'someday' is not a date"),
        (["new", *PART, "--needed-by", "2020-01-01"], "in the past"),
        (["new", "-p", "nope", "-s", "x", "-t", "x"], "unknown provider 'nope'"),
        (["new", "-p", "engineering", "-s", "nope", "-t", "x"], "has no service 'nope'"),
        (["new", *PART, "--department", "Customer Service"], "--department"),
        (["new", *PART, "--cost", "-5"], "--cost"),
    ]
    for args, message in cases:  # malformed or unknown values are bad usage: exit 2
        r = store.fails(*args, actor="maria@example.com", code=2)
        assert message in r.err, (args, r.err)
        assert len(r.err.strip().splitlines()) == 1
    r = store.fails("new", *PART, "--info", "oops", actor="maria@example.com", code=2)
    assert "KEY=VALUE" in r.err
    r = store.fails("new", *PART, actor="maria@example.com", env={"ICSVC_NOW": "yesterday"},
                    code=2)
    assert "ICSVC_NOW" in r.err
    assert store.snapshot() == before


def test_actor_from_git_config_and_department_from_option(store: Store) -> None:
    store.git("config", "user.email", "Lee@Example.com")
    data = store.ok("new", *PART, "-f", "json").json()
    assert data["customer"] == {"email": "lee@example.com", "department": "sales"}
    data = store.ok("new", *PART, "--department", "operations", "-f", "json",
                    actor="zoe@example.com").json()
    assert data["customer"]["department"] == "operations"
    store.git("config", "icsvc.department", "hr")
    data = store.ok("new", *PART, "-f", "json", actor="kim@example.com").json()
    assert data["customer"]["department"] == "hr"


def test_no_actor_is_an_error(store: Store) -> None:
    r = store.fails("new", *PART, env={"HOME": str(store.root)})
    assert "--as EMAIL" in r.err


def test_impact_is_recorded(store: Store) -> None:
    rid = store.new(*PART, "--cost", "1200", "--impact-note", "Line stop")
    data = yaml.safe_load(store.request_file(rid).read_text())
    assert data["impact"] == {"cost": 1200, "note": "Line stop"}


def on_a_terminal(store: Store, args: list[str], answers: list[tuple[str, str]]) -> str:
    """Run `icsvc` under a real pseudo-terminal, answer its prompts, return what it showed."""
    env = dict(store.env, ICSVC_USER="maria@example.com", COLUMNS="100")
    screen = on_terminal(args, env, store.root, answers)
    assert screen.code == 0, screen.text
    return screen.text


def test_prompts_for_what_is_missing_on_a_terminal(store: Store) -> None:
    on_a_terminal(store, ["new", "-p", "engineering"],
                  [("Service", "part-clarification"), ("Title", "Prompted title"),
                   ("order_number", "SO-9"), ("part_number", "P-9"), ("Priority", ""),
                   ("Needed by", ""), ("Details", "")])
    files = list((store.root / "requests" / "engineering").glob("*.yaml"))
    data = yaml.safe_load(files[0].read_text())
    assert data["title"] == "Prompted title"
    assert data["info"] == {"order_number": "SO-9", "part_number": "P-9"}


def test_a_terminal_asks_why_a_rush_is_needed(store: Store) -> None:
    shown = on_a_terminal(store, ["new", *PART, "--priority", "urgent", "--needed-by", "today"],
                          [("justification", "The customer's line is down")])
    assert "This is a rush: you asked for urgent priority and it is needed inside" in shown
    files = list((store.root / "requests" / "engineering").glob("*.yaml"))
    data = yaml.safe_load(files[0].read_text())
    assert data["rush"] is True and data["justification"] == "The customer's line is down"


def test_console_script_is_installed() -> None:
    assert ICSVC and Path(ICSVC).exists()
    out = subprocess.run([ICSVC, "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("icsvc ")


def test_info_the_service_does_not_ask_for_is_refused_with_the_accepted_keys(
        store: Store) -> None:
    before = store.snapshot()
    r = store.fails("new", *PART, "--info", "colour=red", code=2, actor="maria@example.com")
    assert r.err.strip() == ("icsvc: error: --info colour=...: part-clarification does not "
                             "ask for 'colour' (accepted: order_number, part_number; anything "
                             "else goes in the details)")
    # a typo of a required key is named before the key it leaves missing
    args = [a.replace("part_number=", "part_numbr=") for a in PART]
    r = store.fails("new", *args, code=2, actor="maria@example.com")
    assert "does not ask for 'part_numbr'; did you mean part_number" in r.err
    assert store.snapshot() == before


def test_a_service_open_to_extra_info_keeps_it(store: Store) -> None:
    providers = store.root / "providers.yaml"
    text = providers.read_text()
    marker = "      part-clarification:\n"
    assert marker in text
    providers.write_text(text.replace(marker, marker + "        extra_info: true\n", 1))
    store.git("commit", "-qam", "open to extra information")
    rid = store.new(*PART, "--info", "colour=red")
    assert "colour: red" in store.request_file(rid).read_text()
    store.git("add", "-A")
    store.git("commit", "-qm", "a request", "--author", "Maria <maria@example.com>")
    store.ok("check", "--base", "HEAD~1")


def test_check_base_refuses_a_new_request_with_info_not_asked_for(store: Store) -> None:
    rid = store.new(*PART)
    path = store.request_file(rid)
    path.write_text(path.read_text().replace("  part_number: P-2\n",
                                             "  part_number: P-2\n  colour: red\n"))
    r = store.fails("check", "--base", "HEAD")
    assert "info.colour: part-clarification does not ask for 'colour'" in r.out, r.out
