"""One place for YAML: one diff-friendly dump style, bounded loading, crash-safe writes, and
a comment-keeping rewrite that never changes data.

The plain block form icsvc writes is read and written by `plainyaml`, without PyYAML; any
other text (a comment, an anchor, a quoted or folded string, an odd number...) goes to
PyYAML (`pyyamlio`: the safe C loader/dumper when present, with its checks), imported only
then. Both give the same data and the same text: property tests hold them to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from icsvc.store import plainyaml
from icsvc.store.atomic import (
    TEMP_SUFFIX,
    is_temp_name,
    remove_durably,
    sync_folder,
    write_atomic,
    write_atomic_bytes,
)

if TYPE_CHECKING:
    import yaml

# crash-safe writes live in `atomic.py`; re-exported for the callers that write YAML
__all__ = ["TEMP_SUFFIX", "is_temp_name", "remove_durably", "sync_folder", "write_atomic",
           "write_atomic_bytes"]


def load(text: str, *, aliases: bool = True) -> Any:
    """Parse one YAML document. `aliases=False` refuses anchors, aliases and tags beyond the
    core types (request files); otherwise aliases may not expand past the limit. A text in
    the plain block form icsvc writes is read without PyYAML (`plainyaml`: the same data,
    several times faster)."""
    fast = plainyaml.load(text)
    if fast is not None:
        return fast
    from icsvc.store import pyyamlio

    return pyyamlio.load(text, aliases=aliases)


def dump(data: Any) -> str:
    """`data` in icsvc's style: block mappings and lists, two-space indents, lines wrapped
    at 88 characters, text with line breaks as `|` blocks."""
    plain = plainyaml.dump(data)
    if plain is not None:
        return plain
    from icsvc.store import pyyamlio

    return pyyamlio.dump(data)


def line_of(text: str, keys: Sequence[str | int]) -> int | None:
    """The 1-based line of the node at `keys` (a path of mapping keys / list indexes),
    else of its deepest existing ancestor. Only called on errors."""
    from icsvc.store import pyyamlio

    return pyyamlio.line_of(text, keys)


def error_line(exc: yaml.YAMLError) -> int | None:
    """The 1-based line PyYAML's error points at, if any."""
    from icsvc.store import pyyamlio

    return pyyamlio.error_line(exc)


def dump_preserving(old_text: str, data: dict[str, Any]) -> str:
    """Dump `data` like `dump`, keeping the comments of `old_text` where that is safe: a
    top-level key whose value is unchanged keeps its old lines verbatim (inline comments
    included), comment lines above a key stay above it, and a list that only grew (the
    history) keeps its old lines and gets the new items appended.

    The result always reads back as exactly `data`: it is checked, and when keeping the
    comments would change anything (an odd layout, anchors, markers), they are dropped
    instead. A BOM, CRLF line ends and `---`/`...` markers are not carried over."""
    new_text = dump(data)
    if "#" not in old_text:
        return new_text
    from icsvc.store import pyyamlio

    return pyyamlio.with_comments(old_text, new_text)
