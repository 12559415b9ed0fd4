"""Tables and lines of text written without Rich: every table of every command goes
through `table`, on a terminal and off it.

Off a terminal (a pipe, a file) a table is plain text: an optional title line, the header
line, then one line a row, the columns aligned and separated by two spaces, no box
characters, no colours, no trailing spaces, nothing wrapped (as `git` and `kubectl` do).

On a terminal it fits the terminal's width: the header in bold over a rule, the columns
that may wrap (a title, a note) wrapped at spaces, and when that is not enough, in this
order: the headers' short forms, the columns the caller can spare left out, then the table
cut into blocks of columns that each repeat the first. A header wraps only at its spaces,
never inside a word. Colours are SGR codes written directly (none with `NO_COLOR`).
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

Piece = tuple[str, str]
"""A piece of a line: its text and its style ("" for none, else words of `SGR`)."""
Line = list[Piece]

GAP = 2
"""Spaces between two columns."""

SGR = {"bold": "1", "dim": "2", "italic": "3", "underline": "4", "red": "31", "green": "32",
       "yellow": "33", "blue": "34", "magenta": "35", "cyan": "36"}


@dataclass(frozen=True)
class Col:
    """A table's column: its header, the header's short form for a narrow terminal, and
    whether its cells wrap (at spaces) and how narrow it may then get."""

    header: str
    short: str = ""
    wrap: bool = False
    min: int = 16
    right: bool = False


def width_of(text: str) -> int:
    """The cells `text` takes on a terminal (East Asian wide characters take two)."""
    if text.isascii():
        return len(text)
    size = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        size += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return size


def clean(text: str) -> str:
    """A cell as one printable line (a newline or an escape sequence in a value escaped)."""
    if text.isprintable():
        return text
    from icsvc.errors import one_line

    return one_line(text)


def terminal_width(stream: TextIO | None = None) -> int | None:
    """The terminal's width when `stream` (stdout) is a terminal, else None (plain text):
    `COLUMNS` when it is set, as everywhere."""
    stream = stream or sys.stdout
    if not stream.isatty():
        return None
    import shutil

    return max(shutil.get_terminal_size((80, 24)).columns, 20)


def colours(stream: TextIO | None = None) -> bool:
    stream = stream or sys.stdout
    return stream.isatty() and "NO_COLOR" not in os.environ


def paint(text: str, style: str, on: bool) -> str:
    if not (on and style and text):
        return text
    codes = ";".join(SGR[word] for word in style.split() if word in SGR)
    return f"\x1b[{codes}m{text}\x1b[0m" if codes else text


def write(lines: Sequence[Line], stream: TextIO | None = None) -> None:
    """Write lines of styled pieces: coloured on a terminal, and never a trailing space."""
    stream = stream or sys.stdout
    if not colours(stream):
        stream.write("".join("".join(text for text, _ in line).rstrip(" ") + "\n"
                             for line in lines))
        return
    out = []
    for line in lines:
        pieces = list(line)
        while pieces and not pieces[-1][0].rstrip(" "):
            pieces.pop()
        if pieces:
            text, style = pieces[-1]
            pieces[-1] = (text.rstrip(" "), style)
        out.append("".join(paint(text, style, True) for text, style in pieces) + "\n")
    stream.write("".join(out))


def say(text: str = "", style: str = "", stream: TextIO | None = None) -> None:
    """One line (or several, for a text with newlines) in a style, no trailing spaces."""
    write([[(part, style)] for part in (text.split("\n") if text else [""])], stream)


def para(text: str, style: str = "", indent: int = 0, stream: TextIO | None = None,
         bold: int = 0, lead_style: str = "bold") -> None:
    """A paragraph: wrapped at spaces to the terminal's width (its later lines indented by
    `indent` more than its first), one line off a terminal; its first `bold` characters
    (after its leading spaces) in bold, or in `lead_style`."""
    stream = stream or sys.stdout
    width = terminal_width(stream)
    text = clean(text)
    lead = len(text) - len(text.lstrip(" "))
    lines = [text] if width is None else wrap(text[lead:], width - lead)
    if width is not None and len(lines) > 1:
        lines = lines[:1] + wrap(" ".join(lines[1:]), width - lead - indent)
    first, rest = lines[0], lines[1:]
    out: list[Line] = [[(" " * lead if width is not None else "", ""),
                        (first[:bold], lead_style), (first[bold:], style)]]
    out += [[(" " * (lead + indent) + part, style)] for part in rest]
    write(out, stream)


def fields(pairs: Sequence[tuple[str, str]], width: int | None) -> list[Line]:
    """Labelled values, one a line: the label in bold, the values aligned after it and
    wrapped at spaces on a terminal."""
    size = max((width_of(key) for key, _ in pairs), default=0)
    lines: list[Line] = []
    for key, value in pairs:
        parts = [clean(value)] if width is None else wrap(clean(value), width - size - GAP)
        lines.append([(key, "bold"), (" " * (size - width_of(key) + GAP), ""), (parts[0], "")])
        lines += [[(" " * (size + GAP) + part, "")] for part in parts[1:]]
    return lines


def indented(lines: Sequence[Line], by: int) -> list[Line]:
    return [[(" " * by, ""), *line] if line else line for line in lines]


def wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells, broken at spaces; a word longer than a line
    (an address, a long ID) is cut, as nothing else would fit."""
    width = max(width, 1)
    if width_of(text) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for word in text.split():
        while width_of(word) > width:
            if line:
                lines.append(line)
                line = ""
            cut = _prefix(word, width)
            lines.append(word[:cut])
            word = word[cut:]
        if not line:
            line = word
        elif width_of(line) + 1 + width_of(word) <= width:
            line += " " + word
        else:
            lines.append(line)
            line = word
    if line or not lines:
        lines.append(line)
    return lines


