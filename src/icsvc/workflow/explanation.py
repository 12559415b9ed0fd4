"""How each due date of a request was worked out: the targets applied, the business time
counted span by span, and the nights, weekends, holidays and pauses skipped.

It replays exactly what `sla.clocks` computed (the same windows), so the explanation cannot
disagree with the dates `show` and `queue` display.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from icsvc.domain import history
from icsvc.domain.calendar import BusinessCalendar
from icsvc.domain.catalogue import Catalogue, Provider
from icsvc.domain.dates import when
from icsvc.domain.history import RequestState
from icsvc.domain.history.kinds import TargetsChange
from icsvc.domain.history.request import Request
from icsvc.domain.outcome import outcome
from icsvc.domain.sla import Clock, Span, holder_calendar


@dataclass
class Step:
    """One span on a clock's way to its due date."""

    kind: str
    """`counted` (business time used), `ahead` (business time still to run, after now) or
    `paused` (waiting on the customer, or resolved before a reopen)."""
    start: datetime
    end: datetime | None
    business: timedelta = timedelta(0)
    note: str = ""


@dataclass
class ClockExplanation:
    clock: Clock
    target_text: str
    start_reason: str
    steps: list[Step]
    skipped: dict[str, int]
    """`nights`, `weekend_days`, `holidays` skipped while the clock ran, up to its due date."""
    holidays: list[date] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    """Rules that shaped this clock beyond the calendar (late requests for information...)."""


@dataclass
class Explanation:
    request: Request
    provider: Provider
    targets_source: str
    current_targets: dict[str, str]
    """What providers.yaml says now for the agreed priority (may differ from the recorded)."""
    clocks: dict[str, ClockExplanation]
    changes: list[tuple[datetime, str, str]] = field(default_factory=list)
    """(when, who, what) of each change to what the clocks measure: the priority asked for
    and agreed, the targets, the need-by date."""


def _targets_source(request: Request) -> str:
    for i in range(len(request.history) - 1, -1, -1):
        entry = request.history[i]
        if not isinstance(entry, TargetsChange):
            continue
        cause = request.history[i - 1].cause() if i else None
        when = entry.at.isoformat()
        return f"recorded {cause or f'by {entry.by}'} ({when})"
    return f"recorded at creation ({request.created_at.isoformat()})"


def _pause_note(state: RequestState, start: datetime) -> str:
    status = "waiting-on-customer"
    for at, s in state.stint.statuses:
        if at <= start:
            status = s
    if status != "waiting-on-customer":
        return "resolved, reopened"
    late = any(w.late and w.at == start for w in state.waits)
    return "waiting on the customer" + (" (a late request for information)" if late else "")


def _steps(cal: BusinessCalendar, spans: list[Span], pauses: list[Span], due: datetime,
           now: datetime, running: bool, state: RequestState) -> list[Step]:
    steps: list[Step] = []
    for a, b in spans:
        if a >= due:
            break
        end = due if b is None else min(b, due)
        for s, e in cal.segments(a, end):
            if running and s < now < e:
                steps.append(Step("counted", s, now, now - s))
                steps.append(Step("ahead", now, e, e - now))
            else:
                kind = "ahead" if running and s >= now else "counted"
                steps.append(Step(kind, s, e, e - s))
    for ps, pe in pauses:
        if ps < due:
            steps.append(Step("paused", ps, pe, note=_pause_note(state, ps)))
    steps.sort(key=lambda st: st.start)
    return steps


def _skipped(cal: BusinessCalendar, spans: list[Span], due: datetime) -> dict[str, int]:
    total = {"nights": 0, "weekend_days": 0, "holidays": 0}
    for a, b in spans:
        if a >= due:
            break
        for key, n in cal.skipped(a, due if b is None else min(b, due)).items():
            total[key] = total.get(key, 0) + n
    return total


def _holidays(cal: BusinessCalendar, spans: list[Span], due: datetime) -> list[date]:
    out: list[date] = []
    for a, b in spans:
        if a >= due:
            break
        first = a.astimezone(cal.tz).date()
        last = (due if b is None else min(b, due)).astimezone(cal.tz).date()
        out.extend(d for d in cal.holidays_between(first, last)
                   if d.weekday() in cal.days and d not in out)
    return sorted(out)


def explain(request: Request, cat: Catalogue, now: datetime) -> Explanation:
    state = history.replay(request, cat)
    cal = holder_calendar(state, cat)
    provider = cat.providers[state.provider]
    stint = state.stint
    if stint.sent_from is not None:
        start_reason = f"redirected from {stint.sent_from} by {stint.sent_by}"
    else:
        start_reason = "created"
    out: dict[str, ClockExplanation] = {}
    for name, clock in outcome(state, cat, now).clocks.items():
        if name == "needed_by":
            continue  # wall-clock time: nothing to explain beyond its date
        end = clock.met_at or clock.stopped_at
        running = end is None
        if name == "update":
            spans: list[Span] = clock.windows
            reason = "the last progress update" if clock.start != stint.start else start_reason
            pauses: list[Span] = []
            if clock.state == "paused":
                pauses = [(clock.start, now)]
        else:
            spans, pauses, reason = clock.windows, clock.pauses, start_reason
        steps = _steps(cal, spans, pauses, clock.due, now if running else clock.due, running,
                       state)
        remarks = []
        late = [w for w in state.waits if w.late and w.provider == stint.provider]
        if name == "resolve" and late:
            if cat.settings.pause_on_late_info:
                remarks.append(f"{len(late)} late request(s) for information (asked after the "
                               "acknowledgement) paused this clock (settings.pause_on_late_info"
                               " is true)")
            else:
                remarks.append(f"{len(late)} late request(s) for information (asked after the "
                               "acknowledgement) did not pause this clock "
                               "(settings.pause_on_late_info is false)")
        if name == "resolve":
            remarks += _basis(clock, state, cal)
        out[name] = ClockExplanation(
            clock=clock,
            target_text=request.targets[name],
            start_reason=reason,
            steps=steps,
            skipped=_skipped(cal, spans, clock.due),
            holidays=_holidays(cal, spans, clock.due),
            remarks=remarks,
        )
    return Explanation(
        request=request,
        provider=provider,
        targets_source=_targets_source(request),
        current_targets=provider.sla[state.priority].to_dict(),
        clocks=out,
        changes=_changes(state),
    )


def _basis(clock: Clock, state: RequestState, cal: BusinessCalendar) -> list[str]:
    """Which target the resolve clock measures: the SLA's, or the requester's later need-by
    (planned work is measured against the customer's date)."""
    need = state.needed_by
    if need is None:
        return []
    target = state.targets["resolve"]
    if clock.basis == "needed_by" and clock.sla_due is not None:
        return [f"the resolve target is the requester's need-by date "
                f"({when(need.astimezone(cal.tz))}): it is later than where the SLA's "
                f"{target} ends ({when(clock.sla_due.astimezone(cal.tz))}), and planned work "
                "is measured against the customer's date"]
    return [f"the resolve target is the SLA's {target}: the requester's need-by date "
            f"({when(need.astimezone(cal.tz))}) is not later, and is its own outcome (met "
            "or missed)"]


def _changes(state: RequestState) -> list[tuple[datetime, str, str]]:
    """Each change to what the clocks measure, as its entry explains itself."""
    return [(e.at, e.by, line) for e in state.history if (line := e.explained()) is not None]
