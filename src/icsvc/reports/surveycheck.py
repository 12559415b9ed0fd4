"""`icsvc check` of survey answers (`surveys/<quarter>/<provider>/<person>.yaml`), and what
`check --base` requires of the answers a branch writes.

`check`: every answer file is valid on its own (`survey.parse_answer`: keys, ratings, a
history in time order by the person, fields equal to the latest answer), is where its
content says (quarter, provider and person match the path), names a provider of
providers.yaml, was given once its quarter had begun, and its person made a request to
the provider in that quarter (from a department those requests name).

`check --base` (called by `prcheck`, which finds the paths a branch touches, refuses those
that are not canonical answer paths or not regular files, and reads each version without
following a link): each change of an answer file on the branch, commit by commit, keeps
every earlier answer of its history unchanged and in order and appends the new ones; each
new answer is by the person of the file, committed by them (the commit's author, or their
GitHub noreply address) and dated plausibly (`prcheck`'s time rules; signed when required),
exactly as for request entries; the file stays where its content says it belongs; a change
that alters the answer without a new entry is refused, and an answer file is never deleted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from icsvc.domain.catalogue import Catalogue
from icsvc.domain.checker import NAME
from icsvc.errors import ValidationError
from icsvc.reports import survey
from icsvc.reports.survey import SURVEYS_DIR, Answer, Asked, Quarter
from icsvc.store import files, gitutil, yamlio
from icsvc.store.store import Store
from icsvc.store.validate import Problem

# -- check ------------------------------------------------------------------------------------


def check_files(store: Store, cat: Catalogue) -> tuple[list[Problem], int]:
    """The problems of every answer file, and how many files there are."""
    paths, skipped = survey.answer_files(store.root)
    problems = [Problem(store.rel(path), 1, problem) for path, problem in skipped]
    if not paths:
        return problems, 0
    answers: list[tuple[Path, Answer]] = []
    for path in paths:
        try:
            answers.append((path, survey.load_answer(path)))
        except ValidationError as exc:
            field = f"{exc.field}: " if exc.field else ""
            problems.append(Problem(store.rel(exc.path), exc.line, f"{field}{exc.problem}"))
    quarters = sorted({a.quarter for _, a in answers})
    requests = store.load_all(where=survey.created_within(quarters)) if quarters else []
    asked: dict[Quarter, dict[tuple[str, str], Asked]] = {
        q: survey.requesters(requests, cat, q) for q in quarters}
    for path, answer in answers:
        problems.extend(_file_problems(store, cat, path, answer, asked[answer.quarter]))
    return problems, len(paths)


def _file_problems(store: Store, cat: Catalogue, path: Path, a: Answer,
                   asked: dict[tuple[str, str], Asked]) -> list[Problem]:
    rel = store.rel(path)
    text = _read(path)
    out: list[Problem] = []

    def add(keys: list[str | int], message: str) -> None:
        out.append(Problem(rel, yamlio.line_of(text, keys) if text else None, message))

    misplaced = survey.path_problem(store.root, path, a)
    if misplaced is not None:
        name, problem = misplaced
        add([name] if name else [], f"{name}: {problem}" if name else problem)
    if a.provider not in cat.providers:
        add(["provider"], f"provider: unknown provider {a.provider!r} "
                          f"(accepted: {', '.join(cat.providers)})")
        return out
    tz = cat.providers[a.provider].calendar.tz
    start, _ = a.quarter.bounds(tz)
    for i, entry in enumerate(a.history):
        if entry.at < start:
            add(["history", i, "at"],
                f"history[{i}].at: {entry.at.isoformat()} is before {a.quarter} began for "
                f"{a.provider} ({start.isoformat()}); a quarter is answered about once it "
                "has begun")
            break
    mine = asked.get((a.provider, a.person))
    why = survey.may_answer(mine, a.person, a.provider, a.quarter)
    if why is not None:
        add(["person"], f"person: {why}")
    elif mine is not None and a.department not in mine.departments:
        add(["department"], f"department: {a.department!r} is not the department of "
                            f"{a.person}'s requests to {a.provider} in {a.quarter} "
                            f"(accepted: {', '.join(sorted(mine.departments))})")
    return out


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


# -- check --base -----------------------------------------------------------------------------

Provenance = Callable[[str, datetime, "gitutil.CommitInfo | None", str], list[str]]
"""(by, at, commit or None for the work tree, where) -> what is wrong with who wrote an
entry and when, as the commit proves it (`prcheck`'s rules for request entries)."""
Read = Callable[[str, str], "str | None"]
"""(revision, or '' for the work tree; path from the repository's root) -> the text there."""
LastReadable = Callable[[Callable[[str], "str | None"], Callable[["str | None"], bool]],
                        Callable[[str], "str | None"]]
"""`prcheck`'s way to the last readable version before a revision on the branch."""

_QUARTER_LABEL = re.compile(r"^\d{4}Q[1-4]$")


def name_problem(rel: str) -> str | None:
    """Why a path (from the store's root) that a branch touches is not a survey answer's
    canonical path (`survey.answer_path`), from its name alone."""
    parts = rel.split("/")
    if (len(parts) == 4 and parts[0] == SURVEYS_DIR and _QUARTER_LABEL.match(parts[1])
            and NAME.match(parts[2]) and parts[3].endswith(".yaml")):
        stem = parts[3].removesuffix(".yaml")
        try:
            person = unquote(stem, errors="strict")
        except UnicodeDecodeError:
            person = ""
        if person and survey.file_stem(person) == stem:
            return None
    return ("not a survey answer's name: an answer is surveys/<quarter>/<provider>/<person>"
            ".yaml (e.g. surveys/2026Q4/engineering/maria@example.com.yaml), and nothing "
            "else is kept in surveys/")


def _lost(parents: list[str | None], new: str | None) -> bool:
    """Whether a merge that took one side whole dropped answers of the other."""
    mine = _entry_keys(new)
    return any(not _entry_keys(p) <= mine for p in parents)


def _entry_keys(text: str | None) -> set[str]:
    answer = _parse(text)
    return {_key(e) for e in answer.history} if answer is not None else set()


def _key(entry: survey.AnswerEntry) -> str:
    return yamlio.dump(entry.to_dict())


def _parse(text: str | None, path: Path = Path("answer.yaml")) -> Answer | None:
    if text is None:
        return None
    try:
        return files.from_text(path, text, survey.parse_answer)
    except Exception:  # noqa: BLE001 - the plain check reports unreadable files
        return None


class BranchJudge:
    """The answers a branch writes (called by `prcheck`, which finds the paths and reads
    the versions: never through a symlink)."""

    def __init__(self, store: Store, top: Path, prefix: str, base: str,
                 provenance: Provenance, read: Read, last_readable: LastReadable) -> None:
        self.store = store
        self.top = top
        self.prefix = prefix
        self.base = base
        self.provenance = provenance
        self.read = read
        self.last_readable = last_readable
        self.problems: list[Problem] = []

    def files(self, paths: list[str], commits: list[gitutil.CommitInfo],
              head: str) -> list[Problem]:
        """The problems of these answer files (paths from the repository's root), commit
        by commit (`commits`: parents first), then in the work tree."""
        for rel in paths:
            self.file(rel, commits, head)
        return self.problems

    def add(self, rel: str, text: str | None, keys: list[str | int], message: str) -> None:
        line = yamlio.line_of(text, keys) if text else None
        self.problems.append(Problem(self.store.rel(self.top / rel), line, message))

    def _parse(self, rel: str, text: str | None) -> Answer | None:
        return _parse(text, self.store.root / rel[len(self.prefix):])

    def file(self, rel: str, commits: list[gitutil.CommitInfo], head: str) -> None:
        """Every change of one answer file: commit by commit, then the work tree."""
        versions: dict[str, str | None] = {}

        def at(rev: str) -> str | None:
            if rev not in versions:
                versions[rev] = self.read(rev, rel)
            return versions[rev]

        last = self.last_readable(at, lambda t: t is None or self._parse(rel, t) is not None)
        for commit in commits:
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
        if work != at(head) and (work is None or self._parse(rel, work) is not None):
            self.step(rel, last(head), work, None, "the next commit (not committed yet)")

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
        misplaced = survey.path_problem(self.store.root, self.store.root /
                                        rel[len(self.prefix):], new)
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

    def _entries(self, rel: str, text: str, new: Answer, first: int,
                 commit: gitutil.CommitInfo | None, where: str) -> None:
        for i in range(first, len(new.history)):
            self._entry(rel, text, new, i, commit, where)

    def _entry(self, rel: str, text: str, new: Answer, i: int,
               commit: gitutil.CommitInfo | None, where: str) -> None:
        entry = new.history[i]
        for problem in self.provenance(entry.by, entry.at, commit, where):
            self.add(rel, text, ["history", i], f"history[{i}] (answer by {entry.by}): "
                                                f"{problem}")


def _data(answer: Answer) -> dict[str, Any]:
    return {k: v for k, v in answer.to_dict().items() if k != "history"}


__all__ = ["BranchJudge", "check_files", "name_problem"]
