"""The derived index: each request file's summary and parsed request, in SQLite, and what
commands work out once per file and keep beside it (`set_kept`: a request's card, a closed
request's listing row), for the catalogue and icsvc they were worked out with.

It lives in `.icsvc/index.sqlite` (git-ignored, safe to delete) and is only an optimisation:
a row is used while its file's `stat` key is unchanged, and anything odd (another schema
version, an object icsvc did not create, a row of the wrong shape) is discarded and rebuilt
from the files. Nothing read from it can run code: rows are plain SQLite values and JSON,
checked field by field before they become a `Request` (the pickle this replaces would run
whatever a crafted file held).

A row's key is the file's modification time, change time, size and inode: an edit in place
that keeps the size and restores the modification time still changes the change time, which
nobody can set, and a file git or an editor writes anew has another inode. A key taken in
the same clock tick as a later change could match it (git's "racy" files): a row whose
change time is not older than the moment its row is written is stored with a key that never
matches, so that file is read again next time.

Per provider folder the index also keeps the folder's own key (a file added, removed or
renamed in it, a `git checkout` or an icsvc write, changes it) and a digest of its files'
keys (any change to any file changes it): a listing compares digests and reads rows only
for folders that changed; a command about one request trusts folders whose own key is
unchanged and checks the files it reads.

It is never taken from a commit: an index records the inode of its own file when it is
created, and a file git (or anyone) wrote in its place has another inode, so it is
discarded; and an index is only created where the caller allows it (not in a `.icsvc/`
that git tracks). This costs one `stat`, where asking git costs a read of its whole index.
"""

from __future__ import annotations

import json
import os
import sys
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from icsvc.domain.history.fields import FIELDS, Field
from icsvc.errors import IcsvcError
from icsvc.store import derived

if TYPE_CHECKING:
    import sqlite3  # imported when an index is opened: commands that list nothing skip it

    from icsvc.domain.history.kinds import Kind
    from icsvc.domain.history.request import Request

_T = TypeVar("_T")

INDEX_FILE = "index.sqlite"
CLOCK_FILE = "clock"
"""Touched before rows are written: its change time is "now" on the store's own clock."""

_FILES = (
    "CREATE TABLE files (path TEXT PRIMARY KEY, folder TEXT NOT NULL, stem TEXT NOT NULL, "
    "mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL, size INTEGER NOT NULL, "
    "ino INTEGER NOT NULL, problem TEXT, id TEXT NOT NULL, provider TEXT NOT NULL, "
    "status TEXT NOT NULL, priority TEXT NOT NULL, department TEXT NOT NULL, "
    "email TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL, "
    "blocks TEXT NOT NULL, service TEXT NOT NULL, body TEXT NOT NULL, final TEXT, "
    "card TEXT, facts TEXT, recheck INTEGER NOT NULL)"
)
_FOLDERS = (
    "CREATE TABLE folders (name TEXT PRIMARY KEY, mtime_ns INTEGER NOT NULL, "
    "ctime_ns INTEGER NOT NULL, ino INTEGER NOT NULL, digest TEXT NOT NULL, "
    "temps INTEGER NOT NULL)"
)
_META = "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
_LINKS = "CREATE TABLE links (target TEXT NOT NULL, path TEXT NOT NULL)"
"""A row per request a file's `blocks` names: `show` finds what waits for a request."""
_INDEXES = (
    "CREATE INDEX files_stem ON files (stem)",
    "CREATE INDEX files_id ON files (id)",
    "CREATE INDEX files_status ON files (status, provider)",
    "CREATE INDEX files_problem ON files (problem) WHERE problem IS NOT NULL",
    "CREATE INDEX files_recheck ON files (recheck) WHERE recheck != 0",
    "CREATE INDEX links_target ON links (target)",
    "CREATE INDEX links_path ON links (path)",
)
_OBJECTS = {
    ("table", "files", _FILES), ("index", "sqlite_autoindex_files_1", None),
    ("table", "folders", _FOLDERS), ("index", "sqlite_autoindex_folders_1", None),
    ("table", "meta", _META), ("index", "sqlite_autoindex_meta_1", None),
    ("table", "links", _LINKS),
    *(("index", sql.split()[2], sql) for sql in _INDEXES),
}
"""Everything `sqlite_master` may hold: a trigger or view someone added means discard."""


