"""One place for YAML: the C loader/dumper when present, a fixed diff-friendly dump style."""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class Loader(_BaseLoader):  # type: ignore[misc]
    """The safe (C when present) loader; an impossible date stays a string, so validation
    reports it with its field instead of the parser failing."""


def _timestamp(loader: Any, node: Any) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


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


def load(text: str) -> Any:
    return yaml.load(text, Loader=Loader)


def dump(data: Any) -> str:
    text: str = yaml.dump(
        data,
        Dumper=_BlockDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=88,
        indent=2,
    )
    return text


def write_atomic(path: Path, text: str) -> None:
    """Write via a temp file in the same folder and rename, so a file is never half-written.
    The file gets the mode it had, or a new file's usual mode (0666 less the umask), not the
    temp file's 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, _mode_for(path))
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask (reading it means setting it, and back)."""
    current = os.umask(0o022)
    os.umask(current)
    return current


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


_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*):(?:\s|$)")


def _blocks(text: str) -> tuple[list[str], dict[str, tuple[list[str], list[str]]]]:
    """Split a block-style mapping into top-level keys: key -> (leading comment lines, the
    key's own lines). Returns the key order too."""
    order: list[str] = []
    blocks: dict[str, tuple[list[str], list[str]]] = {}
    pending: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines(keepends=True):
        match = _TOP_KEY.match(line)
        if match:
            current = [line]
            blocks[match.group(1)] = (pending, current)
            order.append(match.group(1))
            pending = []
        elif current is None or (line.lstrip().startswith("#") and not line[:1].isspace()
                                 and not line.startswith("-")):
            pending.append(line)
        else:
            current.append(line)
    if pending and order:  # comments after the last key stay at the end of the file
        blocks[order[-1]][1].extend(pending)
    return order, blocks


def dump_preserving(old_text: str, data: dict[str, Any]) -> str:
    """Dump `data` like `dump`, keeping the comments of `old_text` where the content allows:
    a top-level key whose value is unchanged keeps its old lines verbatim (inline comments
    included), comment lines above a key stay above it, and a list that only grew (the
    history) keeps its old lines and gets the new items appended."""
    new_text = dump(data)
    if "#" not in old_text:
        return new_text
    try:
        _, old_blocks = _blocks(old_text)
        old_values = load(old_text)
    except yaml.YAMLError:
        return new_text
    if not isinstance(old_values, dict):
        return new_text
    order, new_blocks = _blocks(new_text)
    out: list[str] = []
    for key in order:
        lines = new_blocks[key][1]
        if key not in old_blocks:
            out.extend(lines)
            continue
        leading, old_lines = old_blocks[key]
        out.extend(leading)
        old_value, new_value = old_values.get(key), data[key]
        if _same(old_value, new_value):
            out.extend(old_lines)
        elif (isinstance(old_value, list) and isinstance(new_value, list) and old_value
              and len(new_value) > len(old_value)
              and _same(old_value, new_value[: len(old_value)])):
            out.extend(old_lines)
            if out and not out[-1].endswith("\n"):
                out[-1] += "\n"
            out.append(dump(new_value[len(old_value):]))
        else:
            out.extend(lines)
    return "".join(out)


def _same(a: Any, b: Any) -> bool:
    """Equal as YAML would read them back (datetimes compared as instants)."""
    try:
        return bool(load(dump(a)) == load(dump(b)))
    except yaml.YAMLError:
        return False
