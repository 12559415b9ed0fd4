"""The figures of `icsvc report`, computed from requests, the catalogue, a period and `now`.

Pure computation: no printing. Every figure is defined in the README ("Reports and
feedback"); the short version:

- a request belongs to the provider holding it (its folder); an event in its history
  (promise, escalation) belongs to the provider that held it at that moment, and a redirect
  to the provider it was sent away from;
- period bounds are local dates in each provider's calendar timezone (or exact instants for
  the default period: the 13 weeks ending now);
- an SLA clock is *measured* in the period in which its outcome became known: when it was met
  in time, or when its due time passed without it being met (breached);
- business times are `sla.clocks()` elapsed time (working hours, pauses excluded).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icsvc.domain.answers import Quarter
from icsvc.domain.catalogue import Catalogue, Provider, rank
from icsvc.domain.outcome import known
from icsvc.reports.facts import (
    CLOCKS,
    DOWNGRADE_ENDS,
    PROMISE_OUTCOMES,
    Counted,
    Lapsed,
    instant,
    moment,
)
from icsvc.reports.survey_results import SurveyResults, average

DEFAULT_WEEKS = 13
BUCKETS = ("<1d", "1-3d", "3-7d", "7d+")
"""Backlog age in calendar days since the request reached its provider."""


# -- the period ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """`[start, end)`: dates are local midnights in each provider's timezone (`end` is the day
    after the last day included); datetimes are exact instants."""

    start: date | datetime
    end: date | datetime
    label: str

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        return _instant(self.start, tz), _instant(self.end, tz)

    def to_dict(self) -> dict[str, str]:
        last = (self.end - timedelta(microseconds=1) if isinstance(self.end, datetime)
                else self.end - timedelta(days=1))
        return {"label": self.label, "start": self.start.isoformat(),
                "end": last.isoformat(), "end_exclusive": self.end.isoformat()}


def _instant(value: date | datetime, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(0), tzinfo=tz)


def parse_day(text: str, option: str) -> date:
    """ValueError naming the option and what is accepted."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{option}: {text!r} is not a date (accepted: YYYY-MM-DD)") from None


def make_period(now: datetime, since: str | None = None, until: str | None = None,
                quarter: str | None = None) -> Period:
    """The report period from the options; ValueError with what is accepted."""
    if quarter is not None:
        if since or until:
            raise ValueError("--quarter cannot be combined with --since/--until")
        q = Quarter.parse(quarter)
        return Period(q.first_day, q.end_day, q.label)
    through_now = now + timedelta(microseconds=1)  # `[start, end)` that includes now itself
    if since is None and until is None:
        return Period(now - timedelta(weeks=DEFAULT_WEEKS), through_now,
                      f"{DEFAULT_WEEKS} weeks to {now.date().isoformat()}")
    last_day = parse_day(until, "--until") if until is not None else None
    first_day = parse_day(since, "--since") if since is not None else None
    if first_day is None:
        assert last_day is not None
        first_day = last_day + timedelta(days=1) - timedelta(weeks=DEFAULT_WEEKS)
    if last_day is None:
        if first_day > now.date():
            raise ValueError(f"--since {first_day} is in the future")
        return Period(first_day, through_now,
                      f"{first_day.isoformat()} to {now.date().isoformat()}")
    if last_day < first_day:
        raise ValueError(f"--since {first_day} is after --until {last_day}")
    return Period(first_day, last_day + timedelta(days=1),
                  f"{first_day.isoformat()} to {last_day.isoformat()}")


# -- figures ---------------------------------------------------------------------------------


def pct(part: int, whole: int) -> float | None:
    """0..100 rounded to one decimal; None when nothing was measured."""
    return round(100 * part / whole, 1) if whole else None


def median(values: list[timedelta]) -> timedelta | None:
    """The middle value (the mean of the two middle ones for an even count), as
    `statistics.median` gives it (whose import costs a small report 4 ms)."""
    if not values:
        return None
    seconds = sorted(v.total_seconds() for v in values)
    middle = len(seconds) // 2
    if len(seconds) % 2:
        return timedelta(seconds=seconds[middle])
    return timedelta(seconds=(seconds[middle - 1] + seconds[middle]) / 2)


