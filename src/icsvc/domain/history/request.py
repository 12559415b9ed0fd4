"""A request and its history, parsed from and written to a request file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from icsvc.domain import ids
from icsvc.domain.catalogue import PRIORITIES
from icsvc.domain.checker import NAME, NAME_ACCEPTED, FileChecker
from icsvc.domain.durations import parse_duration
from icsvc.domain.history.entries import KEY_ORDER, Entry
from icsvc.domain.history.kinds import ENTRY_TYPES, Created, Kind, parse_entry
from icsvc.domain.lifecycle import STATUSES

FIELD_ENTRIES: dict[str, tuple[str, ...]] = {
    "status": ("status", "redirect"),
    "owner": ("assigned", "redirect"),
    "promised_by": ("promise", "redirect"),
    "priority": ("priority",),
    "requested_priority": ("requested-priority",),
    "needed_by": ("needed-by",),
    "progress": ("progress",),
    "provider": ("redirect",),
    "service": ("redirect",),
    "targets": ("targets",),
    "info": ("info",),
    "impact": ("cost",),
    "blocks": ("link",),
}
"""Which history entry types change a request field; every other field never changes after
`created` (id, title, customer, created_at, rush, justification, details, source). A
change of a field must come with such an entry (`check`, `check --base`), and a `conflict`
entry of the merge driver may set any of them."""

REQUEST_KEYS = (
    "id", "title", "provider", "service", "status", "priority", "requested_priority",
    "customer", "owner", "created_at", "needed_by", "rush", "justification", "promised_by",
    "progress", "info", "details", "impact", "blocks", "source", "targets", "history",
)
IMMUTABLE_KEYS = tuple(k for k in REQUEST_KEYS if k not in FIELD_ENTRIES and k != "history")
"""Fields no entry changes."""


@dataclass
class Request:
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
        out: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "provider": self.provider,
            "service": self.service,
            "status": self.status,
            "priority": self.priority,
            "requested_priority": self.requested_priority,
            "customer": {"email": self.customer_email, "department": self.customer_department},
            "owner": self.owner,
            "created_at": self.created_at,
            "needed_by": self.needed_by,
            "rush": self.rush,
            "justification": self.justification,
            "promised_by": self.promised_by,
            "progress": self.progress,
            "info": dict(self.info) or None,
            "details": self.details,
            "impact": self.impact,
            "blocks": list(self.blocks) or None,
            "source": self.source,
            "targets": dict(self.targets),
            "history": [e.dump() for e in self.history],
        }
        return {k: v for k, v in out.items() if v is not None and v is not False}

    def last(self, kind: type[Entry]) -> Entry | None:
        """The newest entry of this kind."""
        for entry in reversed(self.history):
            if isinstance(entry, kind):
                return entry
        return None


def parse_request(path: Path, data: Any) -> Request:
    """Validate one request file's structure (references are checked against the catalogue
    elsewhere), returning the typed record."""
    fc = FileChecker(path)
    if data is None:
        fc.fail([], "the file is empty")
    body = fc.mapping(
        data, [],
        required=["id", "title", "provider", "service", "status", "priority",
                  "requested_priority", "customer", "created_at", "targets", "history"],
        allowed=REQUEST_KEYS,
    )
    rid = ids.normalize(fc.string(body["id"], ["id"]))
    if not ids.is_valid(rid):
        fc.fail(["id"], f"{body['id']!r} is not a request ID (accepted: {ids.LENGTH} characters "
                        f"from {ids.ALPHABET})")
    customer = fc.mapping(body["customer"], ["customer"], required=["email", "department"],
                          allowed=["email", "department"])
    targets = fc.mapping(body["targets"], ["targets"], required=["acknowledge", "resolve"],
                         allowed=["acknowledge", "resolve", "update"])
    for key, value in targets.items():
        fc.convert(value, ["targets", key], parse_duration)
    info = fc.mapping(body.get("info") or {}, ["info"])
    impact = None
    if body.get("impact") is not None:
        impact = fc.mapping(body["impact"], ["impact"], required=["cost"],
                            allowed=["cost", "note"])
        fc.number(impact["cost"], ["impact", "cost"])
    source = None
    if body.get("source") is not None:
        source = fc.mapping(body["source"], ["source"], required=["github_issue"],
                            allowed=["github_issue", "url"])
        if fc.integer(source["github_issue"], ["source", "github_issue"]) < 1:
            fc.fail(["source", "github_issue"], "expected an issue number (1 or more)")
        if source.get("url") is not None:
            fc.string(source["url"], ["source", "url"])
    history_raw = body["history"]
    if not isinstance(history_raw, list) or not history_raw:
        fc.fail(["history"], "expected a non-empty list of entries (the first is 'created')")
    history = [_entry(fc, i, raw) for i, raw in enumerate(history_raw)]
    blocks_raw = body.get("blocks") or []
    if not isinstance(blocks_raw, list):
        fc.fail(["blocks"], "expected a list of request IDs")
    blocks = []
    for i, value in enumerate(blocks_raw):
        other = ids.normalize(fc.string(value, ["blocks", i]))
        if not ids.is_valid(other):
            fc.fail(["blocks", i], f"{value!r} is not a request ID")
        blocks.append(other)
    if not isinstance(history[0], Created):
        fc.fail(["history", 0, "type"], "the first history entry must be 'created'")
    progress = body.get("progress")
    return Request(
        id=rid,
        title=fc.string(body["title"], ["title"]),
        provider=fc.string(body["provider"], ["provider"], pattern=NAME, accepted=NAME_ACCEPTED),
        service=fc.string(body["service"], ["service"], pattern=NAME, accepted=NAME_ACCEPTED),
        status=fc.choice(body["status"], ["status"], STATUSES),
        priority=fc.choice(body["priority"], ["priority"], PRIORITIES),
        requested_priority=fc.choice(body["requested_priority"], ["requested_priority"],
                                     PRIORITIES),
        customer_email=fc.email(customer["email"], ["customer", "email"]),
        customer_department=fc.string(customer["department"], ["customer", "department"],
                                      pattern=NAME, accepted=NAME_ACCEPTED),
        created_at=fc.timestamp(body["created_at"], ["created_at"]),
        targets={k: str(v) for k, v in targets.items()},
        history=history,
        owner=fc.email(body["owner"], ["owner"]) if body.get("owner") is not None else None,
        needed_by=(fc.timestamp(body["needed_by"], ["needed_by"])
                   if body.get("needed_by") is not None else None),
        rush=fc.boolean(body.get("rush", False), ["rush"]),
        justification=(fc.string(body["justification"], ["justification"])
                       if body.get("justification") is not None else None),
        promised_by=(fc.timestamp(body["promised_by"], ["promised_by"])
                     if body.get("promised_by") is not None else None),
        progress=(fc.integer(progress, ["progress"], 0, 100) if progress is not None else None),
        info={str(k): fc.string(v, ["info", str(k)]) for k, v in info.items()},
        details=(fc.string(body["details"], ["details"])
                 if body.get("details") is not None else None),
        impact=impact,
        blocks=blocks,
        source=source,
        path=path,
    )


def _entry(fc: FileChecker, i: int, raw: Any) -> Kind:
    keys: list[str | int] = ["history", i]
    body = fc.mapping(raw, keys, required=["at", "by", "type"], allowed=KEY_ORDER)
    at = fc.timestamp(body["at"], [*keys, "at"])
    by = fc.string(body["by"], [*keys, "by"])
    type_ = fc.choice(body["type"], [*keys, "type"], ENTRY_TYPES)
    data = {k: v for k, v in body.items() if k not in ("at", "by", "type") and v is not None}

    def fail(key: str, problem: str) -> None:
        fc.fail([*keys, key], problem)

    return parse_entry(at, by, type_, data, fail)
