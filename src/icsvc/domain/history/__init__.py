"""A request and its history as typed operations, replayed in one place.

- `entries`: what every entry is (who, when, the keys it carries and their types);
- `kinds`: each entry type's meaning: its keys, who may write it, what it requires, what it
  changes, and how it is told (`show`, commit messages, `explain`, notifications);
- `roles`: who someone is to a request;
- `state`: the request as its history tells it;
- `request`: the request file's record, parsed and written;
- `replay`: replaying a history, checking new entries;
- `creation`: what a new request must be.

The names below are the package's face; modules inside it import each other directly.
"""

from icsvc.domain.history.creation import (
    creation_problems,
    expected_priority,
    is_rush_needed,
    rush_reasons_at,
)
from icsvc.domain.history.entries import KEY_ORDER, Entry, Problem, entry_key
from icsvc.domain.history.kinds import ENTRY_TYPES, KINDS, Kind, words
from icsvc.domain.history.replay import (
    Replay,
    apply,
    consequences,
    differences,
    from_file,
    immutable_changes,
    initial_state,
    problems,
    provider_at,
    replay,
    status_at,
    told,
    write_fields,
)
from icsvc.domain.history.request import Request
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
from icsvc.domain.history.state import PromiseRecord, RequestState, Stint, Wait

__all__ = [
    "CUSTOMER", "ENTRY_TYPES", "ESCALATION", "KEY_ORDER", "KINDS", "MANAGER", "MEMBER",
    "MERGE", "MERGE_IDENTITY", "PROVIDER", "REQUESTER", "Entry", "Judging", "Kind", "Problem",
    "PromiseRecord", "Replay", "Request", "RequestState", "Stint", "Wait", "apply",
    "consequences", "creation_problems", "differences", "entry_key", "expected_priority",
    "from_file", "immutable_changes", "initial_state", "is_rush_needed", "problems",
    "provider_at", "replay", "roles_of", "rush_reasons_at", "side", "status_at", "told",
    "who_words", "words", "write_fields",
]
