"""`icsvc merge-driver BASE OURS THEIRS [PATH]`: the git merge driver for request files.

git runs it as `icsvc merge-driver %O %A %B %P`; the merged file replaces OURS (%A). Exit 0 is
a clean merge. Only when a side cannot be read as a request does it exit 1, after writing
git's usual conflict markers into OURS, so the user sees the normal conflict.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from icsvc.errors import IcsvcError, ValidationError
from icsvc.git.merge import FieldConflict, MergeError, merge_requests
from icsvc.store import gitutil, yamlio
from icsvc.store.files import store_text


def _load(path: Path, role: str, allow_empty: bool) -> dict[str, Any] | None:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MergeError(f"{role}: cannot read {path}: {exc}") from None
    try:
        data = yamlio.load(text)
    except yaml.YAMLError as exc:
        line = yamlio.error_line(exc)
        where = f" at line {line}" if line else ""
        raise MergeError(f"{role} is not valid YAML{where}") from None
    if data is None and allow_empty:
        return None
    if not isinstance(data, dict):
        raise MergeError(f"{role} is not a request (expected a mapping)")
    return data


def _id(doc: dict[str, Any] | None) -> str:
    return str((doc or {}).get("id", "")).upper()


def run(base: Path, ours: Path, theirs: Path, path: str | None) -> list[FieldConflict]:
    """Merge into OURS; the fields both sides changed (each settled, and recorded in the
    history)."""
    label = path or ours.name
    try:
        base_doc = _load(base, "the common ancestor", allow_empty=True)
        ours_doc = _load(ours, "our side", allow_empty=False) or {}
        theirs_doc = _load(theirs, "their side", allow_empty=False) or {}
        if _id(ours_doc) != _id(theirs_doc):
            _mispaired(label, ours, theirs, ours_doc, theirs_doc)
        if base_doc is not None and _id(base_doc) != _id(ours_doc):
            base_doc = None  # a different request: merge as if both sides added the file
        result = merge_requests(base_doc, ours_doc, theirs_doc, _catalogue())
        text = store_text(Path(label), result.merged, ours.read_text(encoding="utf-8"))
    except (MergeError, ValidationError) as exc:
        gitutil.merge_file(ours, base, theirs, label)
        why = exc.problem if isinstance(exc, ValidationError) else str(exc)
        raise IcsvcError(
            f"{label}: cannot merge: {why}; git left conflict markers in the file: fix it "
            f"('icsvc check' shows where), then 'git add {label}'"
        ) from None
    yamlio.write_atomic(ours, text)
    return result.conflicts


def _catalogue() -> Any:
    """The store's catalogue (git runs the driver at the top of the work tree), to judge
    owners; None when it cannot be read (the merge still keeps every entry)."""
    from icsvc.errors import ValidationError
    from icsvc.store.store import Store, find_store

    try:
        return Store(find_store(Path.cwd())).catalogue
    except (IcsvcError, ValidationError, OSError):
        return None


def _mispaired(label: str, ours: Path, theirs: Path, ours_doc: dict[str, Any],
               theirs_doc: dict[str, Any]) -> None:
    """git's rename detection took a similar, different request for a moved one: keep the
    file's own request here and leave the conflict for 'icsvc sync', which merges by ID."""
    stem = PurePosixPath(label).stem.upper()
    if _id(theirs_doc) == stem:
        yamlio.write_atomic(ours, theirs.read_text(encoding="utf-8"))
    raise IcsvcError(
        f"{label}: git paired two different requests ({_id(ours_doc)} and "
        f"{_id(theirs_doc)}) as one moved file; run 'icsvc sync' to finish the merge "
        "(it merges each request by its ID)"
    )
