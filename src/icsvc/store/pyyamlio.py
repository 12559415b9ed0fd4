"""PyYAML's side of `yamlio`: the safe C loader/dumper when present, as icsvc configures
them, for the texts outside the plain block form `plainyaml` reads and writes (a comment, an
anchor, a quoted or folded string, an odd number). Imported only then: PyYAML costs a write
command about 25 ms to import.

Loading refuses what PyYAML would silently accept or blow up on: duplicate keys (the last
one would win unseen), dates outside `limits.DATE_RANGE`, and aliases that expand beyond
`limits.ALIAS_EXPANSION_NODES` (a "billion laughs"); `aliases=False` (request files)
refuses anchors, aliases and tags outright. These checks cost nothing on the fast path: the
scans run only when the text holds the characters they look for.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import yaml
from yaml.constructor import ConstructorError

from icsvc.domain import limits
from icsvc.store import plainyaml

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

_MERGE = "tag:yaml.org,2002:merge"
_CORE_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in (
    "str", "int", "float", "bool", "null", "timestamp", "map", "seq"))


class Loader(_BaseLoader):  # type: ignore[misc]
    """The safe (C when present) loader. An impossible date stays a string, so validation
    reports it with its field; a date out of range and a duplicate key are refused with
    their line."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        pairs = list(node.value)  # before merge keys (<<) are flattened into it
        mapping = super().construct_mapping(node, deep=deep)
        if len(mapping) == len(pairs) == len(node.value):
            return mapping  # the fast path: no duplicates, no merge keys
        seen: dict[Any, Any] = {}
        for key_node, _ in pairs:
            if key_node.tag == _MERGE:
                continue  # merged keys may be overridden: that is what merging is
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:
                continue  # an unhashable key: the constructor has refused it already
            if first is not key_node:
                raise ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    f"found duplicate key {key!r} (first on line {first.start_mark.line + 1})",
                    key_node.start_mark)
        return mapping


def _timestamp(loader: Any, node: Any) -> Any:
    try:
        value = yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)
    if not limits.date_in_range(value):
        raise ConstructorError(None, None, f"{node.value} is out of range (accepted: "
                               f"{limits.DATE_RANGE})", node.start_mark)
    return value


Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def _int(loader: Any, node: Any) -> Any:
    """A whole number, refused when longer than `limits.NUMBER_DIGITS` digits (Python
    would refuse to print it, stopping any command that names it)."""
    try:
        value = yaml.SafeLoader.construct_yaml_int(loader, node)
    except ValueError:
        value = None
    if value is None or value.bit_length() > limits.NUMBER_DIGITS * 3.33:
        raise ConstructorError(None, None, f"{str(node.value)[:20]}... is too long a number "
                               f"(accepted: up to {limits.NUMBER_DIGITS} digits)",
                               node.start_mark)
    return value


Loader.add_constructor("tag:yaml.org,2002:int", _int)


class StructureError(yaml.MarkedYAMLError):
    """YAML that parses but is refused: anchors, aliases or tags where none are allowed, or
    aliases that expand too far."""


