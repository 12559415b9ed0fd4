"""What an entry tells people: each entry kind says, in `tell`, which notices it raises, to
which audience and in which words; `notify` turns the audiences into people and channels.

Audiences: `customer` (the requester and their department's managers), `provider` (the
owner when one is set, else every member), `escalation` (the provider's escalation
contact), or one person (`person:EMAIL`). Nobody hears of their own change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from icsvc.domain.catalogue import Catalogue
from icsvc.domain.dates import when
from icsvc.domain.history.entries import Entry
from icsvc.domain.history.roles import side
from icsvc.domain.history.state import RequestState

CUSTOMER, PROVIDER, ESCALATION = "customer", "provider", "escalation"


def person(email: str) -> str:
    """The audience of one person."""
    return f"person:{email}"


@dataclass(frozen=True)
class Notice:
    """What one entry tells the people concerned: a notification's kind, audiences and text."""

    kind: str
    """What happened, in one word (`acknowledged`, `need-info`, ...: `notify.KINDS`)."""
    audiences: tuple[str, ...]
    what: str
    """The subject's words: `{ID} {what}: {title}`."""
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Before:
    """What an entry is judged against: the request just before it."""

    status: str
    acknowledged: bool
    promised_by: datetime | None
    proposal: str | None

    @classmethod
    def of(cls, state: RequestState) -> Before:
        return cls(state.status, state.acknowledged_at is not None, state.promised_by,
                   state.proposal)


@dataclass
class Telling:
    """The notices of one entry, told from the state after the command that wrote it
    (`batch`: that command's entries) and the state just before the entry (`before`)."""

    entry: Entry
    before: Before
    state: RequestState
    batch: Sequence[Entry]
    cat: Catalogue
    notices: list[Notice] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The provider's display name."""
        provider = self.cat.providers.get(self.state.provider)
        return provider.name if provider else self.state.provider

    def when(self, value: datetime | None) -> str:
        """A time as people read it, in the provider's timezone."""
        if value is None:
            return "-"
        provider = self.cat.providers.get(self.state.provider)
        return when(value.astimezone(provider.calendar.tz) if provider else value)

    def side(self) -> str | None:
        return side(self.entry.by, self.state)

    def tell(self, kind: str, audiences: Sequence[str], what: str,
             lines: Sequence[str]) -> None:
        self.notices.append(Notice(kind, tuple(audiences), what,
                                   tuple(line for line in lines if line)))

    def new_lines(self) -> list[str]:
        """What a provider hears of a request that reaches it (`notify` adds when it is
        due to be acknowledged)."""
        state = self.state
        rush = ", a rush" if state.rush else ""
        lines = [f"{state.customer_email} ({state.customer_department}) asks {self.name} "
                 f"for {state.service} at {state.priority} priority{rush}."]
        if state.rush and state.justification:
            lines.append(f"Why it is a rush: {state.justification}")
        if state.needed_by is not None:
            lines.append(f"Needed by {self.when(state.needed_by)}.")
        return lines

    def back(self) -> str:
        """Said when the customer's answer hands a waiting request back."""
        if self.before.status == "waiting-on-customer" and self.state.status != \
                self.before.status:
            return f"It is back with you ({self.state.status}); the clock runs again."
        return ""


def said(text: str, entry: Entry) -> str:
    """`text: the note`, or `text.` without one."""
    note = entry.note_text
    return f"{text}: {note}" if note else f"{text}."


def noted(entry: Entry, prefix: str = "") -> str:
    note = entry.note_text
    return f"{prefix}{note}" if note else ""