def percentile(values: list[timedelta], p: float) -> timedelta | None:
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def minutes(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 60, 1)


@dataclass
class ProviderStats:
    """A provider's figures over the period."""

    provider: str
    name: str
    day: timedelta
    """The provider calendar's working day (to show business times in days)."""
    received: int = 0
    resolved: int = 0
    declined: int = 0
    declined_with_alternate: int = 0
    open: int = 0
    backlog: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))
    measured: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLOCKS, 0))
    met: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLOCKS, 0))
    times: dict[str, list[timedelta]] = field(
        default_factory=lambda: {name: [] for name in CLOCKS})
    needed_by_count: int = 0
    needed_by_met: int = 0
    promises: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PROMISE_OUTCOMES, 0))
    escalations: int = 0
    escalations_answered: int = 0
    answer_times: list[timedelta] = field(default_factory=list)
    """Wall-clock time from each escalation to its answer (answered in the period)."""
    redirects: int = 0
    late_info_requests: int = 0
    downgrades: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DOWNGRADE_ENDS, 0))
    """Priorities agreed below the requested one, by how the negotiation ended."""
    first_resolved: int = 0
    reopened: int = 0
    ratings: list[int] = field(default_factory=list)
    lapse_cost: float = 0

    def met_pct(self, clock: str) -> float | None:
        return pct(self.met[clock], self.measured[clock])

    @property
    def promises_made(self) -> int:
        return sum(self.promises.values())

    @property
    def promises_kept_pct(self) -> float | None:
        return pct(self.promises["kept"], self.promises_made)

    @property
    def needed_by_met_pct(self) -> float | None:
        return pct(self.needed_by_met, self.needed_by_count)

    @property
    def declined_pct(self) -> float | None:
        """Of the requests answered in the period (delivered or declined), those declined."""
        return pct(self.declined, self.resolved + self.declined)

    @property
    def declined_with_alternate_pct(self) -> float | None:
        return pct(self.declined_with_alternate, self.declined)

    @property
    def reopened_pct(self) -> float | None:
        return pct(self.reopened, self.first_resolved)

    @property
    def csat_avg(self) -> float | None:
        return average(self.ratings)

    @property
    def response_rate_pct(self) -> float | None:
        """Rated / answered (delivered or declined) in the period."""
        return pct(len(self.ratings), self.resolved + self.declined)

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "name": self.name,
            "received": self.received,
            "resolved": self.resolved,
            "declined": self.declined,
            "declined_pct": self.declined_pct,
            "declined_with_alternate_pct": self.declined_with_alternate_pct,
            "open": self.open,
            "backlog_age": dict(self.backlog),
            "acknowledge_measured": self.measured["acknowledge"],
            "acknowledge_met": self.met["acknowledge"],
            "acknowledge_met_pct": self.met_pct("acknowledge"),
            "resolve_measured": self.measured["resolve"],
            "resolve_met": self.met["resolve"],
            "resolve_met_pct": self.met_pct("resolve"),
            "acknowledge_median_minutes": minutes(median(self.times["acknowledge"])),
            "acknowledge_p90_minutes": minutes(percentile(self.times["acknowledge"], 90)),
            "resolve_median_minutes": minutes(median(self.times["resolve"])),
            "resolve_p90_minutes": minutes(percentile(self.times["resolve"], 90)),
            "needed_by_count": self.needed_by_count,
            "needed_by_met": self.needed_by_met,
            "needed_by_met_pct": self.needed_by_met_pct,
            "promises_made": self.promises_made,
            "promises_kept": self.promises["kept"],
            "promises_moved": self.promises["moved"],
            "promises_broken": self.promises["broken"],
            "promises_pending": self.promises["pending"],
            "promises_withdrawn": self.promises["withdrawn"],
            "promises_kept_pct": self.promises_kept_pct,
            "escalations": self.escalations,
            "escalations_answered": self.escalations_answered,
            "escalation_answer_median_minutes": minutes(median(self.answer_times)),
            "redirects": self.redirects,
            "late_info_requests": self.late_info_requests,
            "downgrades": sum(self.downgrades.values()) - self.downgrades["raised"],
            "downgrades_accepted": self.downgrades["accepted"],
            "downgrades_contested": self.downgrades["contested"] + self.downgrades["decided"],
            "downgrades_pending": self.downgrades["proposed"],
            "reopened": self.reopened,
            "reopened_pct": self.reopened_pct,
            "csat_avg": self.csat_avg,
            "csat_count": len(self.ratings),
            "csat_response_rate_pct": self.response_rate_pct,
            "lapse_cost": _number(self.lapse_cost),
        }


