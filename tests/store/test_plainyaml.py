"""Property: the plain-form reader reads exactly what PyYAML reads, or declines (None): on
whatever icsvc's dumper writes from generated data, and on those texts damaged at random.
And it does read the files icsvc writes (else it would be no faster)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EXAMPLE
from icsvc.store import plainyaml, pyyamlio, yamlio

TRICKY = " abcAZ09:#-_'\"|>{}[],.&*!?%@`~\\\n\u00e9\u2028\x85\x07"
WORDS = ["yes", "no", "on", "off", "null", "~", "true", "False", "1", "0x1f", "007", "1:30",
         "1.5", ".inf", "2026-11-24", "2026-02-30", "2026-11-24T09:40:00-05:00", "a b",
         "x: y", "- x", "# x", "x #y", "<<", "=", "", " lead", "trail ", "|", ">"]

scalars = st.one_of(
    st.text(alphabet=TRICKY, max_size=12), st.sampled_from(WORDS),
    st.text(alphabet=" abc:#'-", min_size=70, max_size=240),  # wrapped by the dumper
    st.text(alphabet="abcxyz -_.,/@0123", max_size=30),  # plain text, as most values are
    st.text(alphabet="abc xyz\n", min_size=1, max_size=40),  # text blocks
    st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(), st.none(),
    st.datetimes(min_value=datetime(1960, 1, 1), max_value=datetime(2250, 1, 1),
                 timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5)),
                                            timezone(timedelta(hours=5, minutes=30))])),
    st.dates(min_value=date(1960, 1, 1), max_value=date(2250, 1, 1)),
)
keys = st.one_of(st.from_regex(r"[a-z_][a-z0-9_.-]{0,8}", fullmatch=True),
                 st.sampled_from(WORDS))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)), max_leaves=12)
documents = st.dictionaries(keys, values, min_size=1, max_size=5)
tame = st.one_of(
    st.text(alphabet="abcxyz -_.,/@0123:'", max_size=30), st.integers(-99, 10**6),
    st.sampled_from(["yes", "on", "null", "2026-11-24", "1.5", "x: y", ""]), st.none(),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                 timezones=st.just(timezone(timedelta(hours=-5)))),
    st.text(alphabet="abc xyz\n", min_size=1, max_size=40),
    st.text(alphabet="ab :'", min_size=80, max_size=200))
"""Values like a request's: most documents made of them are read without PyYAML."""
tame_documents = st.dictionaries(
    st.from_regex(r"[a-z_]{1,8}", fullmatch=True),
    st.recursive(tame, lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), inner, max_size=3)),
        max_leaves=10), min_size=1, max_size=6)


def same(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (and the same offsets for times)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, datetime):
        return a == b and a.utcoffset() == b.utcoffset()
    return bool(a == b)


def pyyaml(text: str) -> Any:
    """What PyYAML (icsvc's loader, with its checks) reads, or the exception it raises."""
    try:
        return yaml.load(text, Loader=pyyamlio.Loader)
    except Exception as exc:  # noqa: BLE001 - any refusal counts
        return exc


def agrees(text: str) -> bool:
    fast = plainyaml.load(text)
    if fast is None:
        return True
    slow = pyyaml(text)
    return not isinstance(slow, Exception) and same(fast, slow)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, derandomize=True)
@given(doc=documents)
def test_what_the_dumper_writes_is_read_as_pyyaml_reads_it(doc: dict[str, Any]) -> None:
    text = yamlio.dump(doc)
    assert agrees(text), text


@pytest.mark.slow
@settings(max_examples=400, deadline=None, derandomize=True)
@given(doc=tame_documents)
def test_request_like_documents_are_read_as_pyyaml_reads_them(doc: dict[str, Any]) -> None:
    text = yamlio.dump(doc)
    assert agrees(text), text


EDITS = st.lists(st.tuples(st.sampled_from(["insert", "delete", "copy", "indent", "dedent"]),
                           st.integers(0, 10**6), st.sampled_from([*TRICKY, "  ", "- "])),
                 min_size=1, max_size=3)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, derandomize=True)
@given(doc=st.one_of(documents, tame_documents), edits=EDITS)
def test_a_damaged_text_is_read_as_pyyaml_reads_it_or_declined(
        doc: dict[str, Any], edits: list[tuple[str, int, str]]) -> None:
    text = yamlio.dump(doc)
    for how, where, what in edits:
        lines = text.split("\n")
        at = where % (len(text) + 1)
        row = where % len(lines)
        if how == "insert":
            text = text[:at] + what + text[at:]
        elif how == "delete":
            text = text[:at] + text[at + 1:]
        elif how == "copy":
            text = "\n".join([*lines[:row + 1], lines[row], *lines[row + 1:]])
        elif how == "indent":
            text = "\n".join([*lines[:row], "  " + lines[row], *lines[row + 1:]])
        else:
            text = "\n".join([*lines[:row], lines[row][1:], *lines[row + 1:]])
    assert agrees(text), text


