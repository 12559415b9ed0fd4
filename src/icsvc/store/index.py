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
import zlib
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from icsvc.store.model import Entry, Request

if TYPE_CHECKING:
    import sqlite3  # imported when an index is opened: commands that list nothing skip it

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
        import sqlite3

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
        import sqlite3

        out: dict[str, Row] = {}
        try:
            cursor = self.conn.execute(
                "SELECT path, mtime_ns, size, id, provider, status, priority, department, "
                "created, updated FROM files")
            for path, mtime, size, rid, provider, status, priority, dept, made, last in cursor:
                if (type(path) is str and type(mtime) is int and type(size) is int
                        and type(rid) is str and type(provider) is str and type(status) is str
                        and type(priority) is str and type(dept) is str
                        and type(made) is float and type(last) is float):
                    out[path] = Row(mtime, size, Summary(rid, provider, status, priority, dept,
                                                         made, last))
        except sqlite3.Error:
            return {}
        return out

    def bodies(self, paths: list[str]) -> Iterator[tuple[str, Any]]:
        """(path, body) for these paths; a body is whatever the row holds (check it)."""
        import sqlite3

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
        import sqlite3

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
    import sqlite3

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


def _bad(what: str) -> Any:
    raise TypeError(f"expected {what}")


def _str(value: Any) -> str:
    return value if type(value) is str else _bad("text")


def _opt_str(value: Any) -> str | None:
    return value if value is None or type(value) is str else _bad("text")


def _bool(value: Any) -> bool:
    return value if type(value) is bool else _bad("true/false")


def _opt_int(value: Any) -> int | None:
    return value if value is None or type(value) is int else _bad("a number")


def _time(value: Any) -> datetime:
    moment = value if type(value) is datetime else datetime.fromisoformat(_str(value))
    return moment if moment.tzinfo is not None else _bad("a time with an offset")


def _opt_time(value: Any) -> datetime | None:
    return None if value is None else _time(value)


def _texts(value: Any) -> dict[str, str]:
    if type(value) is not dict or not all(type(v) is str for v in value.values()):
        _bad("a mapping of texts")
    return value  # type: ignore[no-any-return]


def _opt_dict(value: Any) -> dict[str, Any] | None:
    return value if value is None or type(value) is dict else _bad("a mapping")


def _text_list(value: Any) -> list[str]:
    if type(value) is not list or not all(type(v) is str for v in value):
        _bad("a list of texts")
    return value  # type: ignore[no-any-return]


def _history(value: Any) -> list[Entry]:
    if type(value) is not list or not value:
        _bad("a history")
    out = []
    for at, by, kind, data in value:
        if type(data) is not dict:
            _bad("a mapping")
        out.append(Entry(_time(at), _str(by), _str(kind), data))
    return out


def _unknown(value: Any) -> Any:
    raise TypeError("a field of a type the index does not know")


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "str": _str, "str | None": _opt_str, "bool": _bool, "int | None": _opt_int,
    "datetime": _time, "datetime | None": _opt_time, "dict[str, str]": _texts,
    "dict[str, Any] | None": _opt_dict, "list[str]": _text_list, "list[Entry]": _history,
}
"""How each field type of `Request` is checked on the way back from JSON. A field of a type
not listed here makes every row fail its check (and a test fail), never pass unchecked."""

_FIELDS = tuple((f.name, str(f.type)) for f in dataclasses.fields(Request) if f.name != "path")
_CHECKERS = tuple(_CHECKS.get(kind, _unknown) for _, kind in _FIELDS)
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
    """A request from `encode`'s JSON; ValueError or TypeError for anything else."""
    text = _str(body)  # dates in free-form values are tagged (and escaped as \u0000)
    values = json.loads(text, object_hook=_untag) if "\\u0000" in text else json.loads(text)
    if type(values) is not list or len(values) != len(_CHECKERS):
        raise ValueError("a row of another shape")
    request = Request(*[check(v) for check, v in zip(_CHECKERS, values, strict=True)])
    request.path = path
    return request


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
