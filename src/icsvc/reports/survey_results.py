"""The quarterly survey in figures: who a provider asks about a quarter, and the survey
section of the report.

`who_to_ask()` is what `icsvc survey send` lists (and what notifications send): the people
who made a request to the provider in the quarter (`answers.requesters`), each with their
answer if they gave one. `results()` is the survey section of `icsvc report`.

No printing: the commands say it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from icsvc.domain.answers import LOW, RATINGS, Answer, Asked, Quarter, eligible
from icsvc.domain.catalogue import Catalogue

if TYPE_CHECKING:
    from icsvc.domain.history.request import Request
    from icsvc.store.store import Store

TREND_QUARTERS = 4
"""How many quarters the report's survey trend shows, ending with the report's last one."""


# -- who to ask --------------------------------------------------------------------------------


def who_to_ask(requests: Iterable[Request], answers: Iterable[Answer], cat: Catalogue,
               quarter: Quarter, providers: Sequence[str] | None = None) -> list[Asked]:
    """Everyone to ask about `quarter`, per provider (catalogue order), then by email, each
    with their answer if they gave one. What `icsvc survey send` lists, and what the
    notifications send."""
    found = eligible(requests, cat, quarter, providers)
    for a in answers:
        asked = found.get((a.provider, a.person))
        if asked is not None and a.quarter == quarter:
            asked.answer = a
    order = {p: i for i, p in enumerate(cat.providers)}
    return sorted(found.values(), key=lambda a: (order.get(a.provider, len(order)), a.person))


def load_who_to_ask(store: Store, quarter: Quarter, providers: Sequence[str] | None = None,
                    warn: Any = None) -> list[Asked]:
    """`who_to_ask` for a store: loads the requests made around the quarter and its
    answers."""
    from icsvc.store.answer_files import created_within, load_answers

    requests = store.load_all(warn, where=created_within([quarter]))
    answers = load_answers(store.root, [quarter], warn)
    return who_to_ask(requests, answers, store.catalogue, quarter, providers)


# -- the report's figures ----------------------------------------------------------------------


class PeriodLike(Protocol):
    """A report period (`report.Period`): `[start, end)`, dates or exact instants."""

    @property
    def start(self) -> date | datetime: ...

    @property
    def end(self) -> date | datetime: ...


def quarters_of(period: PeriodLike) -> list[Quarter]:
    """The quarters a report period overlaps, in order: their answers count in it."""
    first = period.start.date() if isinstance(period.start, datetime) else period.start
    end = period.end
    last = ((end - timedelta(microseconds=1)).date() if isinstance(end, datetime)
            else end - timedelta(days=1))
    out, q = [], Quarter.of(first)
    while q <= Quarter.of(max(first, last)):
        out.append(q)
        q = q.next()
    return out


def trend_quarters(last: Quarter) -> list[Quarter]:
    """The `TREND_QUARTERS` quarters ending with `last`, oldest first."""
    out = [last]
    while len(out) < TREND_QUARTERS:
        out.insert(0, out[0].previous())
    return out


def average(ratings: Sequence[int]) -> float | None:
    return round(math.fsum(ratings) / len(ratings), 2) if ratings else None


@dataclass
class ProviderSurvey:
    """A provider's survey answers in the report's quarters."""

    provider: str
    name: str
    ratings: list[int] = field(default_factory=list)
    asked: int | None = None
    """How many people were asked (None when the requests were not given: the report gives
    them only when someone answered in the trend's quarters)."""

    @property
    def average(self) -> float | None:
        return average(self.ratings)

    @property
    def distribution(self) -> dict[int, int]:
        return {r: self.ratings.count(r) for r in RATINGS}

    @property
    def response_rate_pct(self) -> float | None:
        if not self.asked:
            return None
        return round(100 * len(self.ratings) / self.asked, 1)

    def to_dict(self) -> dict[str, Any]:
        return {"provider": self.provider, "name": self.name, "asked": self.asked,
                "answers": len(self.ratings), "response_rate_pct": self.response_rate_pct,
                "average": self.average,
                "distribution": {str(r): n for r, n in self.distribution.items()}}


@dataclass
class PairSurvey:
    """Answers from one requesting department about one provider."""

    department: str
    provider: str
    ratings: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"department": self.department, "provider": self.provider,
                "answers": len(self.ratings), "average": average(self.ratings)}


