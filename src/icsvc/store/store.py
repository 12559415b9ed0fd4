"""The store: a folder (normally a git repository) with `providers.yaml` and `requests/`.

Derived data lives in `.icsvc/` (git-ignored, safe to delete at any time): the write lock and
the index of parsed requests (`index.py`). Finding a request by ID only lists file names;
listings reuse the index for files whose size and modification time have not changed, so a
store of 100,000 requests stays usable.

Every command that changes the store does it inside `with store.writing():`, one store-wide
lock held across read-modify-write, so concurrent commands never lose each other's changes.
Holding it, a command may also repair what a killed writer left: stale temp files, and a
redirect stopped between writing the new file and removing the old one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from icsvc.domain import ids
from icsvc.domain.catalogue import Catalogue
from icsvc.domain.history.kinds import Redirect
from icsvc.domain.history.request import Request
from icsvc.domain.lifecycle import OPEN
from icsvc.errors import IcsvcError, UsageError, ValidationError
from icsvc.store import derived, yamlio
from icsvc.store.derived import DERIVED_DIR
from icsvc.store.files import load_catalogue, load_request, store_text
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
    summarize,
)
from icsvc.store.readable import NOT_UTF8, entry_problem, outside
from icsvc.store.refresh import (
    in_parallel,
    parse_many,
    parse_one,
    provider_folders,
    refresh,
    refresh_listing,
    scan_folder,
)

PROVIDERS_FILE = "providers.yaml"
REQUESTS_DIR = "requests"
SURVEYS_DIR = "surveys"
"""The quarterly survey's answers (`store/answer_files.py`)."""
LOCK_FILE = "write.lock"
HOLDER_FILE = "write.lock.holder"
"""Who holds the write lock (pid, command, since), for the message of a writer that waits."""
MOVING_FILE = "redirect.journal"
"""A redirect in progress: written before the new file, removed after the old one."""
LOCK_TIMEOUT = 10.0
"""Seconds a writer waits for the lock (ICSVC_LOCK_TIMEOUT overrides)."""

Warn = Callable[[str], None]

__all__ = ["DERIVED_DIR", "PROVIDERS_FILE", "REQUESTS_DIR", "Store", "Summary", "find_store",
           "summarize"]


def find_store(start: Path, override: str | None = None) -> Path:
    """The store root: `override` (from --store / ICSVC_STORE), else the nearest folder
    upwards from `start` holding providers.yaml."""
    if override:
        root = Path(override).expanduser().resolve()
        if not (root / PROVIDERS_FILE).is_file():
            raise IcsvcError(
                f"{root}: not an icsvc store (no {PROVIDERS_FILE}); "
                f"create one with 'icsvc init {override}'"
            )
        return root
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / PROVIDERS_FILE).is_file():
            return folder
    raise IcsvcError(
        f"no icsvc store in {here} or any folder above it (looked for {PROVIDERS_FILE}); "
        "create one with 'icsvc init', or point at one with --store PATH or ICSVC_STORE"
    )


_P = ParamSpec("_P")
_T = TypeVar("_T")


def _mended(method: Callable[Concatenate[Store, _P], _T]) -> Callable[Concatenate[Store, _P], _T]:
    """A Store method that uses the index: when the index turns out damaged, it is deleted
    and the method runs again (with a new index, or reading the files)."""
    def run(self: Store, /, *args: _P.args, **kw: _P.kwargs) -> _T:
        for _ in range(2):
            try:
                return method(self, *args, **kw)
            except IndexBroken:
                self._drop_index()
            except IndexBusy:  # rows behind the files: read the files for this command
                if self._index_state is not None:
                    self._index_state.close()
                self._index_state = None
                self._index_opened = True
                self._index_depth = 0
        return method(self, *args, **kw)

    return run


@dataclass
class Listing:
    """The request folders' entries, from one pass over file names (no file is opened)."""

    files: list[tuple[str, str, str]] = field(default_factory=list)
    """(provider folder, file name, full path) of each request file, in a stable order."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(full path, why) of entries that are not request files icsvc may read: FIFOs,
    devices, folders, symlinks leading out of the store."""
    temps: list[str] = field(default_factory=list)
    """Full paths of temp files (`.<name>.<random>.tmp`) a killed write left behind."""


def active_in(s: Summary, span: tuple[float, float]) -> bool:
    """Made before the span's end, and open or changed since its start (timestamps)."""
    return s.created < span[1] and (s.updated >= span[0] or s.status in OPEN)


