"""Request statuses and the transitions between them: the one place that defines them."""

from __future__ import annotations

STATUSES = (
    "new",
    "acknowledged",
    "in-progress",
    "waiting-on-customer",
    "resolved",
    "closed",
    "declined",
    "cancelled",
)
OPEN = frozenset({"new", "acknowledged", "in-progress", "waiting-on-customer"})
DONE = frozenset({"resolved", "closed", "declined", "cancelled"})
FINAL = frozenset({"closed", "declined", "cancelled"})
"""Statuses nothing leaves."""

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("acknowledged", "in-progress", "waiting-on-customer", "resolved", "declined",
            "cancelled"),
    "acknowledged": ("in-progress", "waiting-on-customer", "resolved", "declined", "cancelled"),
    "in-progress": ("acknowledged", "waiting-on-customer", "resolved", "declined", "cancelled"),
    "waiting-on-customer": ("new", "acknowledged", "in-progress", "resolved", "declined",
                            "cancelled"),
    "resolved": ("closed", "in-progress"),
    "closed": (),
    "declined": (),
    "cancelled": (),
}
"""Allowed moves. `waiting-on-customer -> new` returns a request that was asked for
information before it was acknowledged; `resolved -> in-progress` reopens work the requester
says is not done. A redirect is not a status move: it sends any open request back to `new`
at the new provider."""


def allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, ())


def allowed_from(current: str) -> tuple[str, ...]:
    return TRANSITIONS.get(current, ())


def is_open(status: str) -> bool:
    return status in OPEN
RESOLVING = frozenset({"resolved", "closed", "declined"})
"""Statuses that stop the resolve clock (a decline is a provider's answer)."""
DELIVERED = frozenset({"resolved", "closed"})
"""Statuses in which the customer got what they asked for."""