class _BlockDumper(Dumper):  # type: ignore[misc]
    """Block style, no anchors/aliases, multi-line strings as `|` blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str_representer(dumper: Any, data: str) -> Any:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def _datetime_representer(dumper: Any, data: datetime) -> Any:
    # ISO 8601 with a `T` and offset (PyYAML's default writes a space); still a YAML timestamp
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", data.isoformat())


_BlockDumper.add_representer(str, _str_representer)
_BlockDumper.add_representer(datetime, _datetime_representer)


def load(text: str, *, aliases: bool = True) -> Any:
    """Parse one YAML document with PyYAML (`yamlio.load` reads the plain form first).
    `aliases=False` refuses anchors, aliases and tags beyond the core types (request files);
    otherwise aliases may not expand past the limit."""
    if aliases:
        if "*" in text:
            _check_expansion(yaml.compose(text, Loader=Loader))
    elif "&" in text or "*" in text or "!" in text:
        _check_plain(text)
    return yaml.load(text, Loader=Loader)


def _check_plain(text: str) -> None:
    events: Any = yaml.parse(text, Loader=Loader)
    for event in events:
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise StructureError(None, None, "anchors and aliases (&name, *name) are not "
                                 "allowed here: write the value out", event.start_mark)
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!" and tag not in _CORE_TAGS:
            raise StructureError(None, None, f"the tag {tag} is not allowed here (accepted: "
                                 "plain text, numbers, true/false, dates, lists, mappings)",
                                 event.start_mark)


def _check_expansion(root: Any) -> None:
    """Refuse aliases that expand the document past the node limit, or refer to themselves.
    A depth-first walk that sizes each node once (white/grey/black: a grey node met again is
    a cycle)."""
    if root is None:
        return
    sizes: dict[int, int] = {}
    grey: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        kids = _children(node)
        if done:
            grey.discard(key)
            size = 1 + sum(sizes[id(k)] for k in kids)
            if size > limits.ALIAS_EXPANSION_NODES:
                raise StructureError(None, None, "aliases expand this document to more than "
                                     f"{limits.ALIAS_EXPANSION_NODES:,} values; write it out "
                                     "or use fewer aliases", node.start_mark)
            sizes[key] = size
            continue
        if key in sizes:
            continue
        if key in grey:
            raise StructureError(None, None, "an alias refers to the value that contains it",
                                 node.start_mark)
        grey.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in kids if id(k) not in sizes)


def _has_properties(text: str) -> bool:
    """Whether the text uses anchors, aliases or explicit tags."""
    if not any(c in text for c in "&*!"):
        return False
    events: Any = yaml.parse(text, Loader=Loader)
    return any(isinstance(e, yaml.AliasEvent) or getattr(e, "anchor", None)
               or getattr(e, "tag", None) not in (None, "!") for e in events)


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def dump(data: Any) -> str:
    """`data` as PyYAML writes it in icsvc's style (`yamlio.dump` writes the plain form
    itself, the same text)."""
    text: str = yaml.dump(
        data,
        Dumper=_BlockDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=plainyaml.WIDTH,
        indent=2,
    )
    return text


def line_of(text: str, keys: Sequence[str | int]) -> int | None:
    """The 1-based line of the node at `keys` (a path of mapping keys / list indexes).

    Falls back to the deepest existing ancestor. Only called on errors, so composing the
    node tree here costs nothing on the fast path.
    """
    try:
        node: Any = yaml.compose(text, Loader=Loader)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    line: int = node.start_mark.line + 1
    for key in keys:
        child = None
        if isinstance(node, yaml.MappingNode) and isinstance(key, str):
            for k, v in node.value:
                if k.value == key:
                    child = v
                    line = k.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            if 0 <= key < len(node.value):
                child = node.value[key]
                line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def error_line(exc: yaml.YAMLError) -> int | None:
    mark = getattr(exc, "problem_mark", None)
    return mark.line + 1 if mark is not None else None


# -- rewriting a file people edit ------------------------------------------------------------


def with_comments(old_text: str, new_text: str) -> str:
    """`new_text` (`dump`'s text of some data) with the comments of `old_text` kept where
    that is safe (see `yamlio.dump_preserving`); `new_text` itself when keeping them would
    change anything."""
    try:
        new_values = load(new_text, aliases=False)
        candidate = _with_comments(old_text, new_text, new_values)
        if candidate is not None and _identical(load(candidate, aliases=False), new_values):
            return candidate
    except (yaml.YAMLError, ValueError, TypeError, RecursionError):
        pass
    return new_text


_Blocks = dict[str, tuple[list[str], list[str], Any]]
"""Top-level key -> (comment lines above it, its own lines, its value node)."""


def _with_comments(old_text: str, new_text: str, new_values: Any) -> str | None:
    old = old_text.removeprefix("\ufeff").replace("\r\n", "\n")
    old_split, new_split = _split(old), _split(new_text)
    if old_split is None or new_split is None or not isinstance(new_values, dict):
        return None
    (old_blocks, tail), (new_blocks, _) = old_split, new_split
    old_values = load(old, aliases=True)
    if not isinstance(old_values, dict):
        return None
    reuse = not _has_properties(old)  # anchors, aliases and tags are never copied
    out: list[str] = []
    for key, (_, lines, _) in new_blocks.items():
        if key not in old_blocks:
            out.extend(lines)
            continue
        leading, old_lines, node = old_blocks[key]
        out.extend(leading)
        old_value, new_value = old_values.get(key), new_values.get(key)
        if reuse and _identical(old_value, new_value):
            out.extend(old_lines)
        elif (reuse and isinstance(old_value, list) and isinstance(new_value, list)
              and old_value and len(new_value) > len(old_value)
              and isinstance(node, yaml.SequenceNode) and not node.flow_style
              and _identical(old_value, new_value[: len(old_value)])):
            out.extend(old_lines)
            if out and not out[-1].endswith("\n"):
                out[-1] += "\n"
            pad = " " * node.start_mark.column
            out.extend(pad + line if line.strip() else line for line in
                       dump(new_value[len(old_value):]).splitlines(keepends=True))
        else:
            out.extend(lines)
    if out and not out[-1].endswith("\n"):
        out[-1] += "\n"
    out.extend(tail)
    return "".join(out)


def _split(text: str) -> tuple[_Blocks, list[str]] | None:
    """The top-level keys of a one-document block mapping, in order, each with the comment
    lines above it and its own lines (value, inline and indented comments below it), from
    the parser's marks, and the comment lines after the last key. Comment lines before the
    first key go with it; `---`, `...` and directives are dropped (a comment on their line
    is kept). None for any other layout."""
    root = yaml.compose(text, Loader=Loader)
    if not isinstance(root, yaml.MappingNode) or root.flow_style or not root.value:
        return None
    lines = text.splitlines(keepends=True)
    starts: list[tuple[str, int, Any]] = []
    for key_node, value_node in root.value:
        if (not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR
                or key_node.start_mark.column != 0):
            return None
        starts.append((key_node.value, key_node.start_mark.line, value_node))
    blocks: _Blocks = {}
    pending = [c for c in (_comment_only(line) for line in lines[: starts[0][1]]) if c]
    for i, (key, first, node) in enumerate(starts):
        last = _content_end(node)
        nxt = starts[i + 1][1] if i + 1 < len(starts) else len(lines)
        if last < first or last >= nxt:
            return None
        own = lines[first: last + 1]
        after: list[str] = []
        for line in lines[last + 1: nxt]:
            comment = _comment_only(line)
            if comment is None:
                return None  # not a comment: the marks and lines disagree
            if not comment:
                continue  # a document marker
            if after or (comment.strip() and not line[:1].isspace()):
                after.append(comment)
            else:
                own.append(line)
        blocks[key] = (pending, own, node)
        pending = after
    return blocks, pending


_STR = "tag:yaml.org,2002:str"


def _comment_only(line: str) -> str | None:
    """A blank or comment line as it should be kept ('' to drop it: a blank or a document
    marker with nothing after it); None for a line with content."""
    stripped = line.strip()
    if not stripped:
        return line
    if stripped.startswith("#"):
        return line if line.endswith("\n") else line + "\n"
    if stripped.startswith(("---", "...", "%")) and not line[:1].isspace():
        rest = stripped[3:].strip() if stripped[:3] in ("---", "...") else ""
        if stripped.startswith("%"):
            return ""
        if not rest:
            return ""
        return rest + "\n" if rest.startswith("#") else None
    return None


def _content_end(node: Any) -> int:
    """The last line holding part of `node` (block collections end where their last value
    ends; the parser's end mark would be at the next key)."""
    while isinstance(node, yaml.MappingNode | yaml.SequenceNode) and not node.flow_style \
            and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    mark = node.end_mark
    return int(mark.line - 1 if mark.column == 0 and mark.line > node.start_mark.line
               else mark.line)


def _identical(a: Any, b: Any) -> bool:
    """Equal and of the same types, datetimes with the same offset: what a reader gets."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_identical(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(_identical(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, datetime):
        return bool(a == b and a.utcoffset() == b.utcoffset())
    if isinstance(a, float) and a != a:
        return bool(b != b)
    return bool(a == b)
