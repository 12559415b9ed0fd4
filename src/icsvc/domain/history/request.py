"""A request and its history, parsed from and written to a request file, field by field as
the field table (`fields.py`) declares them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from icsvc.domain.checker import Key
from icsvc.domain.history.entries import KEY_ORDER, Entry
from icsvc.domain.history.fields import (
    FIELD_ENTRIES,
    GROUPS,
    IMMUTABLE_KEYS,
    REQUEST_KEYS,
    REQUIRED_KEYS,
    Checker,
    Field,
)
from icsvc.domain.history.kinds import ENTRY_TYPES, Kind, parse_entry


@dataclass
class Request:
    """A request file's record: the fields of `fields.FIELDS` (a test holds the two equal),
    and the file it was read from."""

    id: str
    title: str
    provider: str
    service: str
    status: str
    priority: str
    requested_priority: str
    customer_email: str
    customer_department: str
    created_at: datetime
    targets: dict[str, str]
    history: list[Kind]
    owner: str | None = None
    needed_by: datetime | None = None
    rush: bool = False
    justification: str | None = None
    promised_by: datetime | None = None
    progress: int | None = None
    info: dict[str, str] = field(default_factory=dict)
    details: str | None = None
    impact: dict[str, Any] | None = None
    blocks: list[str] = field(default_factory=list)
    """IDs of the requests this one exists to fulfil (they wait for it)."""
    source: dict[str, Any] | None = None
    """Where the request came from when not `icsvc new`: {github_issue: N, url: URL}."""
    path: Path | None = None

    def __getstate__(self) -> dict[str, Any]:
        # the parse cache stores requests without their path (slow to unpickle); the store
        # sets it again on load
        state = dict(self.__dict__)
        state["path"] = None
        return state

    def to_dict(self) -> dict[str, Any]:
        """The file's mapping, in the file's order; unset fields and false flags left out."""
        out: dict[str, Any] = {}
        for key, group in GROUPS:
            if group[0].sub is None:
                value = group[0].type.dump(getattr(self, group[0].attr))
            else:
                value = {str(f.sub): f.type.dump(getattr(self, f.attr)) for f in group}
            if value is not None and value is not False:
                out[key] = value
        return out

    def last(self, kind: type[Entry]) -> Entry | None:
        """The newest entry of this kind."""
        for entry in reversed(self.history):
            if isinstance(entry, kind):
                return entry
        return None


_GROUPS: tuple[tuple[str, tuple[tuple[Field, str, tuple[Key, ...], str], ...],
                     tuple[str, ...], frozenset[str] | None], ...] = tuple(
    (key, tuple((f, f.attr, tuple(f.path), str(f.sub)) for f in group),
     tuple(str(f.sub) for f in group if f.required),
     None if group[0].sub is None else frozenset(str(f.sub) for f in group))
    for key, group in GROUPS)
"""`GROUPS` as `parse_request` reads them: each field with its attribute, its keys and its
key in a mapping, and for a mapping its required and accepted keys (None for a single
field)."""
_REQUEST_KEYS = frozenset(REQUEST_KEYS)


def parse_request(path: Path, data: Any) -> Request:
    """Validate one request file's structure (references are checked against the catalogue
    elsewhere), returning the typed record."""
    fc = _Checker(path)
    if data is None:
        fc.fail([], "the file is empty")
    body = fc.mapping(data, [], required=REQUIRED_KEYS, allowed=_REQUEST_KEYS)
    values: dict[str, Any] = {}
    for key, group, required, allowed in _GROUPS:
        raw = body.get(key)
        if allowed is None:  # a single field
            only, attr, keys, _ = group[0]
            empty = key not in body or only.type.empty(raw)
            values[attr] = only.fresh_default() if empty else only.type.parse(fc, raw, keys)
            continue
        if raw is None:
            values.update((attr, f.fresh_default()) for f, attr, _, _ in group)
            continue
        inner = fc.mapping(raw, [key], required=required, allowed=allowed)
        for f, attr, keys, name in group:
            sub = inner.get(name)
            empty = name not in inner or f.type.empty(sub)
            values[attr] = f.fresh_default() if empty else f.type.parse(fc, sub, keys)
    return Request(**values, path=path)


_ENTRY_REQUIRED = ("at", "by", "type")
_ENTRY_KEYS = frozenset(KEY_ORDER)


class _Checker(Checker):
    """Reads each history entry by its kind."""

    def entry(self, keys: Sequence[Key], raw: Any) -> Kind:
        body = self.mapping(raw, keys, required=_ENTRY_REQUIRED, allowed=_ENTRY_KEYS)
        at = self.timestamp(body["at"], [*keys, "at"])
        by = self.string(body["by"], [*keys, "by"])
        type_ = self.choice(body["type"], [*keys, "type"], ENTRY_TYPES)
        data = {k: v for k, v in body.items() if k not in ("at", "by", "type") and v is not None}

        def fail(key: str, problem: str) -> None:
            self.fail([*keys, key], problem)

        return parse_entry(at, by, type_, data, fail)


__all__ = ["FIELD_ENTRIES", "IMMUTABLE_KEYS", "REQUEST_KEYS", "Request", "parse_request"]
