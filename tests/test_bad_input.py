"""Bad input gets one clear line and a non-zero exit, never a traceback or a half-write; a
bug gets its own exit code (3) and a short report."""

from __future__ import annotations

import pytest

from conftest import Store
from icsvc import __version__

PART = ["-p", "engineering", "-s", "part-clarification", "-t", "T",
        "--info", "order_number=1", "--info", "part_number=2"]
MEMBER = "ana@example.com"


def one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("icsvc: error: "), err
    return lines[0]


@pytest.mark.parametrize(("args", "code", "message"), [
    (["new", "-p", "nope", "-t", "y"], 2, "--provider: unknown provider 'nope'"),
    (["new", "-p", "nope", "-s", "x", "-t", "y"], 2, "--provider: unknown provider 'nope'"),
    (["new", *PART[:4], "-t", "   ", *PART[6:]], 2, "missing: --title"),
    (["new", *PART, "--cost", "nan"], 2, "--cost: nan is not an amount"),
    (["new", *PART, "--cost", "inf"], 2, "--cost: inf is not an amount"),
    (["new", *PART, "--cost=-5"], 2, "--cost: -5.0 is not an amount"),
    (["new", *PART, "--cost", "1e300"], 2, "is not an amount"),
    (["new", *PART, "--cost", "5", "--impact-note", "  "], 2, "--impact-note: empty"),
    (["new", *PART, "--info", "extra="], 2, "--info extra=...: part-clarification does not "
                                            "ask for 'extra'"),
    (["new", *PART, "--needed-by", "9999-12-31"], 2, "--needed-by: '9999-12-31' is out of "
                                                     "range (accepted: years 1970 to 2200)"),
    (["new", *PART, "--needed-by", "0001-01-01"], 2, "out of range"),
    (["new", *PART, "--needed-by", "+9999w"], 2, "out of range"),
    (["new", *PART, "--department", "sales team"], 2, "--department: 'sales team' is not a "
                                                      "department name"),
    (["new", *PART, "--as", "maria@example.com\n"], 2, "--as: 'maria@example.com\\n' is not "
                                                       "an email address"),
    (["new", *PART, "--as", "maria@exa\x1bmple.com"], 2, "is not an email address"),
    (["new", *PART, "--title", "\udcff"], 2, "argument 13 is not UTF-8 text (b'\\xff')"),
    (["report", "--since", "0001-01-01"], 2, "--since: '0001-01-01' is out of range"),
    (["report", "--until", "9999-12-31"], 2, "--until: '9999-12-31' is out of range"),
    (["report", "--quarter", "9999Q4"], 2,
     "--quarter: '9999Q4' is out of range (accepted: quarters from 1970Q1 to 2200Q4)"),
    (["report", "--quarter", "2300Q1"], 2, "--quarter: '2300Q1' is out of range"),
])
def test_bad_options_are_one_line_and_write_nothing(store: Store, args: list[str], code: int,
                                                    message: str) -> None:
    before = store.snapshot()
    r = store.fails(*args, code=code, actor="maria@example.com")
    assert message in one_line_error(r.err)
    assert store.snapshot() == before


@pytest.mark.parametrize(("args", "message"), [
    (["--promise", "9999-12-31"], "--promise: '9999-12-31' is out of range"),
    (["--promise", "0001-01-01"], "out of range"),
    (["--info", "order_number="], "--info: order_number has no value"),
    (["--info", "order_number=  "], "--info: order_number has no value"),
    (["--note", "x", "--as", "ana@example.com\nx"], "is not an email address"),
])
def test_bad_update_options_write_nothing(store: Store, args: list[str], message: str) -> None:
    rid = store.new(*PART)
    before = store.snapshot()
    r = store.fails("update", rid, *args, code=2, actor=MEMBER)
    assert message in one_line_error(r.err)
    assert store.snapshot() == before


@pytest.mark.parametrize("now", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:00+00:00",
                                 "garbage", "2026-13-01T00:00:00"])
def test_an_extreme_or_garbled_clock_is_refused(store: Store, now: str) -> None:
    store.new(*PART)
    for args in (["list"], ["queue"], ["report"], ["new", *PART]):
        r = store.fails(*args, code=2, now=now, actor="maria@example.com")
        assert "ICSVC_NOW: " in one_line_error(r.err)


def test_a_bad_columns_value_never_fails_a_command(store: Store) -> None:
    rid = store.new(*PART)
    for columns in ("abc", "-5", "0", "99999999999"):
        r = store.ok("update", rid, "--note", f"columns {columns}", actor=MEMBER,
                     env={"COLUMNS": columns})
        assert f"columns {columns}" in r.out
        store.ok("list", env={"COLUMNS": columns})
    store.ok("check")


def test_a_cost_in_a_file_must_be_a_finite_amount_so_json_stays_valid(store: Store) -> None:
    rid = store.new(*PART, "--cost", "100")
    path = store.request_file(rid)
    path.write_text(path.read_text().replace("cost: 100", "cost: .inf"))
    assert "impact.cost: inf is out of range" in store.fails("check").out
    r = store.fails("show", rid, "-f", "json")
    assert r.out == ""


