"""The fast listing table draws exactly what Rich's table draws, wherever it draws at all
(generated rows, widths, titles, one or several flexible columns, wide characters, words
longer than the column), and leaves to Rich what it would not draw the same."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from hypothesis import given, settings
from hypothesis import strategies as st

from icsvc.output import fasttable, ui

if TYPE_CHECKING:
    from rich.console import Console

WORDS = st.text(alphabet="abcdefghij-XYZ 01éß漢字😀", min_size=0, max_size=60)
CELL = st.text(alphabet="abc-0129éß漢", min_size=0, max_size=14)
STYLES = st.sampled_from(["", "bold red", "dim"])


def _console(width: int) -> tuple[io.StringIO, Console]:
    from rich.console import Console

    buf = io.StringIO()
    return buf, Console(file=buf, width=width, highlight=False, no_color=True,
                        soft_wrap=False)


@settings(max_examples=120, deadline=None, derandomize=True)
@given(rows=st.lists(st.tuples(CELL, WORDS, CELL, CELL), min_size=1, max_size=8),
       style=STYLES, width=st.integers(30, 160), title=st.one_of(st.none(), CELL),
       flexible=st.sampled_from([[1], [1, 2], [0, 1, 3], []]))
def test_the_fast_table_is_rich_s_table(rows: list[tuple[str, str, str, str]], style: str,
                                        width: int, title: str | None,
                                        flexible: list[int]) -> None:
    headers = ["ID", "Title", "SLA", "Extra"]
    cells = [[(text, style if i == 2 else "") for i, text in enumerate(row)] for row in rows]
    lines = fasttable.render(_console(width)[1], title, headers, cells, flexible,
                             ui.FLEX_MIN_WIDTH)
    rich_buf, rich_con = _console(width)
    rich_con.print(ui.rich_table(title, headers, cells, flexible))
    if lines is None:  # left to Rich: a layout or text it does not draw the same
        return
    fast = "".join("".join(text for text, _ in line) + "\n" for line in lines)
    assert fast == rich_buf.getvalue()


def test_text_rich_would_expand_or_break_is_left_to_rich() -> None:
    for odd in ("a\tb", "a\nb", "a\x85b", "a\u2028b", "\x1b[31mred"):
        cells = [[("ID1", ""), (odd, ""), ("ok", "")]]
        assert fasttable.render(_console(80)[1], None, ["ID", "Title", "SLA"], cells, [1],
                                ui.FLEX_MIN_WIDTH) is None, odd
