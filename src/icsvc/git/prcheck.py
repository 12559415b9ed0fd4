"""`icsvc check --base REV`: what a branch changes since it left REV, judged by replay.

Every commit of the branch (and the uncommitted work tree, as the next commit) is judged on
its own, against the version of each request its parent had:
- a commit's request file keeps every entry its parent had, unchanged and in order, and only
  appends entries dated no earlier than the newest one;
- the new entries are replayed through the same rules as the commands (`history.Replay`:
  who may write each entry, what it requires, with providers.yaml as it is at the merge
  base, so a branch cannot add its author to a team and use the new rights in the same
  pull request), and every field of the file must equal the replayed state: a field no
  entry changed never changes;
- a new request is exactly what `icsvc new` writes for its author at its creation time;
- each new entry's `by` is the commit's author (or the author's GitHub noreply address of
  the login `people:` maps to `by`), its `at` is not after the commit's date and not before
  the branch left the base (both within `settings.clock_tolerance`), and with
  `--require-signed` the commit is signed by a key `people:` lists for `by`;
- a merge commit holds the union of its parents' entries plus the merge driver's
  `conflict` entries (by merge@icsvc), each either recording the value the merge kept or
  clearing an owner who is not a member of the request's provider;
- request files are not deleted (a redirect moves one; cancel, decline or close instead);
- survey answers (`surveycheck.py`): each new answer is its person's, judged by the same
  provenance rules; an answer's history only grows, and answer files are not deleted;
- `providers.yaml`: calendars, settings, departments, people and admins change only by an
  admin; a provider's section by an admin or that provider's escalation contact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from icsvc.domain import history
from icsvc.domain.catalogue import Catalogue
from icsvc.domain.history import MERGE_IDENTITY, Replay, words
from icsvc.domain.history.entries import entry_key
from icsvc.domain.history.kinds import Conflict
from icsvc.domain.history.request import Request
from icsvc.errors import IcsvcError
from icsvc.git import signing
from icsvc.store import files, gitutil, yamlio
from icsvc.store.store import PROVIDERS_FILE, REQUESTS_DIR, Store
from icsvc.store.validate import Problem

NOREPLY = re.compile(r"^(?:\d+\+)?([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)@users\.noreply\.github\.com$",
                     re.IGNORECASE)


@dataclass(frozen=True)
class Step:
    """One change of one file: from the parent's version to a commit's (or the work tree's)."""

    commit: gitutil.CommitInfo | None
    """None: the uncommitted work tree."""
    author: str
    date: datetime
    """The commit's committer date (now, for the work tree)."""
    fork: datetime
    """When the branch left the base, as this commit sees it."""


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

    def requests(self) -> set[str] | None:
        """The request files (paths from the store's root) to check, ignored ones too:
        a pull request's check looks at these only, as the base's were checked when they
        were merged. None (check every file) when providers.yaml changed (every request is
        checked against it)."""
        n = len(self.prefix)
        paths = {p[n:] for p in self.paths | self.ignored if p.startswith(self.prefix)}
        if PROVIDERS_FILE in paths:
            return None
        return {p for p in paths if p.startswith(f"{REQUESTS_DIR}/")}

    def under(self, folder: str) -> set[str]:
        """The paths (from the repository's root) in `folder`, ignored ones left out."""
        return {p for p in self.paths if p.startswith(f"{folder}/")}


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
    return BranchDiff(top, mb, prefix, frozenset({*committed, *(state.paths - state.ignored)}),
                      state.ignored)


def check_branch(store: Store, base: str, now: datetime,
                 require_signed: bool | None = None, diff: BranchDiff | None = None
                 ) -> list[Problem]:
    """`diff`: the paths the branch changes, when the caller asked git already."""
    top = gitutil.require_repo(store.root)
    if gitutil.resolve(top, base) is None:
        raise IcsvcError(
            f"--base: {base!r} names no commit in {top} (fetch it first, e.g. 'git fetch "
            "origin main'; in GitHub Actions check out with fetch-depth: 0)"
        )
    if gitutil.head(top) is None:
        raise IcsvcError("--base: this repository has no commits yet")
    mb = gitutil.merge_base(top, base, "HEAD")
    if mb is None:
        raise IcsvcError(f"--base: {base!r} and HEAD have no common history")
    checker = _Branch(store, top, base, mb, now)
    checker.diff = diff if diff is not None and (diff.top, diff.merge_base) == (top, mb) \
        else None
    if require_signed is None:
        require_signed = checker.cat.settings.require_signed
    checker.require_signed = require_signed
    return checker.run()


class _Branch:
    def __init__(self, store: Store, top: Path, base: str, mb: str, now: datetime) -> None:
        self.store = store
        self.top = top
        self.base = base
        self.mb = mb
        self.now = now
        self.cat = _catalogue_at(store, top, mb)
        self.folder = (store.root / "requests").relative_to(top).as_posix()
        self.providers_rel = (store.root / PROVIDERS_FILE).relative_to(top).as_posix()
        self.blobs = gitutil.BlobReader(top)
        self.problems: list[Problem] = []
        self.require_signed = False
        self._forks: dict[str, datetime] = {}
        self._signatures: dict[str, tuple[str, str]] = {}
        self.diff: BranchDiff | None = None

    # -- the walk ------------------------------------------------------------------------

    def run(self) -> list[Problem]:
        try:
            commits = gitutil.commits_between(self.top, self.mb, "HEAD")
            changed = (self.diff.under(self.folder) if self.diff is not None
                       else set(gitutil.changed_paths(self.top, self.mb, self.folder)))
            # and what a commit changed and a later one changed back: history is
            # append-only on the way too
            changed |= gitutil.paths_touched(self.top, self.mb, [self.folder])
            rids = sorted({PurePosixPath(p).stem.upper() for p in changed
                           if p.endswith((".yaml", ".yml"))})
            folders = self._folders()
            self.blobs.look_for({f"{self.folder}/{folder}/{rid}{suffix}" for rid in rids
                                 for folder in folders for suffix in (".yaml", ".yml")})
            for rid in rids:
                self._request(rid, commits, folders)
            self._catalogue(commits)
            self._surveys(commits)
            return self.problems
        finally:
            self.blobs.close()

    def _folders(self) -> list[str]:
        """Provider folders a request may be in: the providers at the base, and the folders
        of the work tree."""
        names = set(self.cat.providers)
        names |= {p.name for p in (self.store.root / "requests").iterdir() if p.is_dir()} \
            if (self.store.root / "requests").is_dir() else set()
        return sorted(names)

    def _find(self, rev: str, rid: str, folders: list[str]) -> tuple[str, str] | None:
        """(path, text) of request `rid` at `rev`, wherever its provider folder."""
        return self._one(self._copies(rev, rid, folders, self.blobs.text), rid, folders)

    def _copies(self, rev: str, rid: str, folders: list[str],
                read: Any) -> list[tuple[str, str]]:
        found = []
        for folder in folders:
            for suffix in (".yaml", ".yml"):
                path = f"{self.folder}/{folder}/{rid}{suffix}"
                text = read(rev, path)
                if text is not None:
                    found.append((path, text))
        return found

    def _one(self, copies: list[tuple[str, str]], rid: str, folders: list[str],
             with_base: bool = True) -> tuple[str, str] | None:
        """One version of a request: a request redirected to two providers on two branches
        and merged by plain git sits in two folders until 'icsvc sync' merges the copies;
        its version is then what that merge makes of them."""
        if len(copies) < 2:
            return copies[0] if copies else None
        from icsvc.git.merge import MergeError, merge_requests

        base = self._one(self._copies(self.mb, rid, folders, self.blobs.text), rid, folders,
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

    def _worktree(self, rid: str, folders: list[str]) -> tuple[str, str] | None:
        def read(_: str, path: str) -> str | None:
            full = self.top / path
            if not full.is_file():
                return None
            try:
                return full.read_text("utf-8")
            except (OSError, UnicodeDecodeError):
                return None

        return self._one(self._copies("", rid, folders, read), rid, folders)

    def _request(self, rid: str, commits: list[gitutil.CommitInfo], folders: list[str]) -> None:
        versions: dict[str, tuple[str, str] | None] = {self.mb: self._find(self.mb, rid,
                                                                           folders)}
        for commit in commits:
            versions[commit.sha] = self._find(commit.sha, rid, folders)
            for parent in commit.parents:
                if parent not in versions:
                    versions[parent] = self._find(parent, rid, folders)
            new = versions[commit.sha]
            parents = [versions[p] for p in commit.parents]
            if all(_text(new) == _text(p) for p in parents[:1]) and len(parents) < 2:
                continue
            step = Step(commit, commit.author, commit.committed, self._fork(commit))
            if len(parents) >= 2:
                if any(_text(new) == _text(p) for p in parents) and _merge_trivial(
                        self, commit, rid, folders, versions, new):
                    continue
                self._merge(rid, commit, versions, folders, new)
            else:
                self._step(rid, parents[0] if parents else None, new, step)
        head = versions.get(commits[-1].sha) if commits else versions[self.mb]
        work = self._worktree(rid, folders)
        if _text(work) != _text(head):
            author = gitutil.author_email(self.top) or ""
            fork = self._fork_of("HEAD")
            self._step(rid, head, work, Step(None, author, self.now, fork))

    def _fork(self, commit: gitutil.CommitInfo) -> datetime:
        return self._fork_of(commit.sha)

    def _fork_of(self, rev: str) -> datetime:
        if rev not in self._forks:
            mb = gitutil.merge_base(self.top, self.base, rev) or self.mb
            self._forks[rev] = gitutil.commit_date(self.top, mb)
        return self._forks[rev]

    def _surveys(self, commits: list[gitutil.CommitInfo]) -> None:
        """Survey answers (`surveycheck.py`): each new answer is judged by the provenance
        rules of request entries (the commit's author, its date, its signature)."""
        from icsvc.reports import surveycheck

        def provenance(by: str, at: datetime, commit: gitutil.CommitInfo | None,
                       where: str) -> list[str]:
            step = (Step(commit, commit.author, commit.committed, self._fork(commit))
                    if commit is not None else
                    Step(None, gitutil.author_email(self.top) or "", self.now,
                         self._fork_of("HEAD")))
            return self._provenance(by, at, False, step, where)

        self.problems.extend(surveycheck.check_branch(self.store, self.top, self.mb, self.base,
                                                      commits, self.blobs, provenance))

    # -- one step ------------------------------------------------------------------------

    def _add(self, path: str, text: str, keys: list[str | int], message: str) -> None:
        rel = self.store.rel(self.top / path)
        self.problems.append(Problem(rel, yamlio.line_of(text, keys), message))

    def _parse(self, version: tuple[str, str] | None) -> Request | None:
        if version is None:
            return None
        path, text = version
        try:
            return files.request_from_text(self.top / path, text)
        except Exception:  # noqa: BLE001 - the plain check reports unreadable files
            return None

    def _step(self, rid: str, old_version: tuple[str, str] | None,
              new_version: tuple[str, str] | None, step: Step) -> None:
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
        if old is not None:
            keep = len(old.history)
            same = [e.key for e in old.history] == \
                [e.key for e in new.history[:keep]]
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
        """Who wrote an entry (`conflict`: a merge driver's) and when, as the commit proves
        it."""
        out: list[str] = []
        if conflict or by == MERGE_IDENTITY:
            if not conflict or by != MERGE_IDENTITY:
                out.append(f"only the merge driver writes 'conflict' entries, and they are by "
                           f"{MERGE_IDENTITY}")
            return out
        if step.author and not self._is_author(by, step.author):
            out.append(f"{by} is not the author of {where} that adds this entry "
                       f"({step.author}); entries must be committed by the person they name "
                       "(git commit --author, or have them commit it)")
        tolerance = self.cat.settings.clock_tolerance
        if at > step.date + tolerance:
            out.append(f"dated {at.isoformat()}, after {where} was made "
                       f"({step.date.isoformat()}); an entry cannot come from the future")
        if at < step.fork - tolerance:
            out.append(f"dated {at.isoformat()}, before the branch left {self.base} "
                       f"({step.fork.isoformat()}); entries are written when things happen")
        if self.require_signed:
            out.extend(self._signed(by, step, where))
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

    def _signed(self, by: str, step: Step, where: str) -> list[str]:
        if step.commit is None:
            return ["not committed, so not signed (settings.require_signed)"]
        sha = step.commit.sha
        if sha not in self._signatures:
            self._signatures[sha] = gitutil.signature(self.top, sha,
                                                      signing.allowed_signers(self.cat))
        status, signer = self._signatures[sha]
        if status != "G":
            return [f"{where} is not signed by a key providers.yaml lists (people: ... "
                    f"signing_keys) (git says {_SIGNATURE_WORDS.get(status, status)}); sign "
                    "it: 'icsvc git-setup' configures signing"]
        if signer.lower() != by:
            return [f"{where} is signed by {signer}'s key, not {by}'s"]
        return []

    # -- merges --------------------------------------------------------------------------

    def _merge(self, rid: str, commit: gitutil.CommitInfo,
               versions: dict[str, tuple[str, str] | None], folders: list[str],
               new_version: tuple[str, str] | None) -> None:
        where = f"merge commit {commit.sha[:10]}"
        parents = [self._parse(versions[p]) for p in commit.parents]
        if new_version is None:
            if any(p is not None for p in parents):
                shown = next(v for v in (versions[p] for p in commit.parents) if v is not None)
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
        for i, entry in enumerate(new.history):
            if entry.key in theirs:
                continue
            if entry.type != "conflict" or entry.by != MERGE_IDENTITY:
                found.append((["history", i], f"history[{i}] ({entry.type} by {entry.by}): "
                                              f"added by {where}; a merge adds only the merge "
                                              f"driver's conflict entries (by {MERGE_IDENTITY})"))
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
                                                  f"{problem.say()}"))
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

    def _catalogue(self, commits: list[gitutil.CommitInfo]) -> None:
        rel = self.providers_rel
        steps: list[tuple[str | None, str | None, Step]] = []
        previous: dict[str, str | None] = {}

        def at(rev: str) -> str | None:
            if rev not in previous:
                previous[rev] = self.blobs.text(rev, rel)
            return previous[rev]

        for commit in commits:
            if len(commit.parents) != 1:
                continue
            old, new = at(commit.parents[0]), at(commit.sha)
            if old != new:
                steps.append((old, new, Step(commit, commit.author, commit.committed,
                                             self._fork(commit))))
        head = at(commits[-1].sha) if commits else at(self.mb)
        try:
            work: str | None = (self.store.root / PROVIDERS_FILE).read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            work = None
        if work != head:
            steps.append((head, work, Step(None, gitutil.author_email(self.top) or "",
                                           self.now, self.now)))
        for old, new, step in steps:
            self._catalogue_step(old, new, step)

    def _catalogue_step(self, old_text: str | None, new_text: str | None, step: Step) -> None:
        old, new = _yaml(old_text), _yaml(new_text)
        if old is None or new is None:
            return
        where = (f"commit {step.commit.sha[:10]}" if step.commit is not None
                 else "the next commit (not committed yet)")
        admins = set(self.cat.admins)
        author = step.author
        for section in sorted(set(old) | set(new)):
            if section == "providers":
                continue
            if _key(old.get(section)) == _key(new.get(section)):
                continue
            if not admins:
                if section == "admins" and old.get("admins") is None and all(
                        _key(old.get(k)) == _key(new.get(k)) for k in set(old) | set(new)
                        if k != "admins"):
                    continue  # the first admins list: how a store gets its owners
                self._catalogue_problem(new_text or "", [section],
                                        f"{section}: changed in {where}, but providers.yaml "
                                        "has no admins; add 'admins:' first, on its own")
            elif not self._is_any_author(admins, author):
                self._catalogue_problem(new_text or "", [section],
                                        f"{section}: changed in {where} by {author}; only an "
                                        f"admin ({', '.join(sorted(admins))}) may change it")
        old_p, new_p = old.get("providers") or {}, new.get("providers") or {}
        if not isinstance(old_p, dict) or not isinstance(new_p, dict):
            return
        for pid in sorted(set(old_p) | set(new_p), key=str):
            if _key(old_p.get(pid)) == _key(new_p.get(pid)):
                continue
            provider = self.cat.providers.get(str(pid))
            owners = set(admins) | ({provider.escalation} if provider is not None else set())
            if not self._is_any_author(owners, author):
                who = " or ".join(
                    ([f"an admin ({', '.join(sorted(admins))})"] if admins else [])
                    + ([f"its escalation contact ({provider.escalation})"]
                       if provider is not None else [])) or "an admin"
                self._catalogue_problem(new_text or "", ["providers", str(pid)],
                                        f"providers.{pid}: changed in {where} by {author}; "
                                        f"only {who} may change it")

    def _is_any_author(self, emails: set[str], author: str) -> bool:
        return any(self._is_author(email, author) for email in emails)

    def _catalogue_problem(self, text: str, keys: list[str | int], message: str) -> None:
        rel = self.store.rel(self.store.root / PROVIDERS_FILE)
        self.problems.append(Problem(rel, yamlio.line_of(text, keys) if text else 1, message))