@dataclass
class Store:
    root: Path
    warn: Warn | None = field(default=None, repr=False)
    """Where the store reports what it repaired or skipped (the command line's warnings)."""
    _catalogue: Catalogue | None = field(default=None, repr=False)
    _lock_depth: int = field(default=0, repr=False)
    _listing: Listing | None = field(default=None, repr=False)
    _derived_problem: str | None = field(default=None, repr=False)
    _index_opened: bool = field(default=False, repr=False)
    _index_state: Index | None = field(default=None, repr=False)
    _index_dropped: bool = field(default=False, repr=False)
    _index_depth: int = field(default=0, repr=False)
    """How far the index was brought up to date in this command: 0 not, 1 folders, 2 all."""
    _top_skipped: list[tuple[str, str]] = field(default_factory=list, repr=False)
    _memory: dict[str, Fresh] | None = field(default=None, repr=False)

    @property
    def requests_dir(self) -> Path:
        return self.root / REQUESTS_DIR

    @property
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            path = self.root / PROVIDERS_FILE
            problem = self._outside(str(path))
            if problem is not None:
                raise ValidationError(path, problem)
            self._catalogue = load_catalogue(path)
        return self._catalogue

    def rel(self, path: Path | str) -> str:
        try:
            return str(Path(path).relative_to(self.root))
        except ValueError:
            return str(path)

    def path_for(self, request: Request) -> Path:
        return self.requests_dir / request.provider / f"{request.id}.yaml"

    def _warn(self, message: str) -> None:
        if self.warn is not None:
            self.warn(message)

    # -- listing files ---------------------------------------------------------------------

    def request_files(self) -> Iterator[Path]:
        """Every `requests/<provider>/<ID>.yaml`, in a stable order."""
        for _, _, full in self.listing().files:
            yield Path(full)

    def listing(self) -> Listing:
        """One pass over the request folders (plain strings: listing 100,000 files through
        pathlib costs seconds), kept for the rest of the command: until it takes the write
        lock (then again, as nobody else writes meanwhile) or writes."""
        if self._listing is not None:
            return self._listing
        listing = Listing()
        top_dir = str(self.requests_dir)
        folders, listing.skipped = provider_folders(top_dir)
        for folder in folders:
            base = os.path.join(top_dir, folder)
            try:
                scan = scan_folder(base, self._entry_problem, with_keys=False)
            except OSError as exc:
                listing.skipped.append((base, f"cannot read: {exc.strerror}"))
                continue
            listing.files.extend((folder, name, full) for name, full, _ in scan.files)
            listing.skipped.extend(scan.skipped)
            listing.skipped.extend((full, NOT_UTF8) for full in scan.odd)
            listing.temps.extend(scan.temps)
        self._listing = listing
        return listing

    def listing_of(self, paths: Iterable[str]) -> Listing:
        """`listing()` of these paths alone (from the store's root; those gone are left
        out): one look at each, none at the other files (`check --base`)."""
        listing = Listing()
        top = str(self.requests_dir)
        folders, listing.skipped = provider_folders(top)
        known = set(folders)
        found = []
        for rel in set(paths):
            parts = rel.split("/")
            if len(parts) == 3 and parts[0] == self.requests_dir.name and parts[1] in known:
                found.append((parts[1], parts[2]))
        for folder, name in sorted(found):
            full = os.path.join(top, folder, name)
            if not os.path.lexists(full):
                continue
            if name.startswith("."):
                if yamlio.is_temp_name(name):
                    listing.temps.append(full)
            elif name.endswith((".yaml", ".yml")):
                problem = self._path_problem(Path(full))
                if problem is None:
                    listing.files.append((folder, name, full))
                else:
                    listing.skipped.append((full, problem))
        return listing

    def named(self, rids: Collection[str]) -> dict[str, list[str]]:
        """ID -> full paths of the request files named after it (in any case, `.yaml` or
        `.yml`) in every provider folder, from the folders' names alone (`check --base`)."""
        wanted = set(rids)
        out: dict[str, list[str]] = {}
        if not wanted:
            return out
        top = str(self.requests_dir)
        for folder in provider_folders(top)[0]:
            base = os.path.join(top, folder)
            try:
                names = os.listdir(base)
            except OSError:
                continue
            for name in names:
                stem, dot, ext = name.rpartition(".")
                if (stem.upper() in wanted and ext in ("yaml", "yml") and dot
                        and not name.startswith(".")):
                    full = os.path.join(base, name)
                    if self._path_problem(Path(full)) is None:
                        out.setdefault(stem.upper(), []).append(full)
        return {rid: sorted(paths) for rid, paths in out.items()}

    def _entry_problem(self, e: os.DirEntry[str]) -> str | None:
        """Why a folder entry that is not a plain file cannot be read as a request (None: a
        symlink to a regular file inside the store, which is read like one)."""
        return entry_problem(self.root, e.path)

    def _outside(self, path: str) -> str | None:
        """A problem when `path` is a symlink leading out of the store."""
        return outside(self.root, path)

    @_mended
    def find(self, text: str) -> Path:
        """The file of the request whose ID starts with `text` (4+ characters), found
        through the index (its folders brought up to date first), else by listing names."""
        prefix = ids.normalize(text)
        if len(prefix) < ids.MIN_PREFIX:
            raise IcsvcError(
                f"request ID {text!r} is too short (accepted: {ids.MIN_PREFIX} or more "
                "characters of an ID)"
            )
        index = self._index(full=False)
        matches: list[Path] = []
        skipped: list[tuple[str, str]] = []
        if index is not None:
            for p in (self.root / rel for rel in index.named(prefix)):
                problem = self._path_problem(p)
                if problem is None:
                    matches.append(p)
                elif os.path.lexists(p):
                    skipped.append((str(p), problem))
        if not matches and not skipped:  # not in the index: look at every name to be sure
            listing = self.listing()
            matches = [Path(full) for _, name, full in listing.files
                       if name.upper().startswith(prefix)]
            skipped = listing.skipped
        if not matches:
            for full, problem in skipped:
                if ids.normalize(os.path.basename(full)).startswith(prefix):
                    raise ValidationError(self.rel(full), problem)
            raise IcsvcError(f"no request with an ID starting {prefix!r} in {self.root}")
        stems = {p.stem.upper() for p in matches}
        if len(matches) > 1 and len(stems) == 1:
            return self._one_of(matches)
        if len(matches) > 1:
            listed = ", ".join(f"{p.stem} ({p.parent.name})" for p in matches[:10])
            more = f" and {len(matches) - 10} more" if len(matches) > 10 else ""
            raise IcsvcError(
                f"request ID {prefix!r} is ambiguous: {listed}{more}; type more characters"
            )
        return matches[0]

    def _path_problem(self, path: Path) -> str | None:
        """Why an entry of a provider folder cannot be read as a request (as
        `_entry_problem`, from its path)."""
        return entry_problem(self.root, str(path))

    def _one_of(self, paths: list[Path]) -> Path:
        """The copy to use of a request found in several folders: the new copy of an
        interrupted redirect (whose old copy the next writer removes); any other duplicate
        is refused."""
        pair = interrupted_redirect(paths)
        if pair is None:
            listed = ", ".join(self.rel(p) for p in paths)
            raise IcsvcError(f"request {paths[0].stem} is in {len(paths)} places ({listed}); "
                             "keep one, with the whole history ('icsvc check' reports "
                             "duplicate IDs)")
        if self._lock_depth:
            self._finish_redirect(*pair)
        return pair[0]

    # -- reading -----------------------------------------------------------------------------

    def load(self, text: str) -> Request:
        """The request whose ID starts with `text`. While writing, a file whose `id` or
        `provider` disagrees with its path is refused: writing through it would replace
        another request's file, or leave a second copy."""
        path = self.find(text)
        request = load_request(path) if self._lock_depth else self.read(path)
        problem = path_problem(request, path)
        if problem is not None and self._lock_depth:
            raise ValidationError(self.rel(path), f"{problem}; icsvc will not write "
                                                  "through it ('icsvc check' says the same)")
        if problem is not None:
            self._warn(f"{self.rel(path)}: {problem} ('icsvc check' reports it)")
        self._check_refs(request, path)
        return request

    def _check_refs(self, request: Request | Summary, path: Path | str) -> None:
        cat = self.catalogue
        if request.provider not in cat.providers:
            raise ValidationError(
                self.rel(path), f"unknown provider {request.provider!r} "
                f"(accepted: {', '.join(cat.providers)})", field="provider")
        if request.service not in cat.providers[request.provider].services:
            raise ValidationError(
                self.rel(path), f"unknown service {request.service!r} of {request.provider} "
                f"(accepted: {', '.join(cat.providers[request.provider].services)})",
                field="service")

    @_mended
    def read(self, path: Path) -> Request:
        """One request file, from its index row when the file's key is unchanged (no YAML
        parsing), else parsed (and its row refreshed)."""
        index = self._index(full=False)
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
                except (ValueError, TypeError, KeyError, AttributeError, OverflowError,
                        RecursionError):
                    pass
            if key is not None:
                fresh = parse_one((rel, str(path), key))
                index.update([fresh], (), racy_after=index.now_ns())
        return load_request(path)

    @_mended
    def waiting_on(self, rid: str) -> list[Request]:
        """The requests made to fulfil request `rid` (their `blocks` names it), found
        through the index; readable ones only."""
        index = self._index(full=False)
        if index is None:
            return [r for r in self.load_all() if rid in r.blocks]
        out = []
        for rel in index.blocking(rid):
            try:
                request = self.read(self.root / rel)
            except (ValidationError, OSError):
                continue
            if rid in request.blocks:
                out.append(request)
        return out

    @_mended
    def summaries(self, warn: Warn | None = None,
                  progress: Callable[[], None] | None = None,
                  statuses: Collection[str] | None = None,
                  providers: Collection[str] | None = None,
                  active: tuple[float, float] | None = None) -> list[tuple[str, Summary]]:
        """(path, summary) of every readable request (of these statuses and providers, and
        `active` in the span of timestamps `(start, end)`: made before its end, and open or
        changed since its start, when given), in the store's order, the index brought up to
        date first; every file that cannot be read is skipped with a one-line warning.
        `progress` (optional) is called once per file parsed."""
        warn = warn or self.warn
        index = self._index(full=True, warn=warn, progress=progress)
        for full_path, problem in self._top_skipped:
            if warn is not None:
                warn(f"skipped {self.rel(full_path)}: {problem}")

        def wanted(s: Summary) -> bool:
            return ((statuses is None or s.status in statuses)
                    and (providers is None or s.provider in providers)
                    and (active is None or active_in(s, active)))

        if index is None:
            rows = self._memory_rows(progress)
            problems = sorted((r.path, r.problem) for r in rows.values()
                              if r.problem is not None)
            found = [(r.path, r.summary) for r in rows.values()
                     if r.summary is not None and wanted(r.summary)]
            twins = _twins(found)
        else:
            problems = index.problems()
            found = []
            for rel, summary in index.summaries(statuses, providers, active, OPEN):
                if summary is None:  # a row of the wrong shape: read the file
                    fresh = self._reread(index, rel)
                    if fresh.problem is not None:
                        problems.append((rel, fresh.problem))
                    summary = fresh.summary
                    if summary is None or not wanted(summary):
                        continue
                found.append((rel, summary))
            twins = index.twins()
        for _, problem in problems:
            if warn is not None:
                warn(problem)
        out = []
        services = {pid: p.services for pid, p in self.catalogue.providers.items()}
        for rel, summary in found:
            known = services.get(summary.provider)
            if known is None or summary.service not in known:
                try:
                    self._check_refs(summary, rel)
                except ValidationError as exc:
                    if warn is not None:
                        warn(f"skipped {exc.format()}")
                    continue
            out.append((rel, summary))
        dropped = {old for paths in twins if (old := self._twin_to_drop(paths, warn))}
        out = [(rel, s) for rel, s in out if rel not in dropped]
        out.sort(key=lambda row: row[0].rsplit("/", 2)[1:])
        return out

    def _reread(self, index: Index, rel: str) -> Fresh:
        """Parse one file again and replace its row."""
        path = self.root / rel
        try:
            key = key_of(os.stat(path))
        except OSError as exc:
            return Fresh(rel, (0, 0, 0, 0), None, "", f"skipped {rel}: {exc.strerror}")
        fresh = parse_one((rel, str(path), key))
        index.update([fresh], (), racy_after=index.now_ns())
        return fresh

    @_mended
    def requests(self, paths: list[str], warn: Warn | None = None) -> list[Request]:
        """The requests of these files (paths from `summaries`), from their rows; the files
        of rows without a parsed request (after a quick look: `quick_summary`) or that do
        not decode are parsed (across cores when there are many) and their rows replaced."""
        warn = warn or self.warn
        index = self._index_state
        if index is None:
            rows = self._memory_rows(None)
            bodies = {p: rows[p].body for p in paths if p in rows}
        else:
            bodies = dict(index.bodies(paths))
        found: dict[str, Request] = {}
        redo: list[tuple[str, str, Key]] = []
        for rel in paths:
            path = self.root / rel
            try:
                found[rel] = decode(bodies.get(rel), path)
            except (ValueError, TypeError, KeyError, AttributeError, OverflowError,
                    RecursionError):
                try:
                    redo.append((rel, str(path), key_of(os.stat(path))))
                except OSError:
                    continue
        if redo:
            fresh = list(in_parallel(parse_one, redo))
            if index is not None:
                index.update(fresh, (), racy_after=index.now_ns())
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
        return [found[rel] for rel in paths if rel in found]

    def load_all(self, warn: Warn | None = None,
                 progress: Callable[[], None] | None = None,
                 where: Callable[[Summary], bool] | None = None,
                 statuses: Collection[str] | None = None,
                 providers: Collection[str] | None = None) -> list[Request]:
        """Every readable request (those whose `Summary` passes `where`, and of these
        statuses and providers, when given), in the store's order; a broken file is skipped
        with a one-line warning. `progress` (optional) is called once per file parsed.
        Only the requests kept are decoded from the index."""
        rows = self.summaries(warn, progress, statuses, providers)
        return self.requests([rel for rel, s in rows if where is None or where(s)], warn)

    def _twin_to_drop(self, paths: list[str], warn: Warn | None) -> str | None:
        """Two files with one ID: an interrupted redirect shows only its new copy (the old
        one is returned, to drop); anything else is shown, with a warning."""
        pair = (interrupted_redirect([self.root / p for p in paths]) if len(paths) == 2
                else None)
        if pair is None:
            if warn is not None:
                warn(f"{' and '.join(paths)} hold the same request ID; 'icsvc check' "
                     "reports it")
            return None
        if warn is not None:
            warn(f"{self.rel(pair[1])}: an interrupted redirect left this old copy of "
                 f"{pair[0].stem}; the next command that changes a request removes it")
        return self.rel(pair[1])

    def _memory_rows(self, progress: Callable[[], None] | None) -> dict[str, Fresh]:
        """Every file parsed, when there is no index (a read-only store, say)."""
        if self._memory is None:
            root = len(str(self.root)) + 1
            listing = self.listing()
            rows = {full[root:]: Fresh(full[root:], (0, 0, 0, 0), None, "",
                                       f"skipped {full[root:]}: {problem}")
                    for full, problem in listing.skipped}
            items = [(full[root:], full, (0, 0, 0, 0)) for _, _, full in listing.files]
            rows.update((f.path, f) for f in parse_many(items, progress))
            self._memory = rows
        return self._memory

    # -- writing -----------------------------------------------------------------------------

    @contextmanager
    def writing(self, command: str = "") -> Iterator[None]:
        """Hold the store's write lock: every command that changes a request reads, changes
        and writes it inside this block, so concurrent writers queue instead of losing each
        other's changes. Waits up to ICSVC_LOCK_TIMEOUT seconds (10 by default), then fails
        naming the lock and its holder. Holding it, nobody else writes, so it first removes
        what killed writers left (temp files, an interrupted redirect's old copy)."""
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        from filelock import FileLock, Timeout

        folder = self._derived_folder()
        timeout = lock_timeout()
        lock_path = folder / LOCK_FILE
        derived.replaced(lock_path)  # a symlink or FIFO there: never locked through
        lock = FileLock(str(lock_path), timeout=timeout)
        try:
            lock.acquire()
        except Timeout:
            raise IcsvcError(
                f"the store is busy: {self.rel(lock_path)} is held by another icsvc command "
                f"({self._holder(folder)}); waited {timeout:g}s: retry when it has finished "
                "(ICSVC_LOCK_TIMEOUT sets how long to wait)") from None
        try:
            self._lock_depth = 1
            self._listing = None
            self._index_depth = 0  # others may have written before we held the lock
            self._memory = None
            self._set_holder(folder, command)
            self._repair()
            yield
        finally:
            self._lock_depth = 0
            self._listing = None
            self._index_depth = 0
            self._memory = None
            lock.release()

    def _holder(self, folder: Path) -> str:
        try:
            text = derived.read(folder / HOLDER_FILE, 4096)
        except OSError:
            return "holder unknown"
        return " ".join(text.split())[:200] or "holder unknown"

    def _set_holder(self, folder: Path, command: str) -> None:
        since = datetime.now(UTC).astimezone().isoformat(timespec="seconds")
        what = f"pid {os.getpid()}" + (f", {command}" if command else "") + f", since {since}"
        try:
            derived.write(folder / HOLDER_FILE, what + "\n")
        except (OSError, IcsvcError):
            pass  # only the waiting writer's message needs it

    def _repair(self) -> None:
        """What killed writers can leave, now that no writer is live: temp files (found by
        the pass over file names a command makes anyway), and a request in two folders
        because a redirect stopped halfway (named by the redirect's journal, so no pass
        over every file is needed to find it)."""
        temps = self._temps()
        for temp in temps:
            try:
                os.unlink(temp)
            except OSError:
                continue
            self._warn(f"removed {self.rel(temp)}, left by an interrupted write")
        moved = self._journal_entry()
        if moved is not None:
            pair = interrupted_redirect(list(moved))
            if pair is not None:
                self._finish_redirect(*pair)
            (self.root / DERIVED_DIR / MOVING_FILE).unlink(missing_ok=True)
        if temps or moved is not None:
            self._listing = None
            self._index_depth = 0

    def _journal_entry(self) -> tuple[Path, Path] | None:
        """(new, old) file of the redirect the journal names, when it names two request
        files of one ID; None when there is no journal or it is not one icsvc wrote."""
        path = self.root / DERIVED_DIR / MOVING_FILE
        from icsvc.store import jsonio

        try:
            data = jsonio.loads(derived.read(path, 4096))
            new, old = (self.root / _request_path(data[key]) for key in ("to", "from"))
        except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError):
            return None
        return (new, old) if new.name == old.name and new != old else None

    def _write_journal(self, new: Path, old: Path) -> None:
        import json

        folder = self._derived_folder()
        yamlio.write_atomic(folder / MOVING_FILE, json.dumps(
            {"to": self.rel(new), "from": self.rel(old)}) + "\n")

    def _finish_redirect(self, new: Path, old: Path) -> None:
        yamlio.remove_durably(old)
        self._listing = None
        self._warn(f"finished the interrupted redirect of {new.stem}: removed the old copy "
                   f"{self.rel(old)} (the request is in {self.rel(new)})")

    def save(self, request: Request, *, old_path: Path | None = None, new: bool = False
             ) -> Path:
        """Write the request atomically, only to the file it was read from (`new`: to a new
        file; a redirect, `old_path` given and the provider changed: to the new provider's
        folder, then the old file is removed). Must be called inside `writing()`."""
        if not self._lock_depth:
            raise RuntimeError("Store.save() outside Store.writing()")
        path = self.path_for(request)
        source = old_path if old_path is not None else request.path
        if new:
            if os.path.lexists(path):
                raise IcsvcError(f"{self.rel(path)} already exists; refusing to overwrite it")
            old_text = ""
        else:
            if source is None:
                raise RuntimeError("Store.save() of a request that was not read from a file")
            moving = os.path.abspath(source) != os.path.abspath(path)
            if moving and (source.parent.name == request.provider
                           or source.stem.upper() != request.id):
                raise IcsvcError(f"refusing to write {self.rel(path)}: the request was read "
                                 f"from {self.rel(source)}")
            if moving and os.path.lexists(path):
                raise IcsvcError(f"cannot move {request.id} to {self.rel(path.parent)}: "
                                 f"{self.rel(path)} already exists ('icsvc check' reports it)")
            from icsvc.store.files import read_store_file

            try:
                old_text = read_store_file(source)
            except ValidationError:
                old_text = ""
        text = store_text(path, request.to_dict(), old_text)  # refused when too big
        self._listing = None
        moving = (not new and source is not None
                  and os.path.abspath(source) != os.path.abspath(path))
        if moving and source is not None:
            self._write_journal(path, source)  # so a kill between the two steps is finished
        folders = {p.parent for p in (path, source) if p is not None}
        before = {f: _folder_key_of(f) for f in folders}
        yamlio.write_atomic(path, text)
        if moving and source is not None:
            yamlio.remove_durably(source)
            (self.root / DERIVED_DIR / MOVING_FILE).unlink(missing_ok=True)
        request.path = path
        self._index_write(path, source if moving else None, before)
        return path

    @_mended
    def kept(self, column: str, paths: list[str], stamp: str) -> dict[str, tuple[Key, str]]:
        """What the index keeps of these requests in `column` (see `Index.kept`)."""
        index = self._index(full=False)
        return index.kept(column, paths, stamp) if index is not None else {}

    @_mended
    def row_keys(self, paths: list[str]) -> dict[str, Key]:
        """The keys of these paths' rows (what `set_kept` checks a file against)."""
        index = self._index(full=False)
        return index.keys_of(paths) if index is not None else {}

    @_mended
    def set_kept(self, column: str, values: dict[str, tuple[Key, str]], stamp: str) -> None:
        index = self._index(full=False)
        if index is not None:
            index.set_kept(column, values, stamp)

    @_mended
    def _index_write(self, path: Path, removed: Path | None,
                     before: dict[Path, Key | None]) -> None:
        """One write, one row: the file just written is read back into its row (and a
        redirect's old file forgotten). A folder whose key was the recorded one before the
        write records its new key, so the next command does not look through it again."""
        if not self._index_opened:
            self._index_opened = True
            self._index_state = self._open_index(None)
        index = self._index_state
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
            after = _folder_key_of(folder)
            if rec is not None and key is not None and rec.key == key and after is not None:
                folders[folder.name] = Folder(after, "", rec.temps)
        # a folder's key is taken just after the write, so it always looks "racy"; trusting
        # it leaves one gap: a file another program adds to that folder in the same clock
        # tick is seen by the next listing (which does not use folder keys), not by `show`
        index.update([fresh], [self.rel(removed)] if removed is not None else [], folders,
                     racy_after=index.now_ns(), own_folders=True)

    # -- derived data ------------------------------------------------------------------------

    def _derived_folder(self) -> Path:
        """`.icsvc/`, created when missing (with a `.gitignore` of its own). A symlink or a
        file in its place is refused: icsvc never follows derived data out of the store."""
        return derived.folder(self.root)

    def derived_problem(self) -> str | None:
        """Why `.icsvc/` must not be used, if it must not: a symlink, not a folder, or
        tracked by git (then a commit could supply its contents)."""
        if self._derived_problem is None:
            folder = self.root / DERIVED_DIR
            problem = ""
            if folder.is_symlink():
                problem = f"{DERIVED_DIR} is a symlink"
            elif os.path.lexists(folder) and not folder.is_dir():
                problem = f"{DERIVED_DIR} is not a folder"
            elif folder.is_dir():
                from icsvc.store import gitutil

                if gitutil.is_tracked(self.root, DERIVED_DIR):
                    problem = (f"{DERIVED_DIR} is tracked by git (derived data must never come "
                               f"from a commit: git rm -r --cached {DERIVED_DIR})")
            self._derived_problem = problem
        return self._derived_problem or None

    def _drop_index(self) -> None:
        """Delete a damaged index; the next use makes a new one, or, when the new one is
        damaged too, reads the files."""
        index = self._index_state
        self._index_depth = 0
        self._memory = None
        if index is None:
            return
        index.close()
        self._index_state = None
        self._index_opened = self._index_dropped  # a second time: no index at all
        self._index_dropped = True
        discard(index.folder / INDEX_FILE)
        self._warn(f"{DERIVED_DIR}/{INDEX_FILE} was damaged: rebuilt from the files")

    def _index(self, full: bool, warn: Warn | None = None,
               progress: Callable[[], None] | None = None) -> Index | None:
        """The index, opened once per command and brought up to date (`refresh`): every
        file's key for a listing (`full`), the folders' keys otherwise. None: no index can
        be used here (read files instead)."""
        if not self._index_opened:
            self._index_opened = True
            self._index_state = self._open_index(warn or self.warn)
        index = self._index_state
        depth = 2 if full else 1
        if index is not None and self._index_depth < depth:
            outcome = (refresh_listing(index, self.root, self.requests_dir,
                                       self._entry_problem, progress) if full else
                       refresh(index, self.root, self.requests_dir, False, self._entry_problem))
            self._top_skipped = outcome.skipped
            self._index_depth = depth
        return index

    @_mended
    def _temps(self) -> list[str]:
        """Temp files killed writes left: looked for in the folders that changed since the
        index last looked, or held some then (in every folder without an index)."""
        if not self._index_opened:
            self._index_opened = True
            self._index_state = self._open_index(None)
        index = self._index_state
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
            if rec is not None and rec.temps == 0 and rec.key == _folder_key_of(base):
                continue
            try:
                with os.scandir(base) as it:
                    out.extend(e.path for e in it if yamlio.is_temp_name(e.name))
            except OSError:
                continue
        return out

    def _open_index(self, warn: Warn | None) -> Index | None:
        """The index, when `.icsvc/` may hold one; None means: parse every file."""
        folder = self.root / DERIVED_DIR
        if folder.is_symlink() or (os.path.lexists(folder) and not folder.is_dir()):
            if warn is not None:
                warn(f"not using the index in {DERIVED_DIR}/: {self.derived_problem()}; "
                     "parsing every file")
            return None
        try:
            folder = self._derived_folder()
            (folder / "requests.cache").unlink(missing_ok=True)  # the pickle it replaces
        except (IcsvcError, OSError):
            return None  # a read-only store

        def may_create() -> bool:
            problem = self.derived_problem()  # asks git: only when a new index is made
            if problem is not None and warn is not None:
                warn(f"not using the index in {DERIVED_DIR}/: {problem}; parsing every file")
            return problem is None

        return Index.open(folder, may_create)


