"""`icsvc digest daily|weekly`: each provider member's day, each manager's week."""

from __future__ import annotations

import functools

from icsvc.commands import open_store
from icsvc.commands.context import Context
from icsvc.commands.notify import Delivered, deliver, refused_if_failed
from icsvc.domain.lifecycle import is_open
from icsvc.errors import IcsvcError, UsageError
from icsvc.notify import digest
from icsvc.notify.delivery import (
    Message,
    Record,
    configured,
    env_channels,
    environment,
    locked,
    require_apprise,
)
from icsvc.store.store import Store, Summary

KINDS = ("daily", "weekly")


def run(ctx: Context, kind: str, dry_run: bool) -> Delivered:
    if kind not in KINDS:
        raise UsageError(f"digest: {kind!r} is not a digest (accepted: {', '.join(KINDS)})")
    if not dry_run:
        require_apprise()
    store = open_store(ctx)
    env = environment()
    if dry_run:
        return _digest(ctx, store, kind, env, dry_run)
    with locked(store.root):
        return _digest(ctx, store, kind, env, dry_run)


def _digest(ctx: Context, store: Store, kind: str, env: dict[str, str], dry_run: bool
            ) -> Delivered:
    cat = store.catalogue
    record = Record.load(store.root)
    env_urls = env_channels(env)
    messages: list[Message]
    if kind == "daily":
        requests = store.load_all(ctx.warn, where=lambda s: is_open(s.status))
        messages = digest.daily(requests, cat, ctx.now, env_urls, record)
        covers = f"the queues at {ctx.now.isoformat()}"
    else:
        monday, sunday = digest.last_week(ctx.now)
        covers = f"the week {monday.isoformat()} to {sunday.isoformat()}"

        @functools.cache
        def summaries() -> list[tuple[str, Summary]]:
            """One look for every scope's report (its warnings said once)."""
            return store.summaries(ctx.warn)

        def report_html(scope: tuple[str, ...]) -> tuple[str, str]:
            from icsvc.commands.report import figures
            from icsvc.reports import report_render
            from icsvc.reports.report import make_period

            period = make_period(ctx.now, monday.isoformat(), sunday.isoformat())
            built = figures(store, period, ctx.now, list(scope), found=summaries(),
                            warn=ctx.warn)
            return report_render.heading(built), report_render.render_html(built)

        messages = digest.weekly(cat, monday, env_urls, record, report_html)
    if messages and not dry_run and not configured(cat, env_urls):
        raise IcsvcError("no notification channel is configured: add 'notify:' to "
                         "providers.yaml or set ICSVC_NOTIFY_URL")
    outcomes = deliver(messages, env, record, ctx.now, dry_run)
    if not dry_run:
        record.save(ctx.now)
    return refused_if_failed(Delivered(outcomes, dry_run, f"The {kind} digest: {covers}.",
                                       {"digest": kind, "covers": covers}))

