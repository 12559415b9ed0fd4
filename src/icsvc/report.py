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
import re
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icsvc.catalogue import Catalogue, Provider
from icsvc.lifecycle import OPEN
from icsvc.model import Request
from icsvc.sla import Clock, clocks, resolved_since

DEFAULT_WEEKS = 13
BUCKETS = ("<1d", "1-3d", "3-7d", "7d+")
"""Backlog age in calendar days since the request reached its provider."""
CLOCKS = ("acknowledge", "resolve")
RESOLVED = frozenset({"resolved", "closed"})
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


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
        match = _QUARTER.match(quarter.strip())
        if not match:
            raise ValueError(f"--quarter: {quarter!r} is not a quarter (accepted: YYYYQ1..YYYYQ4, "
                             "e.g. 2026Q4)")
        year, q = int(match.group(1)), int(match.group(2))
        start = date(year, 3 * q - 2, 1)
        end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
        return Period(start, end, f"{year}Q{q}")
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
    """The middle value (the mean of the two middle ones for an even count)."""
    if not values:
        return None
    seconds = statistics.median(v.total_seconds() for v in values)
    return timedelta(seconds=seconds)


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
    provider: str
    name: str
    day: timedelta
    """The provider calendar's working day (to show business times in days)."""
    received: int = 0
    resolved: int = 0
    open: int = 0
    backlog: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))
    measured: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLOCKS, 0))
    met: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLOCKS, 0))
    times: dict[str, list[timedelta]] = field(
        default_factory=lambda: {name: [] for name in CLOCKS})
    promises_made: int = 0
    promises_kept: int = 0
    promises_known: int = 0
    escalations: int = 0
    redirects: int = 0
    ratings: list[int] = field(default_factory=list)
    lapse_cost: float = 0

    def met_pct(self, clock: str) -> float | None:
        return pct(self.met[clock], self.measured[clock])

    @property
    def csat_avg(self) -> float | None:
        return round(statistics.fmean(self.ratings), 2) if self.ratings else None

    @property
    def response_rate_pct(self) -> float | None:
        return pct(len(self.ratings), self.resolved)

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "name": self.name,
            "received": self.received,
            "resolved": self.resolved,
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
            "promises_made": self.promises_made,
            "promises_known": self.promises_known,
            "promises_kept": self.promises_kept,
            "promises_kept_pct": pct(self.promises_kept, self.promises_known),
            "escalations": self.escalations,
            "redirects": self.redirects,
            "csat_avg": self.csat_avg,
            "csat_count": len(self.ratings),
            "csat_response_rate_pct": self.response_rate_pct,
            "lapse_cost": _number(self.lapse_cost),
        }


@dataclass
class DepartmentStats:
    department: str
    requests: int = 0
    urgent: int = 0
    rush: int = 0
    info_requested: int = 0
    ratings: list[int] = field(default_factory=list)

    @property
    def rating_avg(self) -> float | None:
        return round(statistics.fmean(self.ratings), 2) if self.ratings else None

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
            "rating_avg": self.rating_avg,
            "rating_count": len(self.ratings),
        }


@dataclass
class Week:
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
    id: str
    provider: str
    clocks: list[str]
    cost: float
    note: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "provider": self.provider, "clocks": self.clocks,
                "cost": _number(self.cost), "note": self.note}


@dataclass
class Report:
    period: Period
    now: datetime
    as_of: datetime
    providers: list[ProviderStats]
    departments: list[DepartmentStats]
    matrix: dict[str, dict[str, int]]
    """requesting department -> provider -> requests made in the period."""
    trend: list[Week]
    lapses: list[Lapse]

    @property
    def lapse_cost(self) -> float:
        return sum(lapse.cost for lapse in self.lapses)

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.to_dict(),
            "generated_at": self.now.isoformat(),
            "providers": [p.to_dict() for p in self.providers],
            "departments": [d.to_dict() for d in self.departments],
            "matrix": self.matrix,
            "trend": [w.to_dict() for w in self.trend],
            "lapse_cost": _number(self.lapse_cost),
            "lapses": [lapse.to_dict() for lapse in self.lapses],
        }


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


