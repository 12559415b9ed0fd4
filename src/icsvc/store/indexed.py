"""The store's use of its derived index (`index.py`): opened once per command, brought up to
date as far as the command needs (`refresh.py`: the folders' keys, or every file's), mended
when it turns out damaged, and bypassed when it cannot be used (a read-only store: every
file is parsed instead, once per command). What it answers: the files named after an ID,
the requests waiting for one, one request (from its row when its file is unchanged), the
summaries of a listing, the requests of a page, and what commands keep per file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from icsvc.domain.lifecycle import OPEN
from icsvc.errors import IcsvcError, ValidationError
from icsvc.store import atomic, derived
from icsvc.store.derived import DERIVED_DIR
from icsvc.store.dirents import REQUESTS_DIR, Listing, entry_problem, from_root
from icsvc.store.files import load_request
from icsvc.store.index import (
    INDEX_FILE,
    Folder,
    Fresh,
    Index,
    IndexBroken,
    IndexBusy,
    Key,
    Summary,
    decode,
    discard,
    key_of,
)
from icsvc.store.refresh import (
    Keep,
    forked_map,
    in_parallel,
    parse_many,
    parse_one,
    parsed_one,
    refresh,
    refresh_listing,
)

if TYPE_CHECKING:
    from icsvc.domain.history.request import Request

Warn = Callable[[str], None]
NO_KEY: Key = (0, 0, 0, 0)
"""The key of a row kept in memory (no index): never compared."""
_UNDECODED = (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError)
"""What decoding a row that is not what `encode` wrote can raise: the file is read instead."""

_P = ParamSpec("_P")
_T = TypeVar("_T")


def mended(method: Callable[Concatenate[Indexed, _P], _T]
           ) -> Callable[Concatenate[Indexed, _P], _T]:
    """A method that uses the index: when the index turns out damaged, it is deleted and
    the method runs again (with a new index, or reading the files); when it is busy, this
    command reads the files."""
    def run(self: Indexed, /, *args: _P.args, **kw: _P.kwargs) -> _T:
        for _ in range(2):
            try:
                return method(self, *args, **kw)
            except IndexBroken:
                self.drop()
            except IndexBusy:  # rows behind the files: read the files for this command
                self.bypass()
        return method(self, *args, **kw)

    return run


def _same(request: Request) -> Request:
    return request


def active_in(s: Summary, span: tuple[float, float]) -> bool:
    """Made before the span's end, and open or changed since its start (timestamps)."""
    return s.created < span[1] and (s.updated >= span[0] or s.status in OPEN)


def folder_key_of(folder: Path) -> Key | None:
    try:
        st = os.lstat(folder)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_ctime_ns, 0, st.st_ino)


@dataclass
class Found:
    """What a listing found: (path, summary) of each readable request of the filter, (path,
    warning) of each file that could not be read, and the paths of each ID held by more than
    one file."""

    rows: list[tuple[str, Summary]]
    problems: list[tuple[str, str]]
    twins: list[list[str]]


