"""What every history entry is: who wrote it and when, and the keys it carries, each read,
written and described (JSON Schema) by its `KeyType`.

An entry is a typed, frozen object from parse to write: `Entry.parse` reads a file's
mapping, `Entry.dump` writes it back in the file's key order (`KEY_ORDER`). The entry
kinds (`kinds.py`) declare their keys; nothing outside this package looks a key up.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from icsvc.domain import limits
from icsvc.domain.catalogue import PRIORITIES
from icsvc.domain.checker import NAME, NAME_ACCEPTED, did_you_mean, is_email
from icsvc.domain.lifecycle import STATUSES

KEY_ORDER = (
    "at", "by", "type", "from", "to", "note", "timeframe", "service", "alternate", "late",
    "reply", "contest", "blocks", "broken", "info", "rating", "comment", "field", "ours",
    "theirs", "kept", "actual", "via",
)
"""The order of an entry's keys in the file (the first three are every entry's, and so is
the last, `via`)."""
VIA = "via"
"""Where an entry came from when not the command line: `github-comment 123` (a comment's
id), `mail <message-id>`. A second delivery of the same comment or message finds it and
changes nothing."""

_NAMED = re.compile("\x1f([a-z][a-z-]*)\x1f")


def k(name: str) -> str:
    """A key named in a problem's text, shown as each channel names it (`Problem.say`)."""
    return f"\x1f{name}\x1f"


def quoted(name: str) -> str:
    """How a file names a key: `'note'`."""
    return f"'{name}'"


@dataclass(frozen=True)
class Problem:
    """A rule an entry breaks: the key at fault ('' for the entry as a whole, `by` for a
    right, `at` for a date) and what to do, in words a user can act on. Keys named in the
    text (`k`) are shown as the channel names them: a command by its options, an issue form
    by its labels, `check` by the file's keys."""

    key: str
    text: str
    missing: bool = False
    """The key is absent (a missing option, for a command: bad usage)."""

    def say(self, names: Callable[[str], str] = quoted) -> str:
        return _NAMED.sub(lambda m: names(m.group(1)), self.text)

Fail = Callable[[str, str], Any]
"""`fail(key, problem)`: reports a key's problem (raises)."""


# -- key types -------------------------------------------------------------------------------


class KeyType:
    """How one key's value is read from a file, written back, and described (JSON Schema,
    with the request schema's `$defs`)."""

    schema: dict[str, Any] = {}

    def described(self, required: bool) -> dict[str, Any]:
        """The JSON Schema of the value; an optional key may also be null."""
        if required or not self.schema:
            return dict(self.schema)
        return {"anyOf": [dict(self.schema), {"type": "null"}]}

    def parse(self, value: Any) -> Any:
        """The value as the entry holds it; ValueError with what is accepted."""
        return value

    def dump(self, value: Any) -> Any:
        return value


class Text(KeyType):
    schema = {"$ref": "#/$defs/text"}

    def parse(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float) or \
                not str(value).strip():
            raise ValueError("expected a non-empty text")
        return str(value)


class Name(KeyType):
    """A provider's or a service's id."""

    schema = {"$ref": "#/$defs/name"}

    def parse(self, value: Any) -> str:
        text = Text().parse(value)
        if not NAME.fullmatch(text):
            raise ValueError(f"{text!r} is not valid (accepted: {NAME_ACCEPTED})")
        return text


class Email(KeyType):
    schema = {"$ref": "#/$defs/email"}

    def parse(self, value: Any) -> str:
        text = Text().parse(value).strip()
        if not is_email(text):
            raise ValueError(f"{text!r} is not an email address")
        return text.lower()


