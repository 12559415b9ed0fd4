"""Three-way merge of request files, field by field, with the histories unioned.

Pure: three parsed request mappings in, the merged mapping and the field conflicts out.
Nothing is ever lost: every history entry of either side survives (deduplicated by its full
content, in time order), and where both sides set a field to different values, the side
whose latest history entry changing that field is later wins, and a `conflict` entry by
`merge@icsvc` records both values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from icsvc.model import ENTRY_KEYS, FIELD_ENTRIES, REQUEST_KEYS

MERGE_IDENTITY = "merge@icsvc"


class MergeError(Exception):
    """The sides cannot be merged (not request files, or two different requests)."""


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class FieldConflict:
    field: str
    ours: Any
    theirs: Any
    kept: Any


@dataclass
class MergeResult:
    merged: dict[str, Any]
    conflicts: list[FieldConflict] = field(default_factory=list)


def entry_key(entry: Any) -> str:
    """An entry's identity: its full content (dates compared as written)."""
    return json.dumps(entry, sort_keys=True, default=_plain, ensure_ascii=False)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def entry_time(entry: Any) -> datetime:
    """The `at` of an entry as an aware datetime (naive is taken as UTC)."""
    at = entry.get("at") if isinstance(entry, dict) else None
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at)
        except ValueError:
            raise MergeError(f"history entry has an unreadable 'at': {at!r}") from None
    if not isinstance(at, datetime):
        raise MergeError(f"history entry without a date-time 'at': {entry!r}")
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _history(doc: dict[str, Any] | None, side: str) -> list[dict[str, Any]]:
    if doc is None:
        return []
    raw = doc.get("history")
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise MergeError(f"{side}: 'history' is not a list of entries")
    for e in raw:
        entry_time(e)
    return raw


def merge_requests(
    base: dict[str, Any] | None, ours: dict[str, Any], theirs: dict[str, Any]
) -> MergeResult:
    """Merge `ours` and `theirs` against their common ancestor `base` (None: both added)."""
    for name, doc in (("base", base), ("ours", ours), ("theirs", theirs)):
        if doc is not None and not isinstance(doc, dict):
            raise MergeError(f"{name}: not a request (expected a mapping)")
    base_h, ours_h, theirs_h = (_history(base, "base"), _history(ours, "ours"),
                                _history(theirs, "theirs"))
    if base is None and ours_h and theirs_h and entry_key(ours_h[0]) != entry_key(theirs_h[0]):
        raise MergeError(
            f"both sides created a different request with ID {ours.get('id')!r}; "
            "give one of them a new ID"
        )
    base_keys = {entry_key(e) for e in base_h}
    ours_new = [e for e in ours_h if entry_key(e) not in base_keys]
    theirs_new = [e for e in theirs_h if entry_key(e) not in base_keys]

    history = _union(ours_h, theirs_h, base_h)
    conflicts: list[FieldConflict] = []

    def decide(path: str, o: Any, t: Any) -> Any:
        types = FIELD_ENTRIES.get(path.split(".")[0], ())
        o_at = _latest(ours_new, types)
        t_at = _latest(theirs_new, types)
        if o_at == t_at:  # neither (or both at once) recorded it: the later side overall
            o_at, t_at = _latest(ours_new, None), _latest(theirs_new, None)
        if o_at == t_at:  # still a tie: stable and the same whichever way one merges
            kept = o if entry_key(_value(o)) >= entry_key(_value(t)) else t
        else:
            kept = o if (o_at or _EPOCH) > (t_at or _EPOCH) else t
        conflicts.append(FieldConflict(path, o, t, kept))
        return kept

    body = _merge_maps(base or {}, ours, theirs, "", decide)
    body.pop("history", None)
    if conflicts:
        # at the latest time of the history, so the time order holds
        at = history[-1]["at"] if history else body.get("created_at")
        keys = {entry_key(e) for e in history}
        for c in conflicts:
            entry: dict[str, Any] = {"at": at, "by": MERGE_IDENTITY, "type": "conflict",
                                     "field": c.field}
            for name, value in (("ours", c.ours), ("theirs", c.theirs), ("kept", c.kept)):
                if value is not MISSING:
                    entry[name] = value
            if entry_key(entry) not in keys:
                history.append(entry)
                keys.add(entry_key(entry))
    body["history"] = [_ordered(e, ENTRY_KEYS) for e in history]
    return MergeResult(_ordered(body, REQUEST_KEYS), conflicts)


_EPOCH = datetime(1, 1, 1, tzinfo=UTC)


def _value(v: Any) -> Any:
    return None if v is MISSING else v


def _latest(entries: list[dict[str, Any]], types: tuple[str, ...] | None) -> datetime | None:
    times = [entry_time(e) for e in entries if types is None or e.get("type") in types]
    return max(times) if times else None


def _union(ours: list[dict[str, Any]], theirs: list[dict[str, Any]],
           base: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every entry of either side (and the base: nothing is ever lost), once, in time order;
    entries at the same instant keep their order in the file."""
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for entry in (*ours, *theirs, *base):
        key = entry_key(entry)
        if key not in seen:
            seen.add(key)
            out.append(entry)
    out.sort(key=entry_time)  # stable
    return out


def _merge_maps(base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any],
                prefix: str, decide: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    keys = list(ours) + [k for k in theirs if k not in ours] + \
        [k for k in base if k not in ours and k not in theirs]
    for key in keys:
        if key == "history" and not prefix:
            continue
        b, o, t = base.get(key, MISSING), ours.get(key, MISSING), theirs.get(key, MISSING)
        path = f"{prefix}{key}"
        if _same(o, t):
            value = o
        elif _same(o, b):
            value = t
        elif _same(t, b):
            value = o
        elif isinstance(o, dict) and isinstance(t, dict) and isinstance(b, dict | _Missing):
            value = _merge_maps(b if isinstance(b, dict) else {}, o, t, f"{path}.", decide)
        else:
            value = decide(path, o, t)
        if value is not MISSING:
            out[key] = value
    return out


def _same(a: Any, b: Any) -> bool:
    if a is MISSING or b is MISSING:
        return a is b
    return entry_key(a) == entry_key(b)


def _ordered(mapping: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    out = {k: mapping[k] for k in order if k in mapping}
    out.update({k: v for k, v in mapping.items() if k not in out})
    return out