# -- history helpers -------------------------------------------------------------------------


def provider_at(request: Request, at: datetime) -> str:
    """The provider holding the request at `at` (redirects move it)."""
    for entry in request.history:
        if entry.type == "redirect" and entry.at > at and entry.get("from"):
            return str(entry.get("from"))
    return request.provider


def status_at(request: Request, at: datetime) -> tuple[str, datetime] | None:
    """(status, when it reached its provider) at `at`; None before it was created."""
    if request.created_at > at:
        return None
    status, arrived = "new", request.created_at
    for entry in request.history:
        if entry.at > at:
            break
        if entry.type == "redirect":
            status, arrived = "new", entry.at
        elif entry.type == "status" and entry.get("to"):
            status = str(entry.get("to"))
    return status, arrived


def rating(request: Request) -> int | None:
    """The latest feedback's rating: giving feedback again replaces the earlier one."""
    entry = request.last("feedback")
    return int(entry.get("rating")) if entry is not None and entry.get("rating") else None


def resolved_at(request: Request, resolve: Clock) -> datetime | None:
    """When a resolved or closed request was (last) resolved (resolved then closed counts
    from `resolved`)."""
    return resolve.met_at if request.status in RESOLVED else None


def outcome(clock: Clock, as_of: datetime) -> tuple[datetime, bool] | None:
    """(when the outcome became known, met?), or None while unknown.

    Met: stopped by the provider (`met_at`) by its due time. Breached: its due time passed
    without that; the breach is known at the due time. A clock a cancellation stopped
    before its due time is not measured."""
    if clock.met_at is not None and clock.met_at <= clock.due:
        return clock.met_at, True
    if clock.stopped_at is not None and clock.stopped_at <= clock.due:
        return None
    if clock.due <= as_of:
        return clock.due, False
    return None


def promise_outcomes(request: Request, now: datetime) -> list[tuple[datetime, str, bool | None]]:
    """(when made, provider, kept?) for every `promise` entry; kept is None while unknown.

    A promise moved before its date passed is superseded (unknown); moved after it passed
    (`broken: true`) it is broken; the last one is kept when the request was resolved by
    the promised date, broken when resolved later or when the date passed unresolved."""
    entries = [e for e in request.history if e.type == "promise"]
    done_at = resolved_since(request)
    out: list[tuple[datetime, str, bool | None]] = []
    for i, entry in enumerate(entries):
        promised = _to_datetime(entry.get("to"))
        kept: bool | None = None
        if i + 1 < len(entries):
            later = entries[i + 1]
            if later.get("broken") or (promised is not None and later.at > promised):
                kept = False
        elif promised is not None:
            if done_at is not None:
                kept = done_at <= promised
            elif request.status != "cancelled" and now > promised:
                kept = False
        out.append((entry.at, provider_at(request, entry.at), kept))
    return out


def _to_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


# -- the report ------------------------------------------------------------------------------


