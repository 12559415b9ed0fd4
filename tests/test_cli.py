"""One set of options everywhere: --as/--store/--format, names in any case with "did you mean",
-p on every listing, help with examples and word metavars, usage errors in one line."""

from __future__ import annotations

import csv
import io
import os
import shlex
import stat
from pathlib import Path
from typing import Any

import pytest
import typer

from conftest import Store
from icsvc.cli.app import application
from test_docs import commands

PART = ["-p", "engineering", "-s", "part-clarification", "-t", "Bore diameter",
        "--info", "order_number=SO-1", "--info", "part_number=P-2"]
PAY = ["-p", "payroll", "-s", "pay-correction", "-t", "Overtime",
       "--info", "employee_id=E1", "--info", "pay_period=2026-11"]
MARIA, ANA, RAJ = "maria@example.com", "ana@example.com", "raj@example.com"
RUN_BY_MACHINES = {"merge-driver", "completion"}
"""Run by git and by shells with fixed arguments: no --as/--store/--format."""


def leaves() -> dict[str, Any]:
    """Every command people run, groups' subcommands included (`survey send`)."""
    out: dict[str, Any] = {}
    for name, command in commands().items():
        subs = getattr(command, "commands", None)
        if subs:
            out.update({f"{name} {sub}": c for sub, c in subs.items()})
        else:
            out[name] = command
    return out


def test_every_command_takes_as_store_and_format() -> None:
    for name, command in leaves().items():
        if name in RUN_BY_MACHINES:
            continue
        wanted = {"--format"} if name == "schema" else {"--as", "--store", "--format"}
        options = {opt for p in command.params for opt in p.opts}
        assert wanted <= options, (name, wanted - options)


def test_metavars_read_as_words() -> None:
    group: Any = typer.main.get_command(application())
    for name, command in leaves().items():
        parent = group.make_context("icsvc", name.split(), resilient_parsing=True)
        ctx = command.make_context(name, ["--help"], parent=parent, resilient_parsing=True)
        shown = [record[0] for p in command.params
                 if (record := p.get_help_record(ctx)) is not None]
        shown.append(command.get_usage(ctx))
        for text in shown:
            for python_type in ("INTEGER", "FLOAT", "PATH", "BOOLEAN", "<str>", "<int>",
                                "<float>", "<path>", "DIRECTORY", "<text>"):
                assert python_type not in text, (name, python_type, text)


def test_every_help_ends_with_real_examples() -> None:
    group: Any = typer.main.get_command(application())
    for name, command in leaves().items():
        epilog = command.epilog or ""
        assert epilog.startswith("Examples:"), name
        lines = [ln.strip() for ln in epilog.splitlines()[1:] if ln.strip() not in ("", "\b")]
        assert 1 <= len(lines) <= 3 and (len(lines) >= 2 or name == "merge-driver"), name
        for line in lines:
            assert f"icsvc {name}" in line, (name, line)
            if not line.startswith("icsvc "):
                continue
            args = shlex.split(line.split("  #")[0].split(" > ")[0])[1:]
            # the example parses: no unknown option, no missing argument, no bad choice
            ctx = group.make_context("icsvc", list(args), resilient_parsing=False)
            depth = len(name.split())
            command.make_context(" ".join(args[:depth]), args[depth:], parent=ctx)


@pytest.mark.parametrize("name", sorted(leaves()))
def test_usage_errors_are_one_line(store: Store, name: str) -> None:
    words = name.split()
    for args in ([*words, "--no-such-option"], [*words, "--format", "nope"]):
        if name in RUN_BY_MACHINES and "--format" in args:
            continue
        r = store.fails(*args, code=2)
        assert r.err.startswith("icsvc: error: "), r.err
        assert r.err.count("\n") == 1, r.err
        assert r.out == ""
    required = [p for p in leaves()[name].params if p.required]
    if required:
        r = store.fails(*words, code=2)
        assert r.err.startswith(f"icsvc: error: {name}: missing ") and r.err.count("\n") == 1


