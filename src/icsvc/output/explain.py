"""`icsvc explain` shown: each clock's target, the business time counted step by step, what
was skipped, and the due date."""

from __future__ import annotations

from datetime import date, datetime

from icsvc.commands.explain import Explained, hours_text, to_json
from icsvc.domain.calendar import WEEKDAYS, BusinessCalendar
from icsvc.domain.dates import when
from icsvc.domain.durations import format_timedelta
from icsvc.output.ui import STATE_STYLE, console, print_json, styled
from icsvc.workflow.explanation import ClockExplanation


def _t(value: datetime | None, cal: BusinessCalendar) -> str:
    if value is None:
        return "-"
    return when(value.astimezone(cal.tz))


def _span(start: datetime, end: datetime | None, cal: BusinessCalendar) -> str:
    a = start.astimezone(cal.tz)
    if end is None:
        return f"{_t(a, cal)} -> now"
    b = end.astimezone(cal.tz)
    if a.date() == b.date():
        return f"{a.strftime('%a %Y-%m-%d %H:%M')}-{b.strftime('%H:%M %z')}"
    return f"{_t(a, cal)} -> {_t(b, cal)}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _holiday(d: date, cal: BusinessCalendar) -> str:
    """``Thu 2026-11-26 Thanksgiving Day`` (a public holiday's name; explicit dates bare)."""
    name = cal.holiday_name(d)
    text = d.strftime("%a %Y-%m-%d")
    return f"{text} {name}" if name and name != "holiday" else text


def _holidays_text(cal: BusinessCalendar) -> str:
    """``3 holidays``, or ``public holidays of US (NY) and 1 more date``."""
    if cal.country is None:
        return f"{len(cal.holidays)} holidays"
    region = cal.country + (f" ({cal.subdivision})" if cal.subdivision else "")
    more = f" and {_plural(len(cal.holidays), 'more date')}" if cal.holidays else ""
    return f"public holidays of {region}{more}"


def _skipped_text(c: ClockExplanation, cal: BusinessCalendar) -> str:
    parts = []
    if c.skipped.get("nights"):
        parts.append(_plural(c.skipped["nights"], "night"))
    if c.skipped.get("weekend_days"):
        parts.append(_plural(c.skipped["weekend_days"], "weekend day"))
    if c.skipped.get("holidays"):
        days = ", ".join(_holiday(d, cal) for d in c.holidays)
        parts.append(_plural(c.skipped["holidays"], "holiday") + (f" ({days})" if days else ""))
    paused = [s for s in c.steps if s.kind == "paused"]
    if paused:
        parts.append(_plural(len(paused), "pause"))
    return ", ".join(parts) or "nothing"


def render(explained: Explained, fmt: str) -> None:
    ex = explained.explanation
    if fmt == "json":
        print_json(to_json(ex))
        return
    from rich.markup import escape

    request = ex.request
    cal = ex.provider.calendar
    day = cal.day_length
    con = console()
    con.print(f"[bold]{request.id}[/bold]  {escape(request.title)}")
    con.print(f"{ex.provider.name}'s calendar {cal.name}: {cal.timezone}, "
              f"{' '.join(WEEKDAYS[i] for i in sorted(cal.days))}, {hours_text(cal)} "
              f"(1d = {format_timedelta(day)}), {_holidays_text(cal)}")
    targets = ", ".join(f"{k} {v}" for k, v in request.targets.items())
    con.print(f"Targets for {request.priority} priority: {targets}, {ex.targets_source}")
    if ex.current_targets != request.targets:
        now_says = ", ".join(f"{k} {v}" for k, v in ex.current_targets.items())
        con.print(f"  (providers.yaml now says {now_says}; edits apply to new requests and "
                  "priority changes only)")
    con.print(f"Now: {_t(explained.now, cal)}")
    if ex.changes:
        con.print("Changes:")
        for at, who, what in ex.changes:
            con.print(f"  {_t(at, cal)}  {who}  {escape(what)}")
    for name, c in ex.clocks.items():
        clock = c.clock
        con.print()
        if clock.basis == "needed_by":  # planned work: the customer's date is the target
            con.print(f"[bold]{name}[/bold]: the requester's need-by date (the SLA's "
                      f"{c.target_text} ends {_t(clock.sla_due, cal)}), business time from "
                      f"{_t(clock.start, cal)} ({c.start_reason})")
        else:
            business = format_timedelta(clock.target)
            extra = f" = {business}" if business != c.target_text else ""
            con.print(f"[bold]{name}[/bold]: {c.target_text}{extra} of business time from "
                      f"{_t(clock.start, cal)} ({c.start_reason})")
        for step in c.steps:
            amount = format_timedelta(step.business) if step.kind != "paused" else ""
            label = step.kind if step.kind != "ahead" else "to come"
            con.print(f"  {label:<9}{_span(step.start, step.end, cal):<44}{amount:>7}"
                      + (f"  {step.note}" if step.note else ""))
        con.print(f"  skipped  {_skipped_text(c, cal)}")
        con.print(f"  due      {_t(clock.due, cal)}")
        if clock.met_at is not None:
            verb = "met" if clock.state == "met" else "met late"
            con.print(f"  {verb:<9}{_t(clock.met_at, cal)}")
        elif clock.stopped_at is not None:
            con.print(f"  stopped  {_t(clock.stopped_at, cal)} (cancelled)")
        else:
            con.print(f"  used     {format_timedelta(clock.elapsed, day)}, left "
                      f"{format_timedelta(clock.left, day)}")
        con.print("  state    " + styled(clock.state, STATE_STYLE.get(clock.state, "")))
        for remark in c.remarks:
            con.print(f"  note     {escape(remark)}")