MANAGED = (PROVIDERS_FILE, REQUESTS_DIR, SURVEYS_DIR, DERIVED_DIR)
"""What the store keeps at its root; no output option writes there."""


def managed_problem(root: Path, path: Path) -> str | None:
    """Why an output option may not write `path` (an absolute path), if it may not: it is
    the store's folder, one of its own files (`MANAGED`) or git's (a `.git` anywhere on the
    way). The path is judged as written (`..` folded) and as it resolves through symlinks,
    and without regard to case (on a case-insensitive disk `Requests/` is `requests/`)."""
    roots = {os.path.abspath(root), os.path.realpath(root)}
    for candidate in {os.path.normpath(path), os.path.realpath(path)}:
        folded = candidate.casefold()
        if ".git" in Path(folded).parts:
            return "inside .git"
        for top in roots:
            top = top.casefold()
            if folded == top:
                return "the store's own folder"
            if folded.startswith(top.rstrip(os.sep) + os.sep):
                first = folded[len(top.rstrip(os.sep)) + 1:].split(os.sep, 1)[0]
                for name in MANAGED:
                    if first == name.casefold():
                        return (f"the store's {name}" if name == PROVIDERS_FILE
                                else f"inside the store's {name}/")
    return None


MANAGED_TEXT = "a path outside providers.yaml, requests/, surveys/, .icsvc/ and .git"
"""What an output option accepts (`managed_problem`)."""


