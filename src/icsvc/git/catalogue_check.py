"""What `check --base` requires of the changes a branch makes to `providers.yaml`: each
part has owners, as providers.yaml says at the merge base. Calendars, settings,
departments, people and admins change only by an admin; a provider's section by an admin
or that provider's escalation contact. Turning `settings.require_signed` off needs an
admin's signature, whatever the check requires.

A merge commit's own changes are the sections it neither took from a parent nor merged
cleanly (one parent changed a section while the other did not): those are its author's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from icsvc.domain.history.entries import entry_key
from icsvc.git.branch_walk import BranchWalk, Step, yaml_doc
from icsvc.git.commit_check import Signatures
from icsvc.git.provenance import is_author
from icsvc.store import gitutil, yamlio
from icsvc.store.store import PROVIDERS_FILE
from icsvc.store.validate import Problem

Section = tuple[str, ...]
"""A part of providers.yaml that has owners: `("settings",)`, `("providers", "it")`."""


class CatalogueJudge:
    """The branch's changes of providers.yaml, commit by commit, then the work tree's."""

    def __init__(self, walk: BranchWalk, signatures: Signatures) -> None:
        self.walk = walk
        self.cat = walk.cat
        self.signatures = signatures

    def run(self) -> None:
        walk = self.walk
        rel = walk.providers_rel
        if walk.blobs.text(walk.mb, rel) is None:
            return  # no catalogue at the base (a store's first branch): nothing owns it yet

        def at(rev: str) -> str | None:
            return walk.at(rev, rel)

        last = walk.last_readable(at, lambda t: t is None or yaml_doc(t) is not None)
        for commit in walk.commits:
            if rel not in walk.touched[commit.sha]:
                continue
            new = at(commit.sha)
            if new is not None and yaml_doc(new) is None:
                continue  # not judged itself: the next readable version is
            parents = [last(p) for p in commit.parents]
            step = walk.step_of(commit)
            if len(parents) >= 2:
                self.merge(commit, parents, new, last, step)
            else:
                self.step(parents[0] if parents else None, new, step)
        present, work = gitutil.work_file(walk.store.root / PROVIDERS_FILE)
        if present and work is None:
            return  # not a regular UTF-8 file: named above, or reported by the plain check
        if work != at(walk.head) and (work is None or yaml_doc(work) is not None):
            self.step(last(walk.head), work, walk.step_of(None))

    def merge(self, commit: gitutil.CommitInfo, parents: list[str | None], new: str | None,
              last: Callable[[str], str | None], step: Step) -> None:
        """A merge's own changes of providers.yaml: each section that differs from a
        parent's and that the merge did not take, cleanly, from another parent (one that
        changed it while this parent did not)."""
        docs = [_doc(p) for p in parents]
        mine = _doc(new)
        own: set[Section] = set()
        for i, doc in enumerate(docs):
            for key in _sections(doc) | _sections(mine):
                value = _section(mine, key)
                if value == _section(doc, key):
                    continue
                taken = False
                for j, other in enumerate(docs):
                    if j == i or _section(other, key) != value:
                        continue
                    base = self.walk.merge_base(commit.parents[i], commit.parents[j])
                    if _section(_doc(last(base)) if base else {}, key) == _section(doc, key):
                        taken = True
                        break
                if not taken:
                    own.add(key)
        if own:
            self.step(parents[0], new, step, only=own, olds=docs)

    def step(self, old_text: str | None, new_text: str | None, step: Step,
             only: set[Section] | None = None,
             olds: list[dict[str, Any]] | None = None) -> None:
        """The changes of providers.yaml from `old_text` to `new_text` (an absent or
        unreadable file as an empty one), each by an owner of its section; `only`: those
        sections (a merge's own changes, against its parents `olds`)."""
        old, new = _doc(old_text), _doc(new_text)
        where = step.where
        changed = only if only is not None else {
            key for key in _sections(old) | _sections(new)
            if _section(old, key) != _section(new, key)}
        admins = set(self.cat.admins)
        text = new_text or ""
        for key in sorted(changed):
            self._owned(key, changed, old, text, step.author, where, admins)
        if ("settings",) in changed and not _signing_on(new) and any(
                _signing_on(doc) for doc in (olds if olds is not None else [old])):
            self._signing_off(text, step, where, admins)
        elif self.walk.require_signed and step.commit is None and changed:
            self._problem(text, list(sorted(changed)[0]),
                          "providers.yaml: not committed, so not signed "
                          "(settings.require_signed)")

    def _owned(self, key: Section, changed: set[Section], old: dict[str, Any], text: str,
               author: str, where: str, admins: set[str]) -> None:
        """A section changed by `author`: they must own it."""
        name = ".".join(key)
        if key[0] != "providers" or len(key) == 1:
            if not admins:
                if key == ("admins",) and changed == {key} and old.get("admins") is None:
                    return  # the first admins list: how a store gets its owners
                self._problem(text, list(key), f"{name}: changed in {where}, but "
                                               "providers.yaml has no admins; add 'admins:' "
                                               "first, on its own")
            elif not self._is_any_author(admins, author):
                self._problem(text, list(key), f"{name}: changed in {where} by {author}; "
                                               f"only an admin ({', '.join(sorted(admins))}) "
                                               "may change it")
            return
        provider = self.cat.providers.get(key[1])
        owners = set(admins) | ({provider.escalation} if provider is not None else set())
        if not self._is_any_author(owners, author):
            who = " or ".join(
                ([f"an admin ({', '.join(sorted(admins))})"] if admins else [])
                + ([f"its escalation contact ({provider.escalation})"]
                   if provider is not None else [])) or "an admin"
            self._problem(text, list(key), f"{name}: changed in {where} by {author}; only "
                                           f"{who} may change it")

    def _signing_off(self, text: str, step: Step, where: str, admins: set[str]) -> None:
        """Turning `require_signed` off needs an admin's signature, whatever the check
        requires."""
        keys: list[str | int] = ["settings", "require_signed"]
        if step.commit is None:
            problem: str | None = "not committed, so not signed by an admin"
        else:
            problem = self.signatures.problem(
                step.commit, admins, f"an admin's ({', '.join(sorted(admins)) or 'none'})")
        if problem is not None:
            self._problem(text, keys, f"settings.require_signed: turned off in {where}, "
                                      "which needs a good signature by an admin: "
                                      f"{problem}")

    def _is_any_author(self, emails: set[str], author: str) -> bool:
        return any(is_author(self.cat, email, author) for email in emails)

    def _problem(self, text: str, keys: list[str | int], message: str) -> None:
        rel = self.walk.store.rel(self.walk.store.root / PROVIDERS_FILE)
        self.walk.problems.append(Problem(rel, yamlio.line_of(text, keys) if text else 1,
                                          message))


def _doc(text: str | None) -> dict[str, Any]:
    """providers.yaml's content; an absent or unreadable file as an empty one."""
    return yaml_doc(text) or {}


def _sections(doc: dict[str, Any]) -> set[Section]:
    """The parts of providers.yaml that have owners: each top-level section, and each
    provider of `providers:` (the whole of it when it is not a mapping)."""
    out: set[Section] = set()
    for name, value in doc.items():
        if str(name) == "providers" and isinstance(value, dict):
            out |= {("providers", str(pid)) for pid in value}
        else:
            out.add((str(name),))
    return out


_MISSING = "\0missing"


def _section(doc: dict[str, Any], key: Section) -> str:
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