def _prefix(word: str, width: int) -> int:
    size = 0
    for i, ch in enumerate(word):
        size += width_of(ch)
        if size > width:
            return max(i, 1)
    return len(word)


def _longest_word(text: str) -> int:
    return max((width_of(w) for w in text.split()), default=0)


def table(cols: Sequence[Col], rows: Sequence[Sequence[Piece]], *, title: str | None = None,
          width: int | None = None, droppable: Sequence[int] = ()) -> list[Line]:
    """The table's lines: plain (one line a row) when `width` is None, else fitted to
    `width` cells. `rows` holds each row's (text, style) per column; `droppable` are the
    indexes of the columns to leave out, in that order, when the terminal is too narrow."""
    rows = [[(clean(text), style) for text, style in row] for row in rows]
    if width is None:
        return _plain(cols, rows, title)
    blocks = _fit(cols, rows, width, droppable)
    lines: list[Line] = []
    if title:
        lines += [[(part, "bold")] for part in wrap(clean(title), width)]
    for n, (kept, widths, short) in enumerate(blocks):
        if n:
            lines.append([])
        lines += _block(cols, rows, kept, widths, short)
    return lines


def _plain(cols: Sequence[Col], rows: Sequence[Sequence[Piece]], title: str | None
           ) -> list[Line]:
    widths = [max([width_of(c.header), *(width_of(row[i][0]) for row in rows)])
              for i, c in enumerate(cols)]
    lines: list[Line] = [[(clean(title), "")]] if title else []
    lines.append(_row([(c.header, "") for c in cols], cols, widths))
    lines += [_row(row, cols, widths) for row in rows]
    return lines


def _row(row: Sequence[Piece], cols: Sequence[Col], widths: Sequence[int]) -> Line:
    """One line of cells padded to their widths: the unstyled text (and the spaces) of
    neighbouring cells as one piece (tables of thousands of rows)."""
    line: Line = []
    buf = ""
    for i, (text, style) in enumerate(row):
        pad = " " * (widths[i] - (len(text) if text.isascii() else width_of(text)))
        right = cols[i].right
        if i:
            buf += " " * GAP
        if right:
            buf += pad
        if style and text:
            if buf:
                line.append((buf, ""))
                buf = ""
            line.append((text, style))
        else:
            buf += text
        if not right:
            buf += pad
    if buf:
        line.append((buf, ""))
    return line


def unstyled(cols: Sequence[Col], rows: Sequence[Sequence[str]], title: str | None = None
             ) -> str:
    """What `write(table(cols, rows, title=title))` writes off a terminal, for rows of
    plain text: with no styles to keep, each line is its cells padded and joined (a listing
    of 5,000 rows took 0.18 s the styled way)."""
    rows = [[text if text.isprintable() else clean(text) for text in row] for row in rows]
    widths = [max([width_of(c.header), *(width_of(row[i]) for row in rows)])
              for i, c in enumerate(cols)]
    right = [c.right for c in cols]
    gap = " " * GAP

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, text in enumerate(cells):
            pad = " " * (widths[i] - (len(text) if text.isascii() else width_of(text)))
            out.append(pad + text if right[i] else text + pad)
        return gap.join(out).rstrip(" ") + "\n"

    head = [clean(title).rstrip(" ") + "\n"] if title else []
    return "".join([*head, line([c.header for c in cols]), *map(line, rows)])