@dataclass
class Indexed:
    """The index of one store, for one command."""

    root: Path
    listing: Callable[[], Listing]
    """The store's pass over file names (for the files' rows when there is no index)."""
    derived_problem: Callable[[], str | None]
    """Why `.icsvc/` must not hold an index, if it must not (asked only to make one)."""
    warn: Warn | None = None
    _opened: bool = field(default=False, repr=False)
    _state: Index | None = field(default=None, repr=False)
    _dropped: bool = field(default=False, repr=False)
    _depth: int = field(default=0, repr=False)
    """How far the index was brought up to date in this command: 0 not, 1 folders, 2 all."""
    top_skipped: list[tuple[str, str]] = field(default_factory=list, repr=False)
    """(full path, why) of the entries of `requests/` that are not provider folders."""
    _memory: dict[str, Fresh] | None = field(default=None, repr=False)

    @property
    def requests_dir(self) -> Path:
        return self.root / REQUESTS_DIR

    def rel(self, path: Path | str) -> str:
        return from_root(self.root, path)

    def entry_problem(self, e: os.DirEntry[str]) -> str | None:
        """Why a folder entry that is not a plain file cannot be read as a request (None: a
        symlink to a regular file inside the store, which is read like one)."""
        return entry_problem(self.root, e.path)

    def stale(self) -> None:
        """Others may have written (before this command held the write lock), or this one
        repaired files: bring the index up to date again before its next use."""
        self._depth = 0
        self._memory = None

    # -- opening, refreshing, mending ------------------------------------------------------

    def index(self, full: bool, warn: Warn | None = None,
              progress: Callable[[], None] | None = None, keep: Keep | None = None,
              meanwhile: Callable[[Index], None] | None = None) -> Index | None:
        """The index, opened once per command and brought up to date (`refresh`): every
        file's key for a listing (`full`, with what `keep` makes of each open request
        parsed; `meanwhile` called with the index while git looks, when it does), the
        folders' keys otherwise. None: no index can be used here (read files instead)."""
        index = self.opened(warn or self.warn)
        depth = 2 if full else 1
        if index is not None and self._depth < depth:
            outcome = (refresh_listing(index, self.root, self.requests_dir,
                                       self.entry_problem, progress, keep,
                                       (lambda: meanwhile(index)) if meanwhile else None)
                       if full else
                       refresh(index, self.root, self.requests_dir, False, self.entry_problem))
            self.top_skipped = outcome.skipped
            self._depth = depth
        return index

    def opened(self, warn: Warn | None = None) -> Index | None:
        """The index as it is (opened once per command), not brought up to date."""
        if not self._opened:
            self._opened = True
            self._state = self._open(warn)
        return self._state

    def drop(self) -> None:
        """Delete a damaged index; the next use makes a new one, or, when the new one is
        damaged too, reads the files."""
        index = self._state
        self.stale()
        if index is None:
            return
        index.close()
        self._state = None
        self._opened = self._dropped  # a second time: no index at all
        self._dropped = True
        discard(index.folder / INDEX_FILE)
        if self.warn is not None:
            self.warn(f"{DERIVED_DIR}/{INDEX_FILE} was damaged: rebuilt from the files")

    def bypass(self) -> None:
        """Read the files for the rest of this command (the index is busy)."""
        if self._state is not None:
            self._state.close()
        self._state = None
        self._opened = True
        self._depth = 0

    def _open(self, warn: Warn | None) -> Index | None:
        """The index, when `.icsvc/` may hold one; None means: parse every file."""
        folder = self.root / DERIVED_DIR
        if folder.is_symlink() or (os.path.lexists(folder) and not folder.is_dir()):
            if warn is not None:
                warn(f"not using the index in {DERIVED_DIR}/: {self.derived_problem()}; "
                     "parsing every file")
            return None
        try:
            folder = derived.folder(self.root)
            (folder / "requests.cache").unlink(missing_ok=True)  # the pickle it replaces
        except (IcsvcError, OSError):
            return None  # a read-only store

        def may_create() -> bool:
            problem = self.derived_problem()  # asks git: only when a new index is made
            if problem is not None and warn is not None:
                warn(f"not using the index in {DERIVED_DIR}/: {problem}; parsing every file")
            return problem is None

        return Index.open(folder, may_create)

    # -- finding ---------------------------------------------------------------------------

    @mended
    def named(self, prefix: str) -> list[str] | None:
        """Paths of the files whose name starts with `prefix` (upper case), the folders
        brought up to date first; None without an index."""
        index = self.index(full=False)
        return None if index is None else index.named(prefix)

    @mended
    def blocking(self, rid: str) -> list[str] | None:
        """Paths of the requests whose `blocks` names `rid`; None without an index."""
        index = self.index(full=False)
        return None if index is None else index.blocking(rid)

    # -- reading ---------------------------------------------------------------------------

    @mended
    def read(self, path: Path) -> Request:
        """One request file, from its index row when the file's key is unchanged (no YAML
        parsing), else parsed (and its row refreshed)."""
        index = self.index(full=False)
        rel = self.rel(path)
        if index is not None:
            try:
                key = key_of(os.stat(path))
            except OSError:
                key = None
            found = index.row(rel)
            if key is not None and found is not None and found[0] == key and found[1]:
                try:
                    request = decode(next(iter(dict(index.bodies([rel])).values()), None), path)
                    if request.id == found[1].id:
                        return request
                except _UNDECODED:
                    pass
            if key is not None:
                fresh = parse_one((rel, str(path), key))
                index.update([fresh], (), racy_after=index.now_ns())
        return load_request(path)

    @mended
    def summaries(self, warn: Warn | None, progress: Callable[[], None] | None,
                  wanted: Callable[[Summary], bool], statuses: Collection[str] | None,
                  providers: Collection[str] | None, active: tuple[float, float] | None,
                  keep: Keep | None = None) -> Found:
        """Every file's summary that is `wanted` (the index narrowed to these statuses,
        providers and span first), the index brought up to date first (`keep`: see
        `refresh.Keep`)."""
        early: list[tuple[Index, tuple[int, int], list[tuple[str, Summary | None]]]] = []

        def read_rows(index: Index) -> list[tuple[str, Summary | None]]:
            return list(index.summaries(statuses, providers, active, OPEN))

        def meanwhile(index: Index) -> None:
            """Read the rows while git looks, and note the index's version: they are the
            rows to answer from if it is the same after the look."""
            version = index.version()
            early.append((index, version, read_rows(index)))

        # only a pass over the whole table (a report's period, `list --all`: 0.3 s at
        # 100,000) gains from running beside git's look (0.13 s, on both cores); the open
        # rows, one look-up of the status index (0.03 s), measured slower that way
        index = self.index(full=True, warn=warn, progress=progress, keep=keep,
                           meanwhile=meanwhile if statuses is None else None)
        for full_path, problem in self.top_skipped:
            if warn is not None:
                warn(f"skipped {self.rel(full_path)}: {problem}")
        if index is None:
            rows = self._memory_rows(progress).values()
            kept = [(r.path, r.summary) for r in rows
                    if r.summary is not None and wanted(r.summary)]
            return Found(kept, sorted((r.path, r.problem) for r in rows if r.problem is not None),
                         _twins(kept))
        found = Found([], index.problems(), [])
        # every row read before any is written (a row reread replaces its own)
        read = (early[0][2] if early and early[0][0] is index
                and early[0][1] == index.version() else read_rows(index))
        for rel, summary in read:
            if summary is None:  # a row of the wrong shape: read the file
                fresh = self._reread(index, rel)
                if fresh.problem is not None:
                    found.problems.append((rel, fresh.problem))
                summary = fresh.summary
                if summary is None or not wanted(summary):
                    continue
            found.rows.append((rel, summary))
        found.twins = index.twins()
        return found

    def _reread(self, index: Index, rel: str) -> Fresh:
        """Parse one file again and replace its row."""
        path = self.root / rel
        try:
            key = key_of(os.stat(path))
        except OSError as exc:
            return Fresh(rel, NO_KEY, None, "", f"skipped {rel}: {exc.strerror}")
        fresh = parse_one((rel, str(path), key))
        index.update([fresh], (), racy_after=index.now_ns())
        return fresh

    def requests(self, paths: list[str], warn: Warn | None) -> list[Request]:
        """The requests of these files (paths from `summaries`), from their rows; the files
        of rows without a parsed request (after a quick look: `quick_summary`) or that do
        not decode are parsed (across cores when there are many) and their rows replaced."""
        return [request for _, request in self.worked(paths, warn, _same)]

    @mended
    def worked(self, paths: list[str], warn: Warn | None, work: Callable[[Request], _T],
               progress: Callable[[], None] | None = None, cores: bool = False
               ) -> list[tuple[str, _T]]:
        """(path, `work(request)`) for these files (paths from `summaries`), in their order,
        from their rows; the files of rows without a parsed request (after a quick look:
        `quick_summary`) or that do not decode are parsed (across cores when there are many)
        and their rows replaced. With `cores`, decoding a row (or parsing its file) and the
        work are both done by `forked_map`'s workers when there are many: this process only
        fetches the rows and receives what the work gave (and the rows parsed)."""
        index = self._state
        if index is None:
            rows = self._memory_rows(None)
            bodies = {p: rows[p].body for p in paths if p in rows}
        else:
            bodies = dict(index.bodies(paths))
        root = self.root

        def decoded(rel: str) -> tuple[bool, _T | None]:
            try:
                request = decode(bodies.get(rel), root / rel)
            except _UNDECODED:
                return False, None  # parsed below, in this process
            return True, work(request)

        found: dict[str, _T] = {}
        redo: list[tuple[str, str, Key]] = []
        results = forked_map(decoded, paths, progress, cores)
        for rel, (done, value) in zip(paths, results, strict=True):
            if done:
                found[rel] = value  # type: ignore[assignment]
                continue
            try:
                redo.append((rel, str(root / rel), key_of(os.stat(root / rel))))
            except OSError:
                continue
        if redo and cores:
            found.update(self._parsed_and_worked(index, redo, warn, work))
        elif redo:
            found.update((rel, work(r)) for rel, r in self._parsed(index, redo, warn).items())
        return [(rel, found[rel]) for rel in paths if rel in found]

    def _parsed_and_worked(self, index: Index | None, redo: list[tuple[str, str, Key]],
                           warn: Warn | None, work: Callable[[Request], _T]) -> dict[str, _T]:
        """These files parsed and made into `work(request)`, both by `forked_map`'s workers
        when there are many (after a clone, `list --all` makes 95,000 closed requests'
        rows: the parsed requests never travel back), their rows replaced; a file that
        cannot be read is skipped with a warning."""
        def both(item: tuple[str, str, Key]) -> tuple[Fresh, _T | None]:
            fresh, request = parsed_one(item)
            return fresh, work(request) if request is not None else None

        done = list(forked_map(both, redo))
        if index is not None:
            index.update([fresh for fresh, _ in done], (), racy_after=index.now_ns())
        found: dict[str, _T] = {}
        for fresh, value in done:
            if fresh.problem is not None:
                if warn is not None:
                    warn(fresh.problem)
            else:
                found[fresh.path] = value  # type: ignore[assignment]
        return found

    def _parsed(self, index: Index | None, redo: list[tuple[str, str, Key]],
                warn: Warn | None) -> dict[str, Request]:
        """These files parsed (across cores when there are many), their rows replaced;
        a file that cannot be read is skipped with a warning."""
        fresh = list(in_parallel(parse_one, redo))
        if index is not None:
            index.update(fresh, (), racy_after=index.now_ns())
        found: dict[str, Request] = {}
        for f in fresh:
            path = self.root / f.path
            try:
                if f.problem is not None:
                    if warn is not None:
                        warn(f.problem)
                elif f.body:
                    found[f.path] = decode(f.body, path)
                else:
                    found[f.path] = load_request(path)  # a request JSON cannot hold
            except ValidationError as exc:
                if warn is not None:
                    warn(f"skipped {exc.format()}")
            except OSError:
                continue
        return found

    def _memory_rows(self, progress: Callable[[], None] | None) -> dict[str, Fresh]:
        """Every file parsed, when there is no index (a read-only store, say)."""
        if self._memory is None:
            root = len(str(self.root)) + 1
            listing = self.listing()
            rows = {full[root:]: Fresh(full[root:], NO_KEY, None, "",
                                       f"skipped {full[root:]}: {problem}")
                    for full, problem in listing.skipped}
            items = [(full[root:], full, NO_KEY) for _, _, full in listing.files]
            rows.update((f.path, f) for f in parse_many(items, progress))
            self._memory = rows
        return self._memory

    # -- what is kept per file -------------------------------------------------------------

    @mended
    def kept(self, column: str, paths: list[str], stamp: str,
             read: Callable[[str, str], _T | None]) -> dict[str, _T]:
        """What the index keeps of these requests in `column`, read (see `Index.kept`)."""
        index = self.index(full=False)
        return index.kept(column, paths, stamp, read) if index is not None else {}

    @mended
    def row_keys(self, paths: list[str]) -> dict[str, Key]:
        """The keys of these paths' rows (what `set_kept` checks a file against)."""
        index = self.index(full=False)
        return index.keys_of(paths) if index is not None else {}

    @mended
    def set_kept(self, column: str, values: dict[str, tuple[Key, str]], stamp: str) -> None:
        index = self.index(full=False)
        if index is not None:
            index.set_kept(column, values, stamp)

    @mended
    def meta(self, key: str) -> str | None:
        """A value the index keeps for the store as a whole (the parsed catalogue), as it
        is: the caller checks it is still the one wanted."""
        index = self.opened(self.warn)
        return index.meta(key) if index is not None else None

    @mended
    def set_meta(self, key: str, value: str) -> None:
        index = self.opened(self.warn)
        if index is not None:
            index.set_meta({key: value})

    # -- after a write ---------------------------------------------------------------------

    @mended
    def wrote(self, path: Path, removed: Path | None, before: dict[Path, Key | None]) -> None:
        """One write, one row: the file just written is read back into its row (and a
        redirect's old file forgotten). A folder whose key was the recorded one before the
        write records its new key, so the next command does not look through it again."""
        index = self.opened()
        if index is None:
            return
        rel = self.rel(path)
        try:
            fresh = parse_one((rel, str(path), key_of(os.stat(path))))
        except OSError:
            return
        recorded = index.folders()
        folders = {}
        for folder, key in before.items():
            rec = recorded.get(folder.name)
            after = folder_key_of(folder)
            if rec is not None and key is not None and rec.key == key and after is not None:
                folders[folder.name] = Folder(after, "", rec.temps)
        # a folder's key is taken just after the write, so it always looks "racy"; trusting
        # it leaves one gap: a file another program adds to that folder in the same clock
        # tick is seen by the next listing (which does not use folder keys), not by `show`
        index.update([fresh], [self.rel(removed)] if removed is not None else [], folders,
                     racy_after=index.now_ns(), own_folders=True)

    @mended
    def temps(self) -> list[str]:
        """Temp files killed writes left: looked for in the folders that changed since the
        index last looked, or held some then (in every folder without an index)."""
        index = self.opened()
        if index is None:
            return self.listing().temps
        recorded = index.folders()
        out: list[str] = []
        try:
            names = sorted(os.listdir(self.requests_dir))
        except OSError:
            return out
        for name in names:
            base = self.requests_dir / name
            rec = recorded.get(name)
            if rec is not None and rec.temps == 0 and rec.key == folder_key_of(base):
                continue
            try:
                with os.scandir(base) as it:
                    out.extend(e.path for e in it if atomic.is_temp_name(e.name))
            except OSError:
                continue
        return out


def _twins(rows: list[tuple[str, Summary]]) -> list[list[str]]:
    """The paths of each request ID held by more than one file."""
    by_id: dict[str, list[str]] = {}
    for rel, summary in rows:
        by_id.setdefault(summary.id, []).append(rel)
    return [sorted(paths) for paths in by_id.values() if len(paths) > 1]
