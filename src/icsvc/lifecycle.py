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

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("acknowledged", "in-progress", "waiting-on-customer", "resolved", "declined",
            "cancelled"),
    "acknowledged": ("in-progress", "waiting-on-customer", "resolved", "declined", "cancelled"),
    "in-progress": ("acknowledged", "waiting-on-customer", "resolved", "declined", "cancelled"),
    "waiting-on-customer": ("acknowledged", "in-progress", "resolved", "declined", "cancelled"),
    "resolved": ("closed", "in-progress"),
    "closed": (),
    "declined": (),
    "cancelled": (),
}
"""Allowed moves. `resolved -> in-progress` reopens work the requester says is not done."""


def allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, ())


def is_open(status: str) -> bool:
    return status in OPEN
