"""A request as its history tells it (`RequestState`), and what the replay learns on the
way: the stints with each provider, waits on the customer, promises."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from icsvc.domain.catalogue import Catalogue
from icsvc.domain.history.entries import Entry
from icsvc.domain.history.fields import REPLAYED


@dataclass
class PromiseRecord:
    """One promise, from the date first given until the request is done or leaves the
    provider: kept when delivered by the first date promised."""

    provider: str
    made_at: datetime
    made_by: str
    first: datetime
    date: datetime
    """The latest date promised."""
    moves: int = 0
    moved_after_date: bool = False
    """Moved after its date had passed (a broken promise)."""
    withdrawn_at: datetime | None = None


@dataclass
class Wait:
    """A period waiting on the customer: asked `at`, answered `until` (None: still waiting)."""

    at: datetime
    provider: str
    late: bool
    """Asked after the request was acknowledged: information the service's `requires` did
    not name up front."""
    until: datetime | None = None


@dataclass
class Stint:
    """The time a request spent with one provider: from creation or a redirect to it, until
    a redirect away (None: still there)."""

    provider: str
    start: datetime
    statuses: list[tuple[datetime, str]]
    """(when, status) during the stint, starting with (start, 'new')."""
    start_index: int = 0
    """Index in the history of the entry that began the stint (created or redirect)."""
    end: datetime | None = None
    sent_from: str | None = None
    """The provider that redirected it here (None: it was made for this one)."""
    sent_by: str | None = None


@dataclass
class Raised:
    """An escalation: who raised it to whom, when and why, whether it contests the proposed
    priority, and when the escalation contact answered it (an `answer` entry, or any change
    the contact made since)."""

    at: datetime
    by: str
    to: str | None
    note: str
    contest: bool
    provider: str = ""
    """The provider whose escalation contact it went to."""
    answered_at: datetime | None = None
    answer: str | None = None


@dataclass
class RequestState:
    """A request as its history tells it: the fields of its file, and what the rules, the
    clocks and the reports need to know about how it got there."""

    # the fields of the file the history tells (`fields.REPLAYED`; a test holds them equal)
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
    # what the replay learnt
    history: list[Entry] = field(default_factory=list)
    stints: list[Stint] = field(default_factory=list)
    waits: list[Wait] = field(default_factory=list)
    wait_return: str = "acknowledged"
    """The status a request waiting on the customer returns to when they answer."""
    answered: bool = False
    """The customer answered (information or a reply) since the provider last asked."""
    responded_at: datetime | None = None
    """The current provider's first response (any status change but to cancelled): what
    meets the acknowledge clock."""
    acknowledged_at: datetime | None = None
    """When the current provider took the request on (its first move to a status other than
    new, waiting-on-customer or cancelled); information asked for after it is *late*."""
    resolved_at: datetime | None = None
    """When the current run of resolving statuses began (None while not resolved)."""
    first_resolved_at: datetime | None = None
    reopens: list[datetime] = field(default_factory=list)
    promises: list[PromiseRecord] = field(default_factory=list)
    escalations: list[Raised] = field(default_factory=list)
    escalation_pending: bool = False
    """Escalated, and the escalation contact has not acted on the request since."""
    proposal: str | None = None
    """A priority agreed below the requested one: `proposed`, `accepted`, `contested`
    (escalated by the customer) or `decided` (agreed again after a contest)."""
    downgrades: list[tuple[datetime, str, str]] = field(default_factory=list)
    """(when, provider, outcome) of each priority agreed below the requested one; the
    outcome is the proposal state it ended in."""
    upgrades_asked: list[tuple[datetime, str]] = field(default_factory=list)
    """(when, priority) the customer asked for more than was agreed."""
    rating: int | None = None
    """The latest rating since the last reopen."""
    cancelled_by_provider: bool = False
    cost_revisions: list[tuple[datetime, str | None, bool]] = field(default_factory=list)
    """(when, note, actual?) of each cost recorded after the request was made: a revised
    estimate, or the actual figure."""
    informed: list[tuple[datetime, bool]] = field(default_factory=list)
    """(when, by the provider?) each time the customer was kept informed (a status change,
    a progress note or change, any change with a note): what resets the update clock."""
    alternate: str | None = None
    """Who can help instead, as the provider said when it declined."""
    timeframe: datetime | None = None
    """The date the acknowledgement said to expect it (shown; only a promise is counted)."""
    asked: list[str] = field(default_factory=list)
    """Every priority the customer asked for: at creation, then each change."""
    cat: Catalogue | None = field(default=None, repr=False, compare=False)
    """The catalogue the replay reads roles from (who is a member, a manager...), if any."""

    @property
    def contestable(self) -> bool:
        """A lower priority is proposed (or accepted) that the customer may still contest."""
        return self.proposal in ("proposed", "accepted")

    @property
    def stint(self) -> Stint:
        return self.stints[-1]

    @property
    def last_at(self) -> datetime:
        return max((e.at for e in self.history), default=self.created_at)

    @property
    def cost(self) -> int | float | None:
        """The cost as recorded (12 stays 12)."""
        if not self.impact or self.impact.get("cost") is None:
            return None
        value: int | float = self.impact["cost"]
        return value

    @property
    def cost_is_actual(self) -> bool:
        """The cost is the actual figure (`update --cost N --actual`), not an estimate."""
        return any(actual for _, _, actual in self.cost_revisions)

    @property
    def waiting(self) -> Wait | None:
        return self.waits[-1] if self.waits and self.waits[-1].until is None else None


FIELDS = REPLAYED
"""The request file's fields the history tells, as attributes of both `Request` and
`RequestState` (from the field table)."""


# -- reading helpers ---------------------------------------------------------------------------


class Timeline(Protocol):
    """What `provider_at` and `status_at` read (of a request's state, or its facts)."""

    @property
    def created_at(self) -> datetime: ...

    @property
    def stints(self) -> list[Stint]: ...


def provider_at(state: Timeline, at: datetime) -> str:
    """The provider holding the request at `at`."""
    holder = state.stints[0].provider
    for stint in state.stints:
        if stint.start <= at:
            holder = stint.provider
    return holder


def status_at(state: Timeline, at: datetime) -> tuple[str, datetime] | None:
    """(status, when it reached its provider) at `at`; None before it was created."""
    if state.created_at > at:
        return None
    status, arrived = "new", state.created_at
    for stint in state.stints:
        if stint.start > at:
            break
        arrived = stint.start
        for when, value in stint.statuses:
            if when <= at:
                status = value
    return status, arrived
