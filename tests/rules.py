"""In-process helpers for the rule tests: the test catalogue, requests made by the same code
`icsvc new` runs, and changes made by the same operations `triage`, `update`, `escalate`
and `feedback` run, with no store, no git and no subprocess (milliseconds a case)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from conftest import PROVIDERS
from icsvc.domain import history
from icsvc.domain.catalogue import Catalogue
from icsvc.domain.history.request import Request
from icsvc.store.files import catalogue_from_text
from icsvc.workflow import drafts, operations

T0 = datetime.fromisoformat("2026-11-24T10:00:00-05:00")
"""A Tuesday at 10:00 in New York: engineering's working day."""
MARIA, LEE, SAM = "maria@example.com", "lee@example.com", "sam@example.com"
ANA, RAJ, VP = "ana@example.com", "raj@example.com", "vp-eng@example.com"
PAT = "pat@example.com"
PART = {"order_number": "SO-1", "part_number": "P-2"}


def catalogue(text: str = PROVIDERS) -> Catalogue:
    return catalogue_from_text(Path("providers.yaml"), text)


@dataclass
class World:
    """A catalogue and a clock; requests change through the commands' own operations."""

    cat: Catalogue = field(default_factory=catalogue)
    now: datetime = T0

    def at(self, minutes: float) -> datetime:
        """`minutes` after T0."""
        return T0 + timedelta(minutes=minutes)

    def new(self, *, by: str = MARIA, service: str = "part-clarification",
            provider: str = "engineering", minutes: float = 0, **draft: Any) -> Request:
        info = draft.pop("info", PART if service == "part-clarification" else {})
        made = drafts.Draft(provider=provider, service=service, title=draft.pop("title", "x"),
                            department=draft.pop("department", "customer-service"),
                            info=dict(info), **draft)
        return drafts.build_request(made, self.cat, by, self.at(minutes), set())

    def triage(self, request: Request, by: str = ANA, minutes: float = 10,
               **opts: Any) -> operations.Change:
        return operations.triage(request, self.cat, self.at(minutes), by,
                               operations.TriageOptions(**opts))

    def update(self, request: Request, by: str = ANA, minutes: float = 20,
               **opts: Any) -> operations.Change:
        return operations.update(request, self.cat, self.at(minutes), by,
                               operations.UpdateOptions(**opts))

    def escalate(self, request: Request, by: str = MARIA, minutes: float = 30,
                 reason: str = "slow") -> operations.Change:
        return operations.escalate(request, self.cat, self.at(minutes), by, reason)

    def feedback(self, request: Request, rating: int, by: str = MARIA, minutes: float = 40,
                 comment: str | None = None) -> operations.Change:
        return operations.feedback(request, self.cat, self.at(minutes), by, rating, comment)

    def state(self, request: Request) -> history.RequestState:
        return history.replay(request, self.cat)


def assert_open_spans(state: Any, spans: list[tuple[int, int | None, str, int]]) -> None:
    """What the report counts of a request says it was open (`Counted.open_spans`), with
    whom and since when, exactly where `status_at` and `provider_at` say so: at every
    moment its status or holder could change, a microsecond either side, and half-way to
    the next."""
    from icsvc.domain.history import provider_at, status_at
    from icsvc.domain.lifecycle import OPEN
    from icsvc.reports.facts import instant

    us = timedelta(microseconds=1)
    moments = sorted({state.created_at, *(s.start for s in state.stints),
                      *(at for s in state.stints for at, _ in s.statuses)})
    probes = [m + d for m in moments for d in (-us, 0 * us, us)]
    probes += [a + (b - a) / 2 for a, b in zip(moments, moments[1:], strict=False)]
    for at in probes:
        found = status_at(state, at)
        here = [s[2:] for s in spans
                if s[0] <= instant(at) and (s[1] is None or instant(at) < s[1])]
        assert here == ([(provider_at(state, at), instant(found[1]))]
                        if found is not None and found[0] in OPEN else []), (state.id, at)
