"""Keeping the index in step with the request files before a command answers.

Two depths, by what the command needs:
- `full` (listings, reports): one `scandir` and one `stat` per file, compared folder by
  folder with a digest of the keys the index holds; only folders whose digest changed are
  compared row by row, and only changed files are parsed (in parallel across cores when
  there are many, as in a fresh clone).
- otherwise (commands about one request): only folders whose own key changed (a file added,
  removed or renamed: what git, icsvc and most editors do) are looked at; the command
  checks the key of each file it reads (`Store.load`).
Both see every change before the command answers, except one: a file edited in place (not
renamed) is seen by the next listing, or by a command that reads that very file; a command
about one request does not see that another file was edited in place to name it
(`show`'s "waits for" line).
"""

from __future__ import annotations

import functools
import os
import re
import stat as stat_module
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from icsvc.domain import ids
from icsvc.domain.catalogue import PRIORITIES
from icsvc.domain.history.fields import FIELDS, REQUEST_KEYS, REQUIRED_KEYS
from icsvc.domain.lifecycle import OPEN, STATUSES
from icsvc.errors import ValidationError
from icsvc.store import atomic
from icsvc.store.dirents import NOT_UTF8, folder_problem, is_text
from icsvc.store.index import (
    NEVER,
    Folder,
    Fresh,
    Index,
    IndexBusy,
    Key,
    Summary,
    Uncacheable,
    digest,
    encode,
    key_of,
    summarize,
)

if TYPE_CHECKING:
    from icsvc.domain.history.request import Request
    from icsvc.store.gitutil import WorkTree

_Item = TypeVar("_Item")
_Result = TypeVar("_Result")

PARALLEL_FROM = 2000
"""Files to parse before it pays to start worker processes (about 0.1 s)."""
BATCH = 5000
"""Rows written per transaction while parsing many files (bounds memory)."""


@dataclass(frozen=True)
class Keep:
    """What a listing keeps of each open request besides its row (its card), worked out
    where the file is parsed and written with the row: after a clone, that is in the
    workers that parse on every core, instead of in the command's own process once they
    are done (`Index.set_kept` has the rules: `stamp` is what the text is worked out with
    besides the file). `make(request, path)`: the text, or None to leave it to the
    command (which then says what is wrong)."""

    column: str
    stamp: str
    make: Callable[[Request, str], str | None]


@dataclass
class Scan:
    """One folder's entries, from one `scandir` (keys from one `stat` each)."""

    files: list[tuple[str, str, Key]] = field(default_factory=list)
    """(name, full path, key) of each request file, sorted by name."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(full path, why) of entries that are not request files icsvc may read."""
    temps: list[str] = field(default_factory=list)
    """Temp files (`.<name>.<random>.tmp`) a killed write left."""
    odd: list[str] = field(default_factory=list)
    """Full paths of request file names that are not UTF-8 text (`entries.NOT_UTF8`): never
    read, never in the index (which cannot hold such a name)."""


def scan_folder(base: str, entry_problem: Callable[[os.DirEntry[str]], str | None],
                with_keys: bool = True) -> Scan:
    scan = Scan()
    with os.scandir(base) as it:
        entries = sorted(it, key=lambda e: e.name)
    for e in entries:
        name = e.name
        if name.startswith("."):
            if atomic.is_temp_name(name):
                scan.temps.append(e.path)
            continue
        if not name.endswith((".yaml", ".yml")):
            continue
        if not is_text(name):
            scan.odd.append(e.path)
            continue
        try:
            if e.is_file(follow_symlinks=False):
                scan.files.append((name, e.path, key_of(e.stat(follow_symlinks=False))
                                   if with_keys else (0, 0, 0, 0)))
                continue
            problem = entry_problem(e)
            if problem is None:
                scan.files.append((name, e.path, key_of(os.stat(e.path))
                                   if with_keys else (0, 0, 0, 0)))
            else:
                scan.skipped.append((e.path, problem))
        except OSError as exc:
            scan.skipped.append((e.path, f"cannot read: {exc.strerror}"))
    return scan


