"""Validation of providers.yaml and request files: located, one-line errors; `icsvc check`."""

from __future__ import annotations

import re

import pytest

from conftest import PROVIDERS, Store
from git_helpers import base_commit

PART = ["-p", "engineering", "-s", "part-clarification", "-t", "T",
        "--info", "order_number=1", "--info", "part_number=2"]

LINE = re.compile(r"^providers\.yaml:(\d+): (.+)$")


def line_no(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("    timezone: America/New_York", "    timezone: America/Nowhere",
         "calendars.us-east.timezone", "unknown timezone 'America/Nowhere' (accepted: an IANA"),
        ("    days: [mon, tue, wed, thu, fri]\n    hours: \"09:00-17:00\"",
         "    days: [mon, tue, wed, thu, fry]\n    hours: \"09:00-17:00\"",
         "calendars.us-east.days", "fry"),
        ('    hours: "09:00-17:00"', '    hours: "9am-5pm"', "calendars.us-east.hours", "09:00"),
        ("    holidays: [2026-11-26, 2026-12-25]", "    holidays: [2026-11-31, 2026-12-25]",
         "calendars.us-east.holidays[0]", "accepted: YYYY-MM-DD"),
        ("      high: {acknowledge: 2h, resolve: 1d}", "      high: {acknowledge: 2 hours, "
         "resolve: 1d}", "providers.engineering.sla.high.acknowledge", "accepted: a number"),
        ("      high: {acknowledge: 2h, resolve: 1d}", "      high: {acknowledge: 2h, "
         "resolve: 1d, respond: 1h}", "providers.engineering.sla.high.respond", "unknown key"),
        ("    calendar: us-east\n    members: [ana", "    calendar: mars\n    members: [ana",
         "providers.engineering.calendar", "unknown calendar 'mars' (accepted: us-east, uk)"),
        ("    members: [ana@example.com, raj@example.com]", "    members: ana@example.com",
         "providers.engineering.members", "expected a list"),
        ("    members: [pat@example.com]", "    members: [pat]",
         "providers.payroll.members[0]", "not an email address"),
        ("        lead_time: 3d", "        lead_time: soon",
         "providers.engineering.services.drawing-review.lead_time", "not a duration"),
        ("      urgent: {acknowledge: 1h, resolve: 1d}\n", "",
         "providers.payroll.sla", "missing required key 'urgent'"),
        ("  engineering:\n    name: Engineering", "  engineering:\n    nam: Engineering",
         "providers.engineering.nam", "unknown key"),
    ],
)
def test_providers_errors_are_located(store: Store, old: str, new: str, field: str,
                                      message: str) -> None:
    assert old in PROVIDERS
    text = PROVIDERS.replace(old, new, 1)
    (store.root / "providers.yaml").write_text(text)
    r = store.fails("check")
    first = r.out.strip().splitlines()[0]
    match = LINE.match(first)
    assert match, first
    assert match.group(2).startswith(f"{field}: "), first
    assert message in first, first
    # the line points at the offending key (or the mapping missing one)
    assert int(match.group(1)) > 1
    r = store.fails("sla")
    assert r.err.startswith("icsvc: error: providers.yaml:") and message in r.err


def test_providers_yaml_syntax_error(store: Store) -> None:
    (store.root / "providers.yaml").write_text(PROVIDERS + "  bad: [unclosed\n")
    r = store.fails("check")
    assert r.out.startswith("providers.yaml:") and "not valid YAML" in r.out


def test_check_passes_on_a_good_store(store: Store) -> None:
    store.new(*PART)
    r = store.ok("check")
    assert r.out == "" and "ok:" in r.err


def write_bad(store: Store, rid: str, old: str, new: str) -> str:
    path = store.request_file(rid)
    text = path.read_text()
    assert old in text, (old, text)
    path.write_text(text.replace(old, new, 1))
    return str(path.relative_to(store.root))


@pytest.mark.parametrize(
    ("old", "new", "expect"),
    [
        ("status: new", "status: open", "status: 'open' is not valid (accepted: new, "),
        ("priority: normal\nrequested", "priority: 3\nrequested", "priority: '3' is not valid"),
        ("title: T", "title: T\ncolour: red", "colour: unknown key"),
        ("created_at: 2026-11-24T10:00:00-05:00", "created_at: 2026-11-24T10:00:00",
         "created_at: 2026-11-24 10:00:00 has no UTC offset"),
        ("  type: created", "  type: born", "history[0].type: 'born' is not valid"),
        ("  acknowledge: 4h", "  acknowledge: four", "targets.acknowledge:"),
        ("  email: maria@example.com", "  email: maria", "customer.email: 'maria' is not an"),
        ("history:\n", "history: 3\nx:\n", ""),
    ],
)
def test_request_errors_are_located(store: Store, old: str, new: str, expect: str) -> None:
    rid = store.new(*PART)
    rel = write_bad(store, rid, old, new)
    r = store.fails("check")
    first = r.out.strip().splitlines()[0]
    assert first.startswith(f"{rel}:"), first
    assert re.match(rf"^{re.escape(rel)}:\d+: ", first)
    assert expect in first, first
    # other commands skip the broken file with a one-line warning instead of failing
    listed = store.ok("list", "-f", "json")
    assert listed.json() == []
    assert "warning: skipped" in listed.err and rel in listed.err


