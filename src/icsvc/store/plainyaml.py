"""The plain block form icsvc writes, read and written without PyYAML: block mappings and
lists, one-line plain or simply quoted scalars, and `|` text blocks. Reading is about ten
times faster than PyYAML's (whose constructor runs in Python, about 0.5 ms for a request
file), and neither needs PyYAML imported (25 ms of a command's start).

`load` reads exactly what PyYAML reads, or nothing: each scalar is typed by PyYAML's own
implicit rules (`_IMPLICIT`, a copy a test holds to PyYAML's), and anything outside that
narrow form (a comment, a flow collection, a folded or escaped string, a tab, an anchor, a
duplicate key, an odd number or date) returns None, and PyYAML reads the file, with its
checks and its error messages. `dump` writes exactly the text PyYAML writes in icsvc's
style (`yamlio.dump`), or nothing: a value it would quote with escapes, a key it would
quote, a nested list, a number it would write in another notation return None, and PyYAML
writes it. Property tests hold both to PyYAML's answers.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from icsvc.domain import limits

_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")
_INT = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"-?[0-9]+\.[0-9]+\Z")
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{6})?[+-]\d\d:\d\d\Z")
_DAY = re.compile(r"\d{4}-\d\d-\d\d\Z")
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}
_BREAKS = re.compile("[\x85\u2028\u2029]")
_UNREADABLE = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]"
"""What PyYAML's reader refuses: the characters outside its `NON_PRINTABLE` class, named
rather than negated (its negation takes 5 ms to compile); `_ASCII_UNREADABLE` is its ASCII
part (see `_holds`)."""
_ASCII_UNREADABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _holds(text: str, ascii_part: re.Pattern[str], whole: str) -> bool:
    """Whether `text` holds a character of the class `whole`: by its ASCII part (compiled
    at import) when the text is ASCII, the whole class (compiled by `re`, once) only when
    it is not."""
    return (ascii_part if text.isascii() else re.compile(whole)).search(text) is not None


_NOT_SCALARS = frozenset({"|", "|-", "[]", "{}"})
"""What follows a key and is not a one-line scalar (`_Reader.value` reads them)."""


class _Unsure(Exception):
    """Outside the form this reader knows: PyYAML reads the text instead."""


def load(text: str) -> dict[str, Any] | None:
    """The mapping the text holds, as PyYAML reads it; None when the text is not in the
    plain block form (then ask PyYAML)."""
    if not text or "\t" in text or "\r" in text or text[0] in "\ufeff%-#":
        return None
    if _BREAKS.search(text) or _holds(text, _ASCII_UNREADABLE, _UNREADABLE):
        return None  # characters PyYAML reads as line breaks, or refuses
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    try:
        reader = _Reader(lines, ends_with_break=text.endswith("\n"))
        found = reader.block(0, 0)
        if reader.next_line(reader.at) is not None or not isinstance(found, dict):
            return None
        return found
    except (_Unsure, RecursionError):  # (PyYAML reads deeper nesting than this reader)
        return None


class _Reader:
    """Reads the lines top-down; `at` is the first line not read yet."""

    def __init__(self, lines: list[str], ends_with_break: bool) -> None:
        self.lines = lines
        self.ends_with_break = ends_with_break
        indents = []
        for line in lines:
            body = line.lstrip(" ")
            if not body:
                indents.append(-1)  # blank
            elif body[0] == "#":
                raise _Unsure  # a comment (or a text block's line that looks like one)
            else:
                indents.append(len(line) - len(body))
        indents.append(-2)  # the end
        self.indents = indents
        self.at = 0

    def next_line(self, i: int) -> int | None:
        """The index of the first non-blank line from `i` (None at the end)."""
        indents = self.indents
        while indents[i] == -1:
            i += 1
        return None if indents[i] == -2 else i

    def is_item(self, i: int, indent: int) -> bool:
        """Whether line `i` is a list item (`-` then a space or nothing) at `indent`."""
        line = self.lines[i]
        return (self.indents[i] == indent and line.startswith("-", indent)
                and (len(line) == indent + 1 or line[indent + 1] == " "))

    def block(self, i: int, indent: int) -> Any:
        """The mapping or list whose first line is `i`, indented `indent`."""
        found = self.next_line(i)
        if found is None or self.indents[found] != indent:
            raise _Unsure
        self.at = found
        return self.sequence(indent) if self.is_item(found, indent) else self.mapping(indent)

    def mapping(self, indent: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        lines, indents = self.lines, self.indents
        while True:
            i = self.at
            own = indents[i]
            if own == -1:  # (`next_line`, inlined: the loop runs for every line)
                found = self.next_line(i)
                if found is None:
                    return out
                i, own = found, indents[found]
            if own < indent:  # (the end, -2, too)
                return out
            line = lines[i]
            if own > indent or line.startswith("-", indent):
                if own == indent and out:
                    return out  # for the caller to refuse
                raise _Unsure
            key, sep, rest = line[indent:].partition(":")
            if not sep or (rest and rest[0] != " ") or key in out or not _plain_key(key):
                raise _Unsure
            self.at = i + 1
            rest = rest[1:]
            after = indents[i + 1]  # the next line's indentation (-1: blank, -2: the end)
            if rest and rest not in _NOT_SCALARS and (after == -2 or -1 < after <= indent):
                out[key] = _scalar(rest)  # the commonest line: `key: value`, nothing under it
            else:
                out[key] = self.value(rest, indent, own_key=True)

    def sequence(self, indent: int) -> list[Any]:
        out: list[Any] = []
        lines, indents = self.lines, self.indents
        while True:
            i = self.next_line(self.at)
            if i is None or indents[i] < indent:
                return out
            if not self.is_item(i, indent):
                if indents[i] > indent or lines[i].startswith("-", indent):
                    raise _Unsure
                return out
            item = lines[i][indent + 2:]
            if not item:
                self.at = i + 1
                out.append(self.value("", indent + 1, own_key=False))
            elif _starts_mapping(item):
                # "- key: value": a mapping indented two more, its first line after the dash
                lines[i] = " " * (indent + 2) + item
                indents[i] = indent + 2
                self.at = i
                out.append(self.mapping(indent + 2))
            else:
                self.at = i + 1
                out.append(self.value(item, indent, own_key=False))

    def value(self, rest: str, indent: int, own_key: bool) -> Any:
        """The value after `key:` (or `-`) on a line indented `indent`; what follows on
        the next lines when nothing does."""
        if rest == "":
            i = self.next_line(self.at)
            if i is not None:
                own = self.indents[i]
                if own > indent or (own_key and self.is_item(i, indent)):
                    return self.block(i, own)  # (a list may sit at its key's indentation)
            return None
        if rest in ("|", "|-"):
            return self.literal(indent, keep=rest == "|")
        i = self.next_line(self.at)
        if i is not None and self.indents[i] > indent:
            return _folded([rest, *self.continued(indent)])
        if rest == "[]":
            return []
        if rest == "{}":
            return {}
        return _scalar(rest)

    def continued(self, indent: int) -> list[str]:
        """The lines that continue a scalar begun on a line indented `indent` (the dumper
        wraps long text): more indented ones, and blank ones between them."""
        lines, indents = self.lines, self.indents
        out: list[str] = []
        i = self.at
        while True:
            found = self.next_line(i)
            if found is None or indents[found] <= indent:
                break
            out.extend([""] * (found - i))
            out.append(lines[found])
            i = found + 1
        self.at = i
        return out

    def literal(self, indent: int, keep: bool) -> str:
        """A `|` block: its lines, indented more than its key, with one final line break
        (`|`) or none (`|-`)."""
        lines, indents = self.lines, self.indents
        i = self.at
        content: list[str] = []
        width: int | None = None
        while indents[i] != -2:
            own = indents[i]
            if own == -1:
                if lines[i]:
                    raise _Unsure  # a blank line of spaces
                content.append("")
                i += 1
                continue
            if own <= indent:
                break
            if width is None:
                width = own
            elif own < width:
                raise _Unsure
            line = lines[i]
            if line.endswith(" "):
                raise _Unsure
            content.append(line[width:])
            i += 1
        while content and content[-1] == "":
            content.pop()
            i -= 1
        if width is None or not content:
            raise _Unsure
        self.at = i
        # `|` keeps the line break after the last line: there is none at the end of a text
        # that does not end with one
        broken = i < len(lines) or self.ends_with_break
        return "\n".join(content) + ("\n" if keep and broken else "")


def _folded(pieces: list[str]) -> str:
    """A plain or single-quoted scalar written on several lines, as YAML folds it: each
    line trimmed, one line break between two lines read as a space, blank lines as line
    breaks."""
    first = pieces[0]
    quoted = first[0] == "'"
    last = pieces[-1].strip(" ")
    if quoted:
        if not last.endswith("'"):
            raise _Unsure
        inner = [first[1:], *pieces[1:-1], last[:-1]]
        if any("'" in p.replace("''", "") for p in inner) or not last[:-1].strip(" "):
            raise _Unsure
    else:
        if first[0] in _INDICATORS or first != first.strip(" "):
            raise _Unsure
        inner = pieces
        if any(": " in p or " #" in p or p.strip(" ").startswith("#") or p.endswith(":")
               for p in inner):
            raise _Unsure
    trimmed = [p.strip(" ") if k else p.rstrip(" ") for k, p in enumerate(inner[:-1])]
    trimmed.append(inner[-1].lstrip(" ") if quoted else inner[-1].strip(" "))
    text = trimmed[0]
    breaks = 0
    for piece in trimmed[1:]:
        if not piece:
            breaks += 1
            continue
        text += "\n" * breaks if breaks else " "
        text += piece
        breaks = 0
    if breaks:
        raise _Unsure
    if quoted:
        return text.replace("''", "'")
    if _resolve(text) != "str":
        raise _Unsure
    return text


def _starts_mapping(item: str) -> bool:
    key, sep, rest = item.partition(":")
    return bool(sep) and (not rest or rest[0] == " ") and bool(_KEY.match(key))


_KEYS: set[str] = set()
"""Keys already found plain (a request file's keys come back in every file)."""


def _plain_key(key: str) -> bool:
    """Whether `key` is a key this reader reads: a name PyYAML reads as text."""
    if key in _KEYS:
        return True
    if not _KEY.match(key) or _resolve(key) != "str":
        return False
    if len(_KEYS) < 4096:
        _KEYS.add(key)
    return True


_SCALARS: dict[str, Any] = {}
"""One-line scalars already read, by their text: people, statuses, entry types, services
come back in every file (times rarely do, and are not kept). Every value read is immutable
(text, a number, a date), so one object serves every file."""
_SCALARS_MAX = 1 << 14


def _scalar(text: str) -> Any:
    found = _SCALARS.get(text, _SCALARS)
    if found is _SCALARS:
        found = _read_scalar(text)
        if type(found) is not datetime:
            if len(_SCALARS) >= _SCALARS_MAX:
                _SCALARS.clear()
            _SCALARS[text] = found
    return found


def _read_scalar(text: str) -> Any:
    if text != text.strip(" "):
        raise _Unsure
    first = text[0]
    if first == "'":
        inner = text[1:-1]
        if len(text) < 2 or text[-1] != "'" or "'" in inner.replace("''", ""):
            raise _Unsure
        return inner.replace("''", "'")
    if first == '"':
        inner = text[1:-1]
        if len(text) < 2 or text[-1] != '"' or '"' in inner or "\\" in inner:
            raise _Unsure
        return inner
    if first in _INDICATORS or ": " in text or " #" in text or text.endswith(":"):
        raise _Unsure
    # an ISO time (the commonest value) is a timestamp to PyYAML: no pattern of its for a
    # digit (float, int, timestamp) matches one otherwise
    kind = "timestamp" if first.isdigit() and _STAMP.match(text) else _resolve(text)
    if kind == "str":
        return text
    if kind == "null":
        return None
    if kind == "bool":
        return _BOOLS[text.lower()]
    if kind == "int" and _INT.match(text) and len(text) <= limits.NUMBER_DIGITS:
        return int(text)
    if kind == "float" and _FLOAT.match(text):
        return float(text)
    if kind == "timestamp":
        found: date
        if _STAMP.match(text):
            try:
                found = datetime.fromisoformat(text)
            except ValueError:
                raise _Unsure from None
        elif _DAY.match(text):
            try:
                found = date.fromisoformat(text)
            except ValueError:
                raise _Unsure from None
        else:
            raise _Unsure
        if not limits.date_in_range(found):
            raise _Unsure
        return found
    raise _Unsure


_IMPLICIT: tuple[tuple[str, str, str, int], ...] = (
    ("bool", "yYnNtTfFoO", r"""^(?:yes|Yes|YES|no|No|NO
                    |true|True|TRUE|false|False|FALSE
                    |on|On|ON|off|Off|OFF)$""", re.X),
    ("float", "-+0123456789.", r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
                    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
                    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
                    |[-+]?\.(?:inf|Inf|INF)
                    |\.(?:nan|NaN|NAN))$""", re.X),
    ("int", "-+0123456789", r"""^(?:[-+]?0b[0-1_]+
                    |[-+]?0[0-7_]+
                    |[-+]?(?:0|[1-9][0-9_]*)
                    |[-+]?0x[0-9a-fA-F_]+
                    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""", re.X),
    ("merge", "<", r"^(?:<<)$", 0),
    ("null", "~nN\0", r"""^(?: ~
                    |null|Null|NULL
                    | )$""", re.X),
    ("timestamp", "0123456789", r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
                    |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
                     (?:[Tt]|[ \t]+)[0-9][0-9]?
                     :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
                     (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""", re.X),
    ("value", "=", r"^(?:=)$", 0),
    ("yaml", "!&*", r"^(?:!|&|\*)$", 0),
)
"""PyYAML's implicit types of a plain scalar (`yaml.resolver.Resolver`), in its order: the
type, the first characters it looks at (`\0`: the empty text), its pattern and the flags
PyYAML compiles it with. A test holds this copy to PyYAML's table."""
_PATTERNS: dict[str, re.Pattern[str]] = {}
_KINDS: dict[str, str] = {}
"""Plain scalars already typed (statuses, people, keys come back in every file)."""


def _resolve(text: str) -> str:
    """The type PyYAML gives a plain scalar: `str`, `int`, `float`, `bool`, `null`,
    `timestamp` (or another of its tags), by PyYAML's own rules: the first pattern, among
    those for the scalar's first character, that matches it."""
    found = _KINDS.get(text)
    if found is not None:
        return found
    first = text[0] if text else "\0"
    found = "str"
    for kind, firsts, pattern, flags in _IMPLICIT:
        if first in firsts:
            compiled = _PATTERNS.get(kind)
            if compiled is None:
                compiled = _PATTERNS[kind] = re.compile(pattern, flags)
            if compiled.match(text):
                found = kind
                break
    if len(_KINDS) < 65536:
        _KINDS[text] = found
    return found


# -- writing ---------------------------------------------------------------------------------

WIDTH = 88
"""The width lines are wrapped at (between words), here and by PyYAML (`pyyamlio.dump`)."""

_UNWRITABLE = "[\x00-\t\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff\U00010000-\U0010ffff]"
"""What PyYAML's emitter writes only in double quotes, escaped (outside its printable
characters; a line break is written in a `|` block); `_ASCII_UNWRITABLE` is its ASCII part."""
_ASCII_UNWRITABLE = re.compile("[\x00-\t\x0b-\x1f\x7f]")


def dump(data: Any) -> str | None:
    """The text PyYAML writes of `data` in icsvc's style (`yamlio.dump`), when all of it is
    in the plain form; None otherwise (PyYAML writes it)."""
    lines: list[str] = []
    try:
        if type(data) is dict and data:
            _write_mapping(lines, data, 0, "")
        elif type(data) is list and data:
            _write_sequence(lines, data, 0)
        else:
            return None
    except _Unsure:
        return None
    lines.append("")
    return "\n".join(lines)


def _write_mapping(lines: list[str], mapping: dict[Any, Any], indent: int, lead: str) -> None:
    """A block mapping whose keys are at column `indent`; `lead` begins its first line (a
    list item's `- `)."""
    for n, (key, value) in enumerate(mapping.items()):
        if type(key) is not str or len(key) > 128 or not _plain_key(key):
            raise _Unsure  # a key PyYAML quotes, or writes as a complex key
        head = (lead if n == 0 else " " * indent) + key + ":"
        kind = type(value)
        if kind is dict and value:
            lines.append(head)
            _write_mapping(lines, value, indent + 2, " " * (indent + 2))
        elif kind is list and value:
            lines.append(head)  # a list in a mapping is not indented further
            _write_sequence(lines, value, indent)
        else:
            _write_scalar(lines, head, value, indent + 2)


def _write_sequence(lines: list[str], items: list[Any], indent: int) -> None:
    """A block list whose `- ` are at column `indent`."""
    lead = " " * indent + "- "
    for item in items:
        kind = type(item)
        if kind is dict and item:
            _write_mapping(lines, item, indent + 2, lead)
        elif kind is list and item:
            raise _Unsure  # a list in a list
        else:
            _write_scalar(lines, lead[:-1], item, indent + 2)


def _write_scalar(lines: list[str], head: str, value: Any, indent: int) -> None:
    """A scalar (or an empty collection) after `head` (`key:` or `-`); a line it wraps
    onto, or a text block's lines, are at column `indent`."""
    kind = type(value)
    if kind is str:
        _write_text(lines, head, value, indent)
        return
    if value is None:
        text = "null"
    elif kind is bool:
        text = "true" if value else "false"
    elif kind is int:
        try:
            text = str(value)
        except ValueError:  # more digits than Python prints
            raise _Unsure from None
    elif kind is float:
        text = repr(value)
        if not _FLOAT.match(text):  # as the reader reads it back
            raise _Unsure  # an exponent, infinity, not a number
    elif kind is datetime:
        text = value.isoformat()
        if not _STAMP.match(text):
            raise _Unsure  # no offset, or one in seconds: PyYAML tags it
    elif kind is date:
        text = value.isoformat()
        if not _DAY.match(text):
            raise _Unsure
    elif kind is dict or kind is list:  # (empty: a non-empty one is a block)
        text = "{}" if kind is dict else "[]"
    else:
        raise _Unsure
    lines.append(f"{head} {text}")


def _write_text(lines: list[str], head: str, text: str, indent: int) -> None:
    if _holds(text, _ASCII_UNWRITABLE, _UNWRITABLE) or "\u2028" in text or "\u2029" in text:
        raise _Unsure  # PyYAML writes it in double quotes
    if "\n" in text:
        _write_block(lines, head, text, indent)
    elif not text:
        lines.append(f"{head} ''")
    elif _plain_allowed(text) and _resolve(text) == "str":
        _write_words(lines, f"{head} ", text, indent, quoted=False)
    elif text[0] == " " or text[-1] == " ":
        raise _Unsure
    else:
        _write_words(lines, f"{head} '", text, indent, quoted=True)


def _plain_allowed(text: str) -> bool:
    """Whether PyYAML's emitter may write this one-line text unquoted in a block."""
    first = text[0]
    return not (
        first == " " or text[-1] == " " or text.startswith(("---", "..."))
        or first in "#,[]{}&*!|>'\"%@`"
        or (first in "?:-" and (len(text) == 1 or text[1] == " "))
        or ": " in text or text.endswith(":") or " #" in text)


def _write_words(lines: list[str], start: str, text: str, indent: int, quoted: bool) -> None:
    """A plain or single-quoted text after `start`, wrapped as PyYAML's emitter wraps it:
    at a single space met once the line is past `WIDTH`, the line breaks there and goes on
    at column `indent`. (The emitter never breaks a quoted text at its first or last
    character: those are never spaces here, `_write_text` leaves such texts to PyYAML.)"""
    written = text.replace("'", "''") if quoted else text
    if len(start) + len(written) <= WIDTH:  # no space is met past the width
        lines.append(start + written + ("'" if quoted else ""))
        return
    line: list[str] = [start]
    column = len(start)
    last = len(text) - 1
    after_space = False
    for i, ch in enumerate(text):
        if ch == " ":
            if not after_space and column > WIDTH and (i == last or text[i + 1] != " "):
                lines.append("".join(line))
                line = [" " * indent]
                column = indent
            else:
                line.append(" ")
                column += 1
            after_space = True
        else:
            piece = "''" if quoted and ch == "'" else ch
            line.append(piece)
            column += len(piece)
            after_space = False
    if quoted:
        line.append("'")
    lines.append("".join(line))


def _write_block(lines: list[str], head: str, text: str, indent: int) -> None:
    """A text with line breaks as a `|` block (`|-` when it does not end with one)."""
    if text[0] in " \n" or text.endswith((" ", "\n\n")) or " \n" in text:
        raise _Unsure  # PyYAML adds an indentation or keep hint, or quotes it
    body = text[:-1] if text.endswith("\n") else text
    lines.append(f"{head} |" + ("" if body is not text else "-"))
    pad = " " * indent
    lines.extend(pad + line if line else "" for line in body.split("\n"))