class Flag(KeyType):
    schema = {"type": "boolean"}

    def parse(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
        return value


class Instant(KeyType):
    schema = {"$ref": "#/$defs/timestamp"}

    def parse(self, value: Any) -> datetime:
        moment = value if isinstance(value, datetime) else None
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                moment = None
        if moment is None or moment.tzinfo is None:
            raise ValueError(f"{value!r} is not a date-time (accepted: ISO 8601 with offset)")
        if not limits.date_in_range(moment):
            raise ValueError(f"{moment.isoformat()} is out of range (accepted: "
                             f"{limits.DATE_RANGE})")
        return moment


class Choice(KeyType):
    def __init__(self, choices: tuple[str, ...], what: str, ref: str) -> None:
        self.choices = choices
        self.what = what
        self.schema = {"$ref": f"#/$defs/{ref}"}

    def parse(self, value: Any) -> str:
        if value not in self.choices:
            raise ValueError(f"{value!r} is not {self.what} (accepted: "
                             f"{', '.join(self.choices)})")
        return str(value)


class Whole(KeyType):
    """A whole number in a range (a percentage, a rating)."""

    def __init__(self, lo: int, hi: int, what: str) -> None:
        self.lo, self.hi, self.what = lo, hi, what
        self.schema = {"type": "integer", "minimum": lo, "maximum": hi}

    def parse(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or \
                not self.lo <= value <= self.hi:
            raise ValueError(f"{value!r} is not {self.what} (accepted: {self.lo} to {self.hi})")
        return value


class Amount(KeyType):
    """A cost: a finite number from 0 to `limits.MAX_COST`, kept as typed (12 or 12.5)."""

    schema = {"type": "number", "minimum": 0, "maximum": limits.MAX_COST}

    def parse(self, value: Any) -> int | float:
        if isinstance(value, bool) or not isinstance(value, int | float) or \
                not math.isfinite(value) or not 0 <= value <= limits.MAX_COST:
            raise ValueError(f"{value!r} is not a cost (accepted: a number, 0 or more)")
        return value


class Texts(KeyType):
    """`info`: a mapping of keys to non-empty texts."""

    schema = {"type": "object", "minProperties": 1,
              "additionalProperties": {"$ref": "#/$defs/text"}}

    def parse(self, value: Any) -> dict[str, str]:
        if not isinstance(value, dict) or not value or not all(
                isinstance(v, str | int | float) and not isinstance(v, bool) and str(v).strip()
                for v in value.values()):
            raise ValueError("expected a mapping of KEY: VALUE (non-empty texts)")
        return {str(k): str(v) for k, v in value.items()}

    def dump(self, value: Any) -> Any:
        return dict(value)


class SlaTargets(KeyType):
    """`targets`: the SLA targets of a priority (acknowledge, resolve, update)."""

    schema = {"$ref": "#/$defs/entry_targets"}

    def parse(self, value: Any) -> dict[str, str]:
        if not (isinstance(value, dict) and "acknowledge" in value and "resolve" in value):
            raise ValueError("expected the SLA targets (acknowledge, resolve, update)")
        return {str(k): str(v) for k, v in value.items()}

    def dump(self, value: Any) -> Any:
        return dict(value)


class Anything(KeyType):
    """A field's value as a merge saw it (`conflict` entries): any YAML value."""

    schema = {}


TEXT, NAME_ID, EMAIL, FLAG, INSTANT = Text(), Name(), Email(), Flag(), Instant()
STATUS = Choice(STATUSES, "a status", "status")
PRIORITY = Choice(PRIORITIES, "a priority", "priority")
PERCENT = Whole(0, 100, "a percentage")
RATING = Whole(1, 5, "a rating")
AMOUNT, TEXTS, TARGETS, ANY = Amount(), Texts(), SlaTargets(), Anything()


@dataclass(frozen=True)
class Key:
    """One key an entry kind carries: its name in the file, the attribute holding it (`from`
    is `from_`), its type, and whether the kind requires it."""

    name: str
    type: KeyType
    required: bool = False

    @property
    def attr(self) -> str:
        return "from_" if self.name == "from" else self.name


# -- the entry -------------------------------------------------------------------------------


_ALLOWED: dict[type, frozenset[str]] = {}
"""The keys each entry kind accepts (`Entry.parse`), by kind."""
_WRITTEN: dict[type, tuple[Key, ...]] = {}
"""The keys each entry kind writes (`Entry.dump`), in `KEY_ORDER`, by kind."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """A dated change by one person. Subclasses (`kinds.py`) add their keys as fields and
    say who may write them, what they require and change, and how they are told."""

    at: datetime
    by: str
    via: str | None = None

    TYPE: ClassVar[str] = ""
    KEYS: ClassVar[tuple[Key, ...]] = ()

    @property
    def type(self) -> str:
        return self.TYPE

    @classmethod
    def parse(cls, at: datetime, by: str, data: Mapping[str, Any], fail: Fail) -> Entry:
        """An entry from the keys of a file's mapping (`at`, `by` and `type` read already);
        `fail(key, problem)` for the first problem."""
        allowed = _ALLOWED.get(cls)
        if allowed is None:
            allowed = _ALLOWED[cls] = frozenset({spec.name for spec in cls.KEYS} | {VIA})
        for name in data:
            if name not in allowed:
                fail(str(name), f"a '{cls.TYPE}' entry has no key {name!r}"
                                f"{did_you_mean(str(name), sorted(allowed))} (accepted: "
                                f"{', '.join(sorted(allowed)) or 'none'})")
        values: dict[str, Any] = {}
        for spec in cls.KEYS:
            value = data.get(spec.name)
            if value is None:
                if spec.required:
                    fail(spec.name, f"a '{cls.TYPE}' entry needs {spec.name!r}")
                continue
            try:
                values[spec.attr] = spec.type.parse(value)
            except ValueError as exc:
                fail(spec.name, str(exc))
        via = data.get(VIA)
        if via is not None:
            if not isinstance(via, str) or not via.strip() or len(via) > 1000:
                fail(VIA, f"{via!r} is not where the entry came from (accepted: a text such "
                          "as 'github-comment 123' or 'mail <message-id>')")
            values["via"] = via
        return cls(at=at, by=by.lower() if "@" in by else by, **values)

    def dump(self) -> dict[str, Any]:
        """The file's mapping, in `KEY_ORDER`; unset keys and false flags left out."""
        out: dict[str, Any] = {"at": self.at, "by": self.by, "type": self.TYPE}
        written = _WRITTEN.get(type(self))
        if written is None:
            present = {k.name: k for k in self.KEYS}
            written = _WRITTEN[type(self)] = tuple(present[name] for name in KEY_ORDER[3:]
                                                   if name in present)
        for key in written:
            value = getattr(self, key.attr)
            if value is None or value is False:
                continue
            out[key.name] = key.type.dump(value)
        if self.via is not None:
            out[VIA] = self.via
        return out

    @property
    def key(self) -> str:
        """The entry's identity: its content (times compared as written)."""
        return entry_key(self.dump())

    @property
    def note_text(self) -> str:
        """The entry's note, '' without one."""
        note = getattr(self, "note", None)
        return str(note).strip() if note else ""

    # -- how it is told (each kind says its own) ----------------------------------------

    def said(self) -> str:
        """What the `show` line says of it, before its note."""
        return self.TYPE

    def line(self) -> str:
        """Its line in `show`: what changed, old -> new, and the note."""
        note = self.note_text
        return f"{self.said()} - {note}" if note else self.said()

    def verb(self, batch: Sequence[Entry] = ()) -> str | None:
        """How a commit message names it among the entries one command wrote (`batch`);
        None: it goes without saying."""
        return None

    def explained(self) -> str | None:
        """Its line in `explain`, when it changes what the clocks measure."""
        return None

    def cause(self) -> str | None:
        """Why the SLA targets recorded right after it changed (`explain`), if it does."""
        return None

    def named_date(self) -> datetime | None:
        """The date a person named in it (a promise, a need-by), which a command checks
        against the provider's days off."""
        return None

    def moves(self) -> bool:
        """Whether it can change which provider holds the request (readers that only need
        the provider it was made to skip the replay of a history without one)."""
        return False


def envelope(raw: Any) -> tuple[datetime, Any]:
    """The time and author of an entry's mapping as a file holds it (what a merge orders
    entries by, without reading the rest); a time without offset is taken as UTC.
    ValueError when there is no readable time."""
    at = raw.get("at") if isinstance(raw, dict) else None
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at)
        except ValueError:
            raise ValueError(f"history entry has an unreadable 'at': {at!r}") from None
    if not isinstance(at, datetime):
        raise ValueError(f"history entry without a date-time 'at': {raw!r}")
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)), raw.get("by")


def in_order(raw: Mapping[str, Any]) -> dict[str, Any]:
    """An entry's mapping with its keys in the file's order (unknown keys last)."""
    out = {key: raw[key] for key in KEY_ORDER if key in raw}
    out.update({key: value for key, value in raw.items() if key not in out})
    return out


def entry_key(entry: Any) -> str:
    """The identity of an entry's mapping (a file's, as a merge reads it): its content."""
    return json.dumps(entry, sort_keys=True, default=_plain, ensure_ascii=False)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