def test_usage_error_messages(store: Store) -> None:
    r = store.fails("list", "--stauts", "new", code=2)
    assert r.err == ("icsvc: error: list: no such option: --stauts; did you mean --status? "
                     "(see 'icsvc list --help')\n")
    r = store.fails("shwo", code=2)
    assert "no such command 'shwo'" in r.err and "show" in r.err
    r = store.fails("show", code=2)
    assert r.err == "icsvc: error: show: missing argument 'ID' (see 'icsvc show --help')\n"
    r = store.ok()  # no command: the help, on stdout
    assert r.out.startswith("Usage: icsvc") and r.err == ""


def test_names_in_any_case_and_by_display_name(store: Store) -> None:
    rid = store.new("-p", "Engineering", "-s", "Part-Clarification", "-t", "x",
                    "--info", "order_number=1", "--info", "part_number=2",
                    "--priority", "HIGH", "--justification", "j")
    data = store.ok("show", rid, "-f", "json").json()
    assert (data["provider"], data["service"], data["priority"]) == (
        "engineering", "part-clarification", "high")
    store.ok("triage", rid, "--ack", "--assign", "raj", "--priority", "Normal", "--note", "n",
             actor=ANA)
    data = store.ok("show", rid, "-f", "json").json()
    assert data["owner"] == RAJ and data["priority"] == "normal"
    store.ok("update", rid, "--status", "In Progress", actor=ANA)
    listed = store.ok("list", "-p", "ENGINEERING", "--status", "in_progress",
                      "--priority", "normal", "-f", "json").json()
    assert [r["id"] for r in listed] == [rid]
    assert store.ok("sla", "payroll", "-f", "json").json()[0]["provider"] == "payroll"


@pytest.mark.parametrize(("args", "message"), [
    (["list", "-p", "enginering"], "--provider: unknown provider 'enginering'; did you mean "
                                   "engineering? (accepted: engineering, payroll)"),
    (["list", "-p", "eng"], "did you mean engineering?"),
    (["list", "--status", "resolve"], "--status: unknown status 'resolve'; did you mean "
                                      "resolved?"),
    (["list", "--priority", "urgnet"], "did you mean urgent?"),
    (["queue", "payrol"], "did you mean payroll?"),
    (["sla", "-p", "Payrol"], "did you mean payroll?"),
    (["report", "-p", "engneering"], "did you mean engineering?"),
    (["new", *PART[2:], "-p", "engineerng"], "did you mean engineering?"),
    (["new", "-p", "engineering", "-s", "part-clarify", "-t", "x"],
     "--service: engineering has no service 'part-clarify'; did you mean part-clarification?"),
    (["new", *PART, "--department", "Customer Service"],
     "--department: 'Customer Service' is not a department name"),
])
def test_unknown_names_get_did_you_mean(store: Store, args: list[str], message: str) -> None:
    r = store.fails(*args, code=2, actor=MARIA)
    assert message in r.err and r.err.count("\n") == 1, r.err


def test_members_by_the_part_before_the_at(store: Store) -> None:
    rid = store.new(*PART)
    r = store.fails("triage", rid, "--assign", "rja", code=2, actor=ANA)
    assert "--assign: rja is not a member of engineering; did you mean raj@example.com?" in r.err
    store.ok("triage", rid, "--assign", "RAJ", actor=ANA)
    assert store.ok("show", rid, "-f", "json").json()["owner"] == RAJ


def test_department_suggestion(store: Store) -> None:
    r = store.fails("new", *PART, "--department", "Customer Service", code=2, actor=MARIA)
    assert "did you mean customer-service?" in r.err


def test_provider_option_everywhere_and_positional_synonyms(store: Store) -> None:
    store.new(*PART)
    store.new(*PAY)
    for args in (["queue", "-p", "engineering", "-p", "payroll"],
                 ["queue", "engineering", "payroll"], ["queue", "engineering", "-p", "payroll"]):
        assert {r["provider"] for r in store.ok(*args, "-f", "json").json()} == {
            "engineering", "payroll"}
    assert [p["provider"] for p in store.ok("sla", "-p", "payroll", "-f", "json").json()] == [
        "payroll"]
    assert [p["provider"] for p in store.ok("sla", "payroll", "engineering", "-f",
                                            "json").json()] == ["payroll", "engineering"]
    assert {r["provider"] for r in store.ok("list", "-p", "payroll", "-f", "json").json()} == {
        "payroll"}
    data = store.ok("report", "-p", "payroll", "-f", "json").json()
    assert [p["provider"] for p in data["providers"]] == ["payroll"]


