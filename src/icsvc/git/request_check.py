"""What `check --base` requires of the request files a branch changes, commit by commit.

- A commit's request file keeps every entry its parent had, unchanged and in order, and
  only appends entries (`RequestJudge.step`); request files are not deleted (a redirect
  moves one; cancel, decline or close instead).
- The new entries are replayed through the same rules as the commands (`history.Replay`:
  who may write each entry, what it requires, with providers.yaml as it is at the merge
  base, so a branch cannot add its author to a team and use the new rights in the same
  pull request), and every field of the file must equal the replayed state: a field no
  entry changed never changes.
- A new request is exactly what `icsvc new` writes for its author at its creation time.
- Each new entry was written by the commit's author, when the commit says
  (`provenance.py`).
- A merge commit holds the union of its parents' entries plus the merge driver's
  `conflict` entries (`RequestJudge.merge`); a merge that took one side's version whole,
  when the other side did not change the request, is not judged.

A request redirected to two providers on two branches and merged by plain git sits in two
folders until `icsvc sync` merges the copies; its version is what that merge makes of them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from icsvc.domain import history
from icsvc.domain.history import MERGE_IDENTITY, Replay, RequestState, words
from icsvc.domain.history.kinds import Conflict
from icsvc.domain.history.request import Request
from icsvc.git.branch_walk import UNREADABLE, BranchWalk, Step, yaml_doc
from icsvc.git.provenance import provenance
from icsvc.store import files, gitutil, yamlio
from icsvc.store.store import path_problem

Version = tuple[str, str] | None
"""(path from the repository's root, text) of one request at one revision."""
Found = list[tuple[list[str | int], str]]
"""Problems of one version of a file: (keys to its line, message)."""


class RequestJudge:
    """The request files a branch changes, one request (by ID) at a time."""

    def __init__(self, walk: BranchWalk) -> None:
        self.walk = walk
        self.cat = walk.cat
        self._parsed: dict[tuple[str, str], Request | None] = {}

    # -- versions --------------------------------------------------------------------------

    def request(self, rid: str, folders: list[str]) -> None:
        """Every change of request `rid` (in any of those provider folders): commit by
        commit, then the work tree."""
        walk = self.walk
        found: dict[str, Version] = {}

        def at(rev: str) -> Version:
            if rev not in found:
                found[rev] = self._find(rev, rid, folders)
            return found[rev]

        last = walk.last_readable(at, lambda v: v is None or self.parse(v) is not None)
        for commit in walk.commits:
            new = at(commit.sha)
            if new is not None and self.parse(new) is None:
                continue  # not judged itself: the next readable version is
            parents = [last(p) for p in commit.parents]
            step = walk.step_of(commit)
            if len(parents) >= 2:
                if not self._merge_trivial(commit, parents, new, at):
                    self.merge(commit, parents, new)
                continue
            old = parents[0] if parents else None
            if _text(new) != _text(old):
                self.step(old, new, step)
        work = self._worktree(rid, folders)
        if _text(work) != _text(at(walk.head)) and (work is None or
                                                     self.parse(work) is not None):
            self.step(last(walk.head), work, walk.step_of(None))

    def _find(self, rev: str, rid: str, folders: list[str]) -> Version:
        """(path, text) of request `rid` at `rev`, wherever its provider folder."""
        return self._one(self._copies(rev, rid, folders, self.walk.at), rid, folders)

    def _copies(self, rev: str, rid: str, folders: list[str],
                read: Callable[[str, str], str | None]) -> list[tuple[str, str]]:
        found = []
        for folder in folders:
            path = f"{self.walk.folder}/{folder}/{rid}.yaml"
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

        base = self._one(self._copies(self.walk.mb, rid, folders, self.walk.at), rid,
                         folders, with_base=False) if with_base else None
        docs = [yaml_doc(text) for _, text in copies]
        base_doc = yaml_doc(base[1]) if base else None
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
        folder = f"{self.walk.folder}/{merged.get('provider')}/"
        path = next((p for p, _ in copies if p.startswith(folder)), copies[0][0])
        return path, yamlio.dump(merged)

    def _worktree(self, rid: str, folders: list[str]) -> Version:
        def read(_: str, path: str) -> str | None:
            return self.walk.in_work_tree(path)

        return self._one(self._copies("", rid, folders, read), rid, folders)

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
        base = self.walk.merge_base(commit.parents[0], commit.parents[1])
        if base is None:
            return False
        base_text = _text(at(base))
        one, two = texts
        return (took == one and two == base_text) or (took == two and one == base_text)

    def parse(self, version: Version) -> Request | None:
        """The request of a version; None when it is absent or cannot be read (the plain
        check reports a file left unreadable)."""
        if version is None or version[1] == UNREADABLE:
            return None
        if version not in self._parsed:
            path, text = version
            try:
                self._parsed[version] = files.request_from_text(self.walk.top / path, text)
            except Exception:  # noqa: BLE001 - the plain check reports unreadable files
                self._parsed[version] = None
        return self._parsed[version]

    def _report(self, path: str, text: str, found: Found) -> None:
        for keys, message in found:
            self.walk.add(path, text, keys, message)

    # -- one step --------------------------------------------------------------------------

    def step(self, old_version: Version, new_version: Version, step: Step) -> None:
        """One commit's change of a request (or the work tree's), from its parent's
        version."""
        where = step.where
        if new_version is None:
            if old_version is not None:
                self.walk.add(old_version[0], old_version[1], [],
                              f"request file deleted since {self.walk.base} ({where}): "
                              "requests are never deleted (cancel, decline or close it; a "
                              "redirect moves the file)")
            return
        path, text = new_version
        new = self.parse(new_version)
        if new is None:
            return
        old = self.parse(old_version)
        if old_version is not None and old is None:
            return  # an unreadable parent: the plain check reported it there
        found: Found = []
        misplaced = path_problem(new, Path(path))
        if misplaced is not None:
            found.append((["id"], f"in {where}, {misplaced}"))
        if old is not None:
            assert old_version is not None
            if not self._appended(old, new, old_version[0], where, found):
                self._report(path, text, found)
                return
            state = history.from_file(old, self.cat)
            first_new = len(old.history)
        else:
            state = self._created(new, found)
            first_new = 0
        self._new_entries(state, new, first_new, step, found)
        self._report(path, text, found)

    def _appended(self, old: Request, new: Request, source: str, where: str,
                  found: Found) -> bool:
        """Whether `new` keeps every entry of `old`, unchanged and in order (else the
        problem is in `found`), and the fields no entry may change."""
        keep = len(old.history)
        if [e.key for e in old.history] != [e.key for e in new.history[:keep]]:
            i = next((i for i, (a, b) in enumerate(zip(old.history, new.history,
                                                       strict=False))
                      if a.key != b.key),
                     min(keep, len(new.history)))
            gone = old.history[i] if i < keep else None
            what = (f" ({gone.type} at {gone.at.isoformat()} by {gone.by})"
                    if gone is not None else "")
            found.append((["history"], f"history: the entry {i} of {source}{what} was "
                                       f"edited, removed or had entries inserted before it "
                                       f"in {where}; history is append-only: restore it "
                                       "and add a new entry"))
            return False
        for name in history.immutable_changes(old, new):
            found.append(([name], f"{name}: changed in {where}, but no entry may change "
                                  "it (it is fixed when the request is made)"))
        return True

    def _created(self, new: Request, found: Found) -> RequestState:
        """A new request must be what `icsvc new` writes; the state its first entries are
        replayed from."""
        state = history.initial_state(new)
        state.cat = self.cat
        for wrong in history.creation_problems(state, self.cat):
            found.append(([], f"a new request must be what 'icsvc new' writes: {wrong}"))
        if new.history[0].at != new.created_at:
            found.append((["created_at"], "created_at: differs from the 'created' entry"))
        return state

    def _new_entries(self, state: RequestState, new: Request, first_new: int, step: Step,
                     found: Found) -> None:
        """The entries from `first_new` on, replayed through the commands' rules and judged
        by who wrote them and when; then the file's fields against the replayed state."""
        where = step.where
        replay = Replay(state, self.cat)
        source = new.source or {}
        claimed = ((str(source["github_login"]), new.customer_email)
                   if source.get("unverified") and source.get("github_login") else None)
        for i in range(first_new, len(new.history)):
            entry = new.history[i]
            keys: list[str | int] = ["history", i]
            for rule in replay.add(entry):
                at = [*keys, rule.key] if rule.key else keys
                found.append((at, f"history[{i}] ({entry.type} by {entry.by}, {where}): "
                                  f"{rule.say()}"))
            found.extend((keys, f"history[{i}] ({entry.type} by {entry.by}): {said}")
                         for said in provenance(self.walk, entry.by, entry.at,
                                                isinstance(entry, Conflict), step, where,
                                                claimed))
        added = new.history[first_new:]
        for rule in history.consequences(state, self.cat, added):
            found.append((["targets"], f"targets: {rule.say()}"))
        for name, (mine, told) in history.differences(state, new).items():
            key = "customer" if name.startswith("customer_") else name
            found.append(([key], f"{key}: is {words(mine)} in {where} but the history says "
                                 f"{words(told)}; make changes with icsvc so they are recorded "
                                 "with who and when"))

    # -- merges ----------------------------------------------------------------------------

    def merge(self, commit: gitutil.CommitInfo, versions: list[Version],
              new_version: Version) -> None:
        """A merge commit's own change of a request, against each of its parents."""
        where = f"merge commit {commit.sha[:10]}"
        parents = [self.parse(v) for v in versions]
        if new_version is None:
            if any(p is not None for p in parents):
                shown = next(v for v in versions if v is not None)
                self.walk.add(shown[0], shown[1], [], f"request file deleted in {where}")
            return
        path, text = new_version
        new = self.parse(new_version)
        if new is None:
            return
        found: Found = []
        theirs = self._merged_entries(new, parents, where, found)
        misplaced = path_problem(new, Path(path))
        if misplaced is not None:
            found.append((["id"], f"in {where}, {misplaced}"))
        self._merge_added(new, parents, theirs, where, found)
        self._merged_fields(new, parents, theirs, where, found)
        self._report(path, text, found)

    @staticmethod
    def _merged_entries(new: Request, parents: list[Request | None], where: str,
                        found: Found) -> set[str]:
        """The entries of the parents (their keys); a merge loses none of them."""
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
        return theirs

    @staticmethod
    def _merge_added(new: Request, parents: list[Request | None], theirs: set[str],
                     where: str, found: Found) -> None:
        """A merge adds only the merge driver's conflict entries, dated at the newest entry
        of its parents, and keeps the history in time order."""
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

    def _merged_fields(self, new: Request, parents: list[Request | None], theirs: set[str],
                       where: str, found: Found) -> None:
        """The merged history replayed (the merge's conflict entries checked), and the
        file's fields against it."""
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


def _text(version: Version) -> str | None:
    return None if version is None else version[1]