def test_reference_and_layout_problems(store: Store) -> None:
    a = store.new(*PART)
    b = store.new(*PART)
    folder = store.root / "requests"
    # a file in the wrong provider folder
    (folder / "payroll").mkdir()
    (folder / "engineering" / f"{a}.yaml").rename(folder / "payroll" / f"{a}.yaml")
    # a duplicate ID: b copied under another provider folder name
    text_b = (folder / "engineering" / f"{b}.yaml").read_text()
    (folder / "payroll" / f"{b}.yaml").write_text(text_b.replace("provider: engineering",
                                                                 "provider: payroll"))
    out = store.fails("check").out
    assert f"requests/payroll/{a}.yaml:" in out and "move it to requests/engineering/" in out
    assert "duplicate ID" in out
    assert "payroll has no service 'part-clarification'" not in out  # payroll has one


def test_unknown_service_owner_and_history_order(store: Store) -> None:
    rid = store.new(*PART)
    path = store.request_file(rid)
    text = path.read_text()
    text = text.replace("service: part-clarification", "service: welding")
    text = text.replace("status: new", "status: new\nowner: someone@example.com")
    text += ("- at: 2026-11-20T10:00:00-05:00\n  by: ana@example.com\n  type: note\n"
             "  note: earlier than creation\n")
    path.write_text(text)
    r = store.fails("check")
    assert "service: engineering has no service 'welding'" in r.out
    r = store.fails("check")
    path.write_text(text.replace("service: welding", "service: part-clarification"))
    out = store.fails("check").out
    assert "owner: someone@example.com is not a member of engineering" in out
    assert "history[1].at: 2026-11-20T10:00:00-05:00 is earlier than the entry before it" in out


def test_github_annotations_and_json(store: Store) -> None:
    rid = store.new(*PART)
    rel = write_bad(store, rid, "status: new", "status: open")
    r = store.fails("check", "--format", "github")
    assert r.out.startswith(f"::error file={rel},line=")
    assert "status: 'open' is not valid" in r.out
    data = store.fails("check", "--format", "json").json()
    assert data[0]["path"] == rel and data[0]["line"] >= 1


def test_conflict_markers_are_explained(store: Store) -> None:
    rid = store.new(*PART)
    path = store.request_file(rid)
    text = path.read_text().replace(
        "status: new\n", "<<<<<<< HEAD\nstatus: new\n=======\nstatus: acknowledged\n>>>>>>> b\n")
    path.write_text(text)
    out = store.fails("check").out
    assert "conflict markers" in out and "icsvc sync" in out


def test_fields_must_agree_with_the_history(store: Store) -> None:
    rid = store.new(*PART)
    store.ok("triage", rid, "--ack", "--assign", "raj@example.com", actor="ana@example.com")
    store.ok("check")
    path = store.request_file(rid)
    text = path.read_text()
    path.write_text(text.replace("status: acknowledged", "status: resolved")
                    .replace("owner: raj@example.com", "owner: ana@example.com"))
    out = store.fails("check").out
    assert "status: is 'resolved' but its history says 'acknowledged'" in out
    assert "owner: is 'ana@example.com' but its history says 'raj@example.com'" in out
    assert out.count(f"{path.relative_to(store.root)}:") == 2


def test_a_hand_added_link_is_found_without_a_base(store: Store) -> None:
    """`blocks:` added by hand (no `link` entry) was taken as set at creation by the plain
    check, which only `check --base` caught. A link is now always an entry, also when the
    request is made for another (`new --for`), so the file's field is checked against it."""
    from git_helpers import base_commit, load

    first, second = store.new(*PART), store.new(*PART)
    made_for = store.new(*PART, "--for", first, "--for", first.lower())
    entries = [(e["type"], e.get("blocks")) for e in load(store.request_file(made_for))["history"]]
    assert entries == [("created", None), ("link", first)]  # once, though typed twice
    store.ok("update", second, "--blocks", first, actor="maria@example.com")
    store.ok("check")
    base_commit(store, "three requests")
    path = store.request_file(first)
    path.write_text(path.read_text().replace("targets:", f"blocks:\n- {second}\ntargets:", 1))
    plain = store.fails("check").out
    expected = (f"blocks: is ['{second}'] but its history says []; change it with icsvc "
                "(triage, update) so the change is recorded")
    assert expected in plain and plain.startswith(f"{path.relative_to(store.root)}:")
    based = store.fails("check", "--base", "HEAD").out
    assert "blocks: is ['" in based  # what check --base finds, plain check finds too
    # the same on a request made with --for, where the link came at creation
    path.write_text(path.read_text().replace(f"blocks:\n- {second}\n", ""))
    store.ok("check")
    made = store.request_file(made_for)
    made.write_text(made.read_text().replace(f"- {first}\n", f"- {first}\n- {second}\n", 1))
    assert f"blocks: is ['{first}', '{second}'] but its history says ['{first}']" in \
        store.fails("check").out