def build(requests: Iterable[Request], cat: Catalogue, period: Period, now: datetime,
          providers: list[str] | None = None,
          progress: Callable[[], None] | None = None) -> Report:
    """Every figure of the report. `providers` limits it to those providers (and to the
    requests made to them); `progress` is called once per request processed."""
    chosen = providers or list(cat.providers)
    stats = {p: ProviderStats(p, cat.providers[p].name, cat.providers[p].calendar.day_length)
             for p in chosen}
    bounds = {p: period.bounds(cat.providers[p].calendar.tz) for p in cat.providers}
    as_of = {p: min(end, now) for p, (_, end) in bounds.items()}
    departments: dict[str, DepartmentStats] = {}
    matrix: dict[str, dict[str, int]] = {}
    weeks = {w: Week(w) for w in _weeks(period, [cat.providers[p] for p in chosen], now)}
    lapses: list[Lapse] = []

    def inside(p: str, at: datetime) -> bool:
        start, end = bounds[p]
        return start <= at < end and at <= now

    for request in requests:
        if progress is not None:
            progress()
        if request.provider not in cat.providers:
            continue
        touches = {request.provider} | {
            str(e.get("from")) for e in request.history if e.type == "redirect"}
        if not touches & stats.keys():
            continue
        _events(request, stats, inside, now)
        if request.provider not in stats:
            continue
        p = request.provider
        ps = stats[p]
        cal = cat.providers[p].calendar
        sla = clocks(request, cal, now, cat.at_risk)
        _backlog(request, ps, as_of[p])
        breached: list[str] = []
        for name in CLOCKS:
            result = outcome(sla[name], as_of[p])
            if result is None or not inside(p, result[0]):
                continue
            ps.measured[name] += 1
            if result[1]:
                ps.met[name] += 1
            else:
                breached.append(name)
            week = result[0].astimezone(cal.tz).date()
            week -= timedelta(days=week.weekday())
            if week in weeks:
                weeks[week].measured += 1
                weeks[week].met += int(result[1])
        for name in CLOCKS:
            clock = sla[name]
            if clock.met_at is not None and inside(p, clock.met_at):
                ps.times[name].append(clock.elapsed)
        if breached and request.impact:
            cost = float(request.impact.get("cost") or 0)
            ps.lapse_cost += cost
            lapses.append(Lapse(request.id, p, breached, cost, request.impact.get("note")))
        done = resolved_at(request, sla["resolve"])
        if done is not None and inside(p, done):
            ps.resolved += 1
            stars = rating(request)
            if stars is not None:
                ps.ratings.append(stars)
        if inside(p, request.created_at):
            dept = request.customer_department
            ds = departments.setdefault(dept, DepartmentStats(dept))
            ds.requests += 1
            ds.urgent += request.requested_priority == "urgent"
            ds.rush += request.rush
            ds.info_requested += any(e.type == "status" and e.get("to") == "waiting-on-customer"
                                     for e in request.history)
            stars = rating(request)
            if stars is not None:
                ds.ratings.append(stars)
            row = matrix.setdefault(dept, dict.fromkeys(chosen, 0))
            row[p] += 1
    lapses.sort(key=lambda lapse: (-lapse.cost, lapse.id))
    return Report(
        period=period, now=now, as_of=min(as_of.values()) if as_of else now,
        providers=[stats[p] for p in chosen],
        departments=[departments[d] for d in sorted(departments)],
        matrix={d: matrix[d] for d in sorted(matrix)},
        trend=[weeks[w] for w in sorted(weeks)],
        lapses=lapses,
    )


def _events(request: Request, stats: dict[str, ProviderStats],
            inside: Callable[[str, datetime], bool], now: datetime) -> None:
    """Arrivals, redirects, escalations and promises: each for the provider of the moment."""
    first = provider_at(request, request.created_at)
    arrivals = [(request.created_at, first)] + [
        (e.at, str(e.get("to"))) for e in request.history if e.type == "redirect"]
    for at, p in arrivals:
        if p in stats and inside(p, at):
            stats[p].received += 1
    for entry in request.history:
        if entry.type == "redirect":
            p = str(entry.get("from"))
        elif entry.type == "escalation":
            p = provider_at(request, entry.at)
        else:
            continue
        if p in stats and inside(p, entry.at):
            if entry.type == "redirect":
                stats[p].redirects += 1
            else:
                stats[p].escalations += 1
    for made, p, kept in promise_outcomes(request, now):
        if p in stats and inside(p, made):
            stats[p].promises_made += 1
            if kept is not None:
                stats[p].promises_known += 1
                stats[p].promises_kept += kept


def _backlog(request: Request, ps: ProviderStats, as_of: datetime) -> None:
    state = status_at(request, as_of)
    if state is None or state[0] not in OPEN or provider_at(request, as_of) != ps.provider:
        return
    ps.open += 1
    age = as_of - state[1]
    days = age / timedelta(days=1)
    bucket = BUCKETS[0] if days < 1 else BUCKETS[1] if days < 3 else (
        BUCKETS[2] if days < 7 else BUCKETS[3])
    ps.backlog[bucket] += 1


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
