"""Merging a branch into the store's repository with request files handled by icsvc.

git runs the merge driver for files changed on both sides, including a file moved on one
side and edited on the other when git detects the move as a rename. A redirect changes
enough of a short request file that git often does not: it then reports "modify/delete".
`resolve_moved` finishes those by request ID: the edited version is merged into the moved
file with the same field-by-field merge, and the old path is removed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from icsvc.errors import IcsvcError
from icsvc.git.merge import MergeError, merge_requests
from icsvc.store import gitutil, yamlio
from icsvc.store.files import store_text


@dataclass
class Outcome:
    target: str
    mode: str
    changed: bool = False
    moved: list[str] = field(default_factory=list)
    """Request files finished by ID ('old -> new')."""
    driver_notes: list[str] = field(default_factory=list)
    """What the merge driver reported (field conflicts it settled)."""
    conflicts: list[str] = field(default_factory=list)
    """Paths still in conflict: the user must resolve them."""


def _load(text: str, what: str) -> dict[str, Any]:
    import yaml

    try:
        data = yamlio.load(text)
    except yaml.YAMLError:
        raise MergeError(f"{what} is not valid YAML") from None
    if not isinstance(data, dict):
        raise MergeError(f"{what} is not a request")
    return data


def _rid(doc: dict[str, Any]) -> str:
    return str(doc.get("id", "")).upper()


def resolve_moved(top: Path, requests_prefix: str) -> list[str]:
    """Settle, by request ID, the conflicts git makes of a request moved on one side:
    - modify/delete: git did not see the move; the edited version is merged into the moved
      file and the old path removed;
    - a wrong pairing: git took another, similar request added on one side for the moved
      one (the merge driver refuses those); each request gets its own changes back.
    Returns what it did ('old -> new'); anything else is left to the user."""
    done: list[str] = []
    stages = gitutil.unmerged_stages(top)
    unmerged = set(stages)
    for path, st in sorted(stages.items()):
        pure = PurePosixPath(path)
        if not path.startswith(requests_prefix) or pure.suffix not in (".yaml", ".yml"):
            continue
        try:
            docs = {n: _load(gitutil.blob_text(top, blob), f"{path} (stage {n})")
                    for n, blob in st.items()}
        except MergeError:
            continue
        if 1 not in docs:
            continue
        stem = pure.stem.upper()
        moved_id = _rid(docs[1])
        edited = [n for n in (2, 3) if n in docs and _rid(docs[n]) == moved_id]
        own = [n for n in (2, 3) if n in docs and _rid(docs[n]) == stem]
        if len(edited) != 1:
            continue
        if moved_id == stem and len(docs) == 3:
            continue  # a real conflict of one request: for the user
        if moved_id != stem and len(own) != 1:
            continue
        root = top / requests_prefix
        name = f"{moved_id}{pure.suffix}"
        moved = [p for p in root.glob(f"*/{name}")
                 if p.relative_to(top).as_posix() != path
                 and p.relative_to(top).as_posix() not in unmerged]
        if len(moved) != 1:
            continue
        new_path = moved[0]
        rel_new = new_path.relative_to(top).as_posix()
        try:
            moved_doc = _load(new_path.read_text(encoding="utf-8"), rel_new)
            cat = _catalogue(top / requests_prefix)
            if edited[0] == 2:
                result = merge_requests(docs[1], docs[2], moved_doc, cat)
            else:
                result = merge_requests(docs[1], moved_doc, docs[3], cat)
        except (MergeError, OSError):
            continue
        yamlio.write_atomic(new_path, store_text(
            new_path, result.merged, new_path.read_text(encoding="utf-8")))
        if moved_id == stem:
            gitutil.rm(top, path)
            (top / path).unlink(missing_ok=True)
            done.append(f"{path} -> {rel_new}")
        else:
            yamlio.write_atomic(top / path, gitutil.blob_text(top, st[own[0]]))
            gitutil.add(top, path)
            done.append(f"{requests_prefix}{docs[1].get('provider')}/{name} -> {rel_new}")
        gitutil.add(top, rel_new)
    return done


def resolve_renamed(top: Path, requests_prefix: str) -> list[str]:
    """Settle a request redirected to different providers on the two sides when git saw
    both moves as renames: a rename/rename conflict, with the old path at stage 1 alone and
    each new path at stage 2 or 3 alone (git ran the driver, but wrote its result to both
    new paths). The two sides, as their commits have them (HEAD, and MERGE_HEAD or the
    commit a rebase replays), are merged with the base as the driver merges a file
    (`merge_requests`: the redirect it chose is kept, the other recorded by a `conflict`
    entry) into the one file of the folder of the provider the merged history ends with;
    the other paths leave the index and the work tree. Returns what it did ('a, b -> c');
    anything else is left to the user."""
    prefix = PurePosixPath(requests_prefix)
    stages = gitutil.unmerged_stages(top)
    by_id: dict[str, dict[int, list[str]]] = {}
    for path, st in stages.items():
        pure = PurePosixPath(path)
        if (not path.startswith(requests_prefix) or pure.suffix not in (".yaml", ".yml")
                or len(pure.relative_to(prefix).parts) != 2):
            continue
        for stage in st:
            by_id.setdefault(pure.stem.upper(), {}).setdefault(stage, []).append(path)
    done: list[str] = []
    cat = None
    theirs = next((ref for ref in ("MERGE_HEAD", "REBASE_HEAD")
                   if gitutil.resolve(top, ref) is not None), None) if by_id else None
    for rid, where in sorted(by_id.items()):
        if sorted(where) != [1, 2, 3] or any(len(paths) != 1 for paths in where.values()):
            continue
        paths = {stage: found[0] for stage, found in where.items()}
        if len(set(paths.values())) != 3 or any(set(stages[p]) != {n}
                                                for n, p in paths.items()):
            continue  # one file changed on both sides, or moved on one: not this case
        texts = {1: gitutil.blob_text(top, stages[paths[1]][1]),
                 2: gitutil.show(top, "HEAD", paths[2]),
                 3: gitutil.show(top, theirs, paths[3]) if theirs else None}
        try:
            docs = {n: _load(text, f"{paths[n]} (stage {n})") for n, text in texts.items()
                    if text is not None}
            if len(docs) != 3:
                continue
            if any(_rid(doc) != rid for doc in docs.values()):
                continue
            if cat is None:
                cat = _catalogue(top / requests_prefix)
            result = merge_requests(docs[1], docs[2], docs[3], cat)
        except (MergeError, IcsvcError):
            continue
        target = f"{requests_prefix}{result.merged.get('provider')}/{rid}.yaml"
        if PurePosixPath(target).parent.parent != prefix:
            continue
        if target not in paths.values() and os.path.lexists(top / target):
            continue  # something else is there: for the user
        chosen = next((n for n, p in paths.items() if p == target), 2)
        yamlio.write_atomic(top / target, yamlio.dump_preserving(texts[chosen] or "",
                                                                 result.merged))
        for path in sorted(set(paths.values()) - {target}):
            gitutil.rm(top, path)
            (top / path).unlink(missing_ok=True)
        gitutil.add(top, target)
        done.append(f"{paths[2]}, {paths[3]} -> {target}")
    return done


def settle_duplicates(top: Path, requests_prefix: str, base_rev: str | None) -> list[str]:
    """A request redirected to different providers on the two sides arrives in two folders
    (git saw two deletions of the old file and two new files, not a conflict). Merge the
    copies by ID, as the driver merges a file, into the folder of the provider the merged
    history ends with, and remove the others. Returns what it did ('a, b -> c')."""
    root = top / requests_prefix
    by_id: dict[str, list[Path]] = {}
    for path in sorted(root.glob("*/*.y*ml")):
        by_id.setdefault(path.stem.upper(), []).append(path)
    done: list[str] = []
    cat = _catalogue(root)
    reader = gitutil.BlobReader(top)
    try:
        for rid, paths in by_id.items():
            if len(paths) < 2:
                continue
            try:
                docs = [_load(p.read_text(encoding="utf-8"), p.name) for p in paths]
                base_doc = None
                if base_rev is not None:
                    for folder in sorted({p.parent.name for p in root.iterdir() if p.is_dir()}):
                        text = reader.text(base_rev, f"{requests_prefix}{folder}/{rid}.yaml")
                        if text is not None:
                            base_doc = _load(text, f"{rid} at the merge base")
                            break
                merged = docs[0]
                for other in docs[1:]:
                    merged = merge_requests(base_doc, merged, other, cat).merged
            except (MergeError, OSError, UnicodeDecodeError):
                continue
            target = root / str(merged.get("provider")) / f"{rid}.yaml"
            old_text = target.read_text(encoding="utf-8") if target.exists() else ""
            yamlio.write_atomic(target, store_text(target, merged, old_text))
            for path in paths:
                if path != target:
                    gitutil.rm(top, path.relative_to(top).as_posix())
                    path.unlink(missing_ok=True)
            gitutil.add(top, target.relative_to(top).as_posix())
            done.append(", ".join(p.relative_to(top).as_posix() for p in paths) + " -> "
                        + target.relative_to(top).as_posix())
    finally:
        reader.close()
    return done


def _catalogue(requests_dir: Path) -> Any:
    from icsvc.errors import ValidationError
    from icsvc.store.store import Store

    try:
        return Store(requests_dir.parent).catalogue
    except (IcsvcError, ValidationError, OSError):
        return None


def merge_branch(top: Path, store_root: Path, remote: str, branch: str,
                 rebase: bool) -> Outcome:
    """Merge (or rebase onto) `remote/branch` with the driver active, finishing moved request
    files; on a conflict it cannot settle, the merge stays in progress for the user."""
    target = branch if remote == "." else f"{remote}/{branch}"
    outcome = Outcome(target, "rebase" if rebase else "merge")
    prefix = (store_root / "requests").relative_to(top).as_posix() + "/"
    before = gitutil.head(top)
    base_rev = gitutil.merge_base(top, "HEAD", target)
    if rebase:
        result = gitutil.run(top, "rebase", target, check=False)
    else:
        result = gitutil.run(top, "merge", "--no-edit", target, check=False)
    outcome.driver_notes.extend(_driver_lines(result))
    _drive(top, prefix, outcome, base_rev)
    if outcome.conflicts:
        return outcome
    fixed = settle_duplicates(top, prefix, base_rev)
    if fixed:
        outcome.moved.extend(fixed)
        merged_now = gitutil.head(top) != before and not rebase and \
            len(gitutil.parents(top, "HEAD")) > 1
        args = ["commit", "--amend", "--no-edit"] if merged_now else \
            ["commit", "-m", "icsvc sync: one file per request"]
        gitutil.run(top, *args, env={"GIT_EDITOR": "true"}, what="git commit")
    if result.code != 0 and not outcome.moved and gitutil.head(top) == before:
        detail = gitutil.first_line(result.err) or gitutil.first_line(result.out)
        raise IcsvcError(f"git {outcome.mode} {target} failed: {detail}")
    outcome.changed = gitutil.head(top) != before
    return outcome


def finish_in_progress(top: Path, store_root: Path) -> Outcome:
    """Settle the request files of a merge or rebase already stopped on conflicts
    (the user ran 'git merge' or 'git pull' first)."""
    state = gitutil.in_progress(top)
    outcome = Outcome("the merge in progress", state or "merge")
    prefix = (store_root / "requests").relative_to(top).as_posix() + "/"
    before = gitutil.head(top)
    base_rev = gitutil.merge_base(top, "HEAD", "MERGE_HEAD") if state == "merge" else None
    _drive(top, prefix, outcome, base_rev)
    outcome.changed = gitutil.head(top) != before or not outcome.conflicts
    return outcome


def _drive(top: Path, prefix: str, outcome: Outcome, base_rev: str | None) -> None:
    """While a merge or rebase is stopped: settle moved requests, then continue it; stop
    with `outcome.conflicts` set when something is left for the user."""
    while (state := gitutil.in_progress(top)) is not None:
        outcome.moved.extend(resolve_moved(top, prefix))
        outcome.moved.extend(resolve_renamed(top, prefix))
        remaining = gitutil.unmerged_paths(top)
        if remaining:
            outcome.conflicts = remaining
            return
        if state == "merge":
            outcome.moved.extend(settle_duplicates(top, prefix, base_rev))
        env = {"GIT_EDITOR": "true"}
        if state == "merge":
            step = gitutil.run(top, "commit", "--no-edit", check=False, env=env)
        else:
            step = gitutil.run(top, "rebase", "--continue", check=False, env=env)
        outcome.driver_notes.extend(_driver_lines(step))
        if step.code != 0 and gitutil.in_progress(top) is not None \
                and not gitutil.unmerged_paths(top):
            detail = gitutil.first_line(step.err) or gitutil.first_line(step.out)
            raise IcsvcError(f"git {state} stopped: {detail or 'see git status'}; finish it "
                             f"with 'git {state} --continue' or undo it with "
                             f"'git {state} --abort'")


def _driver_lines(result: gitutil.GitResult) -> list[str]:
    return [line.strip().removeprefix("icsvc: ")
            for line in (result.err + result.out).splitlines()
            if line.strip().startswith("icsvc: ")]
