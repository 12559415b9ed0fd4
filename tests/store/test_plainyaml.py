"""Property: the plain-form reader reads exactly what PyYAML reads, or declines (None): on
whatever icsvc's dumper writes from generated data, and on those texts damaged at random.
And it does read the files icsvc writes (else it would be no faster)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EXAMPLE
from icsvc.store import plainyaml, yamlio

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
        return yaml.load(text, Loader=yamlio.Loader)
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


def test_nesting_too_deep_for_it_is_left_to_pyyaml(tmp_path: Path) -> None:
    """A file nested deeper than this reader's recursion goes to PyYAML, which reads it (a
    request file of that shape within the size limit: `check` reports its problems)."""
    text = "id: 09KRRP64\ninfo:\n" + "".join(" " * (k + 1) + "a:\n" for k in range(700))
    text += " " * 702 + "b: 1\n"
    assert plainyaml.load(text) is None
    assert yamlio.load(text, aliases=False)["id"] == "09KRRP64"