@dataclass
class DepartmentStats:
    """A requesting department's figures over the period."""

    department: str
    requests: int = 0
    declined: int = 0
    declined_with_alternate: int = 0
    answered: int = 0
    """Requests delivered or declined in the period (what `declined_pct` is a share of)."""
    lapse_cost_suffered: float = 0
    """What lapses of this department's requests cost (each chain once)."""
    lapse_cost_caused: float = 0
    """What lapses charged to this department cost: it kept a provider waiting."""
    urgent: int = 0
    rush: int = 0
    info_requested: int = 0
    needed_by_count: int = 0
    needed_by_met: int = 0
    upgrades_asked: int = 0
    upgrades_granted: int = 0
    ratings: list[int] = field(default_factory=list)

    @property
    def rating_avg(self) -> float | None:
        return average(self.ratings)

    @property
    def declined_pct(self) -> float | None:
        """Of its requests answered in the period (delivered or declined), those declined."""
        return pct(self.declined, self.answered)

    @property
    def declined_with_alternate_pct(self) -> float | None:
        return pct(self.declined_with_alternate, self.declined)

    def to_dict(self) -> dict[str, Any]:
        return {
            "department": self.department,
            "requests": self.requests,
            "urgent": self.urgent,
            "urgent_pct": pct(self.urgent, self.requests),
            "rush": self.rush,
            "rush_pct": pct(self.rush, self.requests),
            "info_requested": self.info_requested,
            "info_requested_pct": pct(self.info_requested, self.requests),
            "needed_by_count": self.needed_by_count,
            "needed_by_met": self.needed_by_met,
            "needed_by_met_pct": pct(self.needed_by_met, self.needed_by_count),
            "upgrades_asked": self.upgrades_asked,
            "upgrades_granted": self.upgrades_granted,
            "upgrades_granted_pct": pct(self.upgrades_granted, self.upgrades_asked),
            "rating_avg": self.rating_avg,
            "rating_count": len(self.ratings),
            "declined": self.declined,
            "declined_pct": self.declined_pct,
            "declined_with_alternate_pct": self.declined_with_alternate_pct,
            "lapse_cost_suffered": _number(self.lapse_cost_suffered),
            "lapse_cost_caused": _number(self.lapse_cost_caused),
        }


@dataclass
class Week:
    """One week of the trend: requests measured, and met."""

    start: date
    measured: int = 0
    met: int = 0

    @property
    def met_pct(self) -> float | None:
        return pct(self.met, self.measured)

    def to_dict(self) -> dict[str, Any]:
        return {"week": self.start.isoformat(), "measured": self.measured, "met": self.met,
                "met_pct": self.met_pct}


@dataclass
class Lapse:
    """A request that lapsed for its customer, and what it cost."""

    id: str
    provider: str
    department: str
    reasons: list[str]
    """What lapsed: `resolve` (its target breached), `needed_by` (missed), `delivered wrong`
    (reopened after a delivery), `cancelled after need-by` / `declined after need-by` (the
    customer had to act without an answer)."""
    cost: float
    kind: str
    """`actual` (recorded after the fact with `update --cost`) or `estimate` (given up
    front)."""
    note: str | None
    at: datetime
    """When the lapse became known."""
    charged_to: str = ""
    """Whom it is charged to: a provider, or a requesting department (`by_customer`)."""
    by_customer: bool = False
    """Charged to the requesting department, which kept the provider waiting."""
    shared_with: str | None = None
    """The request of the same chain (linked by `blocks`) whose lapse carries the shared
    cost: this one's is not counted again."""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "provider": self.provider, "department": self.department,
                "reasons": self.reasons, "cost": _number(self.cost), "kind": self.kind,
                "note": self.note, "at": self.at.isoformat(),
                "charged_to": {"department" if self.by_customer else "provider":
                               self.charged_to},
                "shared_with": self.shared_with}


