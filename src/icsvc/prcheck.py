"""`icsvc check --base REV`: what a branch changes in requests/ since it left REV.

- history is append-only: every entry at the merge base is still there, unchanged, in order;
- each new entry's `by` may make that change (`workflow.who_may`, judged against
  providers.yaml as it is at the merge base, so a branch cannot add its author to a team
  and use the new rights in the same pull request);
- each new entry's `by` is the author email of the commit that added it (entries not yet
  committed: the email the next commit would carry);
- a tracked field (status, owner, priority, ...) does not change without its history entry;
- request files are not deleted (a redirect moves one; cancel, decline or close instead).
`conflict` entries are the merge driver's: `by: merge@icsvc`, whichever commit holds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from icsvc import gitutil, yamlio
from icsvc.catalogue import Catalogue, Provider, parse_catalogue
from icsvc.errors import IcsvcError, ValidationError
from icsvc.merge import MERGE_IDENTITY, entry_key
from icsvc.model import FIELD_ENTRIES, Request, parse_request
from icsvc.store import PROVIDERS_FILE, Store
from icsvc.validate import Problem
from icsvc.workflow import describe_who, who_may


def _load(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        data = yamlio.load(text)
    except Exception:  # noqa: BLE001 - any unreadable version is simply not compared
        return None
    return data if isinstance(data, dict) else None


def _history(doc: dict[str, Any] | None) -> list[dict[str, Any]]:
    raw = doc.get("history") if doc else None
    return [e for e in raw if isinstance(e, dict)] if isinstance(raw, list) else []


@dataclass
class _Repo:
    """Versions of one request across the branch's commits, and who added each entry."""

    top: Path
    base: str
    candidates: set[str] = field(default_factory=set)
    _keys: dict[str, set[str]] = field(default_factory=dict)

    def keys_at(self, rev: str) -> set[str]:
        if rev not in self._keys:
            found: set[str] = set()
            for path in sorted(self.candidates):
                doc = _load(gitutil.show(self.top, rev, path))
                if doc is not None:
                    found = {entry_key(e) for e in _history(doc)}
                    break
            self._keys[rev] = found
        return self._keys[rev]

    def authors(self, pathspec: str) -> dict[str, tuple[str, str]]:
        """entry key -> (commit, author email) of the commit that first added the entry."""
        out: dict[str, tuple[str, str]] = {}
        self.candidates |= gitutil.paths_touched(self.top, self.base, [pathspec])
        for commit in gitutil.commits_touching(self.top, self.base, [pathspec]):
            parents: set[str] = set()
            for parent in commit.parents:
                parents |= self.keys_at(parent)
            for key in self.keys_at(commit.sha) - parents:
                out.setdefault(key, (commit.sha, commit.email))
        return out


def check_branch(store: Store, base: str) -> list[Problem]:
    top = gitutil.require_repo(store.root)
    if gitutil.resolve(top, base) is None:
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
    folder = (store.root / "requests").relative_to(top).as_posix()
    cat = _catalogue_at(store, top, mb)
    old_paths: dict[str, str] = {}
    for path in gitutil.ls_tree(top, mb, folder):
        if path.endswith((".yaml", ".yml")):
            old_paths[PurePosixPath(path).stem.upper()] = path
    now_paths = {p.stem.upper(): p.relative_to(top).as_posix() for p in store.request_files()}
    author_now = gitutil.author_email(top)
    problems: list[Problem] = []
    for path in gitutil.changed_paths(top, mb, folder):
        stem = PurePosixPath(path).stem.upper()
        if not path.endswith((".yaml", ".yml")):
            continue
        if not (top / path).exists():
            if stem not in now_paths:
                problems.append(Problem(
                    _rel(store, top, path), 1,
                    f"request file deleted since {base}: requests are never deleted (cancel, "
                    "decline or close it; a redirect moves the file)"))
            continue
        old_path = old_paths.get(stem)
        repo = _Repo(top, mb, {path} | ({old_path} if old_path else set()))
        problems.extend(_check_file(store, top, repo, path, old_path, cat, author_now))
    return problems


def _rel(store: Store, top: Path, path: str) -> str:
    return store.rel(top / path)


