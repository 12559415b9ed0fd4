"""The request file's fields, declared once (`FIELDS`).

Each field says its key in the file (`customer` is a mapping of two fields, `email` and
`department`), the attribute of `Request` (and of `RequestState`) that holds it, its value
type, whether it is required and its default, the history entry types that change it, and
the index column it fills. Everything else is made from the table: parsing and writing a
request file (`request.py`), the key tables other modules import (`REQUEST_KEYS`,
`FIELD_ENTRIES`, `IMMUTABLE_KEYS`, `state.FIELDS`), the index's checks of a kept request
(`store/index.py`) and the quick look at a file (`store/refresh.py`), and the request JSON
Schema (`python -m icsvc.store.schemafiles`).

A value type reads a value with the file checker, so every problem names the file and the
key with the same words as the rest of `check`; its JSON Schema is the one of the matching
history key type (`entries.py`) where there is one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from icsvc.domain import ids
from icsvc.domain.checker import NAME, NAME_ACCEPTED, FileChecker, Key
from icsvc.domain.durations import parse_duration
from icsvc.domain.history.entries import (
    EMAIL,
    FLAG,
    INSTANT,
    NAME_ID,
    PERCENT,
    PRIORITY,
    STATUS,
    TEXT,
    Choice,
    Entry,
    Whole,
)


class Checker(FileChecker):
    """The checker a request file is read with: it also reads history entries, by their
    kinds, which sit above this table (`request.py` supplies them)."""

    def entry(self, keys: Sequence[Key], raw: Any) -> Entry:
        raise NotImplementedError


# -- value types -----------------------------------------------------------------------------


class Value:
    """How a field's value is read (`parse`, with the file checker's located problems),
    written back (`dump`: None or False leaves the key out), described (JSON Schema) and
    kept by the index (`kept`: the shape of its JSON, see `store/index.py`)."""

    schema: dict[str, Any] = {}
    kept = "text"
    nullable = True
    """A null value stands for the default (otherwise it is checked, and refused)."""
    scalar = True
    """Written on one line (not a mapping or a list)."""

    def empty(self, raw: Any) -> bool:
        """The value in the file stands for the field's default."""
        return raw is None and self.nullable

    def parse(self, fc: Checker, value: Any, keys: Sequence[Key]) -> Any:
        return fc.string(value, keys)

    def dump(self, value: Any) -> Any:
        return value

    def described(self, required: bool) -> dict[str, Any]:
        """The JSON Schema of the value; an optional, nullable one may also be null."""
        if required or not self.nullable:
            return dict(self.schema)
        return {"anyOf": [dict(self.schema), {"type": "null"}]}


class RequestId(Value):
    schema = {"$ref": "#/$defs/request_id"}

    def parse(self, fc: Checker, value: Any, keys: Sequence[Key]) -> str:
        rid = ids.normalize(fc.string(value, keys))
        if not ids.is_valid(rid):
            fc.fail(keys, f"{value!r} is not a request ID (accepted: {ids.LENGTH} characters "
                          f"from {ids.ALPHABET})")
        return rid


class Text(Value):
    schema = TEXT.schema


class Name(Value):
    """A provider's, a service's or a department's id."""

    schema = NAME_ID.schema

    def parse(self, fc: Checker, value: Any, keys: Sequence[Key]) -> str:
        return fc.string(value, keys, pattern=NAME, accepted=NAME_ACCEPTED)


class Email(Value):
    schema = EMAIL.schema

    def parse(self, fc: Checker, value: Any, keys: Sequence[Key]) -> str:
        return fc.email(value, keys)


class OneOf(Value):
    """One of the choices of a history key type (a status, a priority)."""

    def __init__(self, choice: Choice) -> None:
        self.choices = choice.choices
        self.schema = choice.schema

    def parse(self, fc: Checker, value: Any, keys: Sequence[Key]) -> str:
        return fc.choice(value, keys, self.choices)


