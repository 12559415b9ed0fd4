"""Three-way merge of request files: the histories unioned, the fields replayed.

Pure: three parsed request mappings in (and the catalogue, to judge owners), the merged
mapping and the conflicts out. Nothing is ever lost: every history entry of either side
survives, in time order, the entries one command wrote together kept together, and the
order does not depend on which side is "ours". The fields are then what the merged history
tells (`history.replay`), so the file always agrees with its history and ends in a state the
lifecycle allows: a status move that the other side's moves made impossible (a decline
after a resolve) simply does not happen. Where both sides set a field to different values,
a `conflict` entry by `merge@icsvc` records both and the value kept; an owner who is not a
member of the provider the request ended with (one side assigned it, the other redirected
it) is cleared by such an entry.

Fields no entry changes (title, customer...) merge three-way; if both sides changed one
differently, the value that sorts last wins and a conflict entry records it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from icsvc.domain.history import MERGE_IDENTITY
from icsvc.domain.history import write_fields as history_write_fields
from icsvc.domain.history.entries import entry_key, envelope, in_order
from icsvc.domain.history.kinds import Conflict
from icsvc.domain.history.request import FIELD_ENTRIES, REQUEST_KEYS

GOVERNED = tuple(FIELD_ENTRIES)
"""Fields the history changes: the merge takes them from the replay."""


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


def entry_time(entry: Any) -> datetime:
    """The `at` of an entry as an aware datetime (naive is taken as UTC)."""
    return _envelope(entry)[0]


def _envelope(entry: Any) -> tuple[datetime, Any]:
    try:
        return envelope(entry)
    except ValueError as exc:
        raise MergeError(str(exc)) from None


def _history(doc: dict[str, Any] | None, side: str) -> list[dict[str, Any]]:
    if doc is None:
        return []
    raw = doc.get("history")
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise MergeError(f"{side}: 'history' is not a list of entries")
    for e in raw:
        entry_time(e)
    return raw


def merge_requests(base: dict[str, Any] | None, ours: dict[str, Any], theirs: dict[str, Any],
                   cat: Any = None) -> MergeResult:
    """Merge `ours` and `theirs` against their common ancestor `base` (None: both added).
    `cat` (a Catalogue) lets the merge clear an owner who is not a member of the merged
    provider; without it owners are kept as the history gives them."""
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
    history = union(base_h, ours_h, theirs_h)
    conflicts: list[FieldConflict] = []

    def decide(path: str, o: Any, t: Any) -> Any:
        kept = o if entry_key(_value(o)) >= entry_key(_value(t)) else t
        if path.split(".")[0] not in GOVERNED:
            conflicts.append(FieldConflict(path, o, t, kept))
        return kept

    body = _merge_maps(base or {}, ours, theirs, "", decide)
    body.pop("history", None)
    body["history"] = history
    replayed = _replay(body, cat)
    if replayed is not None:
        state, request = replayed
        sides = [_replay(doc, None) for doc in (base, ours, theirs)]
        values = [_governed(s[0]) if s is not None else {} for s in sides]
        merged = _governed(state)
        for path in sorted(set(values[1]) | set(values[2])):
            b, o, t = (v.get(path, MISSING) for v in values)
            if not _same(o, t) and not _same(o, b) and not _same(t, b):
                conflicts.append(FieldConflict(path, o, t, merged.get(path, MISSING)))
        owner = merged.get("owner")
        if cat is not None and owner is not None:
            provider = cat.providers.get(state.provider)
            if provider is not None and not provider.is_member(str(owner)):
                o, t = values[1].get("owner", MISSING), values[2].get("owner", MISSING)
                conflicts = [c for c in conflicts if c.field != "owner"]
                conflicts.append(FieldConflict("owner", o, t, MISSING))
    keys = {entry_key(e) for e in history}
    for c in conflicts if history else []:
        at = entry_time(history[-1])
        entry = Conflict(at=at, by=MERGE_IDENTITY, field=c.field, ours=_value(c.ours),
                         theirs=_value(c.theirs), kept=_value(c.kept)).dump()
        if entry_key(entry) not in keys:
            history.append(entry)
            keys.add(entry_key(entry))
    body["history"] = [in_order(e) for e in history]
    final = _replay(body, cat)
    if final is not None:
        state, request = final
        history_write_fields(state, request)
        data = request.to_dict()
        for key in GOVERNED + ("customer",):
            if key in data:
                body[key] = data[key]
            else:
                body.pop(key, None)
    return MergeResult(_ordered(body, REQUEST_KEYS), conflicts)


def union(base: list[dict[str, Any]], ours: list[dict[str, Any]],
          theirs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every entry of the base and either side, once, in time order. The entries one command
    wrote (consecutive, same time and author) stay together in their order, and entries at
    the same instant from the two sides are ordered by content, so the result is the same
    whichever side is "ours"."""
    seen: set[str] = set()
    items: list[tuple[datetime, int, str, int, list[dict[str, Any]]]] = []
    for i, entry in enumerate(base):
        key = entry_key(entry)
        if key not in seen:
            seen.add(key)
            items.append((entry_time(entry), 0, "", i, [entry]))
    for side in (ours, theirs):
        batch: list[dict[str, Any]] = []
        for entry in [e for e in side if entry_key(e) not in seen]:
            if batch and _envelope(entry) != _envelope(batch[-1]):
                items.append(_batch(batch))
                batch = []
            batch.append(entry)
        if batch:
            items.append(_batch(batch))
        seen |= {entry_key(e) for e in side}
    unique: dict[str, tuple[datetime, int, str, int, list[dict[str, Any]]]] = {}
    for item in items:
        unique.setdefault(item[2] or f"base:{item[3]}", item)
    out: list[dict[str, Any]] = []
    done: set[str] = set()
    for item in sorted(unique.values(), key=lambda it: it[:4]):
        for entry in item[4]:
            key = entry_key(entry)
            if key not in done:
                done.add(key)
                out.append(entry)
    return out


def _batch(entries: list[dict[str, Any]]) -> tuple[datetime, int, str, int,
                                                   list[dict[str, Any]]]:
    return (entry_time(entries[0]), 1, "".join(entry_key(e) for e in entries), 0,
            list(entries))


def _replay(doc: dict[str, Any] | None, cat: Any) -> tuple[Any, Any] | None:
    """The replayed state of a request mapping, or None when it is not a valid request
    (then the merge falls back to field-by-field values)."""
    if doc is None:
        return None
    from icsvc.domain import history
    from icsvc.domain.history.request import parse_request
    from icsvc.errors import ValidationError

    try:
        request = parse_request(Path("merge"), doc)
    except (ValidationError, MergeError, ValueError, TypeError, KeyError, AttributeError):
        return None
    return history.replay(request, cat), request


def _governed(state: Any) -> dict[str, Any]:
    """The history-governed fields of a state, by dotted path (info per key)."""
    out: dict[str, Any] = {}
    for name in ("status", "owner", "priority", "requested_priority", "promised_by",
                 "progress", "provider", "service", "needed_by", "targets", "blocks"):
        value = getattr(state, name)
        if value is not None and value != [] and value != {}:
            out[name] = value
    for key, value in (state.info or {}).items():
        out[f"info.{key}"] = value
    if state.cost is not None:
        out["impact.cost"] = state.impact["cost"]
    return out


def _value(v: Any) -> Any:
    return None if v is MISSING else v


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