def _catalogue_at(store: Store, top: Path, rev: str) -> Catalogue:
    rel = (store.root / PROVIDERS_FILE).relative_to(top).as_posix()
    text = gitutil.show(top, rev, rel)
    if text is not None:
        try:
            return parse_catalogue(store.root / PROVIDERS_FILE, text, yamlio.load(text))
        except (ValidationError, Exception):  # noqa: BLE001 - fall back to today's file
            pass
    return store.catalogue


def _check_file(store: Store, top: Path, repo: _Repo, path: str, old_path: str | None,
                cat: Catalogue, author_now: str | None) -> list[Problem]:
    full = top / path
    rel = _rel(store, top, path)
    try:
        text = full.read_text(encoding="utf-8")
        data = yamlio.load(text)
        request = parse_request(full, text, data)
    except Exception:  # noqa: BLE001 - the plain check reports unreadable files
        return []
    out: list[Problem] = []

    def add(keys: list[str | int], message: str) -> None:
        out.append(Problem(rel, yamlio.line_of(text, keys), message))

    new_raw = _history(data)
    new_keys = [entry_key(e) for e in new_raw]
    old_doc = _load(gitutil.show(top, repo.base, old_path)) if old_path else None
    old_raw = _history(old_doc)
    # history is append-only: the base's entries are a subsequence of the new history
    matched: set[int] = set()
    j = 0
    for i, old_entry in enumerate(old_raw):
        key = entry_key(old_entry)
        k = j
        while k < len(new_keys) and new_keys[k] != key:
            k += 1
        if k == len(new_keys):
            add(["history"], f"history: the entry {i} of {old_path} ({old_entry.get('type')} "
                             f"at {_text(old_entry.get('at'))} by {old_entry.get('by')}) was "
                             "edited or "
                             "removed; history is append-only: restore it and add a new entry")
            continue
        matched.add(k)
        j = k + 1
    added = [i for i in range(len(new_raw)) if i not in matched]
    if not added:
        return out
    for field_name, types in FIELD_ENTRIES.items():
        if old_doc is None:
            break
        before, after = old_doc.get(field_name), data.get(field_name)
        if entry_key(before) != entry_key(after) and not any(
                request.history[i].type in types for i in added):
            add([field_name], f"{field_name}: changed from {_text(before)} to {_text(after)} "
                              f"without a history entry ({' or '.join(types)}); make changes "
                              "with icsvc so they are recorded with who and when")
    authors = repo.authors(f"{PurePosixPath(path).parent.parent}/*/{PurePosixPath(path).name}")
    providers = _providers_at(request, cat)
    for i in added:
        entry = request.history[i]
        keys: list[str | int] = ["history", i, "by"]
        if entry.type == "conflict" or entry.by == MERGE_IDENTITY:
            if entry.type != "conflict" or entry.by != MERGE_IDENTITY:
                add(keys, f"history[{i}].by: only the merge driver writes 'conflict' entries, "
                          f"and they are by {MERGE_IDENTITY}")
            continue
        provider = providers[i]
        if provider is not None:
            allowed = who_may(entry.type, entry.get("to"), provider, request, entry.get("from"))
            if allowed is not None and entry.by not in allowed:
                add(keys, f"history[{i}].by: {entry.by} may not add a '{entry.type}' entry "
                          f"to {request.id}; only {describe_who(allowed, provider, request)}")
        commit, author = authors.get(new_keys[i], ("", author_now or ""))
        if author and author != entry.by:
            where = f"commit {commit[:10]}" if commit else "the next commit (not committed yet)"
            add(keys, f"history[{i}].by: {entry.by} is not the author of {where} that adds "
                      f"this entry ({author}); entries must be committed by the person they "
                      "name (git commit --author, or have them commit it)")
    return out


def _providers_at(request: Request, cat: Catalogue) -> list[Provider | None]:
    """For each entry, the provider the request was with when it was written (a redirect,
    and the entries written with it, belong to the provider it left)."""
    out: list[Provider | None] = [None] * len(request.history)
    current = request.provider
    history = request.history
    for i in range(len(history) - 1, -1, -1):
        entry = history[i]
        if entry.type == "redirect" and entry.get("from"):
            current = str(entry.get("from"))
        out[i] = cat.providers.get(current)
    for entry in history:
        if entry.type != "redirect" or not entry.get("from"):
            continue
        for j, other in enumerate(history):
            if other.at == entry.at and other.by == entry.by:
                out[j] = cat.providers.get(str(entry.get("from")))
    return out


def _text(value: Any) -> str:
    if value is None:
        return "unset"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
