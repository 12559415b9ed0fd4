"""The derived index: each request file's summary and parsed request, in SQLite.

It lives in `.icsvc/index.sqlite` (git-ignored, safe to delete) and is only an optimisation:
a row is used when its file's size and modification time are unchanged, and anything odd
(another schema version, an object icsvc did not create, a row of the wrong shape) is
discarded and rebuilt from the files. Nothing read from it can run code: rows are plain
SQLite values and JSON, checked field by field before they become a `Request`
(the pickle this replaces would run whatever a crafted file held).

It is never taken from a commit: an index records the inode of its own file when it is
created, and a file git (or anyone) wrote in its place has another inode, so it is
discarded; and an index is only created where the caller allows it (not in a `.icsvc/`
that git tracks). This costs one `stat`, where asking git costs a read of its whole index.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from icsvc.model import Entry, Request

INDEX_FILE = "index.sqlite"

_TABLE = (
    "CREATE TABLE files (path TEXT PRIMARY KEY, mtime_ns INTEGER NOT NULL, "
    "size INTEGER NOT NULL, id TEXT NOT NULL, provider TEXT NOT NULL, status TEXT NOT NULL, "
    "priority TEXT NOT NULL, department TEXT NOT NULL, created REAL NOT NULL, "
    "updated REAL NOT NULL, body TEXT NOT NULL)"
)
_OBJECTS = {("table", "files", _TABLE), ("index", "sqlite_autoindex_files_1", None)}
"""Everything `sqlite_master` may hold: a trigger or view someone added means discard."""


class Summary(NamedTuple):
    """What listings filter on, kept in the index beside each parsed request."""

    id: str
    provider: str
    status: str
    priority: str
    department: str
    created: float
    """`created_at` as a POSIX timestamp."""
    updated: float
    """The last history entry's time, as a POSIX timestamp."""


def summarize(request: Request) -> Summary:
    return Summary(request.id, request.provider, request.status, request.priority,
                   request.customer_department, request.created_at.timestamp(),
                   max(e.at for e in request.history).timestamp())


class Row(NamedTuple):
    mtime_ns: int
    size: int
    summary: Summary


class Index:
    """An open index; every method swallows SQLite errors (the caller then parses files)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    @classmethod
    def open(cls, folder: Path, may_create: Callable[[], bool] = lambda: True
             ) -> Index | None:
        """Open the index in `folder`, discarding one that fails the checks, and create one
        when there is none and `may_create()` agrees; None when there is no usable index
        (SQLite cannot write there, or creating was refused)."""
        path = folder / INDEX_FILE
        allowed: bool | None = None

        def may_replace() -> bool:
            nonlocal allowed
            if allowed is None:
                allowed = may_create()
            return allowed

        for attempt in (1, 2):
            try:
                if os.path.lexists(path) and not path.is_file() or path.is_symlink():
                    raise sqlite3.DatabaseError("not a plain file")
                if not path.exists() and not may_replace():
                    return None
                conn = sqlite3.connect(path, timeout=2.0, isolation_level=None,
                                       check_same_thread=False)
            except (sqlite3.Error, OSError):
                if attempt == 1 and may_replace() and _discard(path):
                    continue
                return None
            try:
                conn.execute("PRAGMA trusted_schema = OFF")
                if _valid(conn, path):
                    return cls(conn)
                if _empty(conn) and may_replace():
                    _create(conn, path)
                    return cls(conn)
                raise sqlite3.DatabaseError("not an index this clone made")
            except sqlite3.Error:
                conn.close()
                if attempt == 1 and may_replace() and _discard(path):
                    continue
                return None
        return None

    def close(self) -> None:
        self.conn.close()

    def rows(self) -> dict[str, Row]:
        """path -> (mtime_ns, size, summary) for every row of the right shape."""
        out: dict[str, Row] = {}
        try:
            cursor = self.conn.execute(
                "SELECT path, mtime_ns, size, id, provider, status, priority, department, "
                "created, updated FROM files")
            for path, mtime, size, *summary in cursor:
                if (type(path) is str and type(mtime) is int and type(size) is int
                        and all(type(v) is str for v in summary[:5])
                        and all(type(v) is float for v in summary[5:])):
                    out[path] = Row(mtime, size, Summary(*summary))
        except sqlite3.Error:
            return {}
        return out

    def bodies(self, paths: list[str]) -> Iterator[tuple[str, Any]]:
        """(path, body) for these paths; a body is whatever the row holds (check it)."""
        try:
            if len(paths) > 5000:
                wanted = set(paths)
                for path, body in self.conn.execute("SELECT path, body FROM files"):
                    if path in wanted:
                        yield path, body
                return
            for start in range(0, len(paths), 500):
                chunk = paths[start:start + 500]
                marks = ",".join("?" * len(chunk))
                yield from self.conn.execute(
                    f"SELECT path, body FROM files WHERE path IN ({marks})", chunk)
        except sqlite3.Error:
            return

    def update(self, rows: Iterable[tuple[str, int, int, Summary, str]],
               gone: Iterable[str]) -> None:
        """Store fresh rows and forget the files that are gone, in one transaction; a
        busy or read-only index is left as it is."""
        try:
            with self.conn:
                self.conn.execute("BEGIN IMMEDIATE")
                self.conn.executemany("DELETE FROM files WHERE path = ?",
                                      ((p,) for p in gone))
                self.conn.executemany(
                    "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    ((path, mtime, size, *summary, body)
                     for path, mtime, size, summary, body in rows))
        except sqlite3.Error:
            pass


def _fingerprint(path: Path) -> int:
    """The index file's inode, as SQLite's 32-bit `application_id` holds it."""
    return os.stat(path).st_ino & 0x7FFFFFFF


def _valid(conn: sqlite3.Connection, path: Path) -> bool:
    if conn.execute("PRAGMA user_version").fetchone()[0] != VERSION:
        return False
    if conn.execute("PRAGMA application_id").fetchone()[0] != _fingerprint(path):
        return False
    found = set(conn.execute("SELECT type, name, sql FROM sqlite_master"))
    return found == _OBJECTS


def _empty(conn: sqlite3.Connection) -> bool:
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    count: int = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    return version == 0 and count == 0


def _create(conn: sqlite3.Connection, path: Path) -> None:
    try:
        conn.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error:
        pass  # a file system without shared memory: the default journal works too
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(_TABLE)
        conn.execute(f"PRAGMA user_version = {VERSION}")
        conn.execute(f"PRAGMA application_id = {_fingerprint(path)}")


def _discard(path: Path) -> bool:
    """Delete an index that failed its checks (and its journal files)."""
    try:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    except OSError:
        return False
    return True


# -- a request as JSON -----------------------------------------------------------------------

_TIME = "\x00t"
_DAY = "\x00d"


class Uncacheable(ValueError):
    """A request holding a value the JSON form does not carry (kept out of the index)."""


def _check_list_of_texts(value: Any) -> list[str]:
    for item in _list(value):
        _str(item)
    return value  # type: ignore[no-any-return]


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "str": lambda v: _str(v),
    "str | None": lambda v: _opt(v, _str),
    "bool": lambda v: _bool(v),
    "int | None": lambda v: _opt(v, _int),
    "datetime": lambda v: _time(v),
    "datetime | None": lambda v: _opt(v, _time),
    "dict[str, str]": lambda v: _texts(v),
    "dict[str, Any] | None": lambda v: _opt(v, _dict),
    "list[str]": _check_list_of_texts,
    "list[Entry]": lambda v: [_entry(e) for e in _list(v)] or _fail("history"),
}
"""How each field type of `Request` is checked on the way back from JSON. A field of a type
not listed here makes every row fail its check (and a test fail), never pass unchecked."""

_FIELDS = tuple((f.name, str(f.type)) for f in dataclasses.fields(Request) if f.name != "path")
FORMAT = 1
"""Bump when the JSON form changes; a change of `Request`'s fields changes VERSION itself."""
VERSION = zlib.crc32(repr((FORMAT, _FIELDS)).encode()) & 0x7FFFFFFF
"""`PRAGMA user_version` of the index: rows of another shape are never read."""


