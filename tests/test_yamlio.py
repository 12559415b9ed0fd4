"""The YAML edge: dump style, atomic writes, and comment-preserving rewrites."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from icsvc import yamlio

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
