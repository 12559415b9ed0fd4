"""What a person writes where they are (a comment on the request's issue, a mail reply),
turned into the same entries the command line writes, through the same operations.

A message is read line by line: a line `/command args` acts, every other line is what
they said. The customer (the requester or a manager of the requesting department) may
`/rate N [comment]`, `/cancel [reason]`, `/reopen reason`, `/escalate reason`, `/accept`
(a proposed priority), `/contest reason` and `/needed-by DATE`; a provider member may
`/ack [promise DATE]`, `/need-info question`, `/resolve note` and `/decline reason
[alternate: who]`. What they said, without a command, answers a request waiting on the
customer (`key: value` lines for the information the service requires, the rest a reply),
or is a note from the customer or the provider. Each operation checks its own rights, so a
provider typing `/rate` is refused as `icsvc feedback` would refuse them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from icsvc.domain import history
from icsvc.domain.catalogue import Catalogue
from icsvc.domain.checker import NAME
from icsvc.domain.history import CUSTOMER, PROVIDER, roles_of
from icsvc.domain.history.request import Request
from icsvc.errors import IcsvcError, UsageError
from icsvc.workflow import operations
from icsvc.workflow.operations import TriageOptions, UpdateOptions
from icsvc.workflow.session import Change, Channel

COMMANDS = {
    "rate": "/rate N [comment]", "cancel": "/cancel [reason]", "reopen": "/reopen REASON",
    "escalate": "/escalate REASON", "accept": "/accept", "contest": "/contest REASON",
    "needed-by": "/needed-by DATE", "ack": "/ack [promise DATE]",
    "need-info": "/need-info QUESTION", "resolve": "/resolve NOTE",
    "decline": "/decline REASON [alternate: WHO]",
}
"""The commands a comment or a mail may hold, as their help shows them."""

_WORDS = {
    "--rating": "/rate N", "--comment": "the comment after /rate N",
    "--status cancelled": "/cancel", "--reopen": "/reopen REASON",
    "--reason": "the reason after /escalate or /contest", "--accept-priority": "/accept",
    "--needed-by": "/needed-by DATE", "--ack": "/ack", "--promise": "/ack promise DATE",
    "--need-info": "/need-info QUESTION", "--status resolved": "/resolve NOTE",
    "--decline": "/decline REASON", "--alternate": "'alternate: WHO' after /decline",
    "--note": "the text after the command", "--info": "a 'key: value' line",
    "--reply": "your answer", "note": "the text after the command",
    "alternate": "'alternate: WHO' after /decline", "info": "a 'key: value' line",
    "reply": "your answer",
}
_OPTION = re.compile(r"--(?:status (?:cancelled|resolved)|[a-z][a-z-]*)")
_COMMAND = re.compile(r"^/([a-z][a-z-]*)(?:\s+(.*))?$")
_PAIR = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*:\s*(.+?)\s*$")


_HINTS = (
    (re.compile(r"icsvc update \S+ --info KEY=VALUE \(or --reply TEXT\)"),
     "a reply with 'key: value' lines (or in your own words)"),
    (re.compile(r"icsvc feedback \S+ --rating N \(1 to 5 stars, with --comment TEXT\)"),
     "/rate N (1 to 5 stars, then a comment if you like)"),
    (re.compile(r"icsvc update \S+ --reopen --note TEXT"), "/reopen REASON"),
    (re.compile(r"icsvc update \S+ --accept-priority"), "/accept"),
    (re.compile(r"icsvc escalate \S+ --reason TEXT"), "/contest REASON"),
)


def told(line: str) -> str:
    """A notice's line as a comment or a mail tells it: the commands it suggests are the
    reply's (`/rate N`), not the command line's."""
    for pattern, said in _HINTS:
        line = pattern.sub(said, line)
    return line


def words(name: str) -> str:
    """An option or entry key in the words of a comment or a mail."""
    return _WORDS.get(name, name)


def in_words(text: str) -> str:
    """A refusal raised with the command line's options, in the reply's words."""
    return _OPTION.sub(lambda m: _WORDS.get(m.group(0), m.group(0)), text)


@dataclass
class Said:
    """A message read: its commands (name, the rest of the line) and the other lines."""

    commands: list[tuple[str, str]] = field(default_factory=list)
    text: str = ""


def read(body: str, known: Callable[[str], bool] = lambda name: name in COMMANDS) -> Said:
    """The commands and the text of a message; quoted lines (`> `, a reply quoting what it
    answers) are left out, and so is a mail's signature (after `-- `)."""
    said = Said()
    lines = []
    for raw in body.replace("\r\n", "\n").split("\n"):
        if raw.rstrip() == "--":
            break
        if raw.lstrip().startswith(">"):
            continue
        match = _COMMAND.match(raw.strip())
        if match and known(match.group(1)):
            said.commands.append((match.group(1), (match.group(2) or "").strip()))
        else:
            lines.append(raw)
    said.text = "\n".join(lines).strip()
    return said


@dataclass
class Acted:
    """What a message did to a request: the entries it added (through each operation's
    `Change`) and the notices for its author."""

    request: Request
    changes: list[Change] = field(default_factory=list)

    @property
    def entries(self) -> list[object]:
        return [e for c in self.changes for e in c.entries]

    @property
    def notices(self) -> list[str]:
        return [n for c in self.changes for n in c.notices]


