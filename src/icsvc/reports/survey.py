"""The quarterly survey: who a provider asks about a quarter, their answers, and the figures.

Every quarter a provider asks the people it served how well it served them. The people to
ask about a quarter are those who made a request to the provider in it: the request was
created in the quarter (in the provider's timezone) and the provider held it during the
quarter, so a redirected request counts for each provider that held it then.

Each answer is one file, `surveys/<quarter>/<provider>/<person>.yaml` (`answer_path`),
written only by that person: answering again replaces the rating and comment and appends
to the file's `history`, so `check --base` can verify that the file only grows and that
each entry was committed by the person it names (`surveycheck.py`).

Pure core: no printing. `who_to_ask()` is what `icsvc survey send` lists (and what
notifications send); `results()` is the survey section of `icsvc report`.
"""

from __future__ import annotations

import os
import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from icsvc.domain import limits
from icsvc.domain.catalogue import Catalogue
from icsvc.domain.checker import EMAIL, NAME, NAME_ACCEPTED, FileChecker
from icsvc.errors import IcsvcError, UsageError, ValidationError
from icsvc.store import files
from icsvc.store.dirents import NOT_UTF8, entry_problem, folder_problem, is_text
from icsvc.store.store import SURVEYS_DIR as SURVEYS_DIR

if TYPE_CHECKING:
    from icsvc.domain.history.request import Request
    from icsvc.store.store import Store, Summary

RATINGS = (1, 2, 3, 4, 5)
ANSWER_KEYS = ("quarter", "provider", "person", "department", "rating", "comment",
               "answered_at", "history")
"""Key order of an answer file."""
ENTRY_KEYS = ("at", "by", "rating", "comment")
"""Key order of an entry of an answer's history."""
TREND_QUARTERS = 4
"""How many quarters the report's survey trend shows, ending with the report's last one."""

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


# -- answer files ------------------------------------------------------------------------------


_SAFE = re.compile(r"[a-z0-9._+@-]")


def file_stem(email: str) -> str:
    """The answer file's name without `.yaml`: the email in lower case, with any character
    other than a-z, 0-9, `.`, `_`, `+`, `-` and `@` (and a leading `.`) written as `%XX`
    (its UTF-8 bytes), so the name is the same on every system and never a path."""
    out = []
    for i, char in enumerate(email.strip().lower()):
        if _SAFE.fullmatch(char) and not (i == 0 and char == "."):
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)


def answer_path(root: Path, quarter: Quarter, provider: str, person: str) -> Path:
    """`surveys/<quarter>/<provider>/<person>.yaml` under the store root."""
    return root / SURVEYS_DIR / quarter.label / provider / f"{file_stem(person)}.yaml"


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


@dataclass
class Answer:
    """A person's answer about one provider and quarter: the latest entry of its history
    is the answer; the earlier ones are what they said before."""

    quarter: Quarter
    provider: str
    person: str
    department: str
    history: list[AnswerEntry]
    path: Path | None = None

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
        return out

    def to_json(self) -> dict[str, Any]:
        data = self.to_dict()
        data["comment"] = self.comment
        data["answered_at"] = self.answered_at.isoformat()
        data["history"] = [{**e.to_dict(), "at": e.at.isoformat(), "comment": e.comment}
                           for e in self.history]
        return data


def load_answer(path: Path) -> Answer:
    return files.load(path, parse_answer, files.ANSWER_FILE)


