"""Every table of every read command fits a terminal of 80 columns (and uses 120 when it
has them) without splitting a header inside a word; piped, the same commands write plain
text without Rich: no box characters, no trailing spaces, one line a row; CSV cells hold one
value each. On the example organisation and on a store of long titles and names."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ICSVC, NOW, PROVIDERS, Store, make_store
from icsvc.output import plain, report, ui
from terminal import on_terminal
from test_example_store import SNAPSHOT, example  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow

LONG_TITLE = ("Replace the worn hydraulic seals on press line 3 before the Norland audit "
              "and confirm the torque settings with the supplier's field engineer")
LONG_DEPARTMENT = "customer-service-and-after-sales-support-emea"
LONG = (PROVIDERS
        .replace("description: Clarify a custom part's spec so an order ships right",
                 "description: Clarify a custom part's spec (dimension, thread, finish, "
                 "coating, tolerance stack-up) so an order ships right the first time")
        .replace("  sales:\n    members: [lee@example.com]",
                 f"  sales:\n    members: [lee@example.com]\n  {LONG_DEPARTMENT}:\n"
                 "    members: [kimberly.vanderberg-oyelaran@example.com]"))
KIM = "kimberly.vanderberg-oyelaran@example.com"
PART = ["-p", "engineering", "-s", "part-clarification", "--info", "order_number=SO-1",
        "--info", "part_number=P-2"]


@pytest.fixture
def long(tmp_path: Path) -> tuple[Store, str, str]:
    """A store of long titles, names and descriptions: (store, an ID, the time to read it)."""
    store = make_store(tmp_path / "long", LONG)
    rid = store.new(*PART, "-t", LONG_TITLE, "--priority", "urgent", "--justification",
                    "The audit is on Thursday and the line cannot run without the seals",
                    actor=KIM)
    store.new(*PART, "-t", "Short one", actor=KIM)
    store.new("-p", "payroll", "-s", "pay-correction", "-t", LONG_TITLE.upper(),
              "--info", "employee_id=E-1", "--info", "pay_period=2026-11", actor=KIM)
    store.ok("triage", rid, "--priority", "high", "--note", "Thursday is fine",
             actor="ana@example.com", now="2026-11-24T10:10:00-05:00")
    store.git("add", "-A")
    store.git("commit", "-qm", "requests")
    return store, rid, "2026-11-24T11:00:00-05:00"


def commands(rid: str) -> list[list[str]]:
    return [["list"], ["list", "--all"], ["queue"], ["report"], ["sla"], ["show", rid],
            ["explain", rid], ["survey", "send", "-q", "2026-Q4"], ["check"]]


SHORTS = {word for short in (*ui.HEADER_SHORT.values(), *report.SHORT.values(),
                             "ack within", "note every") for word in short.split()}
_BOLD = re.compile(r"\x1b\[1m(.*?)\x1b\[0m")


def bold_words(raw: str) -> set[str]:
    """The words shown in bold: headers, titles and labels."""
    return {word for part in _BOLD.findall(raw) for word in part.split()}


def stores(example: Store, long: tuple[Store, str, str]  # noqa: F811
           ) -> list[tuple[Store, str, str]]:
    return [(example, "5AWRC4QD", SNAPSHOT), long]


def test_every_table_fits_80_and_120_columns_with_whole_headers(
        example: Store, long: tuple[Store, str, str]) -> None:  # noqa: F811
    for store, rid, now in stores(example, long):
        env = {**store.env, "ICSVC_NOW": now, "ICSVC_PAGER": "cat"}
        for args in commands(rid):
            wide = on_terminal(args, {**env, "COLUMNS": "250"}, store.root, rows=500, cols=250)
            assert wide.code == 0, (args, wide.text)
            for cols in (80, 120):
                screen = on_terminal(args, {**env, "COLUMNS": str(cols)}, store.root,
                                     rows=500, cols=cols)
                assert screen.code == 0, (args, screen.text)
                lines = screen.text.splitlines()
                too_wide = [line for line in lines if plain.width_of(line) > cols]
                assert not too_wide, (args, cols, too_wide)
                cut = bold_words(screen.raw) - bold_words(wide.raw) - SHORTS
                assert not cut, (args, cols, cut, screen.text)  # "Receive" / "d" was one


def test_a_long_title_wraps_as_a_whole(long: tuple[Store, str, str]) -> None:
    store, rid, now = long
    env = {**store.env, "ICSVC_NOW": now, "ICSVC_PAGER": "cat", "COLUMNS": "80"}
    for args in (["list"], ["queue"]):
        text = on_terminal(args, env, store.root, rows=500, cols=80).text
        first = next(line for line in text.splitlines() if rid in line)
        assert "Replace the worn" in first, (args, text)  # not one word a line
        words = LONG_TITLE.split()
        shown = [w for w in text.split() if w in words]
        assert shown[:len(words)] == words, (args, text)  # all of it, in order


def piped(store: Store, args: list[str], now: str) -> tuple[str, list[str]]:
    """What the console script's own `main` writes to a pipe in a fresh process, and the
    modules it loaded."""
    code = ("import json, sys\nfrom icsvc.cli.entry import main\n"
            f"sys.argv = ['icsvc', *{args!r}]\n"
            "try:\n    main()\nfinally:\n"
            "    sys.stdout.flush()\n"
            "    print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=store.root, capture_output=True,
                          text=True, env={**store.env, "ICSVC_NOW": now}, timeout=120)
    *said, modules = proc.stderr.splitlines()
    assert proc.returncode == 0, (args, said, proc.stdout)
    return proc.stdout, json.loads(modules)


BOXES = re.compile(r"[\u2500-\u257f]|\+-{3}|^\|", re.MULTILINE)


def test_piped_output_is_plain_text_written_without_rich(
        example: Store, long: tuple[Store, str, str]) -> None:  # noqa: F811
    assert ICSVC
    for store, rid, now in stores(example, long):
        for args in [*commands(rid), ["list", "-f", "csv"], ["queue", "-f", "csv"],
                     ["report", "-f", "csv"], ["survey", "send", "-q", "2026-Q4", "-f", "csv"]]:
            out, modules = piped(store, args, now)
            assert not [m for m in modules if m.split(".")[0] == "rich"], args
            assert not BOXES.search(out), (args, out)
            assert not [line for line in out.splitlines() if line != line.rstrip()], args
            assert "\x1b" not in out, args
        for args, title in ((["list", "--all"], 0), (["queue"], 1)):
            out, _ = piped(store, args, now)
            rows = json.loads(piped(store, [*args, "-f", "json"], now)[0])
            assert len(out.splitlines()) == title + 1 + len(rows), (args, out)  # a row a line
            assert out.splitlines()[title].split()[:2] == ["ID", "Provider"]


PRIORITIES = {"low", "normal", "high", "urgent"}
STATES = {"ok", "met", "paused", "at-risk", "breached"}
CLOCKS = {"acknowledge", "resolve", "update", "needed_by", "promise"}


def test_csv_cells_hold_one_value_each(example: Store) -> None:  # noqa: F811
    def table(*args: str) -> list[dict[str, str]]:
        out = example.ok(*args, "-f", "csv", now=SNAPSHOT).out
        return list(csv.DictReader(io.StringIO(out)))

    listed = table("list", "--all")
    assert [row for row in listed if row["asked_priority"]], "the example has proposals"
    queued = table("queue")
    for row in listed + queued:
        assert row["priority"] in PRIORITIES
        assert row["asked_priority"] in PRIORITIES | {""}
        assert set(row["sla_clocks"].split()) <= CLOCKS and row["sla"] in STATES
        assert not any("(" in value or "; " in value for key, value in row.items()
                       if key != "title"), row
    for row in listed:
        assert row["proposal"] in ("", "proposed", "contested")
        assert bool(row["proposal"]) == bool(row["asked_priority"])
    for row in queued:
        assert datetime.fromisoformat(row["next_due"]).tzinfo is not None
        assert row["next_due_kind"] in ("ack", "resolve", "promise", "need-by")
    assert any(row["sla"] == "breached" and "promise" in row["sla_clocks"].split()
               for row in queued)
    asked = table("survey", "send", "-q", "2026-Q4")
    for row in asked:
        assert row["answered"] in ("yes", "") and row["rating"] in ("", "1", "2", "3", "4", "5")
    figures = table("report")
    assert figures and all(list(row) == ["section", "name", "metric", "value"]
                           for row in figures[:1])
    assert not [row for row in figures if " " in row["value"] and row["metric"] != "name"]


def test_the_test_store_table_at_80_columns(store: Store) -> None:
    """The narrowest case of the plain store: a queue of one provider fits and keeps its
    title column wide enough for two words a line."""
    store.new(*PART, "-t", "Bore diameter on part 4471-B for the Kestrel order")
    screen = on_terminal(["queue", "--no-pager"], {**store.env, "ICSVC_NOW": NOW,
                                                   "ICSVC_USER": "ana@example.com",
                                                   "COLUMNS": "80"}, store.root, cols=80)
    lines = screen.text.splitlines()
    assert all(len(line) <= 80 for line in lines), screen.text
    assert any("Bore diameter" in line for line in lines), screen.text


_CELL = st.text(alphabet=st.sampled_from("ab Z-:.é漢\u0301\t\x1b\n"), max_size=6)


@settings(max_examples=300, deadline=None)
@given(rights=st.lists(st.booleans(), min_size=1, max_size=4), data=st.data(),
       title=st.none() | _CELL)
def test_a_piped_table_is_the_styled_table_without_its_styles(
        rights: list[bool], data: st.DataObject, title: str | None) -> None:
    """`plain.unstyled` (the piped listing's quick way) writes what the styled table writes
    off a terminal: the same widths (wide and combining characters, escaped controls), the
    same right-aligned columns, no trailing space."""
    cols = [plain.Col(data.draw(_CELL.filter(str.isprintable)) or "H", right=right)
            for right in rights]
    rows = data.draw(st.lists(st.lists(_CELL, min_size=len(cols), max_size=len(cols)),
                              max_size=5))
    styled = io.StringIO()
    plain.write(plain.table(cols, [[(text, "bold") for text in row] for row in rows],
                            title=title), styled)
    assert plain.unstyled(cols, rows, title) == styled.getvalue()
