"""Request statuses, the sets that give them meaning, and the moves between them: the one
status vocabulary every module reads."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A request's status (a member equals its text: `Status.NEW == "new"`)."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in-progress"
    WAITING = "waiting-on-customer"
    RESOLVED = "resolved"
    CLOSED = "closed"
    DECLINED = "declined"
    CANCELLED = "cancelled"


STATUSES: tuple[str, ...] = tuple(s.value for s in Status)
OPEN = frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.WAITING})
"""The provider still owes an answer."""
FINAL = frozenset({Status.CLOSED, Status.DECLINED, Status.CANCELLED})
"""Statuses the work is over in (only a reopen leaves `closed`)."""
RESOLVING = frozenset({Status.RESOLVED, Status.CLOSED, Status.DECLINED})
"""Statuses that answer a request: they stop the resolve clock (a decline is an answer)."""
DELIVERED = frozenset({Status.RESOLVED, Status.CLOSED})
"""Statuses in which the customer got what they asked for."""
UPDATE_ACTIVE = frozenset({Status.ACKNOWLEDGED, Status.IN_PROGRESS})
"""Statuses in which the provider owes the customer progress updates."""



def status_words(status: str, progress: int | None) -> str:
    """A status as people read it: `in-progress, 50% done` while the work goes on; once the
    request is resolved or over, the status alone (the last recorded percentage, kept in
    the file, no longer says how far the work is)."""
    if progress is None or status not in OPEN:
        return status
    return f"{status}, {progress}% done"


TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("acknowledged", "in-progress", "waiting-on-customer", "resolved", "declined",
            "cancelled"),
    "acknowledged": ("in-progress", "waiting-on-customer", "resolved", "declined", "cancelled"),
    "in-progress": ("acknowledged", "waiting-on-customer", "resolved", "declined", "cancelled"),
    "waiting-on-customer": ("new", "acknowledged", "in-progress", "resolved", "declined",
                            "cancelled"),
    "resolved": ("closed", "in-progress"),
    "closed": ("in-progress",),
    "declined": (),
    "cancelled": (),
}
"""Allowed moves. `waiting-on-customer -> new` returns a request that was asked for
information before it was acknowledged; `resolved -> in-progress` and `closed ->
in-progress` reopen work the requester says is not done (a wrong answer found later). A
redirect is not a status move: it sends any open request back to `new` at the new
provider."""


def allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, ())


def allowed_from(current: str) -> tuple[str, ...]:
    return TRANSITIONS.get(current, ())


def is_open(status: str) -> bool:
    return status in OPEN
