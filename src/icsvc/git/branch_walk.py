"""The walk `check --base` makes over a branch: its commits since the base, what each one
changes, the base commit each is judged against, and every version of a file on the way.

Git is asked once per job, whatever the branch's size: the commits (`git rev-list`), what
each changes against each parent (one `git diff-tree` for them all), the base's commit
dates, and the versions of the files the branch touches (`gitutil.BlobReader`: one
`git ls-tree` per commit). The judges (`request_check`, `catalogue_check`, `answer_check`,
`path_check`, `commit_check`) read the branch through this walk and add their problems to
it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from icsvc.domain.catalogue import Catalogue
from icsvc.errors import IcsvcError
from icsvc.store import files, gitutil, yamlio
from icsvc.store.store import PROVIDERS_FILE, REQUESTS_DIR, SURVEYS_DIR, Store
from icsvc.store.validate import Problem

DELETED = "000000"
"""The git mode of a path a change removes."""
UNREADABLE = "\0"
"""The text of a version that is not a regular UTF-8 file (a symlink, a submodule): it is
never parsed."""

_T = TypeVar("_T")


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
    """The date of the base's commit this change is judged against (`BranchWalk.forks`)."""
    fork_sha: str
    joins: str = ""
    """How a side branch got that commit (words for a message), else ''."""

    @property
    def where(self) -> str:
        """The change in words: `commit 0123456789`, or the work tree."""
        return (f"commit {self.commit.sha[:10]}" if self.commit is not None
                else "the next commit (not committed yet)")


class BranchWalk:
    """A branch since its merge base with `base`, as git sees it, and the problems found."""

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
        """providers.yaml as it is at the merge base: the rights a branch is judged by."""
        prefix = store.root.relative_to(top).as_posix()
        self.prefix = "" if prefix == "." else prefix + "/"
        """The store's folder in the repository ('' at its root, else ending in '/')."""
        self.folder = self.prefix + REQUESTS_DIR
        self.surveys_folder = self.prefix + SURVEYS_DIR
        self.providers_rel = self.prefix + PROVIDERS_FILE
        self.blobs = gitutil.BlobReader(top)
        self.problems: list[Problem] = []
        self.require_signed = False
        self.allow_orphans = False
        self.diff: BranchDiff | None = None
        self.commits: list[gitutil.CommitInfo] = []
        """The branch's commits, parents first."""
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
        self.own: dict[str, str] = {}
        """Commit -> the base commit where its line of work left the base (`forks`)."""
        self._dates: dict[str, datetime] = {}
        self._judged_by: dict[str, str] = {}
        self._joins: dict[str, str] = {}
        """Side-branch commit -> the merge through which it joins the branch's work."""
        self._merge_bases: dict[tuple[str, str], str | None] = {}

    def start(self) -> None:
        """Find the commits, what each changes, and what each is judged against."""
        self.commits = gitutil.commits_between(self.top, self.base_sha, "HEAD")
        self.branch = {c.sha: c for c in self.commits}
        self._changes()
        self.forks()

    # -- what each commit changes --------------------------------------------------------

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

    def touched_paths(self) -> set[str]:
        """The paths (UTF-8, in the store) the branch touches: in its commits, in the work
        tree, and between the merge base and HEAD (a merge that dropped what the base
        changed)."""
        committed = (self.diff.paths if self.diff is not None
                     else set(gitutil.diff_paths(self.top, self.mb, "HEAD",
                                                 self.prefix or ".")))
        return {p for p in {*self._all_judged(), *self.work, *committed}
                if p.startswith(self.prefix) and gitutil.is_utf8(p)}

    # -- time ------------------------------------------------------------------------------

    def forks(self) -> None:
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
        own = self.own
        for c in self.commits:
            starts = [own.get(p, p) for p in c.parents]
            own[c.sha] = max(starts, key=self.date) if starts else self.mb
        judged = dict(own)
        for c in self.commits:
            if len(c.parents) < 2 or c.parents[0] not in self.branch:
                continue
            line = own[c.parents[0]]
            side = self._ancestors(c.parents[1:]) - self._ancestors(c.parents[:1])
            for sha in side:
                if self.date(line) > self.date(judged[sha]):
                    judged[sha] = line
                    self._joins[sha] = c.sha
        self._judged_by = judged

    def date(self, sha: str) -> datetime:
        """The date of a base commit (never after the check's clock)."""
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

    def step_of(self, commit: gitutil.CommitInfo | None) -> Step:
        """A commit's change (None: the work tree's), with what it is judged against."""
        if commit is None:
            fork = self._judged_by.get(self.head, self.head)
            return Step(None, gitutil.author_email(self.top) or "", self.now, self.date(fork),
                        fork)
        fork = self._judged_by[commit.sha]
        merge = self._joins.get(commit.sha)
        joins = (f"; the side branch joins the branch's work in merge commit {merge[:10]}"
                 if merge else "")
        return Step(commit, commit.author, commit.committed, self.date(fork), fork, joins)

    # -- versions --------------------------------------------------------------------------

    def at(self, rev: str, path: str) -> str | None:
        """A file's text at a revision (None: absent; UNREADABLE: not a regular file)."""
        mode = self.blobs.mode(rev, path)
        if mode is None:
            return None
        return self.blobs.text(rev, path) if mode in gitutil.REGULAR_MODES else UNREADABLE

    def in_work_tree(self, path: str) -> str | None:
        """A file's text in the work tree (None: absent; UNREADABLE: not a regular UTF-8
        file, never followed)."""
        present, text = gitutil.work_file(self.top / path)
        return (text if text is not None else UNREADABLE) if present else None

    def last_readable(self, at: Callable[[str], _T | None],
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

    def merge_base(self, a: str, b: str) -> str | None:
        key = (a, b) if a <= b else (b, a)
        if key not in self._merge_bases:
            self._merge_bases[key] = gitutil.merge_base(self.top, a, b)
        return self._merge_bases[key]

    # -- problems --------------------------------------------------------------------------

    def add(self, path: str, text: str, keys: list[str | int], message: str) -> None:
        """A problem of a file (path from the repository's root) at the line of `keys`."""
        rel = self.store.rel(self.top / path)
        self.problems.append(Problem(rel, yamlio.line_of(text, keys), message))

    def commit_problem(self, commit: gitutil.CommitInfo, message: str) -> None:
        """A problem of a whole commit, shown at the first file it changes."""
        paths = sorted(self.touched.get(commit.sha, ()))
        where = self.store.rel(self.top / (paths[0] if paths else self.providers_rel))
        self.problems.append(Problem(gitutil.escaped(where), None, message))


def _catalogue_at(store: Store, top: Path, rev: str) -> Catalogue:
    rel = (store.root / PROVIDERS_FILE).relative_to(top).as_posix()
    text = gitutil.show(top, rev, rel)
    if text is not None:
        try:
            return files.catalogue_from_text(store.root / PROVIDERS_FILE, text)
        except Exception:  # noqa: BLE001 - fall back to today's file
            pass
    return store.catalogue


def yaml_doc(text: str | None) -> dict[str, Any] | None:
    """A version's YAML mapping; None when it is absent, unreadable or not a mapping."""
    if text is None or text == UNREADABLE:
        return None
    try:
        data = yamlio.load(text)
    except Exception:  # noqa: BLE001 - an unreadable version is reported by the plain check
        return None
    return data if isinstance(data, dict) else None
