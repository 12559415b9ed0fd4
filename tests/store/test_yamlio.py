"""The YAML edge: dump style, atomic writes, and comment-preserving rewrites."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from icsvc.store import pyyamlio, yamlio

TZ = timezone(timedelta(hours=-5))
WORDS = st.text("abcdefgh xyz-", min_size=1, max_size=12).map(str.strip).filter(bool)


def base(title: str, status: str, entries: int) -> dict[str, Any]:
    start = datetime(2026, 11, 24, 9, tzinfo=TZ)
    return {
        "id": "B1QD49VF",
        "title": title,
        "status": status,
        "info": {"order_number": "SO-1", "part_number": "P-2"},
        "created_at": start,
        "history": [{"at": start + timedelta(minutes=i), "by": "a@example.com",
                     "type": "note", "note": f"n{i}"} for i in range(entries)],
    }


def with_comments(text: str, where: list[int]) -> str:
    lines = text.splitlines(keepends=True)
    out = []
    for i, line in enumerate(lines):
        if i in where and not line.startswith((" ", "-")):
            out.append(f"# about line {i}\n")
        if i in where and line.rstrip().endswith(("new", "SO-1", "n0")):
            line = line.rstrip("\n") + "  # inline\n"
        out.append(line)
    return "".join(out)


@settings(max_examples=200, deadline=None)
@given(title=WORDS, new_title=WORDS, status=st.sampled_from(["new", "acknowledged"]),
       entries=st.integers(1, 4), added=st.integers(0, 3),
       where=st.lists(st.integers(0, 30), max_size=8))
def test_preserving_dump_reads_back_as_the_new_data(title: str, new_title: str, status: str,
                                                     entries: int, added: int,
                                                     where: list[int]) -> None:
    old = base(title, "new", entries)
    old_text = with_comments(yamlio.dump(old), where)
    new = base(new_title, status, entries + added)
    result = yamlio.dump_preserving(old_text, new)
    assert yamlio.load(result) == yamlio.load(yamlio.dump(new))
    # comments above unchanged keys survive
    if title == new_title and "# about line 1\n" in old_text:
        assert "# about line 1\ntitle:" in result


def test_dump_is_block_style_iso_and_alias_free() -> None:
    when = datetime(2026, 11, 24, 9, 30, tzinfo=TZ)
    shared = {"a": 1}
    text = yamlio.dump({"at": when, "x": shared, "y": shared, "note": "two\nlines"})
    assert "at: 2026-11-24T09:30:00-05:00\n" in text
    assert "&" not in text and "*" not in text and "{" not in text
    assert "note: |-\n  two\n  lines\n" in text
    assert yamlio.load(text)["at"] == when


def test_write_atomic_replaces_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "f.yaml"
    yamlio.write_atomic(target, "a: 1\n")
    yamlio.write_atomic(target, "a: 2\n")
    assert target.read_text() == "a: 2\n"
    assert [p.name for p in target.parent.iterdir()] == ["f.yaml"]


def test_impossible_dates_stay_strings_for_validation() -> None:
    assert yamlio.load("d: 2026-02-30\n") == {"d": "2026-02-30"}


# -- the comment-keeping writer never changes data ------------------------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
LINES = st.lists(TEXT, min_size=2, max_size=3).map("\n".join)
ZONES = st.sampled_from([timezone(timedelta(hours=h)) for h in (-8, -5, 0, 1, 5, 9)])
WHEN = st.builds(lambda d, tz: datetime(2026, 1, 1, tzinfo=tz) + timedelta(minutes=d),
                 st.integers(0, 500_000), ZONES)
ENTRY = st.fixed_dictionaries(
    {"at": WHEN, "by": st.sampled_from(["ana@example.com", "maria@example.com"]),
     "type": st.sampled_from(["note", "status", "info"])},
    optional={"note": st.one_of(TEXT, LINES), "to": st.sampled_from(["new", "resolved"]),
              "info": st.dictionaries(st.sampled_from(["a", "b"]), TEXT, max_size=2)})
REQUEST = st.fixed_dictionaries(
    {"id": st.just("B1QD49VF"), "title": TEXT.filter(str.strip),
     "status": st.sampled_from(["new", "acknowledged"]),
     "priority": st.sampled_from(["normal", "high"]),
     "requested_priority": st.sampled_from(["normal", "high"]),
     "customer": st.fixed_dictionaries({"email": st.just("maria@example.com"),
                                        "department": st.just("sales")}),
     "created_at": WHEN,
     "history": st.lists(ENTRY, min_size=1, max_size=4)},
    optional={"details": st.one_of(TEXT, LINES), "progress": st.integers(0, 100),
              "info": st.dictionaries(st.sampled_from(["order", "part"]), TEXT, min_size=1),
              "rush": st.just(True)})


def _decorate(data: dict[str, Any], draw: Any) -> str:
    """A hand-edited rendering of `data`: comments above, beside and inside values, flow
    style, anchors and aliases, document markers, a BOM, CRLF line ends, tabs in comments."""
    parts: list[str] = []
    anchored: dict[str, str] = {}
    for key, value in data.items():
        if draw(st.booleans()):
            parts.append(f"#{draw(st.sampled_from([' ', chr(9)]))}about {key}\n")
        flow = key in ("customer", "info") and draw(st.booleans())
        text = (f"{key}: " + yaml.dump(value, Dumper=pyyamlio._BlockDumper, width=10_000,
                                       default_flow_style=True, allow_unicode=True,
                                       sort_keys=False) if flow
                else yamlio.dump({key: value})).removesuffix("...\n")
        same = next((k for k, v in anchored.items() if v == value), None)
        if (same is not None and isinstance(value, str) and "\n" not in text.strip()
                and draw(st.booleans())):
            text = f"{key}: *{same}\n"
        elif isinstance(value, str) and "\n" not in text.strip() and draw(st.booleans()):
            text = text.replace(f"{key}: ", f"{key}: &{key.replace('_', '')} ", 1)
            anchored[key.replace("_", "")] = value
        if key == "history" and not flow and draw(st.booleans()):
            text = text.replace("\n- ", "\n  # between entries\n- ")
        if "\n" not in text.rstrip("\n") and "|" not in text and draw(st.booleans()):
            text = text.rstrip("\n") + "  # inline\n"
        parts.append(text)
    out = "".join(parts)
    if draw(st.booleans()):
        out = "--- # start\n" + out + draw(st.sampled_from(["... # end\n", "...\n", ""]))
    if draw(st.booleans()):
        out = out.replace("\n", "\r\n")
    if draw(st.booleans()):
        out = "\ufeff" + out
    return out


def _changed(old: dict[str, Any], draw: Any) -> dict[str, Any]:
    new = dict(old)
    if draw(st.booleans()):
        new["title"] = draw(TEXT.filter(str.strip))
    if draw(st.booleans()):
        new["status"] = "resolved"
    if draw(st.booleans()):
        new.pop("details", None)
    if draw(st.booleans()):
        new["owner"] = "raj@example.com"
    new["history"] = old["history"] + draw(st.lists(ENTRY, max_size=3))
    return new


def canonical(data: Any) -> str:
    """The data as a reader gets it, types and offsets included."""
    return yamlio.dump(data)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_the_comment_keeping_writer_never_changes_the_data(data: st.DataObject) -> None:
    old = data.draw(REQUEST)
    old_text = _decorate(old, data.draw)
    assert canonical(yamlio.load(old_text)) == canonical(old)  # a valid hand-edited file
    new = _changed(old, data.draw)
    result = yamlio.dump_preserving(old_text, new)
    assert canonical(yamlio.load(result, aliases=False)) == canonical(new)
    assert "\ufeff" not in result and "\r\n" not in result
    assert not result.startswith(("---", "..."))


def test_comments_survive_the_common_hand_edits() -> None:
    start = datetime(2026, 11, 24, 9, tzinfo=TZ)
    old = {"id": "B1QD49VF", "title": "T", "status": "new",
           "history": [{"at": start, "by": "a@example.com", "type": "created"}]}
    new = {**old, "status": "acknowledged",
           "history": [*old["history"], {"at": start, "by": "b@example.com", "type": "note",
                                         "note": "n"}]}
    text = ("\ufeff--- # a request\r\n# asked by phone\r\nid: B1QD49VF\r\ntitle: T\t# short\r\n"
            "status: new\r\nhistory:\r\n- at: 2026-11-24T09:00:00-05:00\r\n  by: a@example.com"
            "\r\n  # the first entry\r\n  type: created\r\n... # end\r\n")
    result = yamlio.dump_preserving(text, new)
    assert result == (
        "# a request\n# asked by phone\nid: B1QD49VF\ntitle: T\t# short\nstatus: acknowledged\n"
        "history:\n- at: 2026-11-24T09:00:00-05:00\n  by: a@example.com\n  # the first entry\n"
        "  type: created\n- at: 2026-11-24T09:00:00-05:00\n  by: b@example.com\n  type: note\n"
        "  note: n\n# end\n")
    assert yamlio.load(result) == yamlio.load(yamlio.dump(new))
