"""The methods `dataclasses` writes, compiled once and kept (`icsvc.dataclass_cache`): a
class made from the cache is the class `dataclasses` makes alone, a fresh process compiles
nothing the last one kept, and a damaged, foreign or unwritable cache costs a compile, never
a wrong method or a failed command."""

from __future__ import annotations

import dataclasses
import inspect
import marshal
import os
import shutil
import subprocess
import sys
from dataclasses import InitVar, field
from pathlib import Path
from typing import Any, ClassVar

import pytest

from icsvc import dataclass_cache


def _make() -> type:
    """A class with what the product's classes use: frozen, slots, keyword-only, defaults,
    factories, a class variable and an init-only value."""

    @dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
    class Sample:
        name: str
        count: int = 0
        tags: tuple[str, ...] = field(default_factory=tuple)
        scale: InitVar[int] = 1
        KIND: ClassVar[str] = "sample"

        def __post_init__(self, scale: int) -> None:
            object.__setattr__(self, "count", self.count * scale)

    return Sample


def _alone() -> type:
    """`_make`'s class as `dataclasses` makes it with the builtin `exec`."""
    installed = dataclasses.exec  # type: ignore[attr-defined]
    del dataclasses.exec  # type: ignore[attr-defined]
    try:
        return _make()
    finally:
        dataclasses.exec = installed  # type: ignore[attr-defined]


def test_a_class_made_from_the_cache_is_the_class_dataclasses_makes_alone() -> None:
    assert dataclasses.exec is dataclass_cache._exec  # type: ignore[attr-defined]
    _make()  # compiled (or read from the file) ...
    cached, alone = _make(), _alone()  # ... then certainly from the cache
    for name in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__"):
        mine, theirs = getattr(cached, name), getattr(alone, name)
        assert inspect.signature(mine) == inspect.signature(theirs), name
        # the annotations `dataclasses` gives (not the names of its locals: a compile
        # inheriting this module's `from __future__ import annotations` would give those)
        assert mine.__annotations__ == theirs.__annotations__, name
    a = cached(name="x", count=2, scale=3)
    b = alone(name="x", count=2, scale=3)
    assert (a.count, a.tags, repr(a).split("(", 1)[1]) == (6, (), repr(b).split("(", 1)[1])
    assert a == cached(name="x", count=6) and hash(a) == hash(cached(name="x", count=6))
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.count = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        cached("x")  # keyword-only
    assert cached.__slots__ == alone.__slots__ and cached.__match_args__ == ()


def _run(prefix: Path, *, write: bool = True) -> tuple[int, int]:
    """A fresh process making every class `icsvc show` makes, its cache under `prefix`:
    (methods it compiled, methods it used)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(prefix)
    if not write:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.run(
        [sys.executable, "-c", "import icsvc.commands.show, icsvc.commands.update\n"
         "from icsvc import dataclass_cache as d\nprint(d.compiled, len(d.used))"],
        env=env, capture_output=True, text=True, timeout=120, check=True)
    compiled, used = proc.stdout.split()
    return int(compiled), int(used)


def _file(prefix: Path) -> Path:
    found = list(prefix.rglob("dataclass_cache.*.codes"))
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A bytecode folder after a first process (its bytecode compiled, its cache written),
    and the methods that process used."""
    prefix = tmp_path_factory.mktemp("pycache")
    compiled, used = _run(prefix)
    assert compiled > 100 and compiled <= used
    return prefix, used


@pytest.fixture
def primed(first: tuple[Path, int], tmp_path: Path) -> tuple[Path, int]:
    """A copy of `first`'s folder, for one test to change."""
    shutil.copytree(first[0], tmp_path / "pycache")
    return tmp_path / "pycache", first[1]


def test_a_fresh_process_compiles_nothing_the_last_one_kept(primed: tuple[Path, int]
                                                            ) -> None:
    prefix, used = primed
    kept = _file(prefix)
    magic, codes = marshal.loads(kept.read_bytes())
    assert all(type(v) is bytes for v in codes.values())
    assert _run(prefix) == (0, used)
    assert len(marshal.loads(kept.read_bytes())[1]) == len(codes)  # nothing new: not written
    assert not [p for p in kept.parent.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "another python", "a list",
                                    "text for code", "code for text"])
def test_a_damaged_or_foreign_cache_is_compiled_again_and_replaced(
        primed: tuple[Path, int], damage: str) -> None:
    prefix, used = primed
    kept = _file(prefix)
    magic, codes = marshal.loads(kept.read_bytes())
    some = next(iter(codes))
    damaged: dict[str, Any] = {
        "garbage": b"\x00not a cache\xff",
        "truncated": kept.read_bytes()[:1000],
        "another python": marshal.dumps((b"\x00\x00\r\n", codes)),
        "a list": marshal.dumps([magic, codes]),
        "text for code": marshal.dumps((magic, {**codes, some: "def f(): pass"})),
        # an entry whose code cannot be read back: that method alone is compiled again
        "code for text": marshal.dumps((magic, {**codes, some: b"\xffjunk"})),
    }
    kept.write_bytes(damaged[damage])
    compiled, again = _run(prefix)
    assert again == used
    assert compiled == (1 if damage == "code for text" else used)
    assert _run(prefix) == (0, used)  # replaced by a good one


def test_nothing_is_written_where_python_writes_no_bytecode(primed: tuple[Path, int]
                                                            ) -> None:
    prefix, used = primed
    _file(prefix).unlink()
    assert _run(prefix, write=False) == (used, used)
    assert not list(prefix.rglob("*.codes"))


def test_a_cache_that_cannot_be_written_costs_nothing_but_a_compile(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache's folder would be")
    compiled, used = _run(blocked)
    assert compiled == used
    assert _run(blocked) == (used, used)


def test_the_cache_keeps_at_most_its_limit(tmp_path: Path) -> None:
    """Beyond `LIMIT` entries (the classes' code edited many times), only what the last
    process used is kept."""
    file = tmp_path / "x.codes"
    many = {f"# {i}\n": marshal.dumps(compile("", "<string>", "exec"))
            for i in range(dataclass_cache.LIMIT + 1)}
    saved = dict(dataclass_cache.kept), set(dataclass_cache.used)
    try:
        dataclass_cache.kept.update(many)
        dataclass_cache.save(file)
        assert len(dataclass_cache.load(file)) == len(dataclass_cache.used)
    finally:
        dataclass_cache.kept.clear()
        dataclass_cache.kept.update(saved[0])
        dataclass_cache.used.clear()
        dataclass_cache.used.update(saved[1])
