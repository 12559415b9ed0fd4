"""Digests: a provider member's day (`daily`) and a manager's week (`weekly`), as messages.

- daily, per provider member: the requests of their queue (theirs, or nobody's yet) that are
  breached, at risk, or due today in the provider's calendar; a member with none of these
  hears nothing, and nobody hears on the provider's weekends and holidays. A shared channel
  of the provider gets the whole team's queue once.
- weekly, per escalation contact (the report of their providers) and per manager of a
  requesting department (the report of every provider): `icsvc report` for the last
  complete week, Monday to Sunday, as HTML.

Routing and the record of what was sent are the notifications' (`notify`): a digest is
sent once per day (week), per recipient and channel, however often the command runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta, tzinfo

from icsvc.domain.catalogue import Catalogue
from icsvc.domain.dates import when
from icsvc.domain.history.request import Request
from icsvc.domain.lifecycle import is_open
from icsvc.notify.delivery import Channel, Message, Record, channels
from icsvc.notify.events import CUSTOMER, PROVIDER, Recipient
from icsvc.workflow import queue
from icsvc.workflow.cards import card_of
from icsvc.workflow.queue import QueueItem

ReportHtml = Callable[[tuple[str, ...]], tuple[str, str]]
"""(heading, HTML) of the week's report for some providers (all of them when empty)."""


def daily(requests: Sequence[Request], cat: Catalogue, now: datetime,
          env_urls: Sequence[str], record: Record | None) -> list[Message]:
    out: list[Message] = []
    cards = [card_of(r, str(r.path), cat) for r in requests
             if is_open(r.status) and r.provider in cat.providers]
    for pid, provider in cat.providers.items():
        items = queue.build(cards, cat, now, [pid])
        tz = provider.calendar.tz
        today = now.astimezone(tz).date()
        if not provider.calendar.is_working_day(today):
            continue  # a weekend or holiday of the provider: no digest
        groups: dict[tuple[Channel | None, str | None], list[str]] = {}
        sections: dict[str, Sections] = {}
        for member in provider.members:
            mine = _sections([it for it in items if it.card.owner in (member, None)],
                             today, tz)
            if not any(mine):
                continue
            sections[member] = mine
            found: list[Channel | None] = [*channels(cat, Recipient(member, PROVIDER, pid),
                                                     env_urls)]
            for channel in found or [None]:
                who = member if channel is None or channel.personal else None
                groups.setdefault((channel, who), []).append(member)
        for (channel, who), members in groups.items():
            key = (f"digest|daily|{today.isoformat()}|{pid}|{who or '*'}|"
                   f"{channel.url if channel else ''}")
            if channel is not None and record is not None and record.has(key):
                continue
            chosen = sections[who] if who else _sections(items, today, tz)
            subject, body = _daily_text(provider.name, pid, today, tz, chosen)
            out.append(Message(channel, tuple(members), subject, body,
                               (key,) if channel else ()))
    return out


Sections = tuple[list[QueueItem], list[QueueItem], list[QueueItem]]


def _sections(items: Sequence[QueueItem], today: date, tz: tzinfo) -> Sections:
    """(breached, at risk, due today) of a queue, each most urgent first."""
    breached = [it for it in items if it.state == "breached"]
    at_risk = [it for it in items if it.state == "at-risk"]
    due = [it for it in items if it.state == "ok" and it.next_due.astimezone(tz).date() == today]
    return breached, at_risk, due


def _daily_text(name: str, pid: str, today: date, tz: tzinfo,
                sections: Sections) -> tuple[str, str]:
    breached, at_risk, due = sections
    subject = (f"{name} queue, {today.strftime('%a %Y-%m-%d')}: {len(breached)} breached, "
               f"{len(at_risk)} at risk, {len(due)} due today")
    lines: list[str] = []
    for title, items in (("Breached", breached), ("At risk", at_risk), ("Due today", due)):
        if not items:
            continue
        lines.append(f"{title} ({len(items)}):")
        for it in items:
            state = it.card
            why = f" ({', '.join(it.reasons)})" if it.reasons else ""
            kind = {"needed_by": "need-by"}.get(it.next_due_kind, it.next_due_kind)
            lines.append(f"  {state.id}  {state.priority:<6}  {state.title}")
            lines.append(f"      {kind} due {when(it.next_due.astimezone(tz))}{why}; "
                         f"{state.owner or 'unassigned'}, {state.status}")
        lines.append("")
    lines.append(f"The whole queue: icsvc queue {pid}")
    return subject, "\n".join(lines) + "\n"


def last_week(now: datetime) -> tuple[date, date]:
    """The last complete week before `now`: Monday to Sunday."""
    today = now.date()
    monday = today - timedelta(days=today.weekday() + 7)
    return monday, monday + timedelta(days=6)


def weekly(cat: Catalogue, monday: date, env_urls: Sequence[str], record: Record | None,
           report_html: ReportHtml) -> list[Message]:
    """The week's report for each escalation contact (their providers) and each manager of a
    requesting department (every provider)."""
    scopes: dict[str, tuple[Recipient, tuple[str, ...]]] = {}
    for pid, provider in cat.providers.items():
        email = provider.escalation
        if email in scopes:
            scopes[email] = (scopes[email][0], (*scopes[email][1], pid))
        else:
            scopes[email] = (Recipient(email, PROVIDER, pid), (pid,))
    for dept, managers in cat.managers.items():
        for email in managers:  # a manager hears about every provider
            recipient = scopes[email][0] if email in scopes else Recipient(email, CUSTOMER,
                                                                            dept)
            scopes[email] = (recipient, ())
    groups: dict[tuple[Channel | None, str | None, tuple[str, ...]], list[str]] = {}
    for email, (recipient, scope) in scopes.items():
        routes: list[Channel | None] = [*channels(cat, recipient, env_urls)]
        for channel in routes or [None]:
            who = email if channel is None or channel.personal else None
            groups.setdefault((channel, who, scope), []).append(email)
    reports: dict[tuple[str, ...], tuple[str, str]] = {}
    out: list[Message] = []
    for (channel, who, scope), emails in groups.items():
        key = (f"digest|weekly|{monday.isoformat()}|{who or '*'}|"
               f"{channel.url if channel else ''}|{','.join(scope) or '*'}")
        if channel is not None and record is not None and record.has(key):
            continue
        if scope not in reports:
            reports[scope] = report_html(scope)
        heading, html = reports[scope]
        subject = f"{heading}: {', '.join(scope)}" if scope else heading
        out.append(Message(channel, tuple(emails), subject, html, (key,) if channel else (),
                           html=True))
    return out
