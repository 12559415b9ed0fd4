"""`icsvc notify`: tell people what changed, through the channels providers.yaml names.

Also the delivery shared with `icsvc digest`: each message goes out on its own (through
apprise, `notify.delivery.send`); a failure is one line (the channel without secrets, and
why), is not recorded, so the next run tries it again, and never stops the other messages;
the command then exits 1."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from icsvc.commands import Refused, open_store
from icsvc.commands.context import Context
from icsvc.domain.dates import when
from icsvc.errors import IcsvcError
from icsvc.notify.changes import (
    Options,
    Span,
    catalogue_at,
    ci_env,
    clock_changes,
    entry_changes,
    open_requests,
    plan,
)
from icsvc.notify.delivery import (
    Message,
    Record,
    compose,
    configured,
    env_channels,
    environment,
    locked,
    require_apprise,
    send,
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
    if not dry_run:
        require_apprise()
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