@dataclass
class Report:
    """Every figure of a report, for its period."""

    period: Period
    now: datetime
    as_of: datetime
    providers: list[ProviderStats]
    departments: list[DepartmentStats]
    matrix: dict[str, dict[str, int]]
    """requesting department -> provider -> requests made in the period."""
    trend: list[Week]
    lapses: list[Lapse]
    links: dict[str, dict[str, int]] = field(default_factory=dict)
    """provider of a request made for another one -> provider of that one -> links."""
    surveys: SurveyResults | None = None
    """The quarterly survey's figures (`survey_results.results`), set by the report command."""

    @property
    def lapse_cost(self) -> float:
        return sum(lapse.cost for lapse in self.lapses if lapse.shared_with is None)

    def lapse_cost_of(self, kind: str) -> float:
        return sum(lapse.cost for lapse in self.lapses
                   if lapse.kind == kind and lapse.shared_with is None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.to_dict(),
            "generated_at": self.now.isoformat(),
            "providers": [p.to_dict() for p in self.providers],
            "departments": [d.to_dict() for d in self.departments],
            "matrix": self.matrix,
            "trend": [w.to_dict() for w in self.trend],
            "lapse_cost": _number(self.lapse_cost),
            "lapse_cost_actual": _number(self.lapse_cost_of("actual")),
            "lapse_cost_estimated": _number(self.lapse_cost_of("estimate")),
            "lapses": [lapse.to_dict() for lapse in self.lapses],
            "links": self.links,
            "survey": self.surveys.to_dict() if self.surveys is not None else None,
        }


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


# -- the report ------------------------------------------------------------------------------


def total(facts: Iterable[Counted], cat: Catalogue, period: Period, now: datetime,
          providers: list[str] | None = None, department: str | None = None) -> Report:
    """Every figure of the report, from what is counted of the requests (`facts.counted`).
    `providers` limits it to those providers (and to the requests made to them);
    `department` to that requesting department's requests (the customer's view: each
    provider reporting back to it)."""
    tally = Tally(cat, period, now, providers, department)
    for f in facts:
        tally.add(f)
    return tally.report()