def parse_one(item: tuple[str, str, Key], keep: Keep | None = None) -> Fresh:
    """A file's row: its summary and JSON form (with what `keep` makes of an open
    request), or the warning that skips it."""
    return parsed_one(item, keep)[0]


def parsed_one(item: tuple[str, str, Key], keep: Keep | None = None
               ) -> tuple[Fresh, Request | None]:
    """`parse_one`, and the request parsed (None when the file is skipped)."""
    from icsvc.store.files import load_request

    rel, full, key = item
    try:
        request = load_request(Path(full))
    except ValidationError as exc:
        return Fresh(rel, key, None, "", f"skipped {exc.format()}"), None
    except OSError as exc:
        return Fresh(rel, key, None, "", f"skipped {rel}: {exc.strerror}"), None
    try:
        body = encode(request)
    except Uncacheable:
        body = ""  # read from the file each time
    summary = summarize(request)
    kept = keep.make(request, rel) if keep is not None and summary.status in OPEN else None
    return Fresh(rel, key, summary, body, None, kept), request


def parse_many(items: list[tuple[str, str, Key]], progress: Callable[[], None] | None,
               keep: Keep | None = None) -> Iterator[Fresh]:
    """Rows for these files, parsed across cores when there are many (a fresh clone: YAML
    parsing is the cold start's cost); in order, streamed (memory stays bounded). With
    `keep`, each open request's row holds what it makes (`Keep`)."""
    work = quick_one if len(items) >= PARALLEL_FROM else parse_one
    if keep is None:
        return in_parallel(work, items, progress)
    return forked_map(functools.partial(work, keep=keep), items, progress)


def in_parallel(work: Callable[[_Item], _Result], items: list[_Item],
                progress: Callable[[], None] | None = None, cores: bool = True,
                at_least: int = PARALLEL_FROM, chunk: int = 256) -> Iterator[_Result]:
    """`work` on each item, in worker processes (one per core) when there are enough items
    to pay for starting them (`at_least`, and `cores`: else in this process), handed out
    `chunk` at a time; results in order, streamed (memory stays bounded).

    The workers are forked: they start with what this process has imported and built
    (the catalogue, say), so `work` may read module-level state set before the call."""
    workers = min(os.cpu_count() or 1, 8)
    if not cores or len(items) < at_least or workers < 2:
        for item in items:
            if progress is not None:
                progress()
            yield work(item)
        return
    import gc
    import multiprocessing

    gc.freeze()  # what this process holds is left out of the workers' collections
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for result in pool.imap(work, items, chunksize=chunk):
                if progress is not None:
                    progress()
                yield result
    finally:
        gc.unfreeze()


_FORKED: tuple[Callable[[Any], Any], Sequence[Any]] | None = None
"""What `forked_map`'s workers run: the function and its inputs, inherited when they are
forked (never pickled)."""


def _forked(i: int) -> Any:
    assert _FORKED is not None
    work, inputs = _FORKED
    return work(inputs[i])


def forked_map(work: Callable[[_Item], _Result], inputs: Sequence[_Item],
               progress: Callable[[], None] | None = None, cores: bool = True,
               at_least: int = PARALLEL_FROM, chunk: int = 256) -> Iterator[_Result]:
    """`work` on each input, in order, across cores when there are many (`in_parallel`).
    Unlike `in_parallel`, `work` may be any function (a closure) and the inputs any objects
    (parsed requests): the workers are forked with both, and only the results travel back
    (pickled). The workers must not use the index: SQLite connections do not survive a fork.
    Not reentrant with `cores`; without, simply `work` on each input here."""
    global _FORKED
    if not cores:
        yield from in_parallel(work, list(inputs), progress, cores=False)
        return
    _FORKED = (work, inputs)
    try:
        yield from in_parallel(_forked, list(range(len(inputs))), progress,
                               at_least=at_least, chunk=chunk)
    finally:
        _FORKED = None