def _in_folder(folder: str) -> tuple[str, tuple[str, str, str]]:
    """The condition for the rows of `folder`, and its values: a range of the paths' own
    index (an index of folders cost every row written a seventh of its time)."""
    return "path > ? AND path < ? AND folder = ?", (f"{folder}/", f"{folder}0", folder)


KEPT = {"final": "finals", "card": "cards", "facts": "facts"}
"""The columns of what is worked out once per file (see `Index.set_kept`), in the table's
order -> the meta key of the stamp they were worked out with."""
SCAN_ABOVE = 20000
"""Rows wanted beyond which reading a column whole beats looking each path up."""
GONE_LIMIT = 1000
"""Paths forgotten other than through git that git's next look checks (more: every file)."""
NEVER = -1
"""The modification time of a key that must not match (a racy file, see above)."""

Key = tuple[int, int, int, int]
"""(mtime_ns, ctime_ns, size, inode) of a file or folder."""


def key_of(st: os.stat_result) -> Key:
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)


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
    email: str = ""
    """The requester's email."""
    blocks: tuple[str, ...] = ()
    """The requests this one exists to fulfil."""
    service: str = ""


def summarize(request: Request) -> Summary:
    """The columns of a request, from the fields the field table gives one (`column`)."""
    return Summary(**{column: value(getattr(request, attr)) for column, attr, value in _COLUMNS})


def _last_time(history: list[Kind]) -> float:
    return max(e.at for e in history).timestamp()


def _as_is(value: Any) -> Any:
    return value


_COLUMN_VALUES: dict[str, Callable[[Any], Any]] = {
    "history": _last_time, "time": datetime.timestamp, "ids": tuple}
"""How a column holds a field's value, by its shape: times as POSIX timestamps, the history
as the time of its last entry, a list as a tuple; anything else as it is."""
_COLUMNS = tuple((f.column, f.attr, _COLUMN_VALUES.get(f.type.kept, _as_is))
                 for f in FIELDS if f.column is not None)


class Fresh(NamedTuple):
    """A row to store: a file read now, parsed (`summary`, `body`) or not (`problem`)."""

    path: str
    key: Key
    summary: Summary | None
    body: str
    problem: str | None
    kept: str | None = None
    """What `update(kept=...)` keeps of the file in its column (`refresh.Keep`)."""


class Folder(NamedTuple):
    key: Key
    digest: str
    temps: int


_SUMMARY = ("id, provider, status, priority, department, created, updated, email, blocks, "
            "service")


_SUMMARY_TYPES = (str, str, str, str, str, float, float, str, str, str)


def _summary(row: tuple[Any, ...]) -> Summary | None:
    """A Summary from SQL columns (see _SUMMARY), None when a value has the wrong type."""
    if tuple(map(type, row)) != _SUMMARY_TYPES:
        return None
    rid, provider, status, priority, dept, made, last, email, blocks, service = row
    one = sys.intern  # one copy of a value many rows repeat (a provider, a status): SQLite
    # gives each row its own, and 100,000 summaries held them all (a third of `list --all`)
    return Summary(rid, one(provider), one(status), one(priority), one(dept), made, last,
                   one(email), tuple(blocks.split()) if blocks else (), one(service))


class IndexBroken(Exception):
    """The index file is damaged (SQLite found a malformed page): discard it and rebuild."""


class IndexBusy(Exception):
    """Rows could not be written (another command held the index too long, or it is
    read-only): the rows are not up to date, so this command reads the files instead."""


def _broken(exc: Exception) -> bool:
    import sqlite3

    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError)