def act(request: Request, cat: Catalogue, now: datetime, actor: str, said: Said,
        channel: Channel) -> Acted | None:
    """Apply what the message says, in order, as `actor`; None when it says nothing to act
    on (no command, and text from someone who is neither the customer nor the provider).
    Raises the operations' refusals (IcsvcError, UsageError) in the message's words, before
    anything is saved: the caller saves only what returns."""
    channel = Channel(channel.via, channel.names or words)
    done = Acted(request)
    try:
        for name, rest in said.commands:
            done.changes.append(_command(request, cat, now, actor, name, rest, channel))
        if said.text:
            change = _text(request, cat, now, actor, said.text, channel)
            if change is not None:
                done.changes.append(change)
    except UsageError as exc:
        raise UsageError(in_words(exc.message)) from None
    except IcsvcError as exc:
        raise IcsvcError(in_words(exc.message)) from None
    return done if done.changes else None


def _command(request: Request, cat: Catalogue, now: datetime, actor: str, name: str,
             rest: str, channel: Channel) -> Change:
    text = rest or None
    if name == "rate":
        stars, _, comment = rest.partition(" ")
        if not stars.isdigit():
            raise UsageError(f"/rate: {stars or 'nothing'!r} is not a rating (accepted: "
                             "/rate 1 to /rate 5, then a comment if you like)")
        return operations.feedback(request, cat, now, actor, int(stars),
                                   comment.strip() or None, channel)
    if name == "cancel":
        return operations.update(request, cat, now, actor,
                                 UpdateOptions(status="cancelled", note=text), channel)
    if name == "reopen":
        return operations.update(request, cat, now, actor,
                                 UpdateOptions(reopen=True, note=_needs(name, text)), channel)
    if name in ("escalate", "contest"):
        if name == "contest":
            if not history.replay(request, cat).contestable:
                raise IcsvcError(f"refused: /contest: {request.id} has no proposed priority "
                                 "to contest (use /escalate REASON)")
        return operations.escalate(request, cat, now, actor, _needs(name, text) or "",
                                   channel)
    if name == "accept":
        return operations.update(request, cat, now, actor,
                                 UpdateOptions(accept_priority=True, note=text), channel)
    if name == "needed-by":
        return operations.update(request, cat, now, actor,
                                 UpdateOptions(needed_by=_needs(name, text)), channel)
    if name == "ack":
        promise = None
        if text:
            word, _, date = text.partition(" ")
            if word.lower() != "promise" or not date.strip():
                raise UsageError(f"/ack: {text!r} is not 'promise DATE' (accepted: /ack, or "
                                 "/ack promise DATE)")
            promise = date.strip()
        return operations.triage(request, cat, now, actor,
                                 TriageOptions(ack=True, promise=promise), channel)
    if name == "need-info":
        return operations.triage(request, cat, now, actor,
                                 TriageOptions(need_info=_needs(name, text)), channel)
    if name == "resolve":
        return operations.update(request, cat, now, actor,
                                 UpdateOptions(status="resolved", note=_needs(name, text)),
                                 channel)
    assert name == "decline"
    reason, sep, alternate = (text or "").partition("alternate:")
    return operations.triage(request, cat, now, actor,
                             TriageOptions(decline=_needs(name, reason.strip() or None),
                                           alternate=alternate.strip() or None if sep
                                           else None), channel)


def _needs(name: str, text: str | None) -> str | None:
    if not text:
        raise UsageError(f"{COMMANDS[name].split()[0]} needs a text after it "
                         f"(accepted: {COMMANDS[name]})")
    return text


def _text(request: Request, cat: Catalogue, now: datetime, actor: str, text: str,
          channel: Channel) -> Change | None:
    """What someone said without a command: the customer's answer (information and a
    reply) or note, a provider's note; None from anyone else."""
    state_roles = roles_of(actor, history.replay(request, cat), cat)
    if state_roles & CUSTOMER:
        info, rest = _pairs(request, cat, text)
        if request.status == "waiting-on-customer":
            return operations.update(request, cat, now, actor, UpdateOptions(
                info=[f"{k}={v}" for k, v in info.items()], reply=rest or None), channel)
        if info:
            return operations.update(request, cat, now, actor, UpdateOptions(
                info=[f"{k}={v}" for k, v in info.items()], note=rest or None), channel)
        return operations.update(request, cat, now, actor, UpdateOptions(note=text), channel)
    if state_roles & PROVIDER:
        return operations.update(request, cat, now, actor, UpdateOptions(note=text), channel)
    return None


def _pairs(request: Request, cat: Catalogue, text: str) -> tuple[dict[str, str], str]:
    """`key: value` lines for the information the service requires (or the request already
    holds); the other lines as they were."""
    provider = cat.providers.get(request.provider)
    service = provider.services.get(request.service) if provider else None
    keys = {*(service.requires if service else ()), *request.info}
    info: dict[str, str] = {}
    rest = []
    for line in text.split("\n"):
        match = _PAIR.match(line)
        key = match.group(1).lower().replace("-", "_") if match else ""
        if match and NAME.fullmatch(key) and key in keys:
            info[key] = match.group(2)
        else:
            rest.append(line)
    return info, "\n".join(rest).strip()
