"""The quarterly survey's answers: the quarter, an answer and the rules it keeps, and who
may answer.

Every quarter a provider asks the people it served how well it served them. The people to
ask about a quarter are those who made a request to the provider in it (`requesters`): the
request was created in the quarter (in the provider's timezone) and the provider held it
during the quarter, so a redirected request counts for each provider that held it then.

An answer (`Answer`) is one person's about one provider and quarter: answering again
replaces the rating and comment and appends to its `history`, which only that person
writes, in time order (`parse_answer`). Where answers are kept, and reading them from disk,
is the store's (`store/answer_files.py`); giving one is the workflow's
(`workflow/answering.py`); who to ask and the report's figures are `reports/survey_results.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from icsvc.domain import history, limits
from icsvc.domain.catalogue import Catalogue
from icsvc.domain.checker import NAME, NAME_ACCEPTED, FileChecker
from icsvc.errors import UsageError

if TYPE_CHECKING:
    from icsvc.domain.history.request import Request

RATINGS = (1, 2, 3, 4, 5)
ANSWER_KEYS = ("quarter", "provider", "person", "department", "rating", "comment",
               "answered_at", "history", "responses")
"""Key order of an answer file."""
ENTRY_KEYS = ("at", "by", "rating", "comment")
"""Key order of an entry of an answer's history."""
RESPONSE_KEYS = ("at", "by", "response")
"""Key order of a provider's response to an answer (`icsvc survey respond`)."""
LOW = 3
"""A rating at or below this is low: `icsvc survey review` lists it."""

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
QUARTER_ACCEPTED = "YYYYQ1..YYYYQ4, e.g. 2026Q4"


# -- quarters ----------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter; its bounds are local midnights in a provider's timezone."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str, option: str = "--quarter") -> Quarter:
        """`2026Q4` (also `2026-q4`); ValueError naming the option and what is accepted."""
        match = _QUARTER.match(str(text).strip())
        if not match:
            raise ValueError(f"{option}: {text!r} is not a quarter (accepted: "
                             f"{QUARTER_ACCEPTED})")
        year = int(match.group(1))
        if not limits.EARLIEST.year <= year <= limits.LATEST.year:
            raise ValueError(f"{option}: {text!r} is out of range (accepted: "
                             f"{limits.QUARTER_RANGE})")
        return cls(year, int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"

    def __str__(self) -> str:
        return self.label

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end_day(self) -> date:
        """The day after its last day (the first day of the next quarter)."""
        return self.next().first_day

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year,
                                                                             self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year,
                                                                             self.number - 1)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """`[start, end)` in that timezone."""
        return (datetime.combine(self.first_day, time(0), tzinfo=tz),
                datetime.combine(self.end_day, time(0), tzinfo=tz))


def parse_quarter(text: str, option: str = "--quarter") -> Quarter:
    """A quarter typed on the command line; bad usage (exit 2) when it is not one."""
    try:
        return Quarter.parse(text, option)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def not_started(quarter: Quarter, cat: Catalogue, provider: str, now: datetime) -> str | None:
    """Why nobody can answer about `quarter` yet, if it has not started for the provider."""
    held = cat.providers[provider]
    tz = held.calendar.tz
    start, _ = quarter.bounds(tz)
    if now >= start:
        return None
    return (f"{quarter} has not started yet (it starts {start.strftime('%a %Y-%m-%d %H:%M %z')} "
            f"in {held.name}'s timezone, {tz.key}); a quarter is answered about once it has "
            "begun")


# -- answers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerEntry:
    """One answer as given: when, by whom, the rating and the comment."""

    at: datetime
    by: str
    rating: int
    comment: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"at": self.at, "by": self.by, "rating": self.rating}
        if self.comment is not None:
            out["comment"] = self.comment
        return out


@dataclass(frozen=True)
class Response:
    """What a member of the provider answered to the answer (`icsvc survey respond`): the
    file's `responses:`, the one part of it that is not the person's."""

    at: datetime
    by: str
    response: str

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at, "by": self.by, "response": self.response}