@dataclass
class QuarterSurvey:
    """One quarter of the trend: every answer, and per provider."""

    quarter: Quarter
    ratings: list[int] = field(default_factory=list)
    providers: dict[str, list[int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"quarter": self.quarter.label, "answers": len(self.ratings),
                "average": average(self.ratings),
                "providers": {p: {"answers": len(r), "average": average(r)}
                              for p, r in self.providers.items()}}


@dataclass
class Comment:
    """An answer's comment, as the report and the review list show it."""

    quarter: Quarter
    provider: str
    person: str
    department: str
    rating: int
    comment: str | None
    answered_at: datetime

    @classmethod
    def of(cls, a: Answer) -> Comment:
        return cls(a.quarter, a.provider, a.person, a.department, a.rating, a.comment,
                   a.answered_at)

    def to_dict(self) -> dict[str, Any]:
        return {"quarter": self.quarter.label, "provider": self.provider,
                "person": self.person, "department": self.department,
                "rating": self.rating, "comment": self.comment,
                "answered_at": self.answered_at.isoformat()}


def ranked(comments: Iterable[Comment]) -> list[Comment]:
    """Lowest rating first; then the newest first."""
    return sorted(comments, key=lambda c: (c.rating, -c.answered_at.timestamp(), c.person))


@dataclass
class SurveyResults:
    """The quarterly survey's figures, as the report shows them."""

    quarters: list[Quarter]
    """The quarters whose answers count: those the report's period overlaps."""
    providers: list[ProviderSurvey]
    pairs: list[PairSurvey]
    """Requesting department x provider, sorted by department then provider."""
    trend: list[QuarterSurvey]
    comments: list[Comment] = field(default_factory=list)
    """The answers of those quarters that have a comment, ranked (`ranked`)."""

    @property
    def any_answers(self) -> bool:
        """Whether the trend's quarters hold any answer (else the report leaves the survey
        tables out: the store does not run the survey)."""
        return any(q.ratings for q in self.trend)

    def to_dict(self) -> dict[str, Any]:
        return {"quarters": [q.label for q in self.quarters],
                "providers": [p.to_dict() for p in self.providers],
                "pairs": [p.to_dict() for p in self.pairs],
                "trend": [q.to_dict() for q in self.trend],
                "comments": [c.to_dict() for c in self.comments]}


def results(answers: Iterable[Answer], cat: Catalogue, period: PeriodLike,
            providers: Sequence[str] | None = None,
            requests: Iterable[Request] | None = None) -> SurveyResults:
    """The survey figures of a report: the answers about the quarters the period overlaps,
    per provider (how many, average, distribution; with `requests`, how many were asked)
    and per requesting department x provider, and the trend of the `TREND_QUARTERS`
    quarters ending with the period's last. An answer counts with its latest rating."""
    chosen = list(providers or cat.providers)
    quarters = quarters_of(period)
    trend = trend_quarters(quarters[-1])
    stats = {p: ProviderSurvey(p, cat.providers[p].name) for p in chosen}
    pairs: dict[tuple[str, str], PairSurvey] = {}
    by_quarter = {q: QuarterSurvey(q, providers={p: [] for p in chosen}) for q in trend}
    comments: list[Comment] = []
    for a in sorted(answers, key=lambda a: (a.quarter, a.provider, a.person)):
        if a.provider not in stats:
            continue
        if a.quarter in by_quarter:
            by_quarter[a.quarter].ratings.append(a.rating)
            by_quarter[a.quarter].providers[a.provider].append(a.rating)
        if a.quarter in quarters:
            if a.comment:
                comments.append(Comment.of(a))
            stats[a.provider].ratings.append(a.rating)
            pair = pairs.setdefault((a.department, a.provider),
                                    PairSurvey(a.department, a.provider))
            pair.ratings.append(a.rating)
    if requests is not None:
        pool = list(requests)
        for p in stats.values():
            p.asked = 0
        for q in quarters:
            for provider, _ in eligible(pool, cat, q, chosen):
                stats[provider].asked = (stats[provider].asked or 0) + 1
    order = {p: i for i, p in enumerate(chosen)}
    return SurveyResults(
        quarters=quarters, providers=[stats[p] for p in chosen],
        pairs=sorted(pairs.values(), key=lambda p: (p.department, order[p.provider])),
        trend=[by_quarter[q] for q in trend], comments=ranked(comments))


# -- a provider's review list ----------------------------------------------------------------


@dataclass
class ReviewItem:
    """A low rating or a comment about a provider, with what it answered and whether the
    customer saw progress: their answer about the next quarter."""

    comment: Comment
    responses: list[dict[str, Any]]
    next_rating: int | None
    progress: str
    """`better`, `same`, `worse` (the next quarter's rating against this one), `not answered
    yet` or `next quarter not begun`."""

    def to_dict(self) -> dict[str, Any]:
        return {**self.comment.to_dict(), "responses": self.responses,
                "next_rating": self.next_rating, "progress": self.progress}


def review(answers: Iterable[Answer], provider: str, quarters: Sequence[Quarter],
           current: Quarter) -> list[ReviewItem]:
    """Each answer about `provider` in `quarters` rated `LOW` or below or with a comment,
    ranked (`ranked`), with the provider's responses and the same person's answer about
    the next quarter (`current`: the quarter now, whose successor has not begun)."""
    pool = [a for a in answers if a.provider == provider]
    later = {(a.quarter, a.person): a for a in pool}
    items = []
    for a in pool:
        if a.quarter not in quarters or (a.rating > LOW and not a.comment):
            continue
        after = later.get((a.quarter.next(), a.person))
        if after is not None:
            progress = ("better" if after.rating > a.rating else
                        "same" if after.rating == a.rating else "worse")
        else:
            progress = ("next quarter not begun" if a.quarter.next() > current
                        else "not answered yet")
        items.append(ReviewItem(
            Comment.of(a), [{**r.to_dict(), "at": r.at.isoformat()} for r in a.responses],
            after.rating if after is not None else None, progress))
    order = {id(c): i for i, c in enumerate(ranked(i.comment for i in items))}
    return sorted(items, key=lambda i: order[id(i.comment)])