def parse_answer(path: Path, data: Any) -> Answer:
    """Validate one answer file on its own (its place and references are checked by
    `surveycheck.file_problems`): keys, types, ratings, a history in time order written
    by the person, and fields equal to the latest entry."""
    fc = FileChecker(path)
    if data is None:
        fc.fail([], "the file is empty")
    body = fc.mapping(data, [], required=[k for k in ANSWER_KEYS if k != "comment"],
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
    latest = entries[-1]
    for name, value, told in (("rating", rating, latest.rating),
                              ("comment", comment, latest.comment),
                              ("answered_at", answered_at, latest.at)):
        if value != told:
            fc.fail([name], f"is {_words(value)} but the latest answer in the history says "
                            f"{_words(told)}; answer with 'icsvc survey answer' so the change "
                            "is recorded")
    return Answer(quarter, provider, person, department, entries, path)


def _words(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(value)


def answer_files(root: Path, quarters: Iterable[Quarter] | None = None
                 ) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Every `*.yaml`/`*.yml` under `surveys/` (of those quarters' folders), sorted, and
    (path, why) of each entry there that cannot be read (`entries`: a FIFO, a symlink out
    of the store, a name that is not UTF-8, a folder that cannot be listed). Files in the
    wrong place are listed too, so `check` can say where they belong."""
    top = root / SURVEYS_DIR
    folders = [top / q.label for q in quarters] if quarters is not None else [top]
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    problem = folder_problem(str(top)) if quarters is not None else None
    if problem is not None:
        return files, [(top, problem)]
    for folder in folders:
        _walk(root, str(folder), files, skipped)
    return sorted(files), skipped


def _walk(root: Path, folder: str, files: list[Path],
          skipped: list[tuple[Path, str]]) -> None:
    try:
        with os.scandir(folder) as it:
            found = sorted(it, key=lambda e: e.name)
    except OSError:
        problem = folder_problem(folder)
        if problem is not None:
            skipped.append((Path(folder), problem))
        return
    for e in found:
        if e.name.startswith("."):
            continue
        try:
            if e.is_dir(follow_symlinks=False):
                if is_text(e.name):
                    _walk(root, e.path, files, skipped)
                else:
                    skipped.append((Path(e.path), NOT_UTF8))
                continue
            if not e.name.endswith((".yaml", ".yml")):
                if e.is_symlink() and e.is_dir():
                    skipped.append((Path(e.path), "a symlink where a folder should be "
                                                  "(survey folders must be real folders)"))
                continue
        except OSError as exc:
            skipped.append((Path(e.path), f"cannot read: {exc.strerror}"))
            continue
        problem = NOT_UTF8 if not is_text(e.name) else entry_problem(root, e.path,
                                                                     "a survey answer")
        if problem is None:
            files.append(Path(e.path))
        else:
            skipped.append((Path(e.path), problem))


def load_answers(root: Path, quarters: Iterable[Quarter] | None = None,
                 warn: Any = None) -> list[Answer]:
    """The readable answers (of those quarters); a broken file, or an entry that cannot be
    read, is skipped with a warning."""
    out = []
    paths, skipped = answer_files(root, quarters)
    if warn is not None:
        for path, problem in skipped:
            warn(f"skipped {_shown(root, path)}: {problem}")
    for path in paths:
        try:
            out.append(load_answer(path))
        except ValidationError as exc:
            if warn is not None:
                warn(f"skipped {exc.format()}")
    return out


def _shown(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def path_problem(root: Path, path: Path, answer: Answer) -> tuple[str, str] | None:
    """(field, problem) when the file is not where its content says it belongs."""
    expected = answer_path(root, answer.quarter, answer.provider, answer.person)
    if path == expected:
        return None
    try:
        where = path.relative_to(root / SURVEYS_DIR).parts
    except ValueError:
        where = ()
    wanted = expected.relative_to(root).as_posix()
    if len(where) != 3:
        return "", f"answers belong in surveys/<quarter>/<provider>/<person>.yaml ({wanted})"
    if where[0] != answer.quarter.label:
        return "quarter", (f"the file is in surveys/{where[0]}/ but answers about "
                           f"{answer.quarter} (move it to {wanted})")
    if where[1] != answer.provider:
        return "provider", (f"the file is in the folder of {where[1]!r} but answers about "
                            f"{answer.provider!r} (move it to {wanted})")
    return "person", (f"the file name {path.name} is not the person's ({expected.name}: the "
                      "email in lower case)")


# -- who to ask --------------------------------------------------------------------------------


@dataclass
class Asked:
    """Someone a provider asks about a quarter: they made requests to it then."""

    quarter: Quarter
    provider: str
    person: str
    department: str
    """The requesting department of their latest such request."""
    requests: list[str] = field(default_factory=list)
    """The IDs of their requests to the provider in the quarter."""
    departments: set[str] = field(default_factory=set)
    """Every department those requests were made for."""
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
    from icsvc.domain import history

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
        if any(e.type in _MOVES for e in request.history):
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


_MOVES = frozenset({"redirect", "conflict"})
"""Entries that can change which provider holds a request."""


def who_to_ask(requests: Iterable[Request], answers: Iterable[Answer], cat: Catalogue,
               quarter: Quarter, providers: Sequence[str] | None = None) -> list[Asked]:
    """Everyone to ask about `quarter`, per provider (catalogue order), then by email, each
    with their answer if they gave one. What `icsvc survey send` lists, and what the
    notifications send."""
    found = requesters(requests, cat, quarter, providers)
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
    requests = store.load_all(warn, where=created_within([quarter]))
    answers = load_answers(store.root, [quarter], warn)
    return who_to_ask(requests, answers, store.catalogue, quarter, providers)


def created_within(quarters: Sequence[Quarter]) -> Callable[[Summary], bool]:
    """A `Store.load_all` filter: requests created in those quarters (a day's margin each
    side covers every provider's timezone)."""
    utc = ZoneInfo("UTC")
    spans = [(q.bounds(utc)[0] - timedelta(days=1), q.bounds(utc)[1] + timedelta(days=1))
             for q in quarters]
    ranges = [(a.timestamp(), b.timestamp()) for a, b in spans]
    return lambda s: any(a <= s.created < b for a, b in ranges)


def may_answer(asked: Asked | None, person: str, provider: str, quarter: Quarter) -> str | None:
    """The rule an answer breaks when its person made no request to the provider in the
    quarter (None: they may answer)."""
    if asked is not None:
        return None
    return (f"only people who made a request to {provider} in {quarter} may answer its "
            f"{quarter} survey; {person} made none")


# -- answering ---------------------------------------------------------------------------------


def give_answer(existing: Answer | None, cat: Catalogue, quarter: Quarter, provider: str,
                actor: str, now: datetime, rating: int, comment: str | None,
                asked: Asked | None) -> tuple[Answer, list[str]]:
    """`icsvc survey answer`: the actor's answer, replacing their earlier one (which stays
    in the history). Returns the answer and notices for the user."""
    from icsvc.workflow.workflow import stamp

    if rating not in RATINGS:
        raise UsageError(f"--rating: {rating} is not a rating (accepted: 1 to 5)")
    if comment is not None:
        if not comment.strip():
            raise UsageError("--comment needs a text")
        comment = comment.strip()
    why = not_started(quarter, cat, provider, now)
    if why is not None:
        raise IcsvcError(f"refused: {why}")
    why = may_answer(asked, actor, provider, quarter)
    if why is not None:
        raise IcsvcError(f"refused: {why}")
    assert asked is not None
    notices: list[str] = []
    tz = cat.providers[provider].calendar.tz
    earlier = existing.history if existing is not None else []
    at = (stamp(now, earlier[-1].at, cat, tz, notices) if earlier
          else now.astimezone(tz).replace(microsecond=0))
    if existing is not None:
        notices.append(f"replaces your earlier {existing.rating}/5 of "
                       f"{existing.answered_at.strftime('%Y-%m-%d')}")
    answer = Answer(quarter, provider, actor, asked.department,
                    [*earlier, AnswerEntry(at, actor, rating, comment)])
    return answer, notices


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
    return round(statistics.fmean(ratings), 2) if ratings else None


@dataclass
class ProviderSurvey:
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
class SurveyResults:
    quarters: list[Quarter]
    """The quarters whose answers count: those the report's period overlaps."""
    providers: list[ProviderSurvey]
    pairs: list[PairSurvey]
    """Requesting department x provider, sorted by department then provider."""
    trend: list[QuarterSurvey]

    @property
    def any_answers(self) -> bool:
        """Whether the trend's quarters hold any answer (else the report leaves the survey
        tables out: the store does not run the survey)."""
        return any(q.ratings for q in self.trend)

    def to_dict(self) -> dict[str, Any]:
        return {"quarters": [q.label for q in self.quarters],
                "providers": [p.to_dict() for p in self.providers],
                "pairs": [p.to_dict() for p in self.pairs],
                "trend": [q.to_dict() for q in self.trend]}


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
    for a in sorted(answers, key=lambda a: (a.quarter, a.provider, a.person)):
        if a.provider not in stats:
            continue
        if a.quarter in by_quarter:
            by_quarter[a.quarter].ratings.append(a.rating)
            by_quarter[a.quarter].providers[a.provider].append(a.rating)
        if a.quarter in quarters:
            stats[a.provider].ratings.append(a.rating)
            pair = pairs.setdefault((a.department, a.provider),
                                    PairSurvey(a.department, a.provider))
            pair.ratings.append(a.rating)
    if requests is not None:
        pool = list(requests)
        for p in stats.values():
            p.asked = 0
        for q in quarters:
            for provider, _ in requesters(pool, cat, q, chosen):
                stats[provider].asked = (stats[provider].asked or 0) + 1
    order = {p: i for i, p in enumerate(chosen)}
    return SurveyResults(
        quarters=quarters, providers=[stats[p] for p in chosen],
        pairs=sorted(pairs.values(), key=lambda p: (p.department, order[p.provider])),
        trend=[by_quarter[q] for q in trend])


__all__ = ["EMAIL", "Answer", "AnswerEntry", "Asked", "Quarter", "SurveyResults",
           "answer_path", "give_answer", "load_answers", "results", "who_to_ask"]