@dataclass
class Answer:
    """A person's answer about one provider and quarter: the latest entry of its history
    is the answer; the earlier ones are what they said before. `responses` are the
    provider's, written by its members."""

    quarter: Quarter
    provider: str
    person: str
    department: str
    history: list[AnswerEntry]
    path: Path | None = None
    responses: list[Response] = field(default_factory=list)

    @property
    def latest(self) -> AnswerEntry:
        return self.history[-1]

    @property
    def rating(self) -> int:
        return self.latest.rating

    @property
    def comment(self) -> str | None:
        return self.latest.comment

    @property
    def answered_at(self) -> datetime:
        return self.latest.at

    def to_dict(self) -> dict[str, Any]:
        """The file's content, in its fixed key order."""
        out: dict[str, Any] = {"quarter": self.quarter.label, "provider": self.provider,
                               "person": self.person, "department": self.department,
                               "rating": self.rating}
        if self.comment is not None:
            out["comment"] = self.comment
        out["answered_at"] = self.answered_at
        out["history"] = [e.to_dict() for e in self.history]
        if self.responses:
            out["responses"] = [r.to_dict() for r in self.responses]
        return out

    def to_json(self) -> dict[str, Any]:
        data = self.to_dict()
        data["comment"] = self.comment
        data["answered_at"] = self.answered_at.isoformat()
        data["history"] = [{**e.to_dict(), "at": e.at.isoformat(), "comment": e.comment}
                           for e in self.history]
        data["responses"] = [{**r.to_dict(), "at": r.at.isoformat()} for r in self.responses]
        return data


def parse_answer(path: Path, data: Any) -> Answer:
    """Validate one answer file on its own (its place and references are checked by
    `store.answer_files.check_files`): keys, types, ratings, a history in time order written
    by the person, and fields equal to the latest entry."""
    fc = FileChecker(path)
    if data is None:
        fc.fail([], "the file is empty")
    body = fc.mapping(data, [], required=[k for k in ANSWER_KEYS
                                          if k not in ("comment", "responses")],
                      allowed=ANSWER_KEYS)
    quarter = fc.convert(fc.string(body["quarter"], ["quarter"]), ["quarter"],
                         lambda v: Quarter.parse(v, "quarter"))
    provider = fc.string(body["provider"], ["provider"], pattern=NAME, accepted=NAME_ACCEPTED)
    person = fc.email(body["person"], ["person"])
    department = fc.string(body["department"], ["department"], pattern=NAME,
                           accepted=NAME_ACCEPTED)
    rating = fc.integer(body["rating"], ["rating"], 1, 5)
    comment = (fc.string(body["comment"], ["comment"]) if body.get("comment") is not None
               else None)
    answered_at = fc.timestamp(body["answered_at"], ["answered_at"])
    raw = body["history"]
    if not isinstance(raw, list) or not raw:
        fc.fail(["history"], "expected a list of at least one answer (at, by, rating, "
                             "comment)")
    entries: list[AnswerEntry] = []
    for i, item in enumerate(raw):
        keys: list[str | int] = ["history", i]
        e = fc.mapping(item, keys, required=["at", "by", "rating"], allowed=ENTRY_KEYS)
        entry = AnswerEntry(
            at=fc.timestamp(e["at"], [*keys, "at"]),
            by=fc.email(e["by"], [*keys, "by"]),
            rating=fc.integer(e["rating"], [*keys, "rating"], 1, 5),
            comment=(fc.string(e["comment"], [*keys, "comment"])
                     if e.get("comment") is not None else None),
        )
        if entry.by != person:
            fc.fail([*keys, "by"], f"{entry.by} answered in {person}'s file; only {person} "
                                   "answers there")
        if entries and entry.at < entries[-1].at:
            fc.fail([*keys, "at"], f"{entry.at.isoformat()} is earlier than the answer before "
                                   "it (history is kept in time order)")
        entries.append(entry)
    responses: list[Response] = []
    raw_responses = body.get("responses")
    if raw_responses is not None and not isinstance(raw_responses, list):
        fc.fail(["responses"], "expected a list of responses (at, by, response)")
    for i, item in enumerate(raw_responses or []):
        keys = ["responses", i]
        r = fc.mapping(item, keys, required=list(RESPONSE_KEYS), allowed=RESPONSE_KEYS)
        response = Response(fc.timestamp(r["at"], [*keys, "at"]),
                            fc.email(r["by"], [*keys, "by"]),
                            fc.string(r["response"], [*keys, "response"]))
        if responses and response.at < responses[-1].at:
            fc.fail([*keys, "at"], f"{response.at.isoformat()} is earlier than the response "
                                   "before it (responses are kept in time order)")
        responses.append(response)
    latest = entries[-1]
    for name, value, told in (("rating", rating, latest.rating),
                              ("comment", comment, latest.comment),
                              ("answered_at", answered_at, latest.at)):
        if value != told:
            fc.fail([name], f"is {_words(value)} but the latest answer in the history says "
                            f"{_words(told)}; answer with 'icsvc survey answer' so the change "
                            "is recorded")
    return Answer(quarter, provider, person, department, entries, path, responses)


