"""The Rich-free table writer: fitted to a terminal's width without splitting a header
inside a word, plain aligned text off a terminal."""

from __future__ import annotations

import io
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from icsvc.output import plain
from icsvc.output.plain import Col

BOX = set("─│┌┐└┘├┤┬┴┼━┃═║+|")


def text(lines: list[plain.Line]) -> list[str]:
    out = io.StringIO()
    plain.write(lines, out)
    return out.getvalue().splitlines()


def test_the_plain_writer_imports_no_rich() -> None:
    code = ("import sys\nfrom icsvc.output import plain\n"
            "plain.write(plain.table([plain.Col('a')], [[('x', 'bold')]], title='t'))\n"
            "print('rich' in sys.modules, file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert proc.stderr.strip() == "False" and proc.stdout == "t\na\nx\n"


def test_off_a_terminal_a_row_is_one_line_of_aligned_columns() -> None:
    cols = [Col("ID"), Col("Title", wrap=True), Col("Count", right=True)]
    rows = [[("A1", ""), ("a long title that would wrap on a terminal " * 3, "bold"),
             ("7", "")],
            [("B22", ""), ("short", ""), ("1234", "")]]
    lines = text(plain.table(cols, rows, title="Things"))
    assert lines[0] == "Things"
    assert lines[1] == "ID   Title" + " " * (len(rows[0][1][0]) - 5) + "  Count"
    assert lines[2].startswith("A1   a long title") and lines[2].endswith("      7")
    assert lines[3] == "B22  short" + " " * (len(rows[0][1][0]) - 5) + "   1234"
    assert len(lines) == 4 and not any(line != line.rstrip() for line in lines)
    assert not BOX & set("".join(lines)) and "\x1b" not in "".join(lines)


def test_a_control_character_in_a_cell_cannot_break_the_row() -> None:
    lines = text(plain.table([Col("A"), Col("B")], [[("one\ntwo", ""), ("\x1b[31mred", "")]]))
    assert len(lines) == 2 and "\x1b" not in lines[1] and "\\n" in lines[1]


def test_headers_shorten_then_wrap_at_spaces_never_inside_a_word() -> None:
    cols = [Col("Provider"), *(Col(h, s, right=True) for h, s in (
        ("Received", "Recv"), ("Resolved", "Done"), ("Declined", "Decl"), ("Open", ""),
        ("Open <1d", ""), ("Open 1-3d", ""), ("Open 3-7d", ""), ("Open 7d+", "")))]
    rows = [[("engineering", ""), *((str(n), "") for n in range(8))]]
    wide = text(plain.table(cols, rows, width=120))
    assert "Received  Resolved  Declined  Open  Open <1d" in wide[0] and wide[1][0] == "─"
    narrow = text(plain.table(cols, rows, width=60))
    assert all(len(line) <= 60 for line in narrow)
    words = " ".join(narrow[:2]).split()
    assert "Recv" in words and "Receive" not in words and "<1d" in words
    assert words.count("Open") == 5


def test_a_title_column_keeps_its_width_and_columns_are_dropped_first() -> None:
    cols = [Col("ID"), Col("Status"), Col("Title", wrap=True), Col("From")]
    rows = [[("X1", ""), ("waiting-on-customer", ""),
             ("Routing estimate for 800 custom manifolds (Kestrel)", ""),
             ("customer-service-and-after-sales", "")]]
    lines = text(plain.table(cols, rows, width=50, droppable=[3, 1]))
    assert "From" not in lines[0] and "Status" in lines[0]
    title_lines = [line[len("X1  waiting-on-customer  "):] for line in lines[2:]]
    assert all(len(part.split()) >= 2 for part in title_lines[:-1]), lines


def test_too_many_columns_make_blocks_that_repeat_the_first() -> None:
    cols = [Col("Department"), *(Col(f"provider-{n}", right=True) for n in range(12))]
    rows = [[("customer-service", ""), *((str(n), "") for n in range(12))]]
    lines = text(plain.table(cols, rows, width=80))
    assert all(len(line) <= 80 for line in lines)
    heads = [line for line in lines if line.startswith("Department")]
    assert len(heads) >= 2
    assert sum(line.startswith("customer-service") for line in lines) == len(heads)
    assert all(f"provider-{n}" in "".join(heads) for n in range(12))


def test_colours_only_on_a_terminal_and_not_with_no_color(monkeypatch: object) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Tty()
    plain.write([[("ok", "green"), ("  ", "")]], out)
    assert out.getvalue() == "\x1b[32mok\x1b[0m\n"


words = st.text(alphabet="abcdefghij-界", min_size=1, max_size=14)
cells = st.lists(words, min_size=1, max_size=6).map(" ".join)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(cells, st.booleans()), min_size=1, max_size=9),
       st.lists(st.lists(cells, min_size=9, max_size=9), min_size=1, max_size=5),
       st.integers(min_value=30, max_value=130))
def test_a_fitted_table_never_overflows_and_keeps_every_word(
        headers: list[tuple[str, bool]], rows: list[list[str]], width: int) -> None:
    cols = [Col(h, wrap=w) for h, w in headers]
    table = [[(row[i], "") for i in range(len(cols))] for row in rows]
    lines = text(plain.table(cols, table, width=width))
    assert all(plain.width_of(line) <= width for line in lines)
    said = " ".join(lines).split()
    half = (width - plain.GAP) // 2  # the least a column gets: two columns always fit
    for h, _ in headers:  # every column shown, and a header word that fits is never cut
        for word in h.split():
            if plain.width_of(word) <= half:
                assert word in said, (word, lines)
    for row in table:  # the first column is repeated in every block
        for word in row[0][0].split():
            if plain.width_of(word) <= half:
                assert word in said, (word, lines)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(cells, st.integers(min_value=2, max_value=40))
def test_wrapping_keeps_the_words_in_order(value: str, width: int) -> None:
    parts = plain.wrap(value, width)
    assert all(plain.width_of(p) <= max(width, 1) for p in parts)
    if all(plain.width_of(w) <= width for w in value.split()):
        assert " ".join(parts).split() == value.split()
    else:
        assert "".join(parts).replace(" ", "") == value.replace(" ", "")
