"""The commands are plain functions: they take a `Context` and the parsed options and return
what they did; they print, prompt and exit nothing. Warnings and progress go through the
context; a refusal is an exception, which the command line alone turns into one line and
an exit code (1 refused, 2 bad usage)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from conftest import NOW, Store
from icsvc.commands import Refused, listing, new, show, triage, update
from icsvc.commands import check as check_cmd
from icsvc.commands import intake as intake_cmd
from icsvc.commands.context import Context, Step
from icsvc.errors import IcsvcError, UsageError
from icsvc.workflow.drafts import missing_items
from icsvc.workflow.operations import TriageOptions, UpdateOptions
from issue_helpers import example_store, payload, write_event

PART = ["-p", "engineering", "-s", "part-clarification", "-t", "Thread spec",
        "--info", "order_number=SO-1", "--info", "part_number=7730-C"]


def context(store: Store, actor: str | None = "ana@example.com",
            warnings: list[str] | None = None) -> Context:
    said = warnings if warnings is not None else []
    return Context(cwd=store.root, store_override=None, now=datetime.fromisoformat(NOW),
                   actor_option=actor, warn=said.append)


def nothing_printed(capfd: pytest.CaptureFixture[str]) -> None:
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_the_commands_import_neither_the_output_nor_the_command_line() -> None:
    # (a fresh interpreter: the tests' own process has the command line loaded)
    code = (
        "import importlib, pkgutil, sys\n"
        "import icsvc.commands as c\n"
        "for m in pkgutil.iter_modules(c.__path__):\n"
        "    importlib.import_module('icsvc.commands.' + m.name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'typer', 'click')\n"
        "             or m.startswith(('icsvc.output', 'icsvc.cli'))))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.strip() == "[]"


def test_show_returns_the_request_and_prints_nothing(
        store: Store, capfd: pytest.CaptureFixture[str]) -> None:
    rid = store.new(*PART)
    capfd.readouterr()
    shown = show.run(context(store), rid[:4].lower())
    nothing_printed(capfd)
    assert shown.request.id == rid and shown.provider.id == "engineering"
    assert shown.data == store.ok("show", rid, "--format", "json").json()
    assert [entry.line() for entry in shown.state.history][0].startswith("created")


def test_list_returns_rows_and_its_warnings_go_to_the_context(
        store: Store, capfd: pytest.CaptureFixture[str]) -> None:
    rid = store.new(*PART)
    (store.root / "requests" / "engineering" / "BROKEN01.yaml").write_text("id: [\n")
    capfd.readouterr()
    warnings: list[str] = []
    ctx = context(store, warnings=warnings)
    filters = listing.Filters(providers=[], statuses=[], departments=[], priorities=[],
                              open_only=True)
    listed = listing.run(ctx, filters)
    nothing_printed(capfd)
    assert [row.id for row in listed.rows] == [rid] and listed.json is None
    assert any("BROKEN01.yaml" in w for w in warnings), warnings
    as_json = listing.run(ctx, filters, True)
    assert [r["id"] for r in as_json.json or []] == [rid] and as_json.rows == []
    nothing_printed(capfd)
    # the command line shows the same warning on stderr
    assert "BROKEN01.yaml" in store.ok("list").err


def test_progress_goes_to_the_context(store: Store) -> None:
    store.new(*PART)
    started: list[tuple[str, int]] = []

    @contextmanager
    def progress(count: Callable[[], int]) -> Iterator[Step]:
        def step(label: str, total: int | None = None) -> Callable[[], None]:
            started.append((label, count() if total is None else total))
            return lambda: None

        yield step

    ctx = Context(cwd=store.root, store_override=None, now=datetime.fromisoformat(NOW),
                  actor_option="ana@example.com", progress=progress)
    listing.run(ctx, listing.Filters([], [], [], [], open_only=False))
    assert started == [("Loading requests", 1)]


def test_triage_returns_the_change_it_wrote(store: Store,
                                            capfd: pytest.CaptureFixture[str]) -> None:
    rid = store.new(*PART)
    capfd.readouterr()
    done = triage.run(context(store), rid, TriageOptions(ack=True, assign="raj"))
    nothing_printed(capfd)
    lines = [e.line() for e in done.change.entries]
    assert "owner - -> raj@example.com" in lines
    assert any(line.startswith("status new -> acknowledged") for line in lines), lines
    assert done.data["owner"] == "raj@example.com" and done.next_step == "icsvc commit"
    assert "owner: raj@example.com" in store.request_file(rid).read_text()


def test_a_refusal_is_an_exception_the_command_line_maps_to_exit_1(
        store: Store, capfd: pytest.CaptureFixture[str]) -> None:
    rid = store.new(*PART)
    before = store.snapshot()
    capfd.readouterr()
    with pytest.raises(IcsvcError) as refused:
        triage.run(context(store, actor="lee@example.com"), rid, TriageOptions(ack=True))
    nothing_printed(capfd)
    assert type(refused.value) is IcsvcError and refused.value.exit_code == 1
    assert store.snapshot() == before
    r = store.fails("triage", rid, "--ack", actor="lee@example.com", code=1)
    assert (r.out, r.err) == ("", f"icsvc: error: {refused.value.message}\n")


def test_bad_usage_is_a_usage_error_the_command_line_maps_to_exit_2(
        store: Store, capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(UsageError) as bad:
        listing.run(context(store), listing.Filters([], ["bogus"], [], [], open_only=True))
    nothing_printed(capfd)
    assert bad.value.exit_code == 2
    r = store.fails("list", "--status", "bogus", code=2)
    assert (r.out, r.err) == ("", f"icsvc: error: {bad.value.message}\n")


def test_a_refusal_with_a_result_is_shown_before_the_error(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    store = example_store(tmp_path / "example")
    event = write_event(tmp_path, payload(51, "Help", "I need a part clarified"))
    before = store.snapshot()
    capfd.readouterr()
    with pytest.raises(Refused) as refused:
        intake_cmd.run(context(store), event)
    nothing_printed(capfd)
    data = refused.value.result
    assert data["status"] == "refused" and data["comment"].startswith("@maria-acme, icsvc")
    assert store.snapshot() == before
    r = store.fails("intake", "--event", str(event), code=1)
    assert r.out == data["comment"] + "\n"
    assert r.err == f"icsvc: error: {refused.value.message}\n"


def test_check_returns_its_problems_and_the_command_line_exits_1(
        store: Store, capfd: pytest.CaptureFixture[str]) -> None:
    store.new(*PART)
    (store.root / "requests" / "engineering" / "BROKEN01.yaml").write_text("id: [\n")
    capfd.readouterr()
    checked = check_cmd.run(context(store))
    nothing_printed(capfd)
    assert [p.path for p in checked.problems] == ["requests/engineering/BROKEN01.yaml"]
    assert checked.files == 2 and checked.base is None
    r = store.fails("check", code=1)
    assert r.out == "".join(p.format() + "\n" for p in checked.problems)
    assert r.err == "1 problem\n"


def test_new_says_what_is_missing_and_what_can_be_chosen(
        store: Store, capfd: pytest.CaptureFixture[str]) -> None:
    opts = new.Options(provider="nope", service=None, title="Thread spec", details=None,
                       priority=None, needed_by=None, info=[], justification=None,
                       department=None, cost=None, impact_note=None)
    # off a terminal, a bad value is bad usage
    with pytest.raises(UsageError, match="--provider: unknown provider 'nope'"):
        new.start(context(store, actor="maria@example.com"), opts, talk=False)
    # on one, it is kept to be told, and asked again, with the choices
    intake = new.start(context(store, actor="maria@example.com"), opts, talk=True)
    nothing_printed(capfd)
    assert intake.to_tell == [("--provider", "unknown provider 'nope' (accepted: "
                                             "engineering, payroll)")]
    assert intake.to_ask()
    assert [value for value, _ in intake.providers()] == ["engineering", "payroll"]
    intake.draft.provider = intake.read_provider("Engineering")
    assert ("part-clarification", "Clarify a custom part's spec so an order ships right "
            "(needs order_number, part_number); lead time 1d") in intake.services()
    intake.draft.service = "part-clarification"
    assert intake.required_info() == ["order_number", "part_number"]
    intake.draft.info = {"order_number": "SO-1", "part_number": "7730-C"}
    assert intake.draft.department == "customer-service"  # from providers.yaml
    assert missing_items(intake.draft, intake.cat) == []
    created = new.create(intake.ctx, intake)
    nothing_printed(capfd)
    assert created.rel == f"requests/engineering/{created.request.id}.yaml"
    assert (store.root / created.rel).is_file() and created.data["id"] == created.request.id
    assert created.next_step is not None and created.next_step.startswith("icsvc commit --pr")


def test_update_says_whether_a_note_may_answer_the_question(
        store: Store, capfd: pytest.CaptureFixture[str]) -> None:
    rid = store.new(*PART)
    store.ok("triage", rid, "--need-info", "Which thread?", actor="ana@example.com")
    capfd.readouterr()
    maria = context(store, actor="maria@example.com")
    assert update.may_answer(maria, rid, UpdateOptions(note="M6"))
    assert not update.may_answer(maria, rid, UpdateOptions(note="M6", reply="M6"))
    assert not update.may_answer(context(store), rid, UpdateOptions(note="M6"))
    done = update.run(maria, rid, UpdateOptions(note="M6"))
    nothing_printed(capfd)
    assert done.may_answer and done.change.request.status == "waiting-on-customer"