def test_a_non_utf8_setting_is_refused(store: Store) -> None:
    r = store.fails("list", code=2, env={"ICSVC_USER": "m\udcffria@example.com"})
    assert "ICSVC_USER is not UTF-8 text" in one_line_error(r.err)


def test_codeowners_refuses_a_block_without_its_end(store: Store) -> None:
    path = store.root / ".github" / "CODEOWNERS"
    path.parent.mkdir()
    text = "# BEGIN icsvc\n/requests/x/ @x\n# hand-written below\n/docs/ @writers\n"
    path.write_text(text)
    r = store.fails("codeowners")
    assert "'# BEGIN icsvc' on line 1 has no '# END icsvc' line" in one_line_error(r.err)
    assert path.read_text() == text
    assert ".github/CODEOWNERS:1: CODEOWNERS: '# BEGIN icsvc' on line 1" in \
        store.fails("check").out


def test_a_bug_exits_3_with_a_short_report(store: Store,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # the only way to make a bug on purpose: break a command from the outside
    from icsvc.commands import listing

    def broken(*args: object) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(listing, "run", broken)
    r = store.icsvc("list", "--open", env={"ICSVC_DEBUG": "0"})
    assert r.code == 3
    first, second = r.err.strip().splitlines()
    assert first == (f"icsvc: internal error: RuntimeError: boom (icsvc {__version__}, "
                     "command: icsvc list --open)")
    assert "This is a bug in icsvc" in second and "ICSVC_DEBUG=1" in second
    r = store.icsvc("list", env={"ICSVC_DEBUG": "1"})
    assert r.code == 3 and "Traceback" in r.err and "icsvc: internal error:" in r.err


@pytest.mark.parametrize(("args", "message"), [
    (["survey", "send", "-q", "9999Q4"],
     "--quarter: '9999Q4' is out of range (accepted: quarters from 1970Q1 to 2200Q4)"),
    (["survey", "send", "-q", "0000Q1"], "--quarter: '0000Q1' is out of range"),
    (["survey", "send", "-q", "1969Q4"], "--quarter: '1969Q4' is out of range"),
    (["survey", "answer", "engineering", "-q", "9999Q4", "--rating", "4"],
     "--quarter: '9999Q4' is out of range"),
    (["survey", "answer", "engineering", "-q", "0000Q1", "--rating", "4"],
     "--quarter: '0000Q1' is out of range"),
    (["survey", "answer", "engineering", "-q", "2201q1", "--rating", "4"],
     "--quarter: '2201q1' is out of range"),
    (["report", "--quarter", "0000Q1"], "--quarter: '0000Q1' is out of range"),
    (["notify", "--dry-run", "--since-time", "99999999d"],
     "--since-time: '99999999d' is too long a period (accepted: at most 1826d)"),
    (["notify", "--dry-run", "--since-time", "9" * 40 + "h"], "is too long a period"),
    (["notify", "--dry-run", "--since-time", "0001-01-01T00:00:00+00:00"],
     "--since-time: '0001-01-01T00:00:00+00:00' is out of range (accepted: dates from "
     "1970-01-01 to 2200-12-31)"),
    (["notify", "--dry-run", "--since-time", "1969-12-31T23:00:00+00:00"], "out of range"),
])
def test_dates_and_quarters_out_of_range_are_bad_usage(store: Store, args: list[str],
                                                       message: str) -> None:
    """Every date and quarter option refuses 1970-2200's outside with exit 2 (a quarter of
    year 9999 or 0 was an internal error)."""
    store.new(*PART)
    store.git("add", "-A")
    store.git("commit", "-qm", "a request")
    before = store.snapshot()
    r = store.fails(*args, code=2, actor="maria@example.com")
    assert message in one_line_error(r.err)
    assert store.snapshot() == before


def test_the_edges_of_the_range_are_accepted(store: Store) -> None:
    store.new(*PART)
    store.git("add", "-A")
    store.git("commit", "-qm", "a request")
    store.ok("report", "--quarter", "1970Q1")
    store.ok("report", "--quarter", "2200Q4")
    assert "nobody made a request in 1970Q1" in store.ok("survey", "send", "-q", "1970Q1").out
    store.ok("notify", "--dry-run", "--since-time", "1826d")
    store.ok("notify", "--dry-run", "--since-time", "1970-01-01T00:00:00+00:00")


def test_a_usage_error_points_to_the_help_of_the_command_run(store: Store) -> None:
    r = store.fails("list", "--stauts", "open", code=2)
    assert r.err.startswith("icsvc: error: list: no such option: --stauts")
    assert "(see 'icsvc list --help')" in r.err


@pytest.mark.parametrize("rid", ["AB", "NST!", "../../etc", "ZZZZ-0000-ÿ"])
def test_a_malformed_request_id_is_bad_usage(store: Store, rid: str) -> None:
    before = store.snapshot()
    r = store.fails("show", rid, code=2)
    line = one_line_error(r.err)
    assert "is not an ID (accepted: 4 or more characters of an ID, from" in line
    assert store.snapshot() == before
