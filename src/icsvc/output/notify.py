"""`icsvc notify` and `icsvc digest` shown: what they cover, each message as it was sent
(or, on a dry run, as it would be), then a summary; or all of it as JSON."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

from icsvc.commands.notify import Delivered, Outcome
from icsvc.output.ui import print_json, warn


def render(done: Delivered, fmt: str) -> None:
    dry_run, outcomes = done.dry_run, done.outcomes
    if fmt == "text":
        print(done.heading)
        for outcome in outcomes:
            _print(outcome, dry_run)
    if fmt == "json":
        print_json({
            **{k: v.isoformat() if isinstance(v, datetime) else v
               for k, v in done.covers.items()},
            "dry_run": dry_run,
            "messages": [_json(o) for o in outcomes],
        })
        return
    failed = done.failed
    shown = [o for o in outcomes if dry_run or o.status != "no-channel"]
    people = len({e for o in shown for e in o.message.to})
    if dry_run:
        print(f"\ndry run: {len(shown)} message(s) to {people} recipient(s); nothing sent, "
              "nothing recorded")
    elif not outcomes:
        print("nothing to send")
    else:
        sent = sum(1 for o in outcomes if o.status == "sent")
        print(f"sent {sent} message(s)" + (f", {len(failed)} failed" if failed else ""))


def _print(outcome: Outcome, dry_run: bool) -> None:
    message = outcome.message
    to = ", ".join(message.to)
    via = message.channel.label if message.channel else None
    if outcome.status == "no-channel" and not dry_run:
        warn(f"no channel for {to} (add 'notify:' to providers.yaml or set ICSVC_NOTIFY_URL): "
             f"{message.subject}")
    elif outcome.status == "failed":
        print(f"icsvc: delivery failed: {via} to {to}: {outcome.error}; it is tried again on "
              "the next run", file=sys.stderr)
    elif dry_run:
        print(f"\nTo {to} via {via or 'nothing: no channel is configured for them'}")
        print(f"Subject: {message.subject}")
        if message.html:
            print(f"  (the report as an HTML page of {len(message.body):,} characters)")
        else:
            for line in message.body.rstrip("\n").splitlines():
                print(f"  {line}" if line else "")
    else:
        print(f"sent to {to} via {via}: {message.subject}")


def _json(outcome: Outcome) -> dict[str, Any]:
    message = outcome.message
    return {
        "to": list(message.to),
        "channel": message.channel.label if message.channel else None,
        "subject": message.subject,
        "body": message.body,
        "html": message.html,
        "events": [{"id": e.id, "kind": e.kind, "request": e.request,
                    "at": e.at.isoformat(), "by": e.by} for e in message.events],
        "status": outcome.status,
        "error": outcome.error,
    }
