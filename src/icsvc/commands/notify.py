"""`icsvc notify`: tell people what changed, through apprise (imported here only).

Also the delivery shared with `icsvc digest`: each message goes out on its own; a failure is
one line (the channel without secrets, and why), is not recorded, so the next run tries it
again, and never stops the other messages; the command then exits 1."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from icsvc.commands import Refused, open_store
from icsvc.commands.context import Context
from icsvc.domain.catalogue import ENV_REF
from icsvc.domain.dates import when
from icsvc.errors import IcsvcError
from icsvc.notify.notify import (
    Message,
    Options,
    Record,
    Span,
    catalogue_at,
    ci_env,
    clock_changes,
    compose,
    configured,
    entry_changes,
    env_channels,
    environment,
    expand,
    locked,
    open_requests,
    plan,
)
from icsvc.store import gitutil
from icsvc.store.store import Store


@dataclass
class Outcome:
    message: Message
    status: str
    """`sent`, `failed`, `dry-run` or `no-channel`."""
    error: str | None = None


@dataclass
class Delivered:
    """What a run of `notify` or `digest` did with each message (`outcomes`, in order), on
    a dry run or not; `heading`: what it covers, in a sentence; `covers`: the same for
    JSON."""

    outcomes: list[Outcome]
    dry_run: bool
    heading: str
    covers: dict[str, Any]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]


def run(ctx: Context, opts: Options, dry_run: bool) -> Delivered:
    """Tell what changed; a delivery that failed is `Refused` once the others are done and
    recorded (the next run tries it again)."""
    store = open_store(ctx)
    top = gitutil.require_repo(store.root)
    env = environment()
    opts = Options(opts.since, opts.until, opts.since_time, opts.clocks, ci_env(env))
    if dry_run:
        return _notify(store, top, ctx, opts, env, dry_run)
    with locked(store.root):
        return _notify(store, top, ctx, opts, env, dry_run)


def _notify(store: Store, top: Path, ctx: Context, opts: Options, env: dict[str, str],
            dry_run: bool) -> Delivered:
    record = Record.load(store.root)
    span = plan(top, opts, ctx.now, record)
    cat = catalogue_at(store, top, span)
    events = entry_changes(store, top, span, cat, ctx.warn)
    if span.start is not None and span.end is not None:
        events += clock_changes(open_requests(store, top, span, ctx.warn), cat, span.start,
                                span.end, ctx.warn)
    env_urls = env_channels(env)
    messages = compose(events, cat, env_urls, record)
    if messages and not dry_run and not configured(cat, env_urls):
        raise IcsvcError("no notification channel is configured: add 'notify:' to "
                         f"providers.yaml or set ICSVC_NOTIFY_URL ({len(messages)} message(s) "
                         "waiting; --dry-run shows them)")
    outcomes = deliver(messages, env, record, ctx.now, dry_run)
    if not dry_run:
        _advance(record, span, opts, failed=any(o.status == "failed" for o in outcomes))
        record.save(ctx.now)
    return refused_if_failed(Delivered(
        outcomes, dry_run, _covers(span), {"since": span.since, "until": span.until,
                                            "clocks_from": span.start, "clocks_to": span.end}))


def _advance(record: Record, span: Span, opts: Options, failed: bool) -> None:
    """Where the next run starts: after this range, or, when a delivery failed, at its start,
    so the next run finds the failed messages again (those delivered are recorded)."""
    if opts.since is not None or opts.since_time is None:  # the run covered entries
        record.rev = span.since or span.until if failed else span.until
    if span.start is not None and span.end is not None:
        if failed:
            record.time = span.start if record.time is None else min(record.time, span.start)
        elif record.time is None or span.end > record.time:
            record.time = span.end


def _covers(span: Span) -> str:
    parts = []
    if span.since and span.until:
        parts.append(f"entries added in {span.since[:10]}..{span.until[:10]}")
    if span.start is not None and span.end is not None:
        parts.append(f"clocks that turned between {when(span.start)} and {when(span.end)}")
    if span.note:
        parts.append(span.note)
    return "Covers " + ("; ".join(parts) if parts else "nothing") + "."


# -- delivery (shared with icsvc digest) --------------------------------------------------------


def deliver(messages: Sequence[Message], env: Mapping[str, str], record: Record,
            now: datetime, dry_run: bool) -> list[Outcome]:
    """Send each message (or, on a dry run, only say it would be); record each delivered
    one at once."""
    out = []
    for message in messages:
        if message.channel is None:
            outcome = Outcome(message, "no-channel")
        elif dry_run:
            outcome = Outcome(message, "dry-run")
        else:
            error = send(message, env)
            outcome = Outcome(message, "failed" if error else "sent", error)
            if error is None:
                record.add(message.keys, now)
        out.append(outcome)
    return out


def refused_if_failed(done: Delivered) -> Delivered:
    """`done`, or, when a delivery failed, `Refused` with it (exit 1)."""
    failed = done.failed
    if failed:
        raise Refused(f"{len(failed)} of {len(done.outcomes)} message(s) could not be "
                      "delivered; the next run tries them again", done)
    return done


def send(message: Message, env: Mapping[str, str]) -> str | None:
    """Deliver one message through apprise; the reason it failed, or None."""
    import apprise

    template = message.address
    assert template is not None
    try:
        url = expand(template, env)
    except IcsvcError as exc:
        return exc.message
    from urllib.parse import quote

    secrets = [form for m in ENV_REF.finditer(template)
               if len(env.get(m.group(1), "")) >= 3
               for form in (env[m.group(1)], quote(env[m.group(1)], safe=""))]
    notifier = apprise.Apprise(asset=apprise.AppriseAsset(storage_mode="memory"))
    if not notifier.add(url):
        return "apprise does not understand this URL (see its documentation of URLs)"
    logger = logging.getLogger("apprise")
    capture = _Capture()
    level = logger.level
    logger.addHandler(capture)
    logger.setLevel(logging.DEBUG)
    try:
        fmt = apprise.NotifyFormat.HTML if message.html else apprise.NotifyFormat.TEXT
        ok = bool(notifier.notify(body=message.body, title=message.subject, body_format=fmt))
    finally:
        logger.removeHandler(capture)
        logger.setLevel(level)
    if ok:
        return None
    reason = capture.reason()
    for secret in secrets:
        reason = reason.replace(secret, "***")
    return reason


class _Capture(logging.Handler):
    """apprise says why a delivery failed only in its log: keep the warning and the socket
    error behind it."""

    _ERRNO = re.compile(r"\[Errno -?\d+\][^'\")\]]*")

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.warnings: list[str] = []
        self.detail: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.levelno >= logging.WARNING:
            self.warnings.append(text.strip())
        match = self._ERRNO.search(text)
        if match:
            self.detail = match.group(0).strip()

    def reason(self) -> str:
        why = self.warnings[-1] if self.warnings else "the channel refused the message"
        if self.detail and self.detail not in why:
            why = f"{why.rstrip('.')} ({self.detail})"
        return why
