"""What `check --base` requires of the survey answers a branch writes
(`surveys/<quarter>/<provider>/<person>.yaml`).

`prcheck` finds the paths a branch touches, refuses those that are not canonical answer
paths or not regular files (`path_check.py`), and reads each version without following a
link; here, each change of an answer file on the branch, commit by commit, keeps every
earlier answer of its history unchanged and in order and appends the new ones; each new
answer is by the person of the file, committed by them (the commit's author, or their
GitHub noreply address) and dated plausibly (`provenance.py`; signed when required),
exactly as for request entries; the file stays where its content says it belongs; a change
that alters the answer without a new entry is refused, and an answer file is never deleted.
The plain check of answer files is `store/answer_files.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from icsvc.domain.answers import Answer, AnswerEntry, Response, parse_answer
from icsvc.git.branch_walk import BranchWalk
from icsvc.git.provenance import provenance
from icsvc.store import files, gitutil, yamlio
from icsvc.store.answer_files import path_problem
from icsvc.store.validate import Problem


def _lost(parents: list[str | None], new: str | None) -> bool:
    """Whether a merge that took one side whole dropped answers of the other."""
    mine = _entry_keys(new)
    return any(not _entry_keys(p) <= mine for p in parents)


def _entry_keys(text: str | None) -> set[str]:
    answer = _parse(text)
    return {_key(e) for e in answer.history} if answer is not None else set()


def _key(entry: AnswerEntry) -> str:
    return yamlio.dump(entry.to_dict())


def _parse(text: str | None, path: Path = Path("answer.yaml")) -> Answer | None:
    if text is None:
        return None
    try:
        return files.from_text(path, text, parse_answer)
    except Exception:  # noqa: BLE001 - the plain check reports unreadable files
        return None


class AnswerJudge:
    """The answers a branch writes (`prcheck` finds the paths; the walk reads the versions,
    never through a symlink)."""

    def __init__(self, walk: BranchWalk) -> None:
        self.walk = walk
        self.store = walk.store
        self.prefix = walk.prefix
        self.base = walk.base

    def files(self, paths: list[str]) -> None:
        """The problems of these answer files (paths from the repository's root), commit
        by commit, then in the work tree."""
        for rel in paths:
            self.file(rel)

    def add(self, rel: str, text: str | None, keys: list[str | int], message: str) -> None:
        line = yamlio.line_of(text, keys) if text else None
        self.walk.problems.append(Problem(self.store.rel(self.walk.top / rel), line, message))

    def _parse(self, rel: str, text: str | None) -> Answer | None:
        return _parse(text, self.store.root / rel[len(self.prefix):])

    def file(self, rel: str) -> None:
        """Every change of one answer file: commit by commit, then the work tree."""
        walk = self.walk
        versions: dict[str, str | None] = {}

        def at(rev: str) -> str | None:
            if rev not in versions:
                versions[rev] = walk.at(rev, rel) if rev else walk.in_work_tree(rel)
            return versions[rev]

        last = walk.last_readable(at, lambda t: t is None or self._parse(rel, t) is not None)
        for commit in walk.commits:
            new = at(commit.sha)
            if new is not None and self._parse(rel, new) is None:
                continue  # not judged itself: the next readable version is
            parents = [last(p) for p in commit.parents]
            if len(parents) > 1:
                if new not in parents or _lost(parents, new):
                    self.merge(rel, parents, new, commit, f"merge commit {commit.sha[:10]}")
            elif not parents or new != parents[0]:
                self.step(rel, parents[0] if parents else None, new, commit,
                          f"commit {commit.sha[:10]}")
        work = at("")
        if work != at(walk.head) and (work is None or self._parse(rel, work) is not None):
            self.step(rel, last(walk.head), work, None, "the next commit (not committed yet)")

    def step(self, rel: str, old_text: str | None, new_text: str | None,
             commit: gitutil.CommitInfo | None, where: str) -> None:
        if new_text is None:
            if old_text is not None:
                self.add(rel, old_text, [], f"survey answer deleted since {self.base} "
                                            f"({where}): answers are never deleted (answer "
                                            "again to change one)")
            return
        new = self._parse(rel, new_text)
        if new is None:
            return
        old = self._parse(rel, old_text)
        if old_text is not None and old is None:
            return  # an unreadable parent: the plain check reported it there
        misplaced = path_problem(self.store.root, self.store.root / rel[len(self.prefix):],
                                 new)
        if misplaced is not None:
            name, problem = misplaced
            self.add(rel, new_text, [name] if name else [],
                     f"{name + ': ' if name else ''}{problem} ({where})")
        kept = old.history if old is not None else []
        if [_key(e) for e in new.history[:len(kept)]] != [_key(e) for e in kept]:
            i = next((i for i, (a, b) in enumerate(zip(kept, new.history, strict=False))
                      if _key(a) != _key(b)), min(len(kept), len(new.history)))
            gone = kept[i]
            self.add(rel, new_text, ["history"],
                     f"history: the answer {i} ({gone.rating}/5 at {gone.at.isoformat()} by "
                     f"{gone.by}) was edited or removed in {where}; an answer's history is "
                     "append-only: restore it and answer again with 'icsvc survey answer'")
            return
        if old is not None:
            for name in ("quarter", "provider", "person"):
                if getattr(old, name) != getattr(new, name):
                    self.add(rel, new_text, [name], f"{name}: changed in {where}; an answer "
                                                    "stays about its quarter, provider and "
                                                    "person")
        said = old.responses if old is not None else []
        if [_rkey(r) for r in new.responses[:len(said)]] != [_rkey(r) for r in said]:
            self.add(rel, new_text, ["responses"],
                     f"responses: a response was edited or removed in {where}; responses "
                     "are append-only: restore it and respond again with 'icsvc survey "
                     "respond'")
            return
        for i in range(len(said), len(new.responses)):
            self._response(rel, new_text, new, i, commit, where)
        added = new.history[len(kept):]
        if old is not None and not added and _data(old) != _data(new):
            self.add(rel, new_text, [], f"changed in {where} without a new answer in its "
                                        f"history; only {new.person} changes their answer, "
                                        "with 'icsvc survey answer'")
        self._entries(rel, new_text, new, len(kept), commit, where)

    def merge(self, rel: str, parents: list[str | None], new_text: str | None,
              commit: gitutil.CommitInfo, where: str) -> None:
        if new_text is None:
            shown = next((p for p in parents if p is not None), None)
            if shown is not None:
                self.add(rel, shown, [], f"survey answer deleted in {where}")
            return
        new = self._parse(rel, new_text)
        if new is None:
            return
        mine = {_key(e) for e in new.history}
        theirs: set[str] = set()
        for parent in parents:
            keys = _entry_keys(parent)
            theirs |= keys
            if not keys <= mine:
                self.add(rel, new_text, ["history"], f"history: {where} lost answers of one of "
                                                     "its parents; a merge keeps every answer "
                                                     "of both sides, in time order")
                break
        for i, entry in enumerate(new.history):
            if _key(entry) not in theirs:
                self._entry(rel, new_text, new, i, commit, where)

    def _response(self, rel: str, text: str, new: Answer, i: int,
                  commit: gitutil.CommitInfo | None, where: str) -> None:
        response = new.responses[i]
        provider = self.walk.cat.providers.get(new.provider)
        if provider is not None and not provider.is_member(response.by):
            self.add(rel, text, ["responses", i, "by"],
                     f"responses[{i}].by: {response.by} is not a member of {new.provider}; "
                     "only its members respond to its survey answers")
        for problem in provenance(self.walk, response.by, response.at, False,
                                  self.walk.step_of(commit), where):
            self.add(rel, text, ["responses", i], f"responses[{i}] (response by "
                                                  f"{response.by}): {problem}")

    def _entries(self, rel: str, text: str, new: Answer, first: int,
                 commit: gitutil.CommitInfo | None, where: str) -> None:
        for i in range(first, len(new.history)):
            self._entry(rel, text, new, i, commit, where)

    def _entry(self, rel: str, text: str, new: Answer, i: int,
               commit: gitutil.CommitInfo | None, where: str) -> None:
        entry = new.history[i]
        for problem in provenance(self.walk, entry.by, entry.at, False,
                                  self.walk.step_of(commit), where):
            self.add(rel, text, ["history", i], f"history[{i}] (answer by {entry.by}): "
                                                f"{problem}")


def _data(answer: Answer) -> dict[str, Any]:
    return {k: v for k, v in answer.to_dict().items() if k not in ("history", "responses")}


def _rkey(response: Response) -> str:
    return yamlio.dump(response.to_dict())
