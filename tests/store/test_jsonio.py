"""JSON from outside icsvc: the nesting scan agrees with the parser on every document (strings
full of brackets, quotes and backslashes included), and what is within bounds reads back as
`json` reads it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icsvc.store import jsonio

TEXT = st.text(st.sampled_from(list('[]{}"\\:,ab é\n\u2028')), max_size=12)
DOCS = st.recursive(st.none() | st.booleans() | st.integers(-10**30, 10**30) | TEXT,
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(TEXT, inner, max_size=3), max_leaves=30)


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(DOCS, st.booleans())
def test_the_scan_measures_what_the_parser_nests(doc: Any, ascii_only: bool) -> None:
    text = json.dumps(doc, ensure_ascii=ascii_only)
    assert jsonio.depth(text, 64) == _depth(doc)
    assert jsonio.loads(text) == doc


@pytest.mark.parametrize(("text", "message"), [
    ("[" * 65 + "]" * 65, "nest more than 64 levels deep"),
    ('{"a": "' + "[" * 500 + '", "b": ' + "[" * 65 + "]" * 65 + "}", "nest more than 64"),
    ("[" * 1_000_000, "nest more than 64"),  # stops counting: no parse, no stack
    ("1" * 101, "a number of 101 digits (accepted: up to 100)"),
    ("-" + "1" * 101, "a number of 101 digits"),
    ("1e400", "too large"),
    ("[NaN]", "NaN is not a JSON value"),
    ("-Infinity", "-Infinity is not a JSON value"),
    ('{"\\ud800": 1}', "is not valid Unicode"),
    ('["\\udc00x"]', "is not valid Unicode"),
])
def test_what_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        jsonio.loads(text)


def test_at_the_bounds() -> None:
    assert jsonio.loads("[" * 64 + "]" * 64) is not None
    assert jsonio.loads("9" * 100) == int("9" * 100)
    assert jsonio.loads('"\\ud83d\\ude00"') == "\U0001f600"  # a pair is one character
    with pytest.raises(json.JSONDecodeError):
        jsonio.loads('{"a": ')
