"""A reader for the YAML icsvc writes: block mappings and lists, one-line plain or simply
quoted scalars, and `|` text blocks, read line by line about ten times faster than PyYAML
(whose constructor runs in Python, about 0.5 ms for a request file). It reads exactly what
PyYAML reads, or nothing: each scalar is typed by PyYAML's own resolver, and anything
outside that narrow form (a comment, a flow collection, a folded or escaped string, a tab,
an anchor, a duplicate key, an odd number or date) returns None, and PyYAML reads the file,
with its checks and its error messages. A property test holds the two to the same answers.
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
_TAG = "tag:yaml.org,2002:"
_BREAKS = re.compile("[\x85\u2028\u2029]")


class _Unsure(Exception):
    """Outside the form this reader knows: PyYAML reads the text instead."""


def load(text: str) -> dict[str, Any] | None:
    """The mapping the text holds, as PyYAML reads it; None when the text is not in the
    plain block form (then ask PyYAML)."""
    if not text or "\t" in text or "\r" in text or text[0] in "\ufeff%-#":
        return None
    import yaml

    if _BREAKS.search(text) or yaml.reader.Reader.NON_PRINTABLE.search(text):
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
            i = self.next_line(self.at)
            if i is None:
                return out
            own = indents[i]
            if own < indent:
                return out
            line = lines[i]
            if own > indent or line.startswith("-", indent):
                if own == indent and out:
                    return out  # for the caller to refuse
                raise _Unsure
            key, sep, rest = line[indent:].partition(":")
            if not sep or (rest and rest[0] != " ") or not _KEY.match(key):
                raise _Unsure
            if key in out or _resolve(key) != "str":
                raise _Unsure
            self.at = i + 1
            out[key] = self.value(rest[1:], indent, own_key=True)

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


def _scalar(text: str) -> Any:
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


_RESOLVER: Any = None
_SCALAR: Any = None
_FIRSTS: frozenset[str | None] = frozenset()
_KINDS: dict[str, str] = {}
"""Plain scalars already typed (statuses, people, keys come back in every file)."""


def _resolve(text: str) -> str:
    """The type PyYAML gives a plain scalar: `str`, `int`, `float`, `bool`, `null`,
    `timestamp` (or another of its tags), by PyYAML's own resolver, which only looks at
    scalars beginning with one of the characters its patterns begin with."""
    global _RESOLVER, _SCALAR, _FIRSTS
    found = _KINDS.get(text)
    if found is not None:
        return found
    if _RESOLVER is None:
        import yaml

        _RESOLVER, _SCALAR = yaml.resolver.Resolver(), yaml.ScalarNode
        _FIRSTS = frozenset(_RESOLVER.yaml_implicit_resolvers)
    if text and text[0] not in _FIRSTS and None not in _FIRSTS:
        found = "str"
    else:
        tag: str = _RESOLVER.resolve(_SCALAR, text, (True, False))
        found = tag[len(_TAG):] if tag.startswith(_TAG) else tag
    if len(_KINDS) < 65536:
        _KINDS[text] = found
    return found