class Tally:
    """The report's figures being added up (`total`): any share of the requests (`add`),
    shares of them merged (`merge`, in any order: a report of many is added up on every
    core), and the report made of the whole (`report`)."""

    def __init__(self, cat: Catalogue, period: Period, now: datetime,
                 providers: list[str] | None = None, department: str | None = None) -> None:
        self.period, self.now, self.department = period, now, department
        self.chosen = providers or list(cat.providers)
        self.stats = {p: ProviderStats(p, cat.providers[p].name,
                                       cat.providers[p].calendar.day_length)
                      for p in self.chosen}
        bounds = {p: period.bounds(cat.providers[p].calendar.tz) for p in cat.providers}
        self.as_of = {p: min(end, now) for p, (_, end) in bounds.items()}
        self.zones = {p: cat.providers[p].calendar.tz for p in cat.providers}
        # every moment is an instant (an integer): the bounds too
        self.in_period = {p: (instant(start), instant(end))
                          for p, (start, end) in bounds.items()}
        self.until = {p: instant(at) for p, at in self.as_of.items()}
        self.now_at = instant(now)
        self.departments: dict[str, DepartmentStats] = {}
        self.matrix: dict[str, dict[str, int]] = {}
        self.weeks = {w: Week(w) for w in _weeks(period, [cat.providers[p]
                                                          for p in self.chosen], now)}
        self.lapses: list[Lapse] = []
        self.linked: list[Counted] = []
        """The requests that lapsed or were made for another (charging a lapse reads the
        whole chain, whatever the report shows)."""
        self.providers_of: dict[str, str] = {}

    def inside(self, p: str, at: int) -> bool:
        found = self.in_period.get(p)
        return found is not None and found[0] <= at < found[1] and at <= self.now_at

    def dept(self, name: str) -> DepartmentStats:
        return self.departments.setdefault(name, DepartmentStats(name))

    def add(self, f: Counted) -> None:
        if f.provider not in self.zones:
            return
        if f.lapses or f.blocks:
            self.linked.append(f)
        if self.department is not None and f.department != self.department:
            return
        self.providers_of[f.id] = f.provider
        stats, inside, dept, until = self.stats, self.inside, self.dept, self.until
        if stats.keys().isdisjoint(f.held_by):
            return
        _events(f, stats, inside)
        p = f.provider
        if f.needed_by is not None:
            at, met, holder = f.needed_by
            if known((at, met), until[p]) is not None and holder in stats \
                    and inside(holder, at):
                stats[holder].needed_by_count += 1
                stats[holder].needed_by_met += met
                ds = dept(f.department)
                ds.needed_by_count += 1
                ds.needed_by_met += met
        lapsed = _known_lapses(f, until)
        if lapsed and f.cost:
            at, _, party, by_customer, holder, when = lapsed[0]
            if holder in stats and inside(holder, at):
                self.lapses.append(Lapse(f.id, holder, f.department,
                                         list(dict.fromkeys(lapse[1] for lapse in lapsed)),
                                         f.cost, "actual" if f.cost_actual else "estimate",
                                         f.cost_note, when, party, by_customer))
        if p not in stats:
            return
        ps = stats[p]
        _backlog(f, ps, until[p])
        for name in CLOCKS:
            result = known(f.clocks[name], until[p])
            if result is None or not inside(p, result[0]):
                continue
            ps.measured[name] += 1
            ps.met[name] += result[1]
            week = moment(result[0]).astimezone(self.zones[p]).date()
            week -= timedelta(days=week.weekday())
            if week in self.weeks:
                self.weeks[week].measured += 1
                self.weeks[week].met += int(result[1])
        for name, (met_at, took) in f.met.items():
            if inside(p, met_at):
                ps.times[name].append(timedelta(microseconds=took))
        if f.resolved is not None and inside(p, f.resolved):
            ps.resolved += 1
            dept(f.department).answered += 1
            if f.rating is not None:
                ps.ratings.append(f.rating)
        if f.declined is not None and inside(p, f.declined):
            if f.rating is not None:  # a decline is an answer: its rating counts too
                ps.ratings.append(f.rating)
            ps.declined += 1
            ps.declined_with_alternate += f.alternate
            ds = dept(f.department)
            ds.answered += 1
            ds.declined += 1
            ds.declined_with_alternate += f.alternate
        if f.first_resolution is not None and inside(p, f.first_resolution):
            ps.first_resolved += 1
            ps.reopened += f.reopened
        if inside(p, f.created):
            ds = dept(f.department)
            ds.requests += 1
            if f.rush or "urgent" in f.asked:
                ds.upgrades_asked += 1
                ds.upgrades_granted += rank(f.priority) >= max(rank(a) for a in f.asked)
            ds.urgent += "urgent" in f.asked
            ds.rush += f.rush
            ds.info_requested += f.info_requested
            if f.rating is not None:
                ds.ratings.append(f.rating)
            row = self.matrix.setdefault(f.department, dict.fromkeys(self.chosen, 0))
            row[p] += 1

    def merge(self, other: Tally) -> None:
        """Add what `other` (of the same report, another share of the requests) added up."""
        for p, ps in other.stats.items():
            _add_counts(self.stats[p], ps)
        for name, ds in other.departments.items():
            _add_counts(self.dept(name), ds)
        for name, row in other.matrix.items():
            mine = self.matrix.setdefault(name, dict.fromkeys(self.chosen, 0))
            for p, n in row.items():
                mine[p] += n
        for w, week in other.weeks.items():
            self.weeks[w].measured += week.measured
            self.weeks[w].met += week.met
        self.lapses += other.lapses
        self.linked += other.linked
        self.providers_of.update(other.providers_of)

    def report(self) -> Report:
        """The report of what was added up: the lapses charged down their chains, each
        chain's cost counted once, the links between providers."""
        stats, dept = self.stats, self.dept
        # in an order that does not depend on the order the requests were added in
        linked = sorted(self.linked, key=lambda f: (f.id, f.provider))
        lapses = sorted(self.lapses, key=lambda lapse: (lapse.id, lapse.provider))
        chain = _ChainLapses.of(linked, self.until)
        chains = _Chains()
        for f in linked:
            if self.department is not None and f.department != self.department:
                continue
            for other in f.blocks:
                chains.join(f.id, other)
                if self.inside(f.provider, f.created):
                    chains.links.append((f.id, f.provider, other))
        for item in lapses:
            chain.charge_down(item)
        chains.share(lapses)
        for item in lapses:
            if item.shared_with is not None:
                continue
            dept(item.department).lapse_cost_suffered += item.cost
            if item.by_customer:
                dept(item.charged_to).lapse_cost_caused += item.cost
            elif item.charged_to in stats:
                stats[item.charged_to].lapse_cost += item.cost
        lapses.sort(key=lambda lapse: (lapse.shared_with is not None, -lapse.cost, lapse.id))
        links: dict[str, dict[str, int]] = {}
        for _, provider, other in chains.links:
            target = self.providers_of.get(other)
            if target is not None and (provider in stats or target in stats):
                row = links.setdefault(provider, {})
                row[target] = row.get(target, 0) + 1
        departments, matrix, weeks = self.departments, self.matrix, self.weeks
        return Report(
            period=self.period, now=self.now,
            as_of=min(self.as_of.values()) if self.as_of else self.now,
            providers=[stats[p] for p in self.chosen],
            departments=[departments[d] for d in sorted(departments)],
            matrix={d: matrix[d] for d in sorted(matrix)},
            trend=[weeks[w] for w in sorted(weeks)],
            lapses=lapses,
            links={p: dict(sorted(row.items())) for p, row in sorted(links.items())},
        )