class Instant(Value):
    schema = INSTANT.schema
    kept = "time"

    def parse(self, fc: Checker, value: Any, keys: Sequence[Key]) -> Any:
        return fc.timestamp(value, keys)


class Flag(Value):
    schema = FLAG.schema
    kept = "flag"
    nullable = False

    def parse(self, fc: Checker, value: Any, keys: Sequence[Key]) -> bool:
        return fc.boolean(value, keys)


class Number(Value):
    """A whole number in the range of a history key type (a percentage)."""

    kept = "whole"

    def __init__(self, whole: Whole) -> None:
        self.lo, self.hi = whole.lo, whole.hi
        self.schema = whole.schema

    def parse(self, fc: Checker, value: Any, keys: Sequence[Key]) -> int:
        return fc.integer(value, keys, self.lo, self.hi)


class Texts(Value):
    """`info`: KEY: text. Any empty value (null, `{}`) is no information."""

    schema = {"type": "object", "additionalProperties": {"$ref": "#/$defs/text"}}
    kept = "texts"
    scalar = False

    def empty(self, raw: Any) -> bool:
        return not raw

    def parse(self, fc: Checker, value: Any, keys: Sequence[Key]) -> dict[str, str]:
        found = fc.mapping(value, keys)
        return {str(k): fc.string(v, [*keys, str(k)]) for k, v in found.items()}

    def dump(self, value: Any) -> Any:
        return dict(value) or None


class Ids(Value):
    """`blocks`: request IDs. Any empty value (null, `[]`) is none."""

    schema = {"type": "array", "items": {"$ref": "#/$defs/request_id"}}
    kept = "ids"
    scalar = False

    def empty(self, raw: Any) -> bool:
        return not raw

    def parse(self, fc: Checker, value: Any, keys: Sequence[Key]) -> list[str]:
        if not isinstance(value, list):
            fc.fail(keys, "expected a list of request IDs")
        out = []
        for i, item in enumerate(value):
            other = ids.normalize(fc.string(item, [*keys, i]))
            if not ids.is_valid(other):
                fc.fail([*keys, i], f"{item!r} is not a request ID")
            out.append(other)
        return out

    def dump(self, value: Any) -> Any:
        return list(value) or None


class Impact(Value):
    """`impact`: the cost of a lapse, and a note."""

    schema = {"type": "object", "required": ["cost"], "additionalProperties": False,
              "properties": {"cost": {"type": "number"}, "note": {}}}
    kept = "mapping"
    scalar = False

    def parse(self, fc: Checker, value: Any, keys: Sequence[Key]) -> dict[str, Any]:
        impact = fc.mapping(value, keys, required=["cost"], allowed=["cost", "note"])
        fc.number(impact["cost"], [*keys, "cost"])
        return impact


class Source(Value):
    """`source`: where the request came from when not `icsvc new`: a GitHub issue (with the
    login that opened it when `people:` did not know it yet: `unverified` until an admin
    confirms the email it gave), a mail (its Message-ID), or a recurring request of
    providers.yaml (its name and the occurrence's date). A second delivery of the same
    issue, mail or occurrence finds it and makes nothing."""

    schema = {"type": "object", "additionalProperties": False,
              "anyOf": [{"required": ["github_issue"]}, {"required": ["mail"]},
                        {"required": ["recurring", "occurrence"]}],
              "properties": {"github_issue": {"type": "integer", "minimum": 1},
                             "url": {"$ref": "#/$defs/text"},
                             "github_login": {"$ref": "#/$defs/text"},
                             "unverified": {"type": "boolean"},
                             "mail": {"$ref": "#/$defs/text"},
                             "recurring": {"$ref": "#/$defs/text"},
                             "occurrence": {"$ref": "#/$defs/text"}}}
    kept = "mapping"
    scalar = False

    def parse(self, fc: Checker, value: Any, keys: Sequence[Key]) -> dict[str, Any]:
        source = fc.mapping(value, keys, allowed=["github_issue", "url", "github_login",
                                                  "unverified", "mail", "recurring",
                                                  "occurrence"])
        if not any(k in source for k in ("github_issue", "mail", "recurring")):
            fc.fail(list(keys), "expected github_issue, mail or recurring (where the request "
                                "came from)")
        if source.get("github_issue") is not None and \
                fc.integer(source["github_issue"], [*keys, "github_issue"]) < 1:
            fc.fail([*keys, "github_issue"], "expected an issue number (1 or more)")
        for name in ("url", "github_login", "mail", "recurring", "occurrence"):
            if source.get(name) is not None:
                fc.string(source[name], [*keys, name])
        if source.get("recurring") is not None and source.get("occurrence") is None:
            fc.fail([*keys, "occurrence"], "a recurring request names its occurrence (the "
                                           "date it is made for, YYYY-MM-DD)")
        if source.get("unverified") is not None:
            fc.boolean(source["unverified"], [*keys, "unverified"])
        return source