def _request_path(text: Any) -> str:
    """`requests/<folder>/<ID>.yaml` from the journal, refusing anything else."""
    parts = str(text).split("/")
    if (type(text) is not str or len(parts) != 3 or parts[0] != REQUESTS_DIR
            or not ids.is_valid(parts[2].removesuffix(".yaml"))
            or parts[1] in ("", ".", "..")):
        raise ValueError(text)
    return text


def path_problem(request: Request, path: Path) -> str | None:
    """How a request file's content disagrees with its path, if it does."""
    if path.stem.upper() != request.id:
        return f"its id {request.id} differs from its file name {path.name}"
    if path.parent.name != request.provider:
        return (f"it is in requests/{path.parent.name}/ but its provider is "
                f"{request.provider!r}")
    return None


def interrupted_redirect(paths: list[Path]) -> tuple[Path, Path] | None:
    """(new copy, old copy) when two files of one request are a redirect stopped halfway:
    the new copy's last redirect went from the old copy's folder to its own, and the old
    copy's history is the start of the new one's (so removing the old copy loses nothing)."""
    if len(paths) != 2:
        return None
    try:
        first, second = (load_request(p) for p in paths)
    except ValidationError:
        return None
    for (new_path, new), (old_path, old) in (((paths[0], first), (paths[1], second)),
                                             ((paths[1], second), (paths[0], first))):
        last = new.last(Redirect)
        if (isinstance(last, Redirect) and new.id == old.id
                and path_problem(new, new_path) is None and path_problem(old, old_path) is None
                and last.from_ == old_path.parent.name
                and last.to == new_path.parent.name
                and len(old.history) < len(new.history)
                and [e.key for e in old.history]
                == [e.key for e in new.history[:len(old.history)]]):
            return new_path, old_path
    return None


def lock_timeout() -> float:
    raw = os.environ.get("ICSVC_LOCK_TIMEOUT", "").strip()
    if not raw:
        return LOCK_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise UsageError(f"ICSVC_LOCK_TIMEOUT: {raw!r} is not a number of seconds "
                         "(accepted: 0 to 3600)")
    return value


def _folder_key_of(folder: Path) -> Key | None:
    try:
        st = os.lstat(folder)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_ctime_ns, 0, st.st_ino)


def _twins(rows: list[tuple[str, Summary]]) -> list[list[str]]:
    """The paths of each request ID held by more than one file."""
    by_id: dict[str, list[str]] = {}
    for rel, summary in rows:
        by_id.setdefault(summary.id, []).append(rel)
    return [sorted(paths) for paths in by_id.values() if len(paths) > 1]