def _known_lapses(f: Counted, until: dict[str, int]) -> list[Lapsed]:
    """The ways the request lapsed known at the end of the period, the first first."""
    end = until[f.provider]
    return sorted(lapse for lapse in f.lapses if lapse[0] <= end)


def _add_counts(mine: Any, other: Any) -> None:
    """Add `other`'s figures to `mine` (a `ProviderStats` or `DepartmentStats` of the same
    provider or department): counts and sums added, lists joined (medians and averages do
    not depend on their order), counts by key added; names left alone."""
    for f in fields(mine):
        value, more = getattr(mine, f.name), getattr(other, f.name)
        if type(value) in (int, float):
            setattr(mine, f.name, value + more)
        elif type(value) is list:
            value.extend(more)
        elif type(value) is dict:
            for key, part in more.items():
                if type(part) is list:
                    value[key].extend(part)
                else:
                    value[key] += part


DATE_MISSES = ("resolve", "needed_by")
"""The lapses a late dependency can cause (a wrong answer is its provider's own)."""


@dataclass
class _ChainLapses:
    """What charging a lapse down a chain of linked requests reads, of every request of
    the store (not only those the report shows) that lapsed or was made for another: each
    one's lapses known at the end of the period, the requests made for it (`new --for`),
    and when it was finished (delivered, declined or cancelled)."""

    known: dict[str, list[Lapsed]]
    made_for: dict[str, list[str]]
    finished: dict[str, int]
    """When each request was finished, or the end of the period while it is open."""

    @classmethod
    def of(cls, facts: list[Counted], until: dict[str, int]) -> _ChainLapses:
        """From the requests that lapsed or were made for another (`Tally.linked`)."""
        known: dict[str, list[Lapsed]] = {}
        made_for: dict[str, list[str]] = {}
        finished: dict[str, int] = {}
        for f in facts:
            end = until[f.provider]
            known[f.id] = _known_lapses(f, until)
            for other in f.blocks:
                made_for.setdefault(other, []).append(f.id)
            finished[f.id] = min(f.finished, end) if f.finished is not None else end
        return cls(known, made_for, finished)

    def charge_down(self, item: Lapse) -> None:
        """A request made for this one (`new --for`) missed its own need-by first, and this
        one missed its date because of it (it was finished within its date plus the time
        that one was late): the lapse is charged to whom that one's is, down the chain."""
        first_way = self.known[item.id][0][1] if self.known.get(item.id) else ""
        if first_way not in DATE_MISSES:
            return
        seen = {item.id}
        rid, at = item.id, instant(item.at)
        while True:
            first: Lapsed | None = None
            cause = ""
            for other in self.made_for.get(rid, ()):
                if other in seen or other not in self.known:
                    continue
                missed = [lapse for lapse in self.known[other] if lapse[1] == "needed_by"
                          and lapse[0] <= at]
                if missed and (first is None or missed[0][0] < first[0]):
                    first, cause = missed[0], other
            if first is None:
                return
            late = self.finished[cause] - first[0]
            if self.finished[rid] > at + late:
                return  # it was late on its own: longer than what it waited for
            item.charged_to, item.by_customer = first[2], first[3]
            seen.add(cause)
            rid, at = cause, first[0]