def _words(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(value)


# -- who may answer ---------------------------------------------------------------------------


@dataclass
class Asked:
    """Someone a provider asks about a quarter: they made requests to it then, or belong to
    a department it serves (`requests` empty)."""

    quarter: Quarter
    provider: str
    person: str
    department: str
    """The requesting department of their latest such request."""
    requests: list[str] = field(default_factory=list)
    """The IDs of their requests to the provider in the quarter."""
    departments: set[str] = field(default_factory=set)
    """Every department they may answer for: those their requests were made for, and the
    served departments they belong to."""
    answer: Answer | None = None
    _latest: datetime | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        a = self.answer
        return {"quarter": self.quarter.label, "provider": self.provider,
                "person": self.person, "department": self.department,
                "requests": len(self.requests), "request_ids": sorted(self.requests),
                "answered": a is not None, "rating": a.rating if a else None,
                "answered_at": a.answered_at.isoformat() if a else None}


def requesters(requests: Iterable[Request], cat: Catalogue, quarter: Quarter,
               providers: Sequence[str] | None = None) -> dict[tuple[str, str], Asked]:
    """(provider, person) -> who made requests to that provider in the quarter: created in
    the quarter (in the provider's timezone) and held by the provider during it."""
    chosen = set(providers) if providers else set(cat.providers)
    bounds = {p: quarter.bounds(cat.providers[p].calendar.tz) for p in chosen}
    if not bounds:
        return {}
    earliest = min(start for start, _ in bounds.values())
    latest = max(end for _, end in bounds.values())
    out: dict[tuple[str, str], Asked] = {}
    for request in requests:
        if not earliest <= request.created_at < latest:
            continue
        if any(e.moves() for e in request.history):
            state = history.replay(request, cat)
            held = [(s.provider, s.start) for s in state.stints]
        else:  # never moved: its provider held it from its creation (no replay needed)
            held = [(request.provider, request.created_at)]
        for provider, since in held:
            if provider not in bounds:
                continue
            start, end = bounds[provider]
            if not (start <= request.created_at < end and since < end):
                continue
            key = (provider, request.customer_email)
            asked = out.setdefault(key, Asked(quarter, provider, request.customer_email,
                                              request.customer_department))
            if request.id in asked.requests:
                continue
            asked.requests.append(request.id)
            asked.departments.add(request.customer_department)
            if asked._latest is None or request.created_at >= asked._latest:
                asked._latest = request.created_at
                asked.department = request.customer_department
    return out


def eligible(requests: Iterable[Request], cat: Catalogue, quarter: Quarter,
             providers: Sequence[str] | None = None) -> dict[tuple[str, str], Asked]:
    """(provider, person) -> everyone who may answer the provider's survey about the
    quarter: its `requesters`, and every member and manager of a department it served in
    the quarter (one with requests to it then) or lists as served."""
    found = requesters(requests, cat, quarter, providers)
    order = list(dict.fromkeys([*cat.departments, *cat.managers]))
    for pid in (providers or cat.providers):
        served = {d for (p, _), a in found.items() if p == pid for d in a.departments}
        served.update(cat.providers[pid].served())
        for dept in sorted(served, key=lambda d: (order.index(d) if d in order
                                                   else len(order), d)):
            for person in (*cat.departments.get(dept, ()), *cat.managers.get(dept, ())):
                asked = found.get((pid, person))
                if asked is None:
                    found[(pid, person)] = Asked(quarter, pid, person, dept,
                                                 departments={dept})
                else:
                    asked.departments.add(dept)
    return found


def may_answer(asked: Asked | None, person: str, provider: str, quarter: Quarter) -> str | None:
    """The rule an answer breaks when its person neither made a request to the provider in
    the quarter nor belongs to a department it serves (None: they may answer)."""
    if asked is not None:
        return None
    return (f"only people who made a request to {provider} in {quarter}, or belong to a "
            f"department it serves (with requests to it then, or under its 'serves:'), may "
            f"answer its {quarter} survey; {person} did neither")