def test_queue_shows_the_provider_when_it_holds_several(store: Store) -> None:
    store.new(*PART)
    store.new(*PAY)
    one = store.ok("queue", "engineering", env={"COLUMNS": "160"}).out
    assert "Provider" not in one
    both = store.ok("queue", "-p", "engineering", "-p", "payroll", env={"COLUMNS": "160"}).out
    assert "Provider" in both.splitlines()[1] and "payroll" in both
    rows = list(csv.DictReader(io.StringIO(store.ok("queue", "engineering", "payroll",
                                                    "-f", "csv").out)))
    assert {r["provider"] for r in rows} == {"engineering", "payroll"}
    assert "provider" not in store.ok("queue", "payroll", "-f", "csv").out.splitlines()[0]
    markdown = store.ok("queue", "-f", "markdown", actor="lee@example.com").out
    assert "| Provider" in markdown  # someone in no team sees every provider
    # dates with their month
    assert "ack Tue 24 Nov 14:00" in one


def test_report_output_format_from_the_extension(store: Store, tmp_path: Path) -> None:
    store.new(*PART)
    for name, start in (("r.html", "<!DOCTYPE html>"), ("r.md", "## Service report"),
                        ("r.csv", "section,name,metric,value"), ("r.json", "{"),
                        ("r.txt", "## Service report")):
        target = tmp_path / name
        r = store.ok("report", "-o", str(target))
        assert target.read_text().startswith(start), name
        assert r.err.startswith(f"Wrote {target}")
    r = store.fails("report", "-o", str(tmp_path / "x.html"), "--format", "csv", code=2)
    assert r.err == ("icsvc: error: --format csv conflicts with --output x.html (a .html file "
                     "gets html); drop --format, or name the file for the format\n")
    assert not (tmp_path / "x.html").exists()
    store.ok("report", "-o", str(tmp_path / "y.html"), "--format", "html")


def test_output_files_follow_the_umask(store: Store, tmp_path: Path) -> None:
    store.new(*PART)
    old = os.umask(0o027)
    try:
        store.ok("report", "-o", str(tmp_path / "r.html"))
        rid = store.new(*PART)
        store.ok("codeowners")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "r.html").stat().st_mode) == 0o640
    assert stat.S_IMODE(store.request_file(rid).stat().st_mode) == 0o640
    owners = store.root / ".github" / "CODEOWNERS"
    assert stat.S_IMODE(owners.stat().st_mode) == 0o640
    owners.chmod(0o600)  # an existing file keeps its mode
    (store.root / "providers.yaml").write_text(
        (store.root / "providers.yaml").read_text().replace("[pat@example.com]",
                                                           "[pat@example.com, o@example.com]"))
    store.ok("codeowners")
    assert stat.S_IMODE(owners.stat().st_mode) == 0o600
    r = store.ok("report", "-o", str(tmp_path / "s.json"), script=True)
    assert r.code == 0 and stat.S_IMODE((tmp_path / "s.json").stat().st_mode) == (
        0o666 & ~_umask())


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def test_json_results_for_repository_commands(store: Store, tmp_path: Path) -> None:
    import json

    made = json.loads(store.ok("init", str(tmp_path / "new-store"), "-f", "json").out)
    assert made["written"][:3] == ["providers.yaml", "schemas/providers.schema.json",
                                   "schemas/request.schema.json"]
    assert json.loads(store.ok("git-setup", "-f", "json").out)["changed"]
    assert json.loads(store.ok("codeowners", "-f", "json").out)["written"] is True
    assert json.loads(store.ok("codeowners", "--check", "-f", "json").out)["stale"] is False
    r = store.fails("init", str(tmp_path / "a"), "--store", str(tmp_path / "b"), code=2)
    assert "give the folder once" in r.err


HOSTILE = "a\nb\r\tc\x1b[31mred\x1b[0m\x85d\u2028e\x7f"
"""A value with a newline, a carriage return, a tab, terminal colour sequences, a C1 control
(NEL), a Unicode line separator and DEL."""


