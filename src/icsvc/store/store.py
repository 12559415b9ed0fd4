"""The store: a folder (normally a git repository) with `providers.yaml` and `requests/`.

`Store` is what the rest of icsvc uses: finding a request by ID, loading, listing and saving
requests. Its jobs live in their own modules: the pass over the folders' entries
(`dirents.py`), the derived index and what it answers (`indexed.py`, over `index.py` and
`refresh.py`), and the write lock with the redirect journal (`lock.py`).

Derived data lives in `.icsvc/` (git-ignored, safe to delete at any time). Finding a request
by ID only lists file names; listings reuse the index for files whose size and modification
time have not changed, so a store of 100,000 requests stays usable.

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
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from icsvc.domain import ids
from icsvc.domain.catalogue import Catalogue, parse_catalogue
from icsvc.errors import IcsvcError, UsageError, ValidationError
from icsvc.store import atomic, lock
from icsvc.store.derived import DERIVED_DIR
from icsvc.store.dirents import (
    NOT_UTF8,
    REQUESTS_DIR,
    SURVEYS_DIR,
    Listing,
    entry_problem,
    from_root,
    outside,
)
from icsvc.store.files import (
    CATALOGUE_FILE,
    load_request,
    load_yaml_file,
    parsed,
    read_store_file,
    store_text,
)
from icsvc.store.index import (
    Key,
    Summary,
    Uncacheable,
    decode_data,
    encode_data,
    summarize,
    text_digest,
)
from icsvc.store.indexed import Indexed, Warn, active_in, folder_key_of
from icsvc.store.lock import interrupted_redirect, path_problem
from icsvc.store.refresh import Keep, provider_folders, scan_folder

if TYPE_CHECKING:
    from icsvc.domain.history.request import Request

_T = TypeVar("_T")

PROVIDERS_FILE = "providers.yaml"

__all__ = ["DERIVED_DIR", "PROVIDERS_FILE", "REQUESTS_DIR", "SURVEYS_DIR", "Listing", "Store",
           "Summary", "active_in", "find_store", "interrupted_redirect", "path_problem",
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


@dataclass
class Store:
    """The store a command works on: its folder, the catalogue, request files, the index."""

    root: Path
    warn: Warn | None = field(default=None, repr=False)
    """Where the store reports what it repaired or skipped (the command line's warnings)."""
    _catalogue: Catalogue | None = field(default=None, repr=False)
    _lock_depth: int = field(default=0, repr=False)
    _listing: Listing | None = field(default=None, repr=False)
    _derived_problem: str | None = field(default=None, repr=False)
    indexed: Indexed = field(init=False, repr=False)
    """The derived index, for this command (`indexed.py`)."""

    def __post_init__(self) -> None:
        self.indexed = Indexed(self.root, self.listing, self.derived_problem, self.warn)

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
            self._catalogue = self._kept_catalogue(path)
        return self._catalogue

    def _kept_catalogue(self, path: Path) -> Catalogue:
        """The catalogue, its YAML parsed once and kept in the index keyed by the file's
        text (and the YAML reader's code): a command that reads the store then needs no
        YAML parser. The kept tree is checked by `parse_catalogue` each time, as the file's
        would be."""
        text = read_store_file(path, CATALOGUE_FILE)
        wanted = _catalogue_key(text)
        kept = self.indexed.meta(CATALOGUE_META)
        if kept is not None and kept.startswith(wanted):
            try:
                return parse_catalogue(path, decode_data(kept[len(wanted):]))
            except (ValueError, ValidationError):
                pass  # not what was written: the file says what is wrong, if anything
        data, text = load_yaml_file(path, CATALOGUE_FILE)
        try:
            encoded: str | None = encode_data(data)  # before parsing: it must not see changes
        except Uncacheable:
            encoded = None
        catalogue = parsed(path, text, data, parse_catalogue)
        if encoded is not None:
            self.indexed.set_meta(CATALOGUE_META, _catalogue_key(text) + encoded)
        return catalogue

    def rel(self, path: Path | str) -> str:
        return from_root(self.root, path)

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

    def made_from(self, key: str, value: str | int) -> Path | None:
        """The request file already made from an issue or a message: its `source` names
        `key: value` (`github_issue: 12`, `mail: <id@host>`). Files are searched as text
        first, so only candidates are parsed; a candidate that no longer parses still
        counts, so a broken file never leads to a second request."""
        import re

        needle = re.compile(rb"^\s*" + re.escape(key.encode()) + rb":\s*(['\"]?)"
                            + re.escape(str(value).encode()) + rb"\1\s*$", re.M)
        for path in self.request_files():
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if key.encode() not in data or not needle.search(data):
                continue
            try:
                request = load_request(path)
            except IcsvcError:
                return path
            if request.source and request.source.get(key) == value:
                return path
        return None

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
                if atomic.is_temp_name(name):
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

    def find(self, text: str) -> Path:
        """The file of the request whose ID starts with `text` (4+ characters), found
        through the index (its folders brought up to date first), else by listing names."""
        prefix = ids.normalize(text)
        if len(prefix) < ids.MIN_PREFIX or not ids.is_prefix(prefix):
            raise UsageError(
                f"request ID {text!r} is not an ID (accepted: {ids.MIN_PREFIX} or more "
                f"characters of an ID, from {ids.ALPHABET})"
            )
        matches: list[Path] = []
        skipped: list[tuple[str, str]] = []
        for p in (self.root / rel for rel in self.indexed.named(prefix) or ()):
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

    def read(self, path: Path) -> Request:
        """One request file, from its index row when the file's key is unchanged (no YAML
        parsing), else parsed (and its row refreshed)."""
        return self.indexed.read(path)

    def waiting_on(self, rid: str) -> list[Request]:
        """The requests made to fulfil request `rid` (their `blocks` names it), found
        through the index; readable ones only."""
        paths = self.indexed.blocking(rid)
        if paths is None:
            return [r for r in self.load_all() if rid in r.blocks]
        out = []
        for rel in paths:
            try:
                request = self.read(self.root / rel)
            except (ValidationError, OSError):
                continue
            if rid in request.blocks:
                out.append(request)
        return out

    def summaries(self, warn: Warn | None = None,
                  progress: Callable[[], None] | None = None,
                  statuses: Collection[str] | None = None,
                  providers: Collection[str] | None = None,
                  active: tuple[float, float] | None = None,
                  keep: Keep | None = None) -> list[tuple[str, Summary]]:
        """(path, summary) of every readable request (of these statuses and providers, and
        `active` in the span of timestamps `(start, end)`: made before its end, and open or
        changed since its start, when given), in the store's order, the index brought up to
        date first; every file that cannot be read is skipped with a one-line warning.
        `progress` (optional) is called once per file parsed; `keep`: what to keep of each
        open request parsed meanwhile (`refresh.Keep`: a listing's cards)."""
        warn = warn or self.warn

        def wanted(s: Summary) -> bool:
            return ((statuses is None or s.status in statuses)
                    and (providers is None or s.provider in providers)
                    and (active is None or active_in(s, active)))

        found = self.indexed.summaries(warn, progress, wanted, statuses, providers, active,
                                       keep)
        for _, problem in found.problems:
            if warn is not None:
                warn(problem)
        out = []
        services = {pid: p.services for pid, p in self.catalogue.providers.items()}
        for rel, summary in found.rows:
            known = services.get(summary.provider)
            if known is None or summary.service not in known:
                try:
                    self._check_refs(summary, rel)
                except ValidationError as exc:
                    if warn is not None:
                        warn(f"skipped {exc.format()}")
                    continue
            out.append((rel, summary))
        dropped = {old for paths in found.twins if (old := self._twin_to_drop(paths, warn))}
        out = [(rel, s) for rel, s in out if rel not in dropped]
        out.sort(key=lambda row: row[0].rsplit("/", 2)[1:])
        return out

    def worked(self, paths: list[str], work: Callable[[Request], _T],
               warn: Warn | None = None, progress: Callable[[], None] | None = None,
               cores: bool = False) -> list[tuple[str, _T]]:
        """(path, `work(request)`) for the requests of these files, in their order (with
        `cores`, on every core when there are many: see `Indexed.worked`); a file that
        cannot be read is skipped, with a warning. `progress` is called once per file."""
        return self.indexed.worked(paths, warn or self.warn, work, progress, cores)

    def requests(self, paths: list[str], warn: Warn | None = None) -> list[Request]:
        """The requests of these files (paths from `summaries`), from their rows; the files
        of rows without a parsed request (after a quick look: `quick_summary`) or that do
        not decode are parsed (across cores when there are many) and their rows replaced."""
        return self.indexed.requests(paths, warn or self.warn)

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
        held = lock.acquire(self.root, command)
        try:
            self._lock_depth = 1
            self._files_changed()  # others may have written before we held the lock
            self._repair()
            yield
        finally:
            self._lock_depth = 0
            self._files_changed()
            held.release()

    def _files_changed(self) -> None:
        """Look at the files again before their next use."""
        self._listing = None
        self.indexed.stale()

    def _repair(self) -> None:
        """What killed writers can leave, now that no writer is live: temp files (found by
        the pass over file names a command makes anyway), and a request in two folders
        because a redirect stopped halfway (named by the redirect's journal, so no pass
        over every file is needed to find it)."""
        temps = self.indexed.temps()
        for temp in temps:
            try:
                os.unlink(temp)
            except OSError:
                continue
            self._warn(f"removed {self.rel(temp)}, left by an interrupted write")
        moved = lock.journal_entry(self.root)
        if moved is not None:
            pair = interrupted_redirect(list(moved))
            if pair is not None:
                self._finish_redirect(*pair)
            lock.clear_journal(self.root)
        if temps or moved is not None:
            self._files_changed()

    def _finish_redirect(self, new: Path, old: Path) -> None:
        atomic.remove_durably(old)
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
            lock.write_journal(self.root, path, source)  # a kill between the two is finished
        folders = {p.parent for p in (path, source) if p is not None}
        before = {f: folder_key_of(f) for f in folders}
        atomic.write_atomic(path, text)
        if moving and source is not None:
            atomic.remove_durably(source)
            lock.clear_journal(self.root)
        request.path = path
        self.indexed.wrote(path, source if moving else None, before)
        return path

    def kept(self, column: str, paths: list[str], stamp: str,
             read: Callable[[str, str], _T | None]) -> dict[str, _T]:
        """What the index keeps of these requests in `column`, each text made into what
        `read(path, text)` returns (None: left out; see `Index.kept`)."""
        return self.indexed.kept(column, paths, stamp, read)

    def row_keys(self, paths: list[str]) -> dict[str, Key]:
        """The keys of these paths' rows (what `set_kept` checks a file against)."""
        return self.indexed.row_keys(paths)

    def set_kept(self, column: str, values: dict[str, tuple[Key, str]], stamp: str) -> None:
        self.indexed.set_kept(column, values, stamp)

    # -- derived data ------------------------------------------------------------------------

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



MANAGED = (PROVIDERS_FILE, REQUESTS_DIR, SURVEYS_DIR, DERIVED_DIR)
"""What the store keeps at its root; no output option writes there."""


CATALOGUE_META = "catalogue"
"""The index's meta key of the kept catalogue: its key (`_catalogue_key`), then its tree."""


def _catalogue_key(text: str) -> str:
    """What a kept catalogue was read from: the file's text (by digest) and the code that
    reads YAML (icsvc's version, and the YAML modules' sizes and modification times, for a
    checkout that changes between releases)."""
    import icsvc

    code = ""
    for name in ("yamlio.py", "plainyaml.py", "pyyamlio.py"):
        try:
            st = os.stat(Path(__file__).with_name(name))
            code += f"{st.st_size}:{st.st_mtime_ns};"
        except OSError:
            code += "?;"
    return f"{text_digest(text)}:{icsvc.__version__}:{code}\n"


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