class Targets(Value):
    """`targets`: the SLA targets, as durations of business time."""

    schema = {"type": "object", "required": ["acknowledge", "resolve"],
              "additionalProperties": False,
              "properties": {name: {"$ref": "#/$defs/duration"}
                             for name in ("acknowledge", "resolve", "update")}}
    kept = "texts"
    scalar = False

    def parse(self, fc: Checker, value: Any, keys: Sequence[Key]) -> dict[str, str]:
        targets = fc.mapping(value, keys, required=["acknowledge", "resolve"],
                             allowed=["acknowledge", "resolve", "update"])
        for key, duration in targets.items():
            fc.convert(duration, [*keys, key], parse_duration)
        return {k: str(v) for k, v in targets.items()}

    def dump(self, value: Any) -> Any:
        return dict(value)


class Entries(Value):
    """`history`: the entries, in time order, the first `created`; each read by its kind."""

    schema = {"type": "array", "minItems": 1,
              "prefixItems": [{"$ref": "#/$defs/entry",
                               "properties": {"type": {"const": "created"}}}],
              "items": {"$ref": "#/$defs/entry"}}
    kept = "history"
    scalar = False

    def parse(self, fc: Checker, value: Any, keys: Sequence[Key]) -> list[Entry]:
        if not isinstance(value, list) or not value:
            fc.fail(keys, "expected a non-empty list of entries (the first is 'created')")
        entries = [fc.entry([*keys, i], raw) for i, raw in enumerate(value)]
        if entries[0].TYPE != "created":
            fc.fail([*keys, 0, "type"], "the first history entry must be 'created'")
        return entries

    def dump(self, value: Any) -> Any:
        return [entry.dump() for entry in value]


# -- the table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One field of the request file."""

    key: str
    """Its key in the file."""
    type: Value
    required: bool = False
    default: Any = None
    """The value when the file leaves it out (a list or mapping is copied for each request)."""
    changed_by: tuple[str, ...] = ()
    """The history entry types that change it; a field without any never changes after
    `created`, and a change of a field must come with such an entry (`check`, `check
    --base`); a merge's `conflict` entry may set any of them."""
    column: str | None = None
    """The index column (`store.index.Summary`) it fills, if any."""
    about: str = ""
    """What it means, for the JSON Schema (an editor shows it)."""
    sub: str | None = None
    """Its key inside the mapping `key` (`customer`'s `email`), if it is in one."""
    replayed: bool = True
    """The history tells it (a field of `RequestState`)."""

    @property
    def attr(self) -> str:
        """The attribute of `Request` and `RequestState` that holds it."""
        return f"{self.key}_{self.sub}" if self.sub else self.key

    @property
    def path(self) -> list[Key]:
        """Its keys from the top of the file."""
        return [self.key, self.sub] if self.sub else [self.key]

    def fresh_default(self) -> Any:
        return self.default.copy() if isinstance(self.default, dict | list) else self.default