class Index:
    """An open index. A busy or read-only index is used as it is (a write that cannot be
    made is skipped: rows are checked before use anyway); a damaged one raises
    `IndexBroken`."""

    def __init__(self, conn: sqlite3.Connection, folder: Path) -> None:
        self.conn = conn
        self.folder = folder
        self.writes = 0
        """Writes of rows this connection began (`update`, `set_kept`)."""

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
                if attempt == 1 and may_replace() and discard(path):
                    continue
                return None
            try:
                conn.execute("PRAGMA trusted_schema = OFF")
                if _valid(conn, path):
                    return cls(conn, folder)
                if _empty(conn) and may_replace():
                    conn.close()  # a new file, without what an old one left (its WAL)
                    discard(path)
                    conn = sqlite3.connect(path, timeout=2.0, isolation_level=None,
                                           check_same_thread=False)
                    conn.execute("PRAGMA trusted_schema = OFF")
                    _create(conn, path)
                    return cls(conn, folder)
                raise sqlite3.DatabaseError("not an index this clone made")
            except sqlite3.Error:
                conn.close()
                if attempt == 1 and may_replace() and discard(path):
                    continue
                return None
        return None

    def close(self) -> None:
        self.conn.close()

    def version(self) -> tuple[int, int]:
        """The index's changes as this connection sees them: when two versions are equal,
        the files' rows (their recheck marks aside, which `set_meta` sets) read at any
        moment between them are those read at either (another connection's commits change
        SQLite's `data_version`, this one's writes of rows `writes`)."""
        import sqlite3

        try:
            found = self.conn.execute("PRAGMA data_version").fetchone()
        except sqlite3.Error as exc:
            if _broken(exc):
                raise IndexBroken(str(exc)) from None
            raise IndexBusy(str(exc)) from None
        return int(found[0]), self.writes

    def _select(self, sql: str, args: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        import sqlite3

        try:
            return self.conn.execute(sql, tuple(args)).fetchall()
        except sqlite3.Error as exc:
            if _broken(exc):
                raise IndexBroken(str(exc)) from None
            return []

    def _stream(self, sql: str, args: Iterable[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """`_select`'s rows a batch at a time, for the reads that go through most rows (the
        summaries, what is kept): their values are made into the caller's objects as they
        come, so a listing of 100,000 does not hold every raw row as well. A damaged index
        raises IndexBroken; any other error IndexBusy (some rows may have come already: the
        command reads the files instead, never a part of the rows)."""
        import sqlite3

        try:
            cursor = self.conn.execute(sql, tuple(args))
            while batch := cursor.fetchmany(4096):
                yield from batch
        except sqlite3.Error as exc:
            if _broken(exc):
                raise IndexBroken(str(exc)) from None
            raise IndexBusy(str(exc)) from None

    # -- folders and keys ----------------------------------------------------------------

    def folders(self) -> dict[str, Folder]:
        out: dict[str, Folder] = {}
        for name, mtime, ctime, ino, digest, temps in self._select(
                "SELECT name, mtime_ns, ctime_ns, ino, digest, temps FROM folders"):
            if (type(name) is str and type(mtime) is int and type(ctime) is int
                    and type(ino) is int and type(digest) is str and type(temps) is int):
                out[name] = Folder((mtime, ctime, 0, ino), digest, temps)
        return out

    def keys(self, folder: str) -> dict[str, Key]:
        """path -> key of every row in one folder."""
        where, args = _in_folder(folder)
        return self._keys(f"SELECT path, mtime_ns, ctime_ns, size, ino FROM files WHERE {where}",
                          args)

    def paths(self, folder: str) -> list[str]:
        where, args = _in_folder(folder)
        return [p for (p,) in self._select(f"SELECT path FROM files WHERE {where}", args)
                if type(p) is str]

    # -- reading rows --------------------------------------------------------------------

    def summaries(self, statuses: Collection[str] | None = None,
                  providers: Collection[str] | None = None,
                  active: tuple[float, float] | None = None, open_statuses: Collection[str] = ()
                  ) -> Iterator[tuple[str, Summary | None]]:
        """(path, summary) of every parsed file (of these statuses and providers; `active`:
        made before the span's end, and of `open_statuses` or changed since its start); None
        for a row of the wrong shape (read its file instead)."""
        where: list[str] = ["problem IS NULL"]
        args: list[Any] = []
        for column, values in (("status", statuses), ("provider", providers)):
            if values is not None:
                where.append(f"{column} IN ({','.join('?' * len(values))})")
                args.extend(values)
        if active is not None:  # (a row whose times are not numbers is returned: reread)
            where.append("(typeof(created) != 'real' OR typeof(updated) != 'real' OR "
                         f"(created < ? AND (updated >= ? OR status IN "
                         f"({','.join('?' * len(open_statuses))}))))")
            args.extend((active[1], active[0], *open_statuses))
        for row in self._stream(f"SELECT path, {_SUMMARY} FROM files WHERE "
                                + " AND ".join(where), args):
            if type(row[0]) is str:
                yield row[0], _summary(row[1:])

    def problems(self) -> list[tuple[str, str]]:
        """(path, warning) of every file that could not be read."""
        return sorted((p, w) for p, w in self._select(  # (ORDER BY would scan every row)
            "SELECT path, problem FROM files WHERE problem IS NOT NULL")
            if type(p) is str and type(w) is str)

    def twins(self) -> list[list[str]]:
        """The paths of each request ID held by more than one file."""
        rows = self._select(  # the id index alone answers this (a row without an id: '')
            "SELECT id FROM files GROUP BY id HAVING count(*) > 1")
        out = []
        for (rid,) in rows:
            if not rid:
                continue
            paths = sorted(p for (p,) in self._select(
                "SELECT path FROM files WHERE id = ? AND problem IS NULL", (rid,)))
            if len(paths) > 1:
                out.append(paths)
        return out

    def row(self, path: str) -> tuple[Key, Summary | None, str | None] | None:
        """(key, summary, problem) of one file's row."""
        found = self._select(f"SELECT mtime_ns, ctime_ns, size, ino, problem, {_SUMMARY} "
                             "FROM files WHERE path = ?", (path,))
        if not found:
            return None
        mtime, ctime, size, ino, problem, *rest = found[0]
        if not all(type(v) is int for v in (mtime, ctime, size, ino)):
            return None
        return (mtime, ctime, size, ino), _summary(tuple(rest)), problem

    def named(self, prefix: str) -> list[str]:
        """Paths of the files whose name (upper case) starts with `prefix`."""
        return [p for (p,) in self._select(
            "SELECT path FROM files WHERE stem >= ? AND stem < ? ORDER BY path",
            (prefix, prefix + "\U0010ffff")) if type(p) is str]

    def blocking(self, rid: str) -> list[str]:
        """Paths of the requests whose `blocks` names `rid`."""
        return [p for (p,) in self._select(
            "SELECT DISTINCT path FROM links WHERE target = ? ORDER BY path", (rid,))
            if type(p) is str]

    def bodies(self, paths: list[str]) -> Iterator[tuple[str, Any]]:
        """(path, body) for these paths; a body is whatever the row holds (check it)."""
        import sqlite3

        try:
            for start in range(0, len(paths), 500):
                chunk = paths[start:start + 500]
                marks = ",".join("?" * len(chunk))
                yield from self.conn.execute(
                    f"SELECT path, body FROM files WHERE path IN ({marks})", chunk)
        except sqlite3.Error as exc:
            if _broken(exc):
                raise IndexBroken(str(exc)) from None

    def kept(self, column: str, paths: list[str], stamp: str,
             read: Callable[[str, str], _T | None]) -> dict[str, _T]:
        """path -> `read(path, text)` of what `set_kept` stored in `column` for these paths,
        when `stamp` (what it was worked out with) is still the one recorded; a text `read`
        makes None of is left out. Each text is read as it comes (100,000 texts are not held
        at once)."""
        assert column in KEPT
        if self.meta(KEPT[column]) != stamp:
            return {}
        out: dict[str, _T] = {}
        select = f"SELECT path, {column} FROM files"
        rows: Iterable[tuple[Any, ...]]
        if len(paths) > SCAN_ABOVE:  # most rows: one pass over the column is quicker
            wanted = set(paths)
            rows = (r for r in self._stream(f"{select} WHERE {column} IS NOT NULL")
                    if r[0] in wanted)
        else:
            rows = (r for start in range(0, len(paths), 500) for r in self._select(
                f"{select} WHERE {column} IS NOT NULL AND path IN "
                f"({','.join('?' * len(paths[start:start + 500]))})",
                paths[start:start + 500]))
        for path, text in rows:
            if type(path) is str and type(text) is str \
                    and (value := read(path, text)) is not None:
                out[path] = value
        return out

    def set_kept(self, column: str, values: dict[str, tuple[Key, str]], stamp: str) -> None:
        """Store what never changes about requests (a closed request's row, an open one's
        card), worked out with `stamp` (the catalogue and icsvc's code) from the file of
        `key`: a row whose file changed meanwhile is left alone, another stamp forgets the
        whole column."""
        import sqlite3

        assert column in KEPT
        self.writes += 1
        try:
            with self.conn:
                self.conn.execute("BEGIN IMMEDIATE")
                self._stamped(column, stamp)
                self.conn.executemany(
                    f"UPDATE files SET {column} = ? WHERE path = ? AND mtime_ns = ? AND "
                    "ctime_ns = ? AND size = ? AND ino = ?",
                    ((text, path, *key) for path, (key, text) in values.items()))
        except sqlite3.Error as exc:
            if _broken(exc):
                raise IndexBroken(str(exc)) from None

    def _stamped(self, column: str, stamp: str) -> None:
        """In a transaction: `column` holds what `stamp` worked out (another stamp's values
        are forgotten)."""
        if self.meta(KEPT[column]) != stamp:
            self.conn.execute(f"UPDATE files SET {column} = NULL")
            self._set(KEPT[column], stamp)

    def _set(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def set_meta(self, values: dict[str, str], *, recheck_all: bool = False,
                 confirmed: Iterable[str] = ()) -> None:
        """Record values (the commit git's last look saw, the paths to check again) and
        which rows git's look confirmed; `recheck_all`: every row is checked next time."""
        import sqlite3

        try:
            with self.conn:
                self.conn.execute("BEGIN IMMEDIATE")
                for key, value in values.items():
                    self._set(key, value)
                if recheck_all:  # (a row just written is already)
                    self.conn.execute("UPDATE files SET recheck = 1 WHERE recheck = 0")
                self.conn.executemany("UPDATE files SET recheck = 0 WHERE path = ?",
                                      ((p,) for p in confirmed))
        except sqlite3.Error as exc:
            if _broken(exc):
                raise IndexBroken(str(exc)) from None

    def rechecks(self) -> dict[str, Key]:
        """path -> key of the rows to check again."""
        return self._keys("SELECT path, mtime_ns, ctime_ns, size, ino FROM files "
                          "WHERE recheck != 0")

    def keys_of(self, paths: Collection[str]) -> dict[str, Key]:
        """path -> key of these rows."""
        out: dict[str, Key] = {}
        listed = list(paths)
        for start in range(0, len(listed), 500):
            chunk = listed[start:start + 500]
            out.update(self._keys("SELECT path, mtime_ns, ctime_ns, size, ino FROM files "
                                  f"WHERE path IN ({','.join('?' * len(chunk))})", chunk))
        return out

    def _keys(self, sql: str, args: Iterable[Any] = ()) -> dict[str, Key]:
        out: dict[str, Key] = {}
        for path, mtime, ctime, size, ino in self._select(sql, args):
            if (type(path) is str and type(mtime) is int and type(ctime) is int
                    and type(size) is int and type(ino) is int):
                out[path] = (mtime, ctime, size, ino)
        return out

    def meta(self, key: str) -> str | None:
        found = self._select("SELECT value FROM meta WHERE key = ?", (key,))
        return found[0][0] if found and type(found[0][0]) is str else None

    # -- writing rows --------------------------------------------------------------------

    def now_ns(self) -> int | None:
        """Now, on the clock of the file system the index is on (and, normally, the store):
        a file whose change time is not older than this may change again in the same
        tick, unseen."""
        try:
            return derived.touch(self.folder / CLOCK_FILE)
        except (OSError, IcsvcError):
            return None

    def update(self, rows: Iterable[Fresh], gone: Iterable[str],
               folders: dict[str, Folder] | None = None, gone_folders: Iterable[str] = (),
               racy_after: int | None = None, from_git: bool = False,
               own_folders: bool = False, kept: tuple[str, str] | None = None) -> bool:
        """Store fresh rows and folder keys and forget what is gone, in one transaction;
        a busy or read-only index is left as it is (False). Keys changed at or after `racy_after`
        (None: always) are stored as never matching (`own_folders`: not the folders' keys,
        taken right after icsvc's own write into them). Every row written is to be checked
        again (`recheck`) until a look through git confirms it; a file forgotten other than
        through git is noted, so that git's look checks its path too (it may come back
        unchanged, from a checkout). `kept`: (column, stamp) the rows' `kept` texts are
        written in, as `set_kept` does."""
        import sqlite3

        gone = list(gone)
        rows = list(rows)
        self.writes += 1

        def key(k: Key) -> Key:
            return k if racy_after is not None and k[1] < racy_after else (NEVER, *k[1:])

        column = kept[0] if kept is not None and any(f.kept for f in rows) else None
        at = list(KEPT).index(column) if column is not None else 0
        before, after = (None,) * at, (None,) * (len(KEPT) - at - 1)

        def values(f: Fresh) -> tuple[Any, ...]:
            folder, _, name = f.path.rpartition("/")
            stem = name.rsplit(".", 1)[0].upper()
            s = f.summary
            if s is None:
                return (f.path, folder, stem, *key(f.key), f.problem, "", "", "", "", "", "",
                        0.0, 0.0, "", "", "", None, None, None, 1)
            return (f.path, folder, stem, *key(f.key), None, s.id, s.provider, s.status,
                    s.priority, s.department, s.email, s.created, s.updated,
                    " ".join(s.blocks), s.service, f.body, *before,
                    f.kept if column is not None else None, *after, 1)

        try:
            with self.conn:
                self.conn.execute("BEGIN IMMEDIATE")
                self.conn.executemany("DELETE FROM files WHERE path = ?",
                                      ((p,) for p in gone))
                paths = [*gone, *(f.path for f in rows)]
                if len(paths) > 100:  # only those with links: a cold build's 100,000
                    # statements cost a third of a second for nothing
                    linked = {p for p, in self.conn.execute("SELECT DISTINCT path FROM links")}
                    paths = [p for p in paths if p in linked]
                self.conn.executemany("DELETE FROM links WHERE path = ?",
                                      ((p,) for p in paths))
                self.conn.executemany("INSERT INTO links VALUES (?, ?)", (
                    (target, f.path) for f in rows if f.summary is not None
                    for target in f.summary.blocks))
                if gone and not from_git and self.meta("head"):
                    noted = json.loads(self.meta("gone") or "[]")
                    noted = sorted({*noted, *gone}) if len(noted) < GONE_LIMIT else []
                    self._set("gone", json.dumps(noted))
                    if not noted:
                        self._set("head", "")  # too many: look at every file next time
                if column is not None:
                    assert kept is not None
                    self._stamped(column, kept[1])
                self.conn.executemany(
                    "INSERT OR REPLACE INTO files VALUES "
                    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (values(f) for f in rows))
                self.conn.executemany("DELETE FROM folders WHERE name = ?",
                                      ((n,) for n in gone_folders))
                self.conn.executemany(
                    "INSERT OR REPLACE INTO folders VALUES (?, ?, ?, ?, ?, ?)",
                    ((name, *(f.key if own_folders else key(f.key))[:2], f.key[3], f.digest,
                      f.temps) for name, f in (folders or {}).items()))
        except sqlite3.Error as exc:
            if _broken(exc):
                raise IndexBroken(str(exc)) from None
            return False
        return True


def digest(entries: list[tuple[str, Key]]) -> str:
    """A folder's files and their keys, in one short text."""
    return text_digest("\n".join(f"{name}\t{k[0]}\t{k[1]}\t{k[2]}\t{k[3]}"
                                  for name, k in entries))


def text_digest(text: str) -> str:
    """A short digest of `text` (BLAKE2b, 16 bytes, in hex), by CPython's own `_blake2`
    when it has it: `hashlib` loads OpenSSL's hashes first, 4 ms of every command's start."""
    try:
        from _blake2 import blake2b
    except ImportError:  # another Python: the same function, through hashlib
        from hashlib import blake2b
    return blake2b(text.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


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
        for sql in (_FILES, _FOLDERS, _META, _LINKS, *_INDEXES):
            conn.execute(sql)
        conn.execute(f"PRAGMA user_version = {VERSION}")
        conn.execute(f"PRAGMA application_id = {_fingerprint(path)}")


def discard(path: Path) -> bool:
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


def _bool(value: Any) -> bool:
    return value if type(value) is bool else _bad("true/false")


def _int(value: Any) -> int:
    return value if type(value) is int else _bad("a number")


def _time(value: Any) -> datetime:
    moment = value if type(value) is datetime else datetime.fromisoformat(_str(value))
    return moment if moment.tzinfo is not None else _bad("a time with an offset")


def _texts(value: Any) -> dict[str, str]:
    if type(value) is not dict or not all(type(v) is str for v in value.values()):
        _bad("a mapping of texts")
    return value  # type: ignore[no-any-return]


def _dict(value: Any) -> dict[str, Any]:
    return value if type(value) is dict else _bad("a mapping")


def _text_list(value: Any) -> list[str]:
    if type(value) is not list or not all(type(v) is str for v in value):
        _bad("a list of texts")
    return value  # type: ignore[no-any-return]


def _history(value: Any) -> list[Kind]:
    from icsvc.domain.history.kinds import KINDS, parse_entry

    if type(value) is not list or not value:
        _bad("a history")
    out = []
    for at, by, kind, data in value:
        if type(data) is not dict or kind not in KINDS:
            _bad("an entry")
        out.append(parse_entry(_time(at), _str(by), kind, data, _refuse))
    return out


def _refuse(key: str, problem: str) -> Any:
    raise ValueError(f"{key}: {problem}")


def _unknown(value: Any) -> Any:
    raise TypeError("a field of a type the index does not know")


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "text": _str, "flag": _bool, "whole": _int, "time": _time, "texts": _texts,
    "mapping": _dict, "ids": _text_list, "history": _history,
}
"""How a field is checked on the way back from JSON, by the shape its value type keeps
(`fields.Value.kept`); a field that may be absent may also be null. A shape not listed here
makes every row fail its check (and a test fail), never pass unchecked."""


def _optional(f: Field) -> bool:
    """The field may be left out, and is None then."""
    return not f.required and f.default is None


def _checker(f: Field) -> Callable[[Any], Any]:
    check = _CHECKS.get(f.type.kept, _unknown)
    if not _optional(f):
        return check
    return lambda value: None if value is None else check(value)


_FIELDS = tuple((f.attr, f.type.kept) for f in FIELDS)
"""(attribute, shape) of each field, in the JSON form's order."""
_CHECKERS = tuple(_checker(f) for f in FIELDS)
FORMAT = 3
"""Bump when the JSON form changes; a change of the field table (`fields.FIELDS`) or of the
tables changes VERSION itself."""
VERSION = zlib.crc32(repr((FORMAT, _FIELDS, [_optional(f) for f in FIELDS],
                           sorted(_OBJECTS, key=str))).encode()) & 0x7FFFFFFF
"""`PRAGMA user_version` of the index: rows of another shape are never read."""


def encode(request: Request) -> str:
    """The request as compact JSON: its fields in order, times as ISO 8601 text, and the
    free-form parts (history entry data, impact) with dates tagged."""
    values = []
    for f in FIELDS:
        value = getattr(request, f.attr)
        if f.type.kept == "history":
            value = [[e.at.isoformat(), e.by, e.TYPE, _tag(_keys(e.dump()))] for e in value]
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
    from icsvc.domain.history.request import Request

    return Request(**{f.attr: check(v) for f, check, v in zip(FIELDS, _CHECKERS, values,
                                                              strict=True)}, path=path)


def encode_data(value: Any) -> str:
    """Parsed YAML data (a file's whole tree) as compact JSON, dates tagged; Uncacheable when
    it holds what JSON cannot (a key that is not text, a set, bytes)."""
    return json.dumps(_tag(value), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def decode_data(text: str) -> Any:
    """`encode_data`'s tree again; ValueError for text it did not write."""
    try:
        return json.loads(text, object_hook=_untag)
    except (TypeError, OverflowError, RecursionError) as exc:
        raise ValueError(str(exc)) from None


def _keys(dumped: dict[str, Any]) -> dict[str, Any]:
    """An entry's own keys (its time, author and type are kept apart)."""
    return {key: value for key, value in dumped.items() if key not in ("at", "by", "type")}


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