_SIGNATURE_WORDS = {"N": "no signature", "B": "a bad signature", "U": "a key it does not know",
                    "X": "an expired signature", "Y": "an expired key", "R": "a revoked key",
                    "E": "it cannot check the signature"}


def _merge_trivial(branch: _Branch, commit: gitutil.CommitInfo, rid: str, folders: list[str],
                   versions: dict[str, tuple[str, str] | None],
                   new: tuple[str, str] | None) -> bool:
    """A merge that took one side's version whole, when the other side did not change the
    request since they parted: nothing to check."""
    if len(commit.parents) != 2:
        return False
    base = gitutil.merge_base(branch.top, commit.parents[0], commit.parents[1])
    if base is None:
        return False
    if base not in versions:
        versions[base] = branch._find(base, rid, folders)
    base_text = _text(versions[base])
    one, two = (_text(versions[p]) for p in commit.parents)
    took = _text(new)
    return (took == one and two == base_text) or (took == two and one == base_text)


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
    if text is None:
        return None
    try:
        data = yamlio.load(text)
    except Exception:  # noqa: BLE001 - an unreadable version is reported by the plain check
        return None
    return data if isinstance(data, dict) else None


def _key(value: Any) -> str:
    key: str = entry_key(value)
    return key


def _text(version: tuple[str, str] | None) -> str | None:
    return None if version is None else version[1]




__all__ = ["check_branch"]