FIELDS: tuple[Field, ...] = (
    Field("id", RequestId(), required=True, column="id"),
    Field("title", Text(), required=True),
    Field("provider", Name(), required=True, changed_by=("redirect",), column="provider",
          about="The provider holding the request; must match its folder."),
    Field("service", Name(), required=True, changed_by=("redirect",), column="service"),
    Field("status", OneOf(STATUS), required=True, changed_by=("status", "redirect"),
          column="status"),
    Field("priority", OneOf(PRIORITY), required=True, changed_by=("priority",),
          column="priority", about="The agreed priority (set by the provider)."),
    Field("requested_priority", OneOf(PRIORITY), required=True,
          changed_by=("requested-priority",), about="What the requester asked for."),
    Field("customer", Email(), required=True, sub="email", column="email"),
    Field("customer", Name(), required=True, sub="department", column="department"),
    Field("owner", Email(), changed_by=("assigned", "redirect"),
          about="The provider member working on it."),
    Field("created_at", Instant(), required=True, column="created"),
    Field("needed_by", Instant(), changed_by=("needed-by",)),
    Field("rush", Flag(), default=False,
          about="Urgent, or needed inside the service's lead time."),
    Field("justification", Text()),
    Field("promised_by", Instant(), changed_by=("promise", "redirect")),
    Field("progress", Number(PERCENT), changed_by=("progress",), about="Percent done."),
    Field("info", Texts(), default={}, changed_by=("info",),
          about="The information the service requires, key: value."),
    Field("details", Text()),
    Field("impact", Impact(), changed_by=("cost",), about="The cost of a lapse."),
    Field("blocks", Ids(), default=[], changed_by=("link",), column="blocks",
          about="Requests this one must be done before (their IDs)."),
    Field("source", Source(), replayed=False,
          about="Where the request came from (a GitHub issue, a mail, a recurring "
                "request)."),
    Field("targets", Targets(), required=True, changed_by=("targets",),
          about="The SLA targets recorded when the request was created (or its priority "
                "changed, or it was redirected)."),
    Field("history", Entries(), required=True, column="updated", replayed=False,
          about="Append-only, in time order; the first entry is 'created'."),
)
"""The fields in the file's order."""

HISTORY = "history"
"""The key of the entries themselves (every entry adds to it)."""

REQUEST_KEYS: tuple[str, ...] = tuple(dict.fromkeys(f.key for f in FIELDS))
"""The file's top-level keys, in the order icsvc writes them."""
REQUIRED_KEYS: tuple[str, ...] = tuple(dict.fromkeys(f.key for f in FIELDS if f.required))
FIELD_ENTRIES: dict[str, tuple[str, ...]] = {f.key: f.changed_by for f in FIELDS
                                              if f.changed_by}
"""Which history entry types change a field (by its key)."""
IMMUTABLE_KEYS: tuple[str, ...] = tuple(k for k in REQUEST_KEYS
                                        if k not in FIELD_ENTRIES and k != HISTORY)
"""Fields no entry changes."""
REPLAYED: tuple[str, ...] = tuple(f.attr for f in FIELDS if f.replayed)
"""The attributes the history tells, of both `Request` and `RequestState`."""
BY_ATTR: dict[str, Field] = {f.attr: f for f in FIELDS}
GROUPS: tuple[tuple[str, tuple[Field, ...]], ...] = tuple(
    (key, tuple(f for f in FIELDS if f.key == key)) for key in REQUEST_KEYS)
"""(key, its fields) in the file's order: one field, or the fields of a mapping."""


def schema_properties() -> dict[str, Any]:
    """The request JSON Schema's `properties`, one per top-level key."""
    out: dict[str, Any] = {}
    for key, group in GROUPS:
        first = group[0]
        if first.sub is None:
            described = first.type.described(first.required)
        else:
            described = {
                "type": "object",
                "required": [f.sub for f in group if f.required],
                "additionalProperties": False,
                "properties": {str(f.sub): f.type.described(True) for f in group},
            }
        out[key] = {"description": first.about, **described} if first.about else described
    return out