@dataclass
class Outcome:
    """What a refresh of the index found besides the rows it wrote."""

    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(full path, why) of entries no command reads (found by this refresh's scans)."""
    folders: list[str] = field(default_factory=list)
    """Every provider folder, sorted."""


def refresh(index: Index, root: Path, requests_dir: Path, full: bool,
            entry_problem: Callable[[os.DirEntry[str]], str | None],
            progress: Callable[[], None] | None = None, keep: Keep | None = None
            ) -> Outcome:
    """Bring the index in step with the files (see the module's docstring). Entries no
    command reads (a FIFO, a symlink out of the store) get a row holding their warning;
    an open request parsed gets what `keep` makes of it."""
    out = Outcome()
    top = str(requests_dir)
    start = len(str(root)) + 1
    recorded = index.folders()
    names, out.skipped = provider_folders(top)
    out.folders = names
    odd = Odd(index, top)
    gone_folders = [n for n in recorded if n not in names]
    changed: dict[str, Folder] = {}
    to_parse: list[tuple[str, str, Key]] = []
    direct: list[Fresh] = []
    gone: list[str] = [p for n in gone_folders for p in index.paths(f"{top[start:]}/{n}")]
    for name in names:
        base = os.path.join(top, name)
        rel_folder = base[start:]
        try:
            dkey = _folder_key(os.lstat(base))
        except OSError:
            continue
        rec = recorded.get(name)
        if not full and rec is not None and rec.key == dkey:
            continue
        try:
            scan = scan_folder(base, entry_problem)
        except OSError as exc:
            out.skipped.append((base, f"cannot read: {exc.strerror}"))
            continue
        odd.found_in(base, scan.odd)
        dg = digest([(n, k) for n, _, k in scan.files]
                    + [(os.path.basename(p) + "\0" + why, (0, 0, 0, 0))
                       for p, why in scan.skipped])
        if rec is not None and rec.digest == dg:
            if rec.key != dkey or rec.temps != len(scan.temps):
                changed[name] = Folder(dkey, dg, len(scan.temps))
            continue
        keys = index.keys(rel_folder)
        present = set()
        for _, full_path, key in scan.files:
            rel = full_path[start:]
            present.add(rel)
            if keys.get(rel) != key:
                to_parse.append((rel, full_path, key))
        for full_path, why in scan.skipped:
            rel = full_path[start:]
            present.add(rel)
            direct.append(Fresh(rel, (NEVER, 0, 0, 0), None, "", f"skipped {rel}: {why}"))
        gone.extend(p for p in keys if p not in present)
        changed[name] = Folder(dkey, dg, len(scan.temps))
    odd.keep_folders(names)
    out.skipped.extend(odd.save())
    if not (changed or to_parse or gone or gone_folders or direct):
        return out
    batch: list[Fresh] = direct
    # in the order of the index's keys: SQLite then appends to its trees rather than
    # inserting all over them (a cold build's writes 2.4 -> 1.7 s at 100,000 files)
    to_parse.sort()
    parsed_in: dict[str, int] = {}
    """folder -> the latest change time of a file parsed in it"""
    kept = (keep.column, keep.stamp) if keep is not None else None
    for fresh in parse_many(to_parse, progress, keep):
        batch.append(fresh)
        folder = fresh.path.rsplit("/", 2)[1]
        parsed_in[folder] = max(parsed_in.get(folder, 0), fresh.key[1])
        if len(batch) >= BATCH:
            _written(index.update(batch, (), racy_after=index.now_ns(), kept=kept))
            batch = []
    now = index.now_ns()
    for name, latest in parsed_in.items():
        if name in changed and (now is None or latest >= now):
            f = changed[name]  # a racy file: compare this folder's rows next time
            changed[name] = Folder(f.key, "", f.temps)
    _written(index.update(batch, gone, changed, gone_folders, racy_after=now, kept=kept))
    return out


def _folder_key(st: os.stat_result) -> Key:
    return (st.st_mtime_ns, st.st_ctime_ns, 0, st.st_ino)


LOOSE_LIMIT = 1000
"""More untracked or ignored paths than this: every listing asks git for them again."""


def refresh_listing(index: Index, root: Path, requests_dir: Path,
                    entry_problem: Callable[[os.DirEntry[str]], str | None],
                    progress: Callable[[], None] | None = None, keep: Keep | None = None,
                    meanwhile: Callable[[], None] | None = None) -> Outcome:
    """Bring every row up to date for a listing: through git when the store is in a git
    work tree and the index knows the commit of git's last look (`_through_git`), else by
    looking at every file (`refresh`), after which git's next look can start. `meanwhile`
    is called while git's first look runs (when git is asked at all).

    Git's look leaves out untracked and ignored files (it then reads no folder: a third of
    its time at 100,000 files) when HEAD and every folder's key are as they were at the
    last full look: no file was added, removed or renamed since, so its untracked and
    ignored files, recorded then, are all there are (they are checked as changed ones)."""
    import json

    from icsvc.store import gitutil

    recorded = index.meta("head")
    before: dict[str, Key] = {}
    noted: set[str] = set()
    if recorded:
        try:
            noted = set(json.loads(index.meta("gone") or "[]"))
        except ValueError:
            recorded = ""
        before = index.rechecks()  # read before git looks: only these can be confirmed
    known = _loose_known(index, requests_dir, recorded) if recorded else None
    folders = None if known is not None else _folder_keys(index, requests_dir)
    state = gitutil.work_tree_state(root, requests_dir.name, untracked=known is None,
                                    meanwhile=meanwhile)
    if state is not None and known is not None:
        if state.head == recorded:
            state = gitutil.WorkTree(state.head, state.paths | known, known)
        else:  # a commit since (`git rm --cached` leaves a file untracked in place)
            folders = _folder_keys(index, requests_dir)
            state = gitutil.work_tree_state(root, requests_dir.name)
    outcome = None
    if state is not None and recorded:
        outcome = _through_git(index, root, requests_dir, state, recorded, before, noted,
                               entry_problem, progress, keep)
    if outcome is None:
        outcome = refresh(index, root, requests_dir, True, entry_problem, progress, keep)
        if state is not None:
            # every row is checked by git's next look: a row is trusted without looking at
            # its file only once git said the file is as committed and its key had not
            # changed
            index.set_meta({"head": state.head, "gone": "[]"}, recheck_all=True)
    if state is not None and folders is not None:
        fit = bool(folders) and len(state.loose) <= LOOSE_LIMIT
        index.set_meta({"loose": json.dumps({
            "head": state.head, "folders": folders, "paths": sorted(state.loose)}) if fit
            else ""})
    return outcome


def _folder_keys(index: Index, requests_dir: Path) -> dict[str, list[int]]:
    """The keys of `requests/` and of each provider folder in it, taken before git's full
    look; empty when one cannot be read or changed too recently to tell a later change
    from it (its change time not older than the store's clock before the look: a file
    added in the same clock tick would leave the same key)."""
    clock = index.now_ns()
    out: dict[str, list[int]] = {}
    try:
        out[""] = list(_folder_key(os.stat(requests_dir)))
        for name in provider_folders(str(requests_dir))[0]:
            out[name] = list(_folder_key(os.stat(requests_dir / name)))
    except OSError:
        return {}
    if clock is None or any(key[1] >= clock for key in out.values()):
        return {}
    return out


def _loose_known(index: Index, requests_dir: Path, head: str) -> set[str] | None:
    """The untracked and ignored files git's last full look found, when nothing can have
    been added since (HEAD and every folder's key unchanged); else None."""
    import json

    try:
        data = json.loads(index.meta("loose") or "null")
    except ValueError:
        return None
    if (type(data) is not dict or data.get("head") != head
            or type(data.get("folders")) is not dict or type(data.get("paths")) is not list
            or not all(type(p) is str for p in data["paths"])):
        return None
    folders = data["folders"]
    try:
        for name, key in folders.items():
            if list(_folder_key(os.stat(requests_dir / name if name else requests_dir))) != key:
                return None
    except (OSError, TypeError, ValueError):
        return None
    return set(data["paths"])


def _through_git(index: Index, root: Path, requests_dir: Path, state: WorkTree,
                 recorded: str, before: dict[str, Key], noted: set[str],
                 entry_problem: Callable[[os.DirEntry[str]], str | None],
                 progress: Callable[[], None] | None, keep: Keep | None) -> Outcome | None:
    """The rows' files that may have changed since git's last look (at commit `recorded`),
    found without looking at the others: files that differ between that commit and HEAD;
    files that differ from HEAD now (`git status`); rows written since (by icsvc, or by a
    command that looked at folders: `before`, read before git looked) and files forgotten
    since (`noted`). Each is checked by its key and parsed if it changed. A row git says is
    as committed, whose key is unchanged since before git looked, is confirmed: later
    looks trust it until git names it. None when git cannot tell (then every file is
    looked at)."""
    from icsvc.store import gitutil

    folder = requests_dir.name
    head, dirty_top = state.head, state.paths
    changed_top = (gitutil.tree_changes(root, recorded, head, folder) if recorded != head
                   else set())
    if changed_top is None:
        return None
    prefix = _repo_prefix(root)
    if prefix is None:
        return None
    dirty = {p[len(prefix):] for p in dirty_top if p.startswith(prefix)}
    candidates = {p[len(prefix):] for p in changed_top if p.startswith(prefix)} | dirty
    odd = Odd(index, str(requests_dir))
    for rel in [c for c in candidates if not is_text(c)]:  # no row can hold such a name
        candidates.discard(rel)
        parts = rel.split("/")
        if len(parts) == 3 and parts[0] == folder and parts[2].endswith((".yaml", ".yml")):
            odd.seen(os.path.join(str(root), rel))
    rows = dict(before)
    rows.update(index.keys_of((candidates | noted) - before.keys()))
    candidates |= noted | rows.keys()
    out = Outcome()
    names, out.skipped = provider_folders(str(requests_dir))
    for name in names:  # (one call each: git reads no folder, and does not say)
        base = os.path.join(str(requests_dir), name)
        if not os.access(base, os.R_OK | os.X_OK):
            out.skipped.append((base, "cannot read: Permission denied"))
    looked = _look(root, folder, sorted(candidates), rows, before, dirty, entry_problem)
    if looked.to_parse or looked.gone or looked.direct:
        batch = looked.direct
        kept = (keep.column, keep.stamp) if keep is not None else None
        for fresh in parse_many(looked.to_parse, progress, keep):
            batch.append(fresh)
            if len(batch) >= BATCH:
                _written(index.update(batch, (), racy_after=index.now_ns(), from_git=True,
                                      kept=kept))
                batch = []
        _written(index.update(batch, looked.gone, racy_after=index.now_ns(), from_git=True,
                              kept=kept))
    index.set_meta({"head": head, "gone": "[]"}, confirmed=looked.confirmed)
    odd.keep_folders(names)
    out.skipped.extend(odd.save())
    return out


@dataclass
class _Looked:
    """What a look at the files git named found: files to parse, rows to write as they are
    (files that cannot be read), rows to forget, rows git confirmed."""

    to_parse: list[tuple[str, str, Key]] = field(default_factory=list)
    direct: list[Fresh] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)