def test_the_files_icsvc_writes_are_read_without_pyyaml() -> None:
    files = sorted((EXAMPLE / "requests").glob("*/*.yaml"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast = plainyaml.load(text)
        if "#" in text and fast is None:
            continue  # a hand-written comment: PyYAML reads it
        assert fast is not None, path
        assert same(fast, pyyaml(text)), path


def test_cases_it_declines() -> None:
    for text in ["a: 1\na: 2\n", "a: [1, 2]\n", "a: b # c\n", "# c\na: 1\n", "a: &x 1\n",
                 "a: !!str 1\n", "a: >\n  folded\n", 'a: "x\\n"\n',
                 "a: 007\n", "a: 2026-02-30\n", "a: 2026-11-24T09:40:00\n", "a:\tb\n",
                 "---\na: 1\n", "- a\n", "a: |\n  x\n   \n  y\n",
                 "a: 3000-01-01\n", "yes: 1\n", "a: 1:30\n", "a: x\x85y\n",
                 "a: 'x\n  y\n", "a: x\n  y: z\n"]:
        assert plainyaml.load(text) is None, text
    assert plainyaml.load("a: |-\n  x\n\n  y\nb:\n- c: 1\n  d: on\n- null\n") == {
        "a": "x\n\ny", "b": [{"c": 1, "d": True}, None]}
    assert plainyaml.load("a: |\n  x") == {"a": "x"}  # no line break after it to keep
    assert plainyaml.load("a: 'it''s: a\n  long  \n\n  line '\nb: plain\n  text\n") == {
        "a": "it's: a long\nline ", "b": "plain text"}
    # a text continued after a blank line right under its key (not a one-line value)
    assert plainyaml.load("a: first\n\n  second\nb: 1\n") == {"a": "first\nsecond", "b": 1}
    assert plainyaml.load("a: first\n\n\n  second\n") == {"a": "first\n\nsecond"}


def test_nesting_too_deep_for_it_is_left_to_pyyaml(tmp_path: Path) -> None:
    """A file nested deeper than this reader's recursion goes to PyYAML, which reads it (a
    request file of that shape within the size limit: `check` reports its problems)."""
    text = "id: 09KRRP64\ninfo:\n" + "".join(" " * (k + 1) + "a:\n" for k in range(700))
    text += " " * 702 + "b: 1\n"
    assert plainyaml.load(text) is None
    assert yamlio.load(text, aliases=False)["id"] == "09KRRP64"


# -- writing -------------------------------------------------------------------------------

WIDE = TRICKY + "\t\r\u00a0\u00ff\u0100\ud7ff\ue000\ufeff\ufffd\ufffe\U0001f600\u3042"
"""Characters PyYAML's emitter writes as they are, and some it escapes."""
WORD = st.from_regex(r"[a-zA-Z0-9'.,:#-]{1,10}", fullmatch=True)
PROSE = st.lists(WORD, min_size=1, max_size=40).map(" ".join)
"""Notes and titles: words PyYAML wraps between, some it quotes (`: `, ` #`, a quote)."""
written = st.one_of(
    PROSE, st.lists(st.one_of(PROSE, st.just("")), min_size=2, max_size=4).map("\n".join),
    st.text(alphabet=WIDE, max_size=16), st.sampled_from(WORDS),
    st.text(alphabet=" ab'c:#-", min_size=60, max_size=300),
    st.integers(-10**20, 10**20), st.floats(), st.booleans(), st.none(),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5)),
                                            timezone(timedelta(seconds=30)), None])),
    st.dates())
written_values = st.recursive(written, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=4)), max_leaves=15)


def pyyaml_text(data: Any) -> str | None:
    try:
        return pyyamlio.dump(data)
    except Exception:  # noqa: BLE001 - what PyYAML cannot write, the plain writer must not
        return None


@settings(max_examples=500, deadline=None, derandomize=True)
@given(data=st.one_of(documents, tame_documents,
                      st.dictionaries(keys, written_values, min_size=1, max_size=6),
                      st.lists(written_values, min_size=1, max_size=3)))
def test_what_it_writes_is_the_text_pyyaml_writes(data: Any) -> None:
    text = plainyaml.dump(data)
    if text is not None:
        assert text == pyyaml_text(data)


NAME = st.from_regex(r"[a-z_]{1,10}", fullmatch=True).filter(
    lambda name: name not in ("yes", "no", "on", "off", "true", "false", "null"))
FIELD = st.one_of(PROSE, st.integers(-99, 10**6), st.none(), st.booleans(),
                  st.datetimes(timezones=st.just(timezone(timedelta(hours=-5)))))