Block = tuple[list[int], list[int], bool]
"""The columns one block shows, their widths, and whether the headers are the short ones."""


def _fit(cols: Sequence[Col], rows: Sequence[Sequence[Piece]], width: int,
         droppable: Sequence[int]) -> list[Block]:
    def header(i: int, short: bool) -> str:
        return (cols[i].short or cols[i].header) if short else cols[i].header

    cell = [max((width_of(row[i][0]) for row in rows), default=0) for i in range(len(cols))]

    def least(i: int, short: bool) -> int:
        body = min(cell[i], cols[i].min) if cols[i].wrap else cell[i]
        return max(body, _longest_word(header(i, short)), 1)

    def most(i: int, short: bool) -> int:
        return max(cell[i], width_of(header(i, short)), 1)

    def need(kept: list[int], short: bool) -> int:
        return sum(least(i, short) for i in kept) + GAP * (len(kept) - 1)

    everything = list(range(len(cols)))
    tries = [(everything, False), (everything, True)]
    for n in range(1, len(droppable) + 1):
        tries.append(([i for i in everything if i not in droppable[:n]], True))
    for kept, short in tries:
        if need(kept, short) <= width:
            return [(kept, _share(cols, kept, least, most, short, width), short)]
    kept = tries[-1][0]
    blocks: list[list[int]] = []
    for i in kept[1:]:
        if blocks and need([*blocks[-1], i], True) <= width:
            blocks[-1].append(i)
        else:
            blocks.append([kept[0], i])
    if not blocks:
        blocks = [kept]
    return [(block, _share(cols, block, least, most, True, width), True) for block in blocks]


def _share(cols: Sequence[Col], kept: list[int], least: Callable[[int, bool], int],
           most: Callable[[int, bool], int], short: bool, width: int) -> list[int]:
    """Widths from each column's least, the room left given first to the wrapping columns'
    cells, then to headers that would wrap, up to what each needs; shrunk (cells cut) when
    even the least does not fit."""
    widths = {i: least(i, short) for i in kept}
    room = width - sum(widths.values()) - GAP * (len(kept) - 1)
    while room < 0:  # nothing narrower would do: the widest column gives way
        widest = max(kept, key=lambda i: widths[i])
        if widths[widest] <= 1:
            break
        widths[widest] -= 1
        room += 1
    for growing in ([i for i in kept if cols[i].wrap], [i for i in kept if not cols[i].wrap]):
        growing = [i for i in growing if widths[i] < most(i, short)]
        while room > 0 and growing:
            for i in list(growing):
                if room == 0:
                    break
                widths[i] += 1
                room -= 1
                if widths[i] >= most(i, short):
                    growing.remove(i)
        if room == 0:
            break
    return [widths[i] for i in kept]


def _block(cols: Sequence[Col], rows: Sequence[Sequence[Piece]], kept: list[int],
           widths: list[int], short: bool) -> list[Line]:
    picked = [cols[i] for i in kept]
    heads = [wrap((c.short or c.header) if short else c.header, w)
             for c, w in zip(picked, widths, strict=True)]
    lines: list[Line] = []
    for n in range(max(len(h) for h in heads)):
        cells = [(h[n] if n < len(h) else "", "bold") for h in heads]
        lines.append(_row(cells, [Col(c.header) for c in picked], widths))
    total = sum(widths) + GAP * (len(widths) - 1)
    lines.append([("─" * total, "")])
    for row in rows:
        parts = [[row[i][0]] if len(row[i][0]) <= w and row[i][0].isascii()
                 else wrap(row[i][0], w) for i, w in zip(kept, widths, strict=True)]
        for n in range(max(len(p) for p in parts)):
            cells = [(p[n] if n < len(p) else "", row[i][1] if n < len(p) else "")
                     for i, p in zip(kept, parts, strict=True)]
            lines.append(_row(cells, picked, widths))
    return lines
