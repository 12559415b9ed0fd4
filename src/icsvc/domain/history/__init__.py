"""A request and its history as typed operations, replayed in one place.

- `entries`: what every entry is (who, when, the keys it carries and their types);
- `kinds`: each entry type's meaning: its keys, who may write it, what it requires, what it
  changes, and how it is told (`show`, commit messages, `explain`, notifications);
- `roles`: who someone is to a request;
- `state`: the request as its history tells it;
- `request`: the request file's record, parsed and written;
- `replaying`: replaying a history, checking new entries;
- `creation`: what a new request must be.

The names below are the package's face; modules inside it import each other directly.
Importing the package builds none of them: each name is imported from its module on first
use (PEP 562), so a reader that needs only `state` or `fields` (a listing on a warm store)
never pays for the entry kinds' classes.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from icsvc.domain.history.creation import (
        creation_problems,
        expected_priority,
        is_rush_needed,
        rush_reasons_at,
    )
    from icsvc.domain.history.entries import (
        KEY_ORDER,
        Entry,
        Problem,
        entry_key,
    )
    from icsvc.domain.history.kinds import (
        ENTRY_TYPES,
        KINDS,
        Kind,
        words,
    )
    from icsvc.domain.history.replaying import (
        Replay,
        apply,
        consequences,
        differences,
        from_file,
        immutable_changes,
        initial_state,
        problems,
        replay,
        told,
        write_fields,
    )
    from icsvc.domain.history.request import (
        Request,
    )
    from icsvc.domain.history.roles import (
        CUSTOMER,
        ESCALATION,
        MANAGER,
        MEMBER,
        MERGE,
        MERGE_IDENTITY,
        PROVIDER,
        REQUESTER,
        Judging,
        roles_of,
        side,
        who_words,
    )
    from icsvc.domain.history.state import (
        PromiseRecord,
        RequestState,
        Stint,
        Wait,
        provider_at,
        status_at,
    )

_WHERE = {
    "CUSTOMER": "roles",
    "ENTRY_TYPES": "kinds",
    "ESCALATION": "roles",
    "Entry": "entries",
    "Judging": "roles",
    "KEY_ORDER": "entries",
    "KINDS": "kinds",
    "Kind": "kinds",
    "MANAGER": "roles",
    "MEMBER": "roles",
    "MERGE": "roles",
    "MERGE_IDENTITY": "roles",
    "PROVIDER": "roles",
    "Problem": "entries",
    "PromiseRecord": "state",
    "REQUESTER": "roles",
    "Replay": "replaying",
    "Request": "request",
    "RequestState": "state",
    "Stint": "state",
    "Wait": "state",
    "apply": "replaying",
    "consequences": "replaying",
    "creation_problems": "creation",
    "differences": "replaying",
    "entry_key": "entries",
    "expected_priority": "creation",
    "from_file": "replaying",
    "immutable_changes": "replaying",
    "initial_state": "replaying",
    "is_rush_needed": "creation",
    "problems": "replaying",
    "provider_at": "state",
    "replay": "replaying",
    "roles_of": "roles",
    "rush_reasons_at": "creation",
    "side": "roles",
    "status_at": "state",
    "told": "replaying",
    "who_words": "roles",
    "words": "kinds",
    "write_fields": "replaying",
}
"""Each name of the package's face, and the module that defines it."""

__all__ = [
    "CUSTOMER", "ENTRY_TYPES", "ESCALATION", "KEY_ORDER", "KINDS", "MANAGER", "MEMBER",
    "MERGE", "MERGE_IDENTITY", "PROVIDER", "REQUESTER", "Entry", "Judging", "Kind", "Problem",
    "PromiseRecord", "Replay", "Request", "RequestState", "Stint", "Wait", "apply",
    "consequences", "creation_problems", "differences", "entry_key", "expected_priority",
    "from_file", "immutable_changes", "initial_state", "is_rush_needed", "problems",
    "provider_at", "replay", "roles_of", "rush_reasons_at", "side", "status_at", "told",
    "who_words", "words", "write_fields",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