def encode(request: Request) -> str:
    """The request as compact JSON: its fields in order, times as ISO 8601 text, and the
    free-form parts (history entry data, impact) with dates tagged."""
    values = []
    for name, _ in _FIELDS:
        value = getattr(request, name)
        if name == "history":
            value = [[e.at.isoformat(), e.by, e.type, _tag(e.data)] for e in value]
        elif isinstance(value, datetime):
            value = value.isoformat()
        else:
            value = _tag(value)
        values.append(value)
    return json.dumps(values, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def decode(body: Any, path: Path) -> Request:
    """A request from `encode`'s JSON; ValueError, TypeError or KeyError for anything else."""
    values = json.loads(_str(body), object_hook=_untag)
    if type(values) is not list or len(values) != len(_FIELDS):
        raise ValueError("a row of another shape")
    return Request(**{name: _CHECKS[kind](value)
                      for (name, kind), value in zip(_FIELDS, values, strict=True)}, path=path)


def _entry(raw: Any) -> Entry:
    at, by, kind, data = _list(raw)
    return Entry(_time(at), _str(by), _str(kind), _dict(data))


def _tag(value: Any) -> Any:
    if isinstance(value, datetime):
        return {_TIME: value.isoformat()}
    if isinstance(value, date):
        return {_DAY: value.isoformat()}
    if isinstance(value, dict):
        if not all(type(k) is str and k not in (_TIME, _DAY) for k in value):
            raise Uncacheable("a mapping key that is not text")
        return {k: _tag(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tag(v) for v in value]
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        return value
    raise Uncacheable(f"a {type(value).__name__} value")


def _untag(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if _TIME in obj:
            return datetime.fromisoformat(_str(obj[_TIME]))
        if _DAY in obj:
            return date.fromisoformat(_str(obj[_DAY]))
    return obj


def _fail(what: str) -> Any:
    raise ValueError(what)


def _str(value: Any) -> str:
    if type(value) is not str:
        raise TypeError("text")
    return value


def _int(value: Any) -> int:
    if type(value) is not int:
        raise TypeError("whole number")
    return value


def _bool(value: Any) -> bool:
    if type(value) is not bool:
        raise TypeError("true/false")
    return value


def _list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise TypeError("list")
    return value


def _dict(value: Any) -> dict[str, Any]:
    if type(value) is not dict:
        raise TypeError("mapping")
    return value


def _texts(value: Any) -> dict[str, str]:
    for v in _dict(value).values():
        _str(v)
    return value  # type: ignore[no-any-return]


def _time(value: Any) -> datetime:
    moment = value if type(value) is datetime else datetime.fromisoformat(_str(value))
    if moment.tzinfo is None:
        raise ValueError("a time without offset")
    return moment


def _opt(value: Any, check: Callable[[Any], Any]) -> Any:
    return None if value is None else check(value)