@pytest.mark.parametrize("args", [
    ["triage", "{id}", "--assign", HOSTILE],
    ["update", "{id}", "--note", "x", "--promise", HOSTILE],
    ["list", "-p", HOSTILE],
    ["show", HOSTILE],
    ["report", "--quarter", HOSTILE],
    ["check", "--base", HOSTILE],
    ["new", *PART[:2], "-s", HOSTILE, "-t", "x"],
])
def test_an_error_quoting_a_hostile_value_stays_on_one_line(store: Store,
                                                            args: list[str]) -> None:
    """Whatever value an error quotes, it prints as one line with every control character
    escaped (a newline in `--assign` used to split the message; an escape sequence could
    recolour or rewrite the terminal)."""
    rid = store.new(*PART)
    result = store.icsvc(*[a.replace("{id}", rid) for a in args], actor=ANA, script=True,
                         timeout=60)
    assert result.code in (1, 2) and result.out == ""
    assert result.err.startswith("icsvc: error: ") and result.err.endswith("\n")
    line = result.err[:-1]
    assert line.isprintable() and "\n" not in line, repr(result.err)
    assert "\\n" in line and "\\x1b[31m" in line.lower() and "\\u2028" in line, line
    if args[0] == "triage":
        assert line == ("icsvc: error: --assign: a\\nb\\r\\tc\\x1b[31mred\\x1b[0m\\x85d\\u2028e"
                        "\\x7f is not a member of engineering (accepted: ana@example.com, "
                        "raj@example.com)")


def test_a_change_quoting_a_hostile_note_shows_it_escaped_on_one_line(store: Store) -> None:
    """What `update` prints of the entry it wrote shows a note's control characters escaped:
    the note is kept as written (in the file), but the terminal never receives its escape
    sequences or line breaks."""
    rid = store.new(*PART)
    result = store.icsvc("update", rid, "--note", HOSTILE, actor=ANA, script=True, timeout=60)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith(rid) and lines[-1] == "Next: icsvc commit"
    assert len(lines) == 3 and all(line.isprintable() for line in lines), result.out
    assert "\\x1b[31mred" in lines[1] and "\x1b" not in result.out


EDGE_NOTES = [
    "word " * 17 + "wraps here",  # past 88 characters: wrapped between words
    "x" * 80 + " y",  # a space right at the width
    "it's agreed: the 0.05 mm #2 stays",  # quoted (": ", " #"), a quote doubled
    "- starts like an item", "yes", "2026-11-24", "12", "~",  # read back as text
    "tab\there", "emoji \U0001f600 and \ufeff",  # escaped by PyYAML, not by icsvc
    "two\nlines", "ends with a break\n", "blank line\n\nbetween", "trailing \nspace",
    "  leading spaces", "\nstarts with a break", "many breaks\n\n",
]
"""Notes on both sides of what icsvc writes itself and what it leaves to PyYAML."""


def test_notes_at_the_edge_of_the_plain_form_are_written_as_pyyaml_would(
        store: Store) -> None:
    """Whatever a note holds, the file `update` writes reads back with the note (as the
    command keeps it: without surrounding blanks), is the text PyYAML writes of that data,
    and `check` accepts it."""
    from icsvc.store import plainyaml, pyyamlio, yamlio

    rid = store.new(*PART)
    path = store.request_file(rid)
    for note in EDGE_NOTES:
        store.ok("update", rid, "--note", note, actor=ANA)
        text = path.read_text(encoding="utf-8")
        data = yamlio.load(text, aliases=False)
        assert data["history"][-1]["note"] == note.strip()
        assert text == pyyamlio.dump(data), note
        if plainyaml.dump(data) is None:
            assert note in EDGE_NOTES[8:], note  # only the escaped or odd ones go to PyYAML
    store.ok("check")


def test_one_line_escapes_what_would_break_a_line_and_nothing_else() -> None:
    from icsvc.errors import one_line

    assert one_line("plain text: é, ü, 中文, emoji 🙂, 'quotes'") == \
        "plain text: é, ü, 中文, emoji 🙂, 'quotes'"
    assert one_line("a\x00b\x1fc\x7fd\x80e\x9ff\u2029g") == \
        "a\\x00b\\x1fc\\x7fd\\x80e\\x9ff\\u2029g"
    assert one_line(os.fsdecode(b"name\xff\xfe.yaml")) == "name\\xff\\xfe.yaml"