def test_a_fifo_under_surveys_is_reported_like_one_under_requests(store: Store) -> None:
    import os

    store.new(*PART)
    folder = store.root / "surveys" / "2026Q4" / "engineering"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "maria@example.com.yaml")  # a reader that opened it would block
    (folder / "raj@example.com.yaml").symlink_to("/dev/zero")
    result = store.icsvc("check", script=True, timeout=30)
    assert result.code == 1 and result.err == "2 problems\n", result.err
    assert result.out.splitlines() == [
        "surveys/2026Q4/engineering/maria@example.com.yaml:1: not a regular file (a FIFO); "
        "a survey answer must be a plain file",
        "surveys/2026Q4/engineering/raj@example.com.yaml:1: a symlink leading out of the "
        "store (to /dev/zero); icsvc does not follow it"]
    report = store.icsvc("report", "--quarter", "2026Q4", script=True, timeout=30)
    assert report.code == 0
    assert "warning: skipped surveys/2026Q4/engineering/maria@example.com.yaml: not a " \
           "regular file (a FIFO)" in report.err


def test_a_broken_catalogue_does_not_hide_the_request_files_problems(store: Store) -> None:
    """One run reports every problem of every file: providers.yaml's, and what each request
    file shows without a catalogue (its shape, its name, its history's order)."""
    bad_key = store.new(*PART)
    misplaced = store.new(*PART)
    out_of_order = store.new(*PART)
    store.ok("update", out_of_order, "--note", "later", actor="ana@example.com",
             now="2026-11-24T11:00:00-05:00")
    write_bad(store, bad_key, "title: T", "titel: T")
    folder = store.root / "requests"
    (folder / "payroll").mkdir()
    (folder / "engineering" / f"{misplaced}.yaml").rename(folder / "payroll" /
                                                          f"{misplaced}.yaml")
    path = store.request_file(out_of_order)
    path.write_text(path.read_text().replace("at: 2026-11-24T11:00:00-05:00",
                                             "at: 2026-11-24T09:00:00-05:00"))
    providers = store.root / "providers.yaml"
    providers.write_text(PROVIDERS.replace("    calendar: us-east", "    calender: us-east", 1))
    out = store.fails("check").out
    lines = out.strip().splitlines()
    assert any(line.startswith("providers.yaml:") and "providers.engineering.calender: unknown "
               "key; did you mean calendar? (accepted: " in line for line in lines), out
    assert any(f"{bad_key}.yaml:" in line and "titel: unknown key; did you mean title? "
               "(accepted: " in line for line in lines), out
    assert any(f"requests/payroll/{misplaced}.yaml:" in line and
               "move it to requests/engineering/" in line for line in lines), out
    assert any(f"{out_of_order}.yaml:" in line and "history[1].at:" in line and
               "earlier than the entry before it" in line for line in lines), out


def test_an_unknown_history_key_gets_a_suggestion(store: Store) -> None:
    rid = store.new(*PART)
    store.ok("update", rid, "--note", "x", actor="ana@example.com")
    write_bad(store, rid, "  note: x", "  nite: x")
    out = store.fails("check").out
    assert "history[1].nite: unknown key; did you mean note? (accepted: " in out, out


def test_a_shared_id_is_told_by_whether_the_files_share_their_creation(store: Store) -> None:
    """Two files holding one ID: copies of one request (their `created` entries are the
    same) in two folders or one, or two requests given one ID; `check` tells which, and so
    does `check --base` for a branch that adds the second file."""
    a = store.new(*PART)
    b = store.new(*PART, now="2026-11-24T11:00:00-05:00")
    folder = store.root / "requests"
    text_a = (folder / "engineering" / f"{a}.yaml").read_text()
    text_b = (folder / "engineering" / f"{b}.yaml").read_text()
    (folder / "engineering" / f"{b}.yaml").unlink()
    (folder / "payroll").mkdir()
    copies = {  # where the second file goes, what it holds, and what check advises
        folder / "payroll" / f"{a}.yaml": (
            text_a.replace("provider: engineering", "provider: payroll"), "run 'icsvc sync'"),
        folder / "engineering" / f"{a}0.yaml": (text_a, "keep the one named after its ID"),
        folder / "legal" / f"{a}.yaml": (
            text_b.replace(f"id: {b}", f"id: {a}").replace("provider: engineering",
                                                            "provider: legal"),
            "give one of them a new ID"),
    }
    for path, (text, advice) in copies.items():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        out = store.fails("check").out
        assert f"duplicate ID {a}" in out and advice in out, out
        path.unlink()
    base_commit(store, "two requests")
    store.git("checkout", "-qb", "pr")
    for path, (text, advice) in copies.items():
        path.write_text(text)
        store.git("add", "-A")
        store.git("commit", "-qm", "a second file for one ID")
        out = store.fails("check", "--base", "main", now="2026-11-24T18:00:00-05:00").out
        assert f"duplicate ID {a}" in out and advice in out, out
        store.git("reset", "-q", "--hard", "main")
