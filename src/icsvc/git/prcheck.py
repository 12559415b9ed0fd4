"""`icsvc check --base REV`: what a branch changes since it left REV, judged by replay.

Every commit reachable from HEAD and not from REV (and the uncommitted work tree, as the
next commit) is judged on its own, against each of its parents, with every path it touches
under `requests/`, `surveys/` and `providers.yaml` as git sees it (one `git diff-tree` for
them all):
- names and kinds: a touched path must be a canonical request (`requests/<provider>/<ID>.yaml`,
  the ID in capitals) or survey answer path, or `providers.yaml`, and a regular file by its
  git mode (a symlink, submodule or anything else is refused, never followed; in the work
  tree by `lstat`); a name that is not UTF-8 is refused, shown escaped;
- a commit's request file keeps every entry its parent had, unchanged and in order, and only
  appends entries dated no earlier than the newest one;
- the new entries are replayed through the same rules as the commands (`history.Replay`:
  who may write each entry, what it requires, with providers.yaml as it is at the merge
  base, so a branch cannot add its author to a team and use the new rights in the same
  pull request), and every field of the file must equal the replayed state: a field no
  entry changed never changes;
- a new request is exactly what `icsvc new` writes for its author at its creation time;
- each new entry's `by` is the commit's author (or the author's GitHub noreply address of
  the login `people:` maps to `by`);
- time comes from the base, not from the committer: each commit is judged against a commit
  of the base (where its line of work left the base; for a side branch merged in, where the
  line it joins left it): its new entries are not dated before that commit's date nor
  before the request's newest entry, nor after the commit's own date or the check's clock
  (each within `settings.clock_tolerance`); a commit is not dated before the base commit it
  builds on;
- a merge commit's own changes are judged against each parent: it holds the union of its
  parents' entries plus the merge driver's `conflict` entries, and a `providers.yaml`
  section it neither took from a parent nor merged cleanly is its author's change;
- a parentless commit (an unrelated history merged in) is refused unless the check allows
  it (`--allow-orphans`), and its files are judged as new;
- with signing required every commit is signed by a key `people:` lists at the base for its
  author; turning `settings.require_signed` off needs an admin's signature in any case;
- request files are not deleted (a redirect moves one; cancel, decline or close instead);
- survey answers (`surveycheck.py`): each new answer is its person's, judged by the same
  provenance rules; an answer's history only grows, and answer files are not deleted;
- `providers.yaml`: calendars, settings, departments, people and admins change only by an
  admin; a provider's section by an admin or that provider's escalation contact.

A version that does not parse (conflict markers, a symlink) is not judged itself: the next
readable version is judged against the last readable one, and the plain check reports a
file left unreadable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from icsvc.domain import history, ids
from icsvc.domain.catalogue import Catalogue
from icsvc.domain.history import MERGE_IDENTITY, Replay, words
from icsvc.domain.history.entries import entry_key
from icsvc.domain.history.kinds import Conflict
from icsvc.domain.history.request import Request
from icsvc.errors import IcsvcError
from icsvc.git import signing
from icsvc.reports import surveycheck
from icsvc.reports.survey import SURVEYS_DIR
from icsvc.store import files, gitutil, yamlio
from icsvc.store.store import PROVIDERS_FILE, REQUESTS_DIR, Store, path_problem
from icsvc.store.validate import Problem

NOREPLY = re.compile(r"^(?:\d+\+)?([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)@users\.noreply\.github\.com$",
                     re.IGNORECASE)
REQUEST_NAME = re.compile(rf"^{REQUESTS_DIR}/[a-z0-9][a-z0-9_-]*/[{ids.ALPHABET}]"
                          rf"{{{ids.LENGTH}}}\.yaml$")
"""A request file's path from the store's root, as the commands write it."""
KEEP_FILE = f"{REQUESTS_DIR}/.gitkeep"
"""What `icsvc init` writes so git keeps an empty `requests/`."""
DELETED = "000000"
UNREADABLE = "\0"
"""The text of a version that is not a regular UTF-8 file (a symlink, a submodule): it is
never parsed."""
_MODE_WORDS = {"120000": "a symlink", "160000": "a submodule (gitlink)", "040000": "a folder",
               "other": "not a regular file (a FIFO, socket or device)"}

Version = tuple[str, str] | None
"""(path from the repository's root, text) of one request at one revision."""
_T = TypeVar("_T")


@dataclass(frozen=True)
class Step:
    """One change of one file: from the parent's version to a commit's (or the work tree's)."""

    commit: gitutil.CommitInfo | None
    """None: the uncommitted work tree."""
    author: str
    date: datetime
    """The commit's committer date (now, for the work tree): a claim, bounded by the
    check's clock."""
    fork: datetime
    """The date of the base's commit this change is judged against (see `_Branch._forks`)."""
    fork_sha: str
    joins: str = ""
    """How a side branch got that commit (words for a message), else ''."""


@dataclass(frozen=True)
class BranchDiff:
    """What a branch changes since its merge base with `base`, from one `git diff` and one
    `git status`: both the plain check and the replay (`prcheck`) start from it."""

    top: Path
    merge_base: str
    prefix: str
    """The store's folder in the repository ('' at its root, else ending in '/')."""
    paths: frozenset[str]
    """Paths (from the repository's root) under the store that a commit since the merge
    base changed, or that differ from HEAD in the work tree, untracked files included."""
    ignored: frozenset[str]
    """Ignored files in the store's folder (as git's status lists them)."""
    work: frozenset[str] = frozenset()
    """Paths that differ from HEAD in the work tree (untracked included, ignored not)."""

    def requests(self) -> set[str] | None:
        """The request files (paths from the store's root) to check, ignored ones too:
        a pull request's check looks at these only, as the base's were checked when they
        were merged. None (check every file) when providers.yaml changed (every request is
        checked against it). A name that is not UTF-8 is left to `check_branch`, which
        refuses it."""
        n = len(self.prefix)
        paths = {p[n:] for p in self.paths | self.ignored
                 if p.startswith(self.prefix) and gitutil.is_utf8(p)}
        if PROVIDERS_FILE in paths:
            return None
        return {p for p in paths if p.startswith(f"{REQUESTS_DIR}/")}


def branch_diff(store: Store, base: str) -> BranchDiff | None:
    """None when git cannot tell (not a repository, `base` unknown, no common history)."""
    top = gitutil.toplevel(store.root)
    if top is None or gitutil.resolve(top, base) is None:
        return None
    mb = gitutil.merge_base(top, base, "HEAD")
    if mb is None:
        return None
    prefix = store.root.relative_to(top).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    try:
        committed = gitutil.diff_paths(top, mb, "HEAD", prefix or ".")
    except IcsvcError:
        return None
    state = gitutil.work_tree_state(top, prefix or ".")
    if state is None:
        return None
    work = frozenset(state.paths - state.ignored)
    return BranchDiff(top, mb, prefix, frozenset({*committed, *work}), state.ignored, work)


def check_branch(store: Store, base: str, now: datetime,
                 require_signed: bool | None = None, diff: BranchDiff | None = None,
                 allow_orphans: bool = False) -> list[Problem]:
    """`diff`: the paths the branch changes, when the caller asked git already."""
    top = gitutil.require_repo(store.root)
    base_sha = gitutil.resolve(top, base)
    if base_sha is None:
        raise IcsvcError(
            f"--base: {base!r} names no commit in {top} (fetch it first, e.g. 'git fetch "
            "origin main'; in GitHub Actions check out with fetch-depth: 0)"
        )
    head = gitutil.head(top)
    if head is None:
        raise IcsvcError("--base: this repository has no commits yet")
    mb = gitutil.merge_base(top, base, "HEAD")
    if mb is None:
        raise IcsvcError(f"--base: {base!r} and HEAD have no common history")
    checker = _Branch(store, top, base, base_sha, head, mb, now)
    checker.allow_orphans = allow_orphans
    checker.diff = diff if diff is not None and (diff.top, diff.merge_base) == (top, mb) \
        else None
    if require_signed is None:
        require_signed = checker.cat.settings.require_signed
    checker.require_signed = require_signed
    return checker.run()


class _Branch:
    def __init__(self, store: Store, top: Path, base: str, base_sha: str, head: str, mb: str,
                 now: datetime) -> None:
        self.store = store
        self.top = top
        self.base = base
        self.base_sha = base_sha
        self.head = head
        self.mb = mb
        self.now = now
        self.cat = _catalogue_at(store, top, mb)
        prefix = store.root.relative_to(top).as_posix()
        self.prefix = "" if prefix == "." else prefix + "/"
        self.folder = self.prefix + REQUESTS_DIR
        self.surveys_folder = self.prefix + SURVEYS_DIR
        self.providers_rel = self.prefix + PROVIDERS_FILE
        self.blobs = gitutil.BlobReader(top)
        self.problems: list[Problem] = []
        self.require_signed = False
        self.allow_orphans = False
        self.diff: BranchDiff | None = None
        self.commits: list[gitutil.CommitInfo] = []
        self.branch: dict[str, gitutil.CommitInfo] = {}
        self.judged: dict[str, dict[str, str]] = {}
        """Commit -> path -> its mode in the commit (DELETED: removed), of the changes that
        are the commit's own: all of a one-parent commit's; a merge's changes against every
        parent (its own resolution) and against each parent from the base (what the branch
        brings)."""
        self.touched: dict[str, set[str]] = {}
        """Commit -> every path it changes against any parent."""
        self.work: dict[str, str] = {}
        """Path -> mode (from lstat) of the paths the work tree changes."""
        self._named: set[str] = set()
        self._dates: dict[str, datetime] = {}
        self._judged_by: dict[str, str] = {}
        self._own: dict[str, str] = {}
        self._joins: dict[str, str] = {}
        """Side-branch commit -> the merge through which it joins the branch's work."""
        self._signatures: dict[str, tuple[str, str]] = {}
        self._merge_bases: dict[tuple[str, str], str | None] = {}
        self._parsed: dict[tuple[str, str], Request | None] = {}

    # -- the walk ------------------------------------------------------------------------

    def run(self) -> list[Problem]:
        try:
            self.commits = gitutil.commits_between(self.top, self.base_sha, "HEAD")
            self.branch = {c.sha: c for c in self.commits}
            self._changes()
            self._forks()
            self._names()
            self._orphans()
            self._commit_signatures()
            touched = self._touched_paths()
            n = len(self.prefix)
            paths = {p for p in touched if REQUEST_NAME.match(p[n:])}
            surveys = sorted(p for p in touched if p.startswith(f"{self.surveys_folder}/")
                             and surveycheck.name_problem(p[n:]) is None)
            rids = sorted({PurePosixPath(p).stem for p in paths})
            folders = sorted(set(self.cat.providers)
                             | {PurePosixPath(p).parent.name for p in paths})
            self.blobs.look_for({f"{self.folder}/{folder}/{rid}.yaml" for rid in rids
                                 for folder in folders} | set(surveys) | {self.providers_rel})
            for rid in rids:
                self._request(rid, folders)
            self._catalogue()
            self._surveys(surveys)
            return self.problems
        finally:
            self.blobs.close()

    def _changes(self) -> None:
        """What each commit changes against each parent (one `git diff-tree`), and what the
        work tree changes."""
        pairs: list[tuple[str, str | None]] = []
        for c in self.commits:
            pairs.extend((c.sha, p) for p in c.parents or [None])
        found = gitutil.commit_changes(self.top, pairs, [self.folder, self.surveys_folder,
                                                         self.providers_rel])
        diffs: dict[tuple[str, str | None], dict[str, str]] = {
            pair: {ch.path: ch.new_mode for ch in changes}
            for pair, changes in zip(pairs, found, strict=True)}
        for c in self.commits:
            against = [diffs[(c.sha, p)] for p in c.parents or [None]]
            self.touched[c.sha] = set().union(*against)
            if len(against) == 1:
                self.judged[c.sha] = dict(against[0])
                continue
            own = set.intersection(*(set(d) for d in against))
            mine = {p: m for d in against for p, m in d.items() if p in own}
            for parent, d in zip(c.parents, against, strict=True):
                if parent not in self.branch:
                    mine.update(d)
            self.judged[c.sha] = mine
        work = (self.diff.work if self.diff is not None else self._work_tree())
        wanted = (self.folder, self.surveys_folder)
        for path in sorted(work):
            if path == self.providers_rel or path in wanted or path.startswith(
                    tuple(f"{w}/" for w in wanted)):
                self.work[path] = gitutil.work_mode(self.top / path)

    def _work_tree(self) -> frozenset[str]:
        state = gitutil.work_tree_state(self.top, self.prefix or ".")
        if state is None:
            raise IcsvcError("--base: git cannot tell what the work tree changes")
        return frozenset(state.paths - state.ignored)

    def _all_judged(self) -> set[str]:
        return set().union(*self.judged.values()) if self.judged else set()

    def _touched_paths(self) -> set[str]:
        """The paths (UTF-8, in the store) the branch touches: in its commits, in the work
        tree, and between the merge base and HEAD (a merge that dropped what the base
        changed)."""
        committed = (self.diff.paths if self.diff is not None
                     else set(gitutil.diff_paths(self.top, self.mb, "HEAD",
                                                 self.prefix or ".")))
        return {p for p in {*self._all_judged(), *self.work, *committed}
                if p.startswith(self.prefix) and gitutil.is_utf8(p)}

    # -- names, kinds, orphans, signatures -------------------------------------------------

    def _names(self) -> None:
        for c in self.commits:
            for path, mode in sorted(self.judged[c.sha].items()):
                self._name(path, mode, f"in commit {c.sha[:10]}")
        for path, mode in self.work.items():
            self._name(path, mode, "in the work tree, not committed yet")

    def _name(self, path: str, mode: str, where: str) -> None:
        if path in self._named:
            return
        problem = self._name_problem(path, mode)
        if problem is not None:
            self._named.add(path)
            shown = gitutil.escaped(self.store.rel(self.top / path))
            self.problems.append(Problem(shown, None, f"{problem} ({where})"))

    def _name_problem(self, path: str, mode: str) -> str | None:
        """What is wrong with a path the branch touches, from its name and git mode alone."""
        if not gitutil.is_utf8(path):  # never served: removing one is a fix
            return None if mode == DELETED else ("a file name that is not UTF-8 (icsvc's "
                                                 "files are named in UTF-8): rename or "
                                                 "remove it")
        rel = path[len(self.prefix):]
        if mode != DELETED and mode not in gitutil.REGULAR_MODES:
            what = _MODE_WORDS.get(mode, f"not a regular file (git mode {mode})")
            return (f"{what} where request files, survey answers and providers.yaml are "
                    "regular files; icsvc never follows a link: commit the file itself")
        if rel in (PROVIDERS_FILE, KEEP_FILE):
            return None
        if rel == REQUESTS_DIR or rel.startswith(f"{REQUESTS_DIR}/"):
            if REQUEST_NAME.match(rel) or (mode == DELETED and not _yaml_name(rel)):
                return None
            stem = PurePosixPath(rel).name.partition(".")[0]
            hint = (f" ({PurePosixPath(rel).parent}/{stem.upper()}.yaml)"
                    if ids.is_valid(stem.upper()) else "")
            return ("not a request file name: a request is requests/<provider>/<ID>.yaml, "
                    f"the ID in capitals{hint}, and nothing else is kept in requests/")
        if mode == DELETED and not _yaml_name(rel):
            return None
        return surveycheck.name_problem(rel)

    def _orphans(self) -> None:
        if self.allow_orphans:
            return
        for c in self.commits:
            if not c.parents:
                self._commit_problem(c, f"commit {c.sha[:10]} has no parent: a history "
                                        f"unrelated to {self.base} (merged with --allow-"
                                        "unrelated-histories) is refused; if it is meant, "
                                        "check with --allow-orphans to judge its files as new")

    def _commit_problem(self, commit: gitutil.CommitInfo, message: str) -> None:
        """A problem of a whole commit, shown at the first file it changes."""
        paths = sorted(self.touched.get(commit.sha, ()))
        where = self.store.rel(self.top / (paths[0] if paths else self.providers_rel))
        self.problems.append(Problem(gitutil.escaped(where), None, message))

    def _signature(self, sha: str) -> tuple[str, str]:
        if sha not in self._signatures:
            self._signatures.update(gitutil.signatures(
                self.top, ["--no-walk", sha], signing.allowed_signers(self.cat)))
        return self._signatures.get(sha, ("N", ""))

    def _commit_signatures(self) -> None:
        """With signing required, every commit is signed by its author's key."""
        if not self.require_signed or not self.commits:
            return
        self._signatures.update(gitutil.signatures(self.top, ["HEAD", f"^{self.base_sha}"],
                                                   signing.allowed_signers(self.cat)))
        for c in self.commits:
            problem = self._signature_problem(c, {c.author})
            if problem is not None:
                self._commit_problem(c, problem)

    def _signature_problem(self, commit: gitutil.CommitInfo, signers: set[str],
                           whose: str = "") -> str | None:
        """Why `commit` is not signed by a key `people:` lists (at the merge base) for one
        of `signers` (its author, or the admins)."""
        where = f"commit {commit.sha[:10]} ({commit.author})"
        status, signer = self._signature(commit.sha)
        if status != "G":
            return (f"{where} is not signed by a key providers.yaml lists (people: ... "
                    f"signing_keys) (git says {_SIGNATURE_WORDS.get(status, status)}); "
                    f"{whose or 'with signing required every commit is signed by its author'}"
                    ": 'icsvc git-setup --signing-key' configures signing")
        if not any(self._is_author(signer.lower(), email) or signer.lower() == email
                   for email in signers):
            wanted = whose or f"{commit.author}'s"
            return f"{where} is signed by {signer}'s key, not {wanted}"
        return None

    # -- time ------------------------------------------------------------------------------

    def _forks(self) -> None:
        """The commit of the base each commit is judged against: where its line of work
        left the base (the newest base commit among its ancestors; for a parentless commit,
        the merge base), raised, for a side branch merged into the branch's own work (a
        merge whose first parent is on the branch), to where that work left the base: a
        side branch forked from an old commit does not bring its old date along. (A merge
        whose first parent is the base's, like the test merge GitHub makes of a pull
        request, is the branch joining the base: each side keeps its own.) Dates from the
        base, never after the check's clock."""
        outside = {p for c in self.commits for p in c.parents if p not in self.branch}
        outside |= {self.mb} | ({self.head} - set(self.branch))
        self._dates = {sha: min(date, self.now)
                       for sha, date in gitutil.commit_dates(self.top, outside).items()}
        own = self._own
        tolerance = self.cat.settings.clock_tolerance
        for c in self.commits:
            starts = [own.get(p, p) for p in c.parents]
            own[c.sha] = max(starts, key=self._date) if starts else self.mb
            if c.parents and c.committed < self._date(own[c.sha]) - tolerance:
                self._commit_problem(c, f"commit {c.sha[:10]} is dated "
                                        f"{c.committed.isoformat()}, before commit "
                                        f"{own[c.sha][:10]} of {self.base} that it builds on "
                                        f"({self._date(own[c.sha]).isoformat()}); a commit "
                                        "is not older than what it builds on: fix the "
                                        "computer's clock and commit again")
        judged = dict(own)
        for c in self.commits:
            if len(c.parents) < 2 or c.parents[0] not in self.branch:
                continue
            line = own[c.parents[0]]
            side = self._ancestors(c.parents[1:]) - self._ancestors(c.parents[:1])
            for sha in side:
                if self._date(line) > self._date(judged[sha]):
                    judged[sha] = line
                    self._joins[sha] = c.sha
        self._judged_by = judged

    def _date(self, sha: str) -> datetime:
        return self._dates.get(sha) or self._dates[self.mb]

    def _ancestors(self, starts: Iterable[str]) -> set[str]:
        """The branch's commits among `starts` and their ancestors."""
        seen: set[str] = set()
        todo = [s for s in starts if s in self.branch]
        while todo:
            sha = todo.pop()
            if sha in seen:
                continue
            seen.add(sha)
            todo.extend(p for p in self.branch[sha].parents if p in self.branch)
        return seen

    def _step_of(self, commit: gitutil.CommitInfo | None) -> Step:
        if commit is None:
            fork = self._judged_by.get(self.head, self.head)
            return Step(None, gitutil.author_email(self.top) or "", self.now, self._date(fork),
                        fork)
        fork = self._judged_by[commit.sha]
        merge = self._joins.get(commit.sha)
        joins = (f"; the side branch joins the branch's work in merge commit {merge[:10]}"
                 if merge else "")
        return Step(commit, commit.author, commit.committed, self._date(fork), fork, joins)

    # -- requests --------------------------------------------------------------------------

    def _find(self, rev: str, rid: str, folders: list[str]) -> Version:
        """(path, text) of request `rid` at `rev`, wherever its provider folder."""
        return self._one(self._copies(rev, rid, folders, self._at), rid, folders)

    def _at(self, rev: str, path: str) -> str | None:
        mode = self.blobs.mode(rev, path)
        if mode is None:
            return None
        return self.blobs.text(rev, path) if mode in gitutil.REGULAR_MODES else UNREADABLE

    def _copies(self, rev: str, rid: str, folders: list[str],
                read: Callable[[str, str], str | None]) -> list[tuple[str, str]]:
        found = []
        for folder in folders:
            path = f"{self.folder}/{folder}/{rid}.yaml"
            text = read(rev, path)
            if text is not None:
                found.append((path, text))
        return found

    def _one(self, copies: list[tuple[str, str]], rid: str, folders: list[str],
             with_base: bool = True) -> Version:
        """One version of a request: a request redirected to two providers on two branches
        and merged by plain git sits in two folders until 'icsvc sync' merges the copies;
        its version is then what that merge makes of them."""
        if len(copies) < 2:
            return copies[0] if copies else None
        from icsvc.git.merge import MergeError, merge_requests

        base = self._one(self._copies(self.mb, rid, folders, self._at), rid, folders,
                         with_base=False) if with_base else None
        docs = [_yaml(text) for _, text in copies]
        base_doc = _yaml(base[1]) if base else None
        if any(d is None for d in docs):
            return copies[0]
        try:
            merged = docs[0]
            for other in docs[1:]:
                assert merged is not None and other is not None
                merged = merge_requests(base_doc, merged, other, self.cat).merged
        except MergeError:
            return copies[0]  # two different requests: the plain check reports it
        assert merged is not None
        folder = f"{self.folder}/{merged.get('provider')}/"
        path = next((p for p, _ in copies if p.startswith(folder)), copies[0][0])
        return path, yamlio.dump(merged)

    def _worktree(self, rid: str, folders: list[str]) -> Version:
        def read(_: str, path: str) -> str | None:
            present, text = gitutil.work_file(self.top / path)
            return (text if text is not None else UNREADABLE) if present else None

        return self._one(self._copies("", rid, folders, read), rid, folders)

    def _request(self, rid: str, folders: list[str]) -> None:
        found: dict[str, Version] = {}

        def at(rev: str) -> Version:
            if rev not in found:
                found[rev] = self._find(rev, rid, folders)
            return found[rev]

        last = self._last_readable(at, lambda v: v is None or self._parse(v) is not None)
        for commit in self.commits:
            new = at(commit.sha)
            if new is not None and self._parse(new) is None:
                continue  # not judged itself: the next readable version is
            parents = [last(p) for p in commit.parents]
            step = self._step_of(commit)
            if len(parents) >= 2:
                if not self._merge_trivial(commit, parents, new, at):
                    self._merge(commit, parents, new)
                continue
            old = parents[0] if parents else None
            if _text(new) != _text(old):
                self._step(old, new, step)
        work = self._worktree(rid, folders)
        if _text(work) != _text(at(self.head)) and (work is None or
                                                     self._parse(work) is not None):
            self._step(last(self.head), work, self._step_of(None))

    def _last_readable(self, at: Callable[[str], _T | None],
                       readable: Callable[[_T | None], bool]) -> Callable[[str], _T | None]:
        """The version at a revision (None: absent), or, when it cannot be read, the last
        readable one before it on the branch (through first parents; none before a
        parentless commit): a change is judged from there."""
        memo: dict[str, _T | None] = {}

        def last(rev: str) -> _T | None:
            if rev not in memo:
                version = at(rev)
                commit = self.branch.get(rev)
                if readable(version) or commit is None:
                    memo[rev] = version
                else:
                    memo[rev] = last(commit.parents[0]) if commit.parents else None
            return memo[rev]

        return last

    def _merge_base(self, a: str, b: str) -> str | None:
        key = (a, b) if a <= b else (b, a)
        if key not in self._merge_bases:
            self._merge_bases[key] = gitutil.merge_base(self.top, a, b)
        return self._merge_bases[key]

    def _merge_trivial(self, commit: gitutil.CommitInfo, parents: list[Version],
                       new: Version, at: Callable[[str], Version]) -> bool:
        """A merge that took one side's version whole, when the other side did not change
        the request since they parted: nothing to check."""
        texts = [_text(p) for p in parents]
        took = _text(new)
        if all(t == took for t in texts):
            return True
        if len(parents) != 2 or took not in texts:
            return False
        base = self._merge_base(commit.parents[0], commit.parents[1])
        if base is None:
            return False
        base_text = _text(at(base))
        one, two = texts
        return (took == one and two == base_text) or (took == two and one == base_text)

    def _add(self, path: str, text: str, keys: list[str | int], message: str) -> None:
        rel = self.store.rel(self.top / path)
        self.problems.append(Problem(rel, yamlio.line_of(text, keys), message))

    def _parse(self, version: Version) -> Request | None:
        if version is None or version[1] == UNREADABLE:
            return None
        if version not in self._parsed:
            path, text = version
            try:
                self._parsed[version] = files.request_from_text(self.top / path, text)
            except Exception:  # noqa: BLE001 - the plain check reports unreadable files
                self._parsed[version] = None
        return self._parsed[version]

    # -- one step ------------------------------------------------------------------------

    def _step(self, old_version: Version, new_version: Version, step: Step) -> None:
        """One commit's change of a request (or the work tree's), from its parent's
        version."""
        where = (f"commit {step.commit.sha[:10]}" if step.commit is not None
                 else "the next commit (not committed yet)")
        if new_version is None:
            if old_version is not None:
                self._add(old_version[0], old_version[1], [],
                          f"request file deleted since {self.base} ({where}): requests are "
                          "never deleted (cancel, decline or close it; a redirect moves the "
                          "file)")
            return
        path, text = new_version
        new = self._parse(new_version)
        if new is None:
            return
        old = self._parse(old_version)
        if old_version is not None and old is None:
            return  # an unreadable parent: the plain check reported it there
        found: list[tuple[list[str | int], str]] = []
        misplaced = path_problem(new, Path(path))
        if misplaced is not None:
            found.append((["id"], f"in {where}, {misplaced}"))
        if old is not None:
            keep = len(old.history)
            same = [e.key for e in old.history] == [e.key for e in new.history[:keep]]
            if not same:
                i = next((i for i, (a, b) in enumerate(zip(old.history, new.history,
                                                           strict=False))
                          if a.key != b.key),
                         min(keep, len(new.history)))
                gone = old.history[i] if i < keep else None
                what = (f" ({gone.type} at {gone.at.isoformat()} by {gone.by})"
                        if gone is not None else "")
                source = old_version[0] if old_version else path
                found.append((["history"], f"history: the entry {i} of {source}{what} was "
                                           f"edited, removed or had entries inserted before it "
                                           f"in {where}; history is append-only: restore it "
                                           "and add a new entry"))
                self._report(path, text, found)
                return
            for name in history.immutable_changes(old, new):
                found.append(([name], f"{name}: changed in {where}, but no entry may change "
                                      "it (it is fixed when the request is made)"))
            state = history.from_file(old, self.cat)
            first_new = keep
        else:
            state = history.initial_state(new)
            state.cat = self.cat
            for wrong in history.creation_problems(state, self.cat):
                found.append(([], f"a new request must be what 'icsvc new' writes: {wrong}"))
            if new.history[0].at != new.created_at:
                found.append((["created_at"], "created_at: differs from the 'created' entry"))
            first_new = 0
        replay = Replay(state, self.cat)
        for i in range(first_new, len(new.history)):
            entry = new.history[i]
            keys: list[str | int] = ["history", i]
            for rule in replay.add(entry):
                at = [*keys, rule.key] if rule.key else keys
                found.append((at, f"history[{i}] ({entry.type} by {entry.by}, {where}): "
                                  f"{rule.say()}"))
            found.extend((keys, f"history[{i}] ({entry.type} by {entry.by}): {said}")
                         for said in self._provenance(entry.by, entry.at,
                                                      isinstance(entry, Conflict), step, where))
        added = new.history[first_new:]
        for rule in history.consequences(state, self.cat, added):
            found.append((["targets"], f"targets: {rule.say()}"))
        for name, (mine, told) in history.differences(state, new).items():
            key = "customer" if name.startswith("customer_") else name
            found.append(([key], f"{key}: is {words(mine)} in {where} but the history says "
                                 f"{words(told)}; make changes with icsvc so they are recorded "
                                 "with who and when"))
        self._report(path, text, found)

    def _report(self, path: str, text: str,
                found: list[tuple[list[str | int], str]]) -> None:
        for keys, message in found:
            self._add(path, text, keys, message)

    def _provenance(self, by: str, at: datetime, conflict: bool, step: Step,
                    where: str) -> list[str]:
        """Who wrote an entry (`conflict`: a merge driver's) and when, as the commit and the
        base prove it."""
        out: list[str] = []
        tolerance = self.cat.settings.clock_tolerance
        if step.date <= self.now and at > step.date + tolerance:
            out.append(f"dated {at.isoformat()}, after {where} was made "
                       f"({step.date.isoformat()}); an entry cannot come from the future")
        elif at > self.now + tolerance:  # the committer date is only a claim
            out.append(f"dated {at.isoformat()}, after this check's clock "
                       f"({self.now.isoformat()}); an entry cannot come from the future")
        if conflict or by == MERGE_IDENTITY:
            if not conflict or by != MERGE_IDENTITY:
                out.append(f"only the merge driver writes 'conflict' entries, and they are by "
                           f"{MERGE_IDENTITY}")
            return out
        if step.author and not self._is_author(by, step.author):
            out.append(f"{by} is not the author of {where} that adds this entry "
                       f"({step.author}); entries must be committed by the person they name "
                       "(git commit --author, or have them commit it)")
        if at < step.fork - tolerance:
            out.append(f"dated {at.isoformat()}, before the branch left {self.base} "
                       f"({step.fork.isoformat()}, commit {step.fork_sha[:10]}{step.joins}); "
                       "entries are written when things happen")
        if self.require_signed and step.commit is None:
            out.append("not committed, so not signed (settings.require_signed)")
        return out

    def _is_author(self, by: str, author: str) -> bool:
        if by == author:
            return True
        match = NOREPLY.match(author)
        if match is None:
            return False
        person = self.cat.people.get(by)
        return person is not None and person.github is not None and \
            person.github.lower() == match.group(1).lower()

    # -- merges --------------------------------------------------------------------------

    def _merge(self, commit: gitutil.CommitInfo, versions: list[Version],
               new_version: Version) -> None:
        where = f"merge commit {commit.sha[:10]}"
        parents = [self._parse(v) for v in versions]
        if new_version is None:
            if any(p is not None for p in parents):
                shown = next(v for v in versions if v is not None)
                self._add(shown[0], shown[1], [], f"request file deleted in {where}")
            return
        path, text = new_version
        new = self._parse(new_version)
        if new is None:
            return
        found: list[tuple[list[str | int], str]] = []
        mine = {e.key for e in new.history}
        theirs: set[str] = set()
        for parent in parents:
            if parent is None:
                continue
            keys = {e.key for e in parent.history}
            theirs |= keys
            if not keys <= mine:
                found.append((["history"], f"history: {where} lost entries of one of its "
                                           "parents; a merge keeps every entry of both sides "
                                           "(run 'icsvc sync')"))
                break
        misplaced = path_problem(new, Path(path))
        if misplaced is not None:
            found.append((["id"], f"in {where}, {misplaced}"))
        newest = max((e.at for p in parents if p is not None for e in p.history), default=None)
        for i, entry in enumerate(new.history):
            if entry.key in theirs:
                continue
            if not isinstance(entry, Conflict) or entry.by != MERGE_IDENTITY:
                found.append((["history", i], f"history[{i}] ({entry.type} by {entry.by}): "
                                              f"added by {where}; a merge adds only the merge "
                                              f"driver's conflict entries (by {MERGE_IDENTITY})"))
            elif newest is not None and entry.at > newest:
                found.append((["history", i], f"history[{i}] (conflict, {where}): dated "
                                              f"{entry.at.isoformat()}, after the newest entry "
                                              f"of its parents ({newest.isoformat()}); the "
                                              "merge driver dates a conflict entry at the "
                                              "newest one"))
        for i in range(1, len(new.history)):
            if new.history[i].at < new.history[i - 1].at:
                found.append((["history", i], f"history[{i}]: out of time order in {where}"))
                break
        state = history.initial_state(new)
        state.cat = self.cat
        for i, entry in enumerate(new.history):
            if isinstance(entry, Conflict) and entry.key not in theirs:
                for problem in entry.check(
                        state, history.Judging(self.cat, frozenset({history.MERGE}))):
                    found.append((["history", i], f"history[{i}] (conflict, {where}): "
                                                  f"{problem}"))
            history.apply(state, entry)
        same_parent = next((p for p in parents if p is not None), None)
        if same_parent is not None:
            for name in history.immutable_changes(same_parent, new):
                found.append(([name], f"{name}: changed in {where}; no entry may change it"))
        for name, (value, told) in history.differences(state, new).items():
            key = "customer" if name.startswith("customer_") else name
            found.append(([key], f"{key}: is {words(value)} after {where} but the merged "
                                 f"history says {words(told)} (run 'icsvc sync')"))
        self._report(path, text, found)

    # -- providers.yaml ------------------------------------------------------------------

    def _catalogue(self) -> None:
        rel = self.providers_rel
        if self.blobs.text(self.mb, rel) is None:
            return  # no catalogue at the base (a store's first branch): nothing owns it yet

        def at(rev: str) -> str | None:
            return self._at(rev, rel)

        last = self._last_readable(at, lambda t: t is None or _yaml(t) is not None)
        for commit in self.commits:
            if rel not in self.touched[commit.sha]:
                continue
            new = at(commit.sha)
            if new is not None and _yaml(new) is None:
                continue  # not judged itself: the next readable version is
            parents = [last(p) for p in commit.parents]
            step = self._step_of(commit)
            if len(parents) >= 2:
                self._catalogue_merge(commit, parents, new, last, step)
            else:
                self._catalogue_step(parents[0] if parents else None, new, step)
        present, work = gitutil.work_file(self.store.root / PROVIDERS_FILE)
        if present and work is None:
            return  # not a regular UTF-8 file: named above, or reported by the plain check
        if work != at(self.head) and (work is None or _yaml(work) is not None):
            self._catalogue_step(last(self.head), work, self._step_of(None))

    def _catalogue_merge(self, commit: gitutil.CommitInfo, parents: list[str | None],
                         new: str | None, last: Callable[[str], str | None],
                         step: Step) -> None:
        """A merge's own changes of providers.yaml: each section that differs from a
        parent's and that the merge did not take, cleanly, from another parent (one that
        changed it while this parent did not)."""
        docs = [_doc(p) for p in parents]
        mine = _doc(new)
        own: set[tuple[str, ...]] = set()
        for i, doc in enumerate(docs):
            for key in _sections(doc) | _sections(mine):
                value = _section(mine, key)
                if value == _section(doc, key):
                    continue
                taken = False
                for j, other in enumerate(docs):
                    if j == i or _section(other, key) != value:
                        continue
                    base = self._merge_base(commit.parents[i], commit.parents[j])
                    if _section(_doc(last(base)) if base else {}, key) == _section(doc, key):
                        taken = True
                        break
                if not taken:
                    own.add(key)
        if own:
            self._catalogue_step(parents[0], new, step, only=own, olds=docs)

    def _catalogue_step(self, old_text: str | None, new_text: str | None, step: Step,
                        only: set[tuple[str, ...]] | None = None,
                        olds: list[dict[str, Any]] | None = None) -> None:
        """The changes of providers.yaml from `old_text` to `new_text` (an absent or
        unreadable file as an empty one), each by an owner of its section; `only`: those
        sections (a merge's own changes, against its parents `olds`)."""
        old, new = _doc(old_text), _doc(new_text)
        where = (f"commit {step.commit.sha[:10]}" if step.commit is not None
                 else "the next commit (not committed yet)")
        changed = only if only is not None else {
            key for key in _sections(old) | _sections(new)
            if _section(old, key) != _section(new, key)}
        admins = set(self.cat.admins)
        author = step.author
        text = new_text or ""
        for key in sorted(changed):
            name = ".".join(key)
            if key[0] != "providers" or len(key) == 1:
                if not admins:
                    if key == ("admins",) and changed == {key} and old.get("admins") is None:
                        continue  # the first admins list: how a store gets its owners
                    self._catalogue_problem(text, list(key),
                                            f"{name}: changed in {where}, but providers.yaml "
                                            "has no admins; add 'admins:' first, on its own")
                elif not self._is_any_author(admins, author):
                    self._catalogue_problem(text, list(key),
                                            f"{name}: changed in {where} by {author}; only an "
                                            f"admin ({', '.join(sorted(admins))}) may change it")
                continue
            provider = self.cat.providers.get(key[1])
            owners = set(admins) | ({provider.escalation} if provider is not None else set())
            if not self._is_any_author(owners, author):
                who = " or ".join(
                    ([f"an admin ({', '.join(sorted(admins))})"] if admins else [])
                    + ([f"its escalation contact ({provider.escalation})"]
                       if provider is not None else [])) or "an admin"
                self._catalogue_problem(text, list(key),
                                        f"{name}: changed in {where} by {author}; only {who} "
                                        "may change it")
        if ("settings",) in changed and not _signing_on(new) and any(
                _signing_on(doc) for doc in (olds if olds is not None else [old])):
            self._signing_off(text, step, where, admins)
        elif self.require_signed and step.commit is None and changed:
            self._catalogue_problem(text, list(sorted(changed)[0]),
                                    "providers.yaml: not committed, so not signed "
                                    "(settings.require_signed)")

    def _signing_off(self, text: str, step: Step, where: str, admins: set[str]) -> None:
        """Turning `require_signed` off needs an admin's signature, whatever the check
        requires."""
        keys: list[str | int] = ["settings", "require_signed"]
        if step.commit is None:
            problem: str | None = "not committed, so not signed by an admin"
        else:
            problem = self._signature_problem(
                step.commit, admins, f"an admin's ({', '.join(sorted(admins)) or 'none'})")
        if problem is not None:
            self._catalogue_problem(text, keys, f"settings.require_signed: turned off in "
                                                f"{where}, which needs a good signature by an "
                                                f"admin: {problem}")

    def _is_any_author(self, emails: set[str], author: str) -> bool:
        return any(self._is_author(email, author) for email in emails)

    def _catalogue_problem(self, text: str, keys: list[str | int], message: str) -> None:
        rel = self.store.rel(self.store.root / PROVIDERS_FILE)
        self.problems.append(Problem(rel, yamlio.line_of(text, keys) if text else 1, message))

    # -- survey answers ------------------------------------------------------------------

    def _surveys(self, paths: list[str]) -> None:
        """Survey answers (`surveycheck.py`): each new answer is judged by the provenance
        rules of request entries (the commit's author, its date, its signature)."""
        def provenance(by: str, at: datetime, commit: gitutil.CommitInfo | None,
                       where: str) -> list[str]:
            return self._provenance(by, at, False, self._step_of(commit), where)

        def read(rev: str, path: str) -> str | None:
            if rev:
                return self._at(rev, path)
            present, text = gitutil.work_file(self.top / path)
            return (text if text is not None else UNREADABLE) if present else None

        judge = surveycheck.BranchJudge(self.store, self.top, self.prefix, self.base,
                                        provenance, read, self._last_readable)
        self.problems.extend(judge.files(paths, self.commits, self.head))


_SIGNATURE_WORDS = {"N": "no signature", "B": "a bad signature", "U": "a key it does not know",
                    "X": "an expired signature", "Y": "an expired key", "R": "a revoked key",
                    "E": "it cannot check the signature"}


def _yaml_name(rel: str) -> bool:
    return rel.lower().endswith((".yaml", ".yml"))


def _catalogue_at(store: Store, top: Path, rev: str) -> Catalogue:
    rel = (store.root / PROVIDERS_FILE).relative_to(top).as_posix()
    text = gitutil.show(top, rev, rel)
    if text is not None:
        try:
            return files.catalogue_from_text(store.root / PROVIDERS_FILE, text)
        except Exception:  # noqa: BLE001 - fall back to today's file
            pass
    return store.catalogue


def _yaml(text: str | None) -> dict[str, Any] | None:
    if text is None or text == UNREADABLE:
        return None
    try:
        data = yamlio.load(text)
    except Exception:  # noqa: BLE001 - an unreadable version is reported by the plain check
        return None
    return data if isinstance(data, dict) else None


def _doc(text: str | None) -> dict[str, Any]:
    """providers.yaml's content; an absent or unreadable file as an empty one."""
    return _yaml(text) or {}


def _sections(doc: dict[str, Any]) -> set[tuple[str, ...]]:
    """The parts of providers.yaml that have owners: each top-level section, and each
    provider of `providers:` (the whole of it when it is not a mapping)."""
    out: set[tuple[str, ...]] = set()
    for name, value in doc.items():
        if str(name) == "providers" and isinstance(value, dict):
            out |= {("providers", str(pid)) for pid in value}
        else:
            out.add((str(name),))
    return out


_MISSING = "\0missing"


def _section(doc: dict[str, Any], key: tuple[str, ...]) -> str:
    """A part of providers.yaml, comparable (`_sections`)."""
    value: Any = doc
    for part in key:
        if not isinstance(value, dict):
            return _MISSING
        match = [v for k, v in value.items() if str(k) == part]
        if not match:
            return _MISSING
        value = match[0]
    if key == ("providers",) and isinstance(value, dict):
        return "\0providers"  # compared provider by provider
    return entry_key(value)


def _signing_on(doc: dict[str, Any]) -> bool:
    settings = doc.get("settings")
    return isinstance(settings, dict) and settings.get("require_signed") is True


def _text(version: Version) -> str | None:
    return None if version is None else version[1]


__all__ = ["check_branch"]
