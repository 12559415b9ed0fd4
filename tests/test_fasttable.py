"""The fast listing table draws exactly what Rich's table draws, wherever it draws at all
(generated rows, widths, titles, one or several flexible columns, wide characters and words
longer than the column)."""

from __future__ import annotations

import io
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from icsvc.cli import ui

WORDS = st.text(alphabet="abcdefghij-XYZ 01éß漢字😀\t\x85", min_size=0, max_size=60)
CELL = st.text(alphabet="abc-0129éß漢", min_size=0, max_size=14)


def _print(rows: list[dict[str, Any]], columns: list[tuple[str, str]], width: int,
           fast: bool, title: str | None, flex: tuple[str, ...]) -> str:
    from rich.console import Console

    from icsvc.cli import fasttable

    buf = io.StringIO()
    ui._consoles[False] = Console(file=buf, width=width, highlight=False, no_color=True,
                                  soft_wrap=False)
    saved = fasttable.render
    if not fast:
        fasttable.render = lambda *args, **kwargs: None  # type: ignore[assignment]
    try:
        ui.print_rows(rows, columns, "table", title=title,
                      styles={"state": {"breached": "bold red"}}, flex=flex,
                      droppable=("extra",))
    finally:
        fasttable.render = saved
        ui.reset()
    return buf.getvalue()


@settings(max_examples=120, deadline=None, derandomize=True)
@given(rows=st.lists(st.tuples(CELL, WORDS, st.sampled_from(["ok", "breached", ""]), CELL),
                     min_size=1, max_size=8),
       width=st.integers(20, 140), title=st.one_of(st.none(), CELL),
       flex=st.sampled_from([("title",), ("title", "state"), ("id", "title", "extra"), ()]))
def test_the_fast_table_is_rich_s_table(rows: list[tuple[str, str, str, str]], width: int,
                                        title: str | None, flex: tuple[str, ...]) -> None:
    columns = [("id", "ID"), ("title", "Title"), ("state", "SLA"), ("extra", "Extra")]
    data = [dict(zip(("id", "title", "state", "extra"), row, strict=True)) for row in rows]
    fast = _print(data, columns, width, True, title, flex)
    assert fast == _print(data, columns, width, False, title, flex)
