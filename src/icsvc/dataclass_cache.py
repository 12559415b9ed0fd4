"""The methods `dataclasses` writes for each class (`__init__`, `__eq__`, `__setattr__`...),
compiled once and kept beside icsvc's bytecode, as Python keeps a module's.

`dataclasses` writes each class's methods as source text and compiles it at every start:
on Python 3.11 a command defines 50-70 classes and compiles some 330 small functions one by
one, ~40 ms of a small store's 0.15 s. `install` gives the `dataclasses` module an `exec`
that takes the compiled code from this cache, keyed by the method's whole source text (a
changed class writes another text: an entry is never used for another method), and runs it
as the builtin would (same globals and namespace, compiled with `dataclasses`' own flags).
What a process compiled is added to the file when it exits.

The file is trusted as a `.pyc` beside it is (whoever can write one can write the other);
one that cannot be read, of another Python or of another shape is ignored and replaced.
Nothing is written where Python writes no bytecode (`PYTHONDONTWRITEBYTECODE`)."""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import marshal
import os
import sys
from importlib.util import MAGIC_NUMBER, cache_from_source
from pathlib import Path
from types import CodeType
from typing import Any

LIMIT = 4000
"""Entries kept at most: beyond, only what the last process used (code edited many times)."""

kept: dict[str, bytes] = {}
"""Each method's source text and its compiled code (marshalled: only what a process uses is
read back), from the file and this process."""
used: set[str] = set()
compiled = 0
"""Methods this process compiled (not found in the file)."""
_loaded = False


def path() -> Path:
    """Where the cache is kept: beside this module's bytecode (`sys.pycache_prefix` and the
    optimization level included), named for the Python that compiled it."""
    return Path(cache_from_source(__file__)).with_suffix(".codes")


def install() -> None:
    """Give `dataclasses` the `exec` that uses the cache (read when the first class is
    made: `icsvc --version` makes none)."""
    dataclasses.exec = _exec  # type: ignore[attr-defined]


def load(file: Path) -> dict[str, bytes]:
    """The cache kept in `file` (empty when there is none, or it is not one of this
    Python's)."""
    try:
        data = marshal.loads(file.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if type(data) is not tuple or len(data) != 2 or data[0] != MAGIC_NUMBER \
            or type(data[1]) is not dict:
        return {}
    found: dict[Any, Any] = data[1]
    if not all(type(k) is str and type(v) is bytes for k, v in found.items()):
        return {}
    return found


def code_of(source: str) -> CodeType:
    """`source` compiled: from the cache, else compiled now (and kept when the process
    exits)."""
    global compiled, _loaded
    if not _loaded:
        _loaded = True
        kept.update(load(path()))
    used.add(source)
    if source in kept:
        try:
            code = marshal.loads(kept[source])
        except (ValueError, EOFError, TypeError):
            code = None
        if type(code) is CodeType:
            return code
    # `dont_inherit`: compiled with the flags of `dataclasses`, not of this module (its
    # `from __future__ import annotations` would turn the methods' annotations into text)
    code = compile(source, "<string>", "exec", dont_inherit=True)
    kept[source] = marshal.dumps(code)
    if not compiled and not sys.dont_write_bytecode:
        import atexit
        atexit.register(save, path())
    compiled += 1
    return code


def _exec(source: Any, globals: dict[str, Any] | None = None,
          locals: dict[str, Any] | None = None) -> None:
    builtins.exec(code_of(source) if type(source) is str else source, globals, locals)


def save(file: Path) -> None:
    """Write the cache (atomically: a reader sees the old file or the new one); a file that
    cannot be written is left, as Python leaves a `.pyc`."""
    keep = kept if len(kept) <= LIMIT else {text: kept[text] for text in used}
    temp = file.with_name(f"{file.name}.{os.getpid()}.tmp")
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        temp.write_bytes(marshal.dumps((MAGIC_NUMBER, keep)))
        os.replace(temp, file)
    except OSError:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)