def _look(root: Path, folder: str, candidates: list[str], rows: dict[str, Key],
          before: dict[str, Key], dirty: set[str],
          entry_problem: Callable[[os.DirEntry[str]], str | None]) -> _Looked:
    """Check each candidate path (from the store's root) against its row's key."""
    out = _Looked()
    for rel in candidates:
        parts = rel.split("/")
        if (len(parts) != 3 or parts[0] != folder or parts[1].startswith(".")
                or parts[2].startswith(".") or not parts[2].endswith((".yaml", ".yml"))):
            if rel in rows:
                out.gone.append(rel)
            continue
        full = os.path.join(str(root), rel)
        try:
            st = os.lstat(full)
        except OSError:
            if rel in rows:
                out.gone.append(rel)
            continue
        problem = None
        plain = stat_module.S_ISREG(st.st_mode)
        if not plain:
            problem = _path_problem(full, st, entry_problem)
            if problem is None:
                st = os.stat(full)
        if problem is not None:
            out.direct.append(Fresh(rel, (NEVER, 0, 0, 0), None, "", f"skipped {rel}: {problem}"))
            continue
        key = key_of(st)
        if rows.get(rel) != key:
            out.to_parse.append((rel, full, key))
        elif plain and rel not in dirty and before.get(rel) == key:
            out.confirmed.append(rel)  # (a symlink's target may change where git does not look)
    return out


