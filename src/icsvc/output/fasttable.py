"""The listing table drawn line by line, as Rich's `Table` would draw it, but in a fraction
of the time: a Rich table costs about 1.5 ms a row (a `Padding`, a measure and a render per
cell), so a queue of 5,000 open requests took 8 s to print, far more than finding them.

`render` lays out the one table shape `ui.print_rows` uses (no edges, a head rule, one space
of right padding, flexible columns sharing what the others leave, by Rich's own
`ratio_distribute`) and returns None for anything outside that shape, where the caller lets
Rich do it: a layout that needs columns shrunk, a title or header that would wrap, text
with control characters. Inside it the output is the same, character for character (a
property test compares the two); the flexible columns' cells are wrapped by Rich's own
`Text.wrap`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

Line = list[tuple[str, str]]
"""One line of the table: its pieces of text, each with its Rich style ("" for none)."""

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""Characters Rich strips, expands or breaks lines at: such text is left to Rich."""


def render(console: Console, title: str | None, headers: Sequence[str],
           cells: Sequence[Sequence[tuple[str, str]]], flex: Sequence[int], min_width: int
           ) -> list[Line] | None:
    """The table's lines, each as (text, style) pieces, or None when Rich's layout could
    differ.

    `cells` holds each row's (text, style) per column; `flex` are the indexes of the columns
    that share the remaining width equally (each at least `min_width`) and wrap."""
    from rich._ratio import ratio_distribute
    from rich.cells import cell_len

    width = console.width
    count = len(headers)
    if not flex or _CONTROL.search("".join(headers) + (title or "")):
        return None
    widths = [cell_len(h) for h in headers]
    for row in cells:
        for i, (text, _) in enumerate(row):
            if _CONTROL.search(text):
                return None
            size = len(text) if text.isascii() else cell_len(text)
            if size > widths[i]:
                widths[i] = size
    # as Rich: one space of padding right of each column but the last, one of separator
    pads = [1] * (count - 1) + [0]
    rest = width - (count - 1) - sum(w + pads[i] for i, w in enumerate(widths) if i not in flex)
    if rest < sum(min_width + pads[i] for i in flex):
        return None
    shares = ratio_distribute(rest, [1] * len(flex), [1 + pads[i] for i in flex])
    for i, share in zip(flex, shares, strict=True):
        widths[i] = share - pads[i]
        if widths[i] < max(min_width, cell_len(headers[i])):
            return None
    if title and cell_len(title) > width:
        return None

    def pad(text: str, size: int) -> str:
        return text + " " * (size - (len(text) if text.isascii() else cell_len(text)))

    lines: list[Line] = []
    if title:
        lines.append([(pad(title, width), "table.title")])
    head: Line = []
    for i, header in enumerate(headers):
        head.append((pad(header, widths[i]), "bold"))
        if i < count - 1:
            head.append(("  ", ""))
    lines.append(head)
    lines.append([("─" * width, "")])
    last = count - 1
    for row in cells:
        wrapped = {i: _wrap(console, row[i][0], widths[i]) for i in flex}
        for n in range(max(len(parts) for parts in wrapped.values())):
            line: Line = []
            for i, (text, style) in enumerate(row):
                if i in wrapped:
                    parts = wrapped[i]
                    line.append((pad(parts[n] if n < len(parts) else "", widths[i]), style))
                elif n == 0:
                    line.append((pad(text, widths[i]), style))
                else:
                    line.append((" " * widths[i], ""))
                if i < last:
                    line.append(("  ", ""))
            lines.append(line)
    return lines


def _wrap(console: Console, text: str, width: int) -> list[str]:
    from rich.cells import cell_len
    from rich.text import Text

    if (len(text) if text.isascii() else cell_len(text)) <= width:
        return [text]
    return [part.plain.rstrip(" ") for part in
            Text(text).wrap(console, width, overflow="fold")] or [""]