class _Chains:
    """Requests linked by `blocks` (one made to fulfil another): a chain shares one cost."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.links: list[tuple[str, str, str]] = []

    def find(self, rid: str) -> str:
        root = rid
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        self.parent[rid] = root
        return root

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def share(self, lapses: list[Lapse]) -> None:
        """In each chain, count one cost: the largest, carried by its request; the others
        name it in `shared_with`."""
        groups: dict[str, list[Lapse]] = {}
        for item in lapses:
            groups.setdefault(self.find(item.id), []).append(item)
        for group in groups.values():
            group.sort(key=lambda x: (-x.cost, x.at, x.id))
            for other in group[1:]:
                other.shared_with = group[0].id


def _events(f: Counted, stats: dict[str, ProviderStats],
            inside: Callable[[str, int], bool]) -> None:
    """Arrivals, redirects, escalations, late requests for information and promises: each
    for the provider responsible at that moment."""
    for provider, start, came_from in f.arrivals:
        if provider in stats and inside(provider, start):
            stats[provider].received += 1
        if came_from is not None and came_from in stats and inside(came_from, start):
            stats[came_from].redirects += 1
    for p, at, answered in f.escalations:
        if p in stats and inside(p, at):
            stats[p].escalations += 1
        if answered is not None and p in stats and inside(p, answered):
            stats[p].escalations_answered += 1
            stats[p].answer_times.append(timedelta(microseconds=answered - at))
    for at, provider in f.late_waits:
        if provider in stats and inside(provider, at):
            stats[provider].late_info_requests += 1
    for provider, made_at, how in f.promises:
        if provider in stats and inside(provider, made_at):
            stats[provider].promises[how] += 1
    for at, provider, how in f.downgrades:
        if provider in stats and inside(provider, at):
            stats[provider].downgrades[how] += 1


def _backlog(f: Counted, ps: ProviderStats, as_of: int) -> None:
    for start, end, held, arrived in f.open_spans:
        if start <= as_of and (end is None or as_of < end):
            if held != ps.provider:
                return
            ps.open += 1
            days = (as_of - arrived) / DAY
            bucket = BUCKETS[0] if days < 1 else BUCKETS[1] if days < 3 else (
                BUCKETS[2] if days < 7 else BUCKETS[3])
            ps.backlog[bucket] += 1
            return


DAY = 86_400_000_000
"""A calendar day in microseconds."""


def _weeks(period: Period, providers: list[Provider], now: datetime) -> list[date]:
    """The Mondays of the weeks the period touches (in the providers' timezones)."""
    if not providers:
        return []
    firsts, lasts = [], []
    for provider in providers:
        start, end = period.bounds(provider.calendar.tz)
        end = min(end, now)
        firsts.append(start.astimezone(provider.calendar.tz).date())
        lasts.append((end - timedelta(microseconds=1)).astimezone(provider.calendar.tz).date())
    first, last = min(firsts), max(lasts)
    monday = first - timedelta(days=first.weekday())
    out = []
    while monday <= last:
        out.append(monday)
        monday += timedelta(weeks=1)
    return out