ENTRY = st.dictionaries(NAME, st.one_of(FIELD, st.dictionaries(NAME, FIELD, min_size=1)),
                        min_size=1, max_size=5)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(data=st.dictionaries(NAME, st.one_of(
    FIELD, st.dictionaries(NAME, FIELD, min_size=1, max_size=4),
    st.lists(st.one_of(PROSE, ENTRY), min_size=1, max_size=4)), min_size=1, max_size=8))
def test_request_like_data_is_written_without_pyyaml(data: dict[str, Any]) -> None:
    """What a request holds (fields, mappings of them, lists of texts or of entries) is
    within the form: else writes would need PyYAML after all."""
    text = plainyaml.dump(data)
    assert text is not None
    assert text == pyyaml_text(data)


def test_it_wraps_where_pyyaml_wraps() -> None:
    """Between words, once a line is past 88 characters: a space at column 88 stays, one at
    89 breaks the line (the next goes on two more than the key); two spaces in a row stay
    together; a quoted text counts its doubled quotes."""
    for pad in range(70, 100):
        for text in (" ".join(["x" * pad, "tail", "end"]), "a: " + "y" * pad + " z",
                     "y" * pad + "  two spaces", "it's " + "q" * pad + " done"):
            for data in ({"note": text}, {"history": [{"at": 1, "note": text}]}, [text]):
                assert plainyaml.dump(data) == pyyaml_text(data), data


def test_what_it_leaves_to_pyyaml() -> None:
    for data in [{"a": "tab\there"}, {"a": "\U0001f600"}, {"a": "x\x85y"}, {"a": "\ufeff"},
                 {"a": " lead\nx"}, {"a": "x\n\n"}, {"a": "x \ny"}, {"a": "\nx"},
                 {"a": [["nested"]]}, {"on": 1}, {"1": 1}, {"k" * 129: 1}, {1: "x"},
                 {"a": 1e20}, {"a": float("nan")}, {"a": datetime(2026, 1, 1)},
                 {"a": ("tuple",)}, {"a": " lead"}, {"a": "trail "}, {}, [], "text",
                 {"a": datetime(2026, 1, 1, tzinfo=timezone(timedelta(seconds=1)))}]:
        assert plainyaml.dump(data) is None, data


def test_it_writes_the_example_store_as_pyyaml_does() -> None:
    for path in sorted((EXAMPLE / "requests").glob("*/*.yaml")):
        data = plainyaml.load(path.read_text(encoding="utf-8"))
        if data is not None:
            assert plainyaml.dump(data) == pyyaml_text(data), path


# -- PyYAML's rules, copied ------------------------------------------------------------------

def test_its_implicit_types_are_pyyamls() -> None:
    """`_IMPLICIT` is PyYAML's table of implicit types: for every first character, the same
    types and patterns in the same order (a new PyYAML that changes it fails here)."""
    theirs = {first: [(tag.removeprefix("tag:yaml.org,2002:"), rx.pattern, rx.flags)
                      for tag, rx in rules]
              for first, rules in yaml.resolver.Resolver.yaml_implicit_resolvers.items()}
    ours: dict[str, list[tuple[str, str, int]]] = {}
    for kind, firsts, pattern, flags in plainyaml._IMPLICIT:
        for first in firsts:
            ours.setdefault("" if first == "\0" else first, []).append(
                (kind, pattern, re.compile(pattern, flags).flags))
    assert ours == theirs


def test_it_refuses_what_pyyamls_reader_refuses() -> None:
    pyyamls = yaml.reader.Reader.NON_PRINTABLE
    ours = re.compile(plainyaml._UNREADABLE)
    for code in [*range(0x10000), *range(0x10000, 0x110000, 97), 0x10FFFF]:
        c = chr(code)
        assert bool(ours.search(c)) == bool(pyyamls.search(c)), hex(code)
        if c.isascii():
            assert bool(plainyaml._ASCII_UNREADABLE.search(c)) == bool(pyyamls.search(c))


def test_it_quotes_what_pyyamls_emitter_escapes() -> None:
    """A character the plain writer leaves to PyYAML is one PyYAML writes escaped, in double
    quotes; any other it writes as it is."""
    ours = re.compile(plainyaml._UNWRITABLE)
    for code in [*range(0x10000), *range(0x10000, 0x110000, 4099)]:
        c = chr(code)
        if 0xD800 <= code <= 0xDFFF or c in "\n\x85\u2028\u2029":
            continue  # not UTF-8; line breaks (written in blocks, or refused)
        text = pyyaml_text({"a": f"x{c}y"})
        escaped = text is not None and text.startswith('a: "')
        assert bool(ours.search(c)) == escaped, (hex(code), text)
        if c.isascii():
            assert bool(plainyaml._ASCII_UNWRITABLE.search(c)) == escaped