def _written(done: bool) -> None:
    """Rows a refresh could not write leave the index behind the files: the command must
    not answer from it (and git's next look must start from the same commit)."""
    if not done:
        raise IndexBusy("the index could not be written")


def _repo_prefix(root: Path) -> str | None:
    """Where `root` is in its git work tree, as a path prefix ("" at the top), found as git
    finds its repository: the nearest folder upwards holding `.git`."""
    for folder in (root, *root.parents):
        if os.path.lexists(folder / ".git"):
            rel = root.relative_to(folder).as_posix()
            return "" if rel == "." else rel + "/"
    return None


def _path_problem(full: str, st: os.stat_result,
                  entry_problem: Callable[[os.DirEntry[str]], str | None]) -> str | None:
    """Why an entry that is not a regular file cannot be read (as `entry_problem`)."""
    folder, name = os.path.split(full)
    try:
        with os.scandir(folder) as it:
            for e in it:
                if e.name == name:
                    return entry_problem(e)
    except OSError as exc:
        return f"cannot read: {exc.strerror}"
    return "cannot read: it is gone"


def provider_folders(requests_dir: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The provider folders in `requests/` (names, sorted), and (full path, why) of what is
    skipped there: a symlink in a provider folder's place. Nothing when it cannot be read."""
    names: list[str] = []
    skipped: list[tuple[str, str]] = []
    try:
        with os.scandir(requests_dir) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        problem = folder_problem(requests_dir)
        if problem is not None:
            skipped.append((requests_dir, problem))
        return names, skipped
    for e in entries:
        if e.name.startswith("."):
            continue
        try:
            if not e.is_dir(follow_symlinks=False):
                if e.is_symlink() and e.is_dir():
                    skipped.append((e.path, "a symlink where a provider folder should be "
                                            "(provider folders must be real folders)"))
                elif not e.is_file():
                    skipped.append((e.path, folder_problem(e.path) or "not a folder"))
            elif not is_text(e.name):
                skipped.append((e.path, NOT_UTF8))
            else:
                names.append(e.name)
        except OSError as exc:
            skipped.append((e.path, f"cannot read: {exc.strerror}"))
    return names, skipped


class Odd:
    """The request files whose names are not UTF-8 text: the index cannot hold their rows,
    so their paths (from `requests/`) are kept in its `odd` record (JSON, escaped): every
    listing warns about them, also when it goes through git (which names only changes)."""

    def __init__(self, index: Index, requests_dir: str) -> None:
        import json

        self.index = index
        self.top = requests_dir
        try:
            paths = json.loads(index.meta("odd") or "[]")
        except ValueError:
            paths = []
        self.before = ({p for p in paths if type(p) is str and p.count("/") == 1}
                       if type(paths) is list else set())
        self.paths = set(self.before)

    def _rel(self, full: str) -> str:
        return os.path.relpath(full, self.top).replace(os.sep, "/")

    def found_in(self, folder: str, full_paths: list[str]) -> None:
        """A scan of `folder` found these (and only these)."""
        name = os.path.basename(folder)
        self.paths = {p for p in self.paths if p.split("/")[0] != name}
        self.paths |= {self._rel(p) for p in full_paths}

    def seen(self, full: str) -> None:
        """git named this path: it is there, or it is gone."""
        self.paths.add(self._rel(full))

    def keep_folders(self, names: list[str]) -> None:
        """Forget those of folders that are gone, and those no longer there."""
        folders = set(names)
        self.paths = {p for p in self.paths if p.split("/")[0] in folders
                      and os.path.lexists(os.path.join(self.top, p))}

    def save(self) -> list[tuple[str, str]]:
        """Record them (when they changed); (full path, why) of each, to warn about."""
        import json

        if self.paths != self.before:
            self.index.set_meta({"odd": json.dumps(sorted(self.paths))})  # ASCII: escaped
            self.before = set(self.paths)
        return [(os.path.join(self.top, p), NOT_UTF8) for p in sorted(self.paths)]


# -- the cold start: a quick look at files icsvc wrote -----------------------------------------

@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """A time, a name, an email as `quick_summary` reads them (compiled when first used:
    only a cold start does)."""
    return (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?[+-]\d\d:\d\d"),
            re.compile(r"[a-z][a-z0-9_-]*"), re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+"))
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
_SUMMARY_KEYS = frozenset(f.key for f in FIELDS
                          if f.column is not None and f.sub is None and f.type.scalar)
"""Keys whose one-line value the summary takes: a line continuing one means parse the file."""
_CUSTOMER = frozenset(str(f.sub) for f in FIELDS if f.key == "customer")


def quick_summary(text: str) -> Summary | None:
    """The summary of a request file as icsvc writes it (block style, plain values), read
    from its lines without YAML: about 20 times faster than parsing it, for the first
    listing after a clone, which needs the summary of every file but the whole of only
    the files it shows. None for anything that is not plainly such a file (a comment, a
    quoted or flow value, a tab, a value YAML would read as another type): that file is
    parsed instead. The whole file is parsed, and checked, when a command reads it."""
    if "\t" in text or "\r" in text or "\x00" in text:
        return None
    top: dict[str, str] = {}
    customer: dict[str, str] = {}
    times: list[str] = []
    blocks: list[str] = []
    current = ""
    for line in text.split("\n"):
        if not line:
            continue
        first = line[0]
        if first == " ":
            if current in _SUMMARY_KEYS:  # a value continued on the next line
                return None
            if current == "customer" and line[2:3] != " ":  # (a line of one space too)
                key, sep, value = line[2:].partition(": ")
                if not sep or key not in _CUSTOMER or key in customer:
                    return None
                customer[key] = value
            continue
        if first == "-":
            if current == "history" and line.startswith("- at: "):
                times.append(line[6:])
            elif current == "blocks" and line.startswith("- "):
                blocks.append(line[2:])
            else:
                return None
            continue
        key, sep, value = line.partition(":")
        if not sep or key in top or key not in REQUEST_KEYS or (value and value[0] != " "):
            return None
        value = value[1:]
        if value[:1] in ("'", '"', "[", "{", "&", "*", "!", "%", "@", "`") and not (
                key == "blocks" and value == "[]"):
            return None
        top[key] = value
        current = key
    if any(k not in top for k in REQUIRED_KEYS) or top["customer"] or top["history"]:
        return None
    iso, word, mail = _patterns()
    rid, provider, service = top["id"], top["provider"], top["service"]
    status, priority = top["status"], top["priority"]
    email, department = customer.get("email", ""), customer.get("department", "")
    if (not ids.is_valid(rid) or rid.isdigit() or status not in STATUSES
            or priority not in PRIORITIES or not mail.fullmatch(email)
            or top.get("blocks", "") not in ("", "[]") or not times
            or not all(ids.is_valid(b) and not b.isdigit() for b in blocks)):
        return None
    for name in (provider, service, department):
        if not word.fullmatch(name) or name in _YAML_WORDS:
            return None
    if not all(iso.fullmatch(t) for t in (top["created_at"], *times)):
        return None
    return Summary(rid, provider, status, priority, department,
                   datetime.fromisoformat(top["created_at"]).timestamp(),
                   max(datetime.fromisoformat(t).timestamp() for t in times), email,
                   tuple(blocks), service)


def quick_one(item: tuple[str, str, Key], keep: Keep | None = None) -> Fresh:
    """A file's row from a quick look (`quick_summary`), without its parsed request, for
    a closed request; anything else is parsed (`parse_one`, with `keep`)."""
    from icsvc.store.files import read_store_file

    rel, full, key = item
    try:
        summary = quick_summary(read_store_file(full))
    except (ValidationError, OSError, ValueError, OverflowError):
        summary = None
    if summary is None or summary.status in OPEN:
        return parse_one(item, keep)
    return Fresh(rel, key, summary, "", None)
