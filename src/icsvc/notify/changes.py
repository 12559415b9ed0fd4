"""What a run of `icsvc notify` tells: what changed between two commits, and the clocks that
turned meanwhile, as events for the people concerned (`events.py`).

- **What changed** (`entry_changes`): each request file that differs between the commits
  REV and UNTIL is read at both (by request ID: a redirect moves the file); the entries at
  UNTIL that REV did not have are the new ones, judged by `events` from the replay.
- **Clocks** (`clock_changes`): the open requests' clocks that turned at risk or breached
  in a period (`events.clock_events`).
- **The range** (`plan`): from the options, or from where the last run stopped (the
  record, `delivery.Record`).

Delivering the events is `delivery.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path, PurePosixPath

from icsvc.domain import history, limits
from icsvc.domain.catalogue import Catalogue
from icsvc.domain.history.request import Request
from icsvc.domain.lifecycle import OPEN, is_open
from icsvc.errors import IcsvcError, UsageError, ValidationError
from icsvc.notify.delivery import Record
from icsvc.notify.events import Event, clock_events, entry_events
from icsvc.store import files, gitutil
from icsvc.store.store import PROVIDERS_FILE, REQUESTS_DIR, Store

Warn = Callable[[str], None]


# -- what a run covers -------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    since: str | None = None
    until: str | None = None
    since_time: str | None = None
    clocks: bool = True
    ci: bool = False


@dataclass(frozen=True)
class Span:
    """What one run covers: the entries added in commits `since..until`, and the clock
    transitions in `(start, end]`."""

    since: str | None
    until: str | None
    start: datetime | None
    end: datetime | None
    head: bool = True
    """`until` is HEAD: the work tree's requests and providers.yaml stand for it."""
    note: str = ""


def plan(top: Path, opts: Options, now: datetime, record: Record) -> Span:
    """The range of a run from its options, or from the record of the last one."""
    head = gitutil.head(top)
    if head is None:
        raise IcsvcError("this repository has no commits yet: nothing to notify about")
    until = _commit(top, opts.until, "--until") if opts.until else head
    note = ""
    since: str | None
    if opts.since is not None and opts.since.strip() == gitutil.NULL_COMMIT:
        since, note = None, ("--since is the null commit (the first push of a branch): no "
                             "earlier version to compare with")
    elif opts.since is not None:
        since = _commit(top, opts.since, "--since")
    elif opts.since_time is not None:
        since = None
    elif record.rev is not None:
        if gitutil.resolve(top, record.rev) is None:
            raise IcsvcError(f"the last run covered up to commit {record.rev[:12]}, which this "
                             "repository no longer has; pass --since REV")
        since = record.rev
    else:
        raise UsageError("no earlier run is recorded in this store (.icsvc/notify.json): pass "
                         "--since REV the first time (e.g. --since HEAD~1), or --since-time "
                         "WHEN for clock changes only")
    start: datetime | None = None
    end: datetime | None = None
    if opts.clocks:
        if opts.since_time is not None:
            start, end = since_time(opts.since_time, now)
        elif opts.ci or opts.until:
            start = gitutil.commit_date(top, since) if since else None
            end = gitutil.commit_date(top, until)
        else:
            start = record.time or (gitutil.commit_date(top, since) if since else None)
            end = now
        if start is None or end is None or start >= end:
            start = end = None
    return Span(since, until, start, end, until == head, note)


def _commit(top: Path, rev: str, option: str) -> str:
    sha = gitutil.resolve(top, rev.strip())
    if sha is None:
        raise IcsvcError(f"{option}: {rev!r} names no commit in {top} (fetch it first; in "
                         "GitHub Actions check out with fetch-depth: 0)")
    return sha


_AGO = re.compile(r"^(\d+)([mhd])$")


def since_time(text: str, now: datetime) -> tuple[datetime, datetime]:
    """`(start, end]` from `--since-time`: an ISO 8601 date-time (until now), or a period
    such as `1h` meaning the last whole one (aligned on multiples of it since 1970, UTC), so
    runs on a schedule cover consecutive periods even when they start a little late."""
    value = text.strip().lower()
    match = _AGO.match(value)
    if match:
        digits, minutes = match.group(1), {"m": 1, "h": 60, "d": 24 * 60}[match.group(2)]
        if len(digits) > 9 or int(digits) * minutes > limits.MAX_DURATION.days * 24 * 60:
            raise UsageError(f"--since-time: {text!r} is too long a period (accepted: at "
                             f"most {limits.MAX_DURATION.days}d)")
        length = timedelta(minutes=int(digits) * minutes)
        if not length:
            raise UsageError(f"--since-time: {text!r} is an empty period")
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        end = epoch + ((now - epoch) // length) * length
        return end - length, end
    try:
        start = datetime.fromisoformat(text.strip())
    except ValueError:
        start = None
    if start is None or start.tzinfo is None:
        raise UsageError(f"--since-time: {text!r} is not a time (accepted: ISO 8601 with an "
                         "offset such as 2026-11-24T09:00:00-05:00, or a period such as "
                         "15m, 1h, 1d: the last whole one)")
    if not limits.date_in_range(start):
        raise UsageError(f"--since-time: {text!r} is out of range (accepted: "
                         f"{limits.DATE_RANGE})")
    if start >= now:
        raise UsageError(f"--since-time: {start.isoformat()} is not in the past")
    return start, now


# -- what changed ------------------------------------------------------------------------------


def catalogue_at(store: Store, top: Path, span: Span) -> Catalogue:
    """providers.yaml as it is at the end of the range (the work tree's for HEAD)."""
    if span.head or span.until is None:
        return store.catalogue
    rel = (store.root / PROVIDERS_FILE).relative_to(top).as_posix()
    text = gitutil.show(top, span.until, rel)
    if text is None:
        raise IcsvcError(f"--until: {span.until[:12]} has no {rel}")
    return files.catalogue_from_text(store.root / PROVIDERS_FILE, text)


def entry_changes(store: Store, top: Path, span: Span, cat: Catalogue,
                  warn: Warn) -> list[Event]:
    """The events of the history entries added in `since..until`."""
    if span.since is None or span.until is None or span.since == span.until:
        return []
    folder = (store.root / REQUESTS_DIR).relative_to(top).as_posix()
    paths: dict[str, list[str]] = {}
    for path in gitutil.diff_paths(top, span.since, span.until, folder):
        if path.endswith((".yaml", ".yml")):
            paths.setdefault(PurePosixPath(path).stem.upper(), []).append(path)
    blobs = gitutil.BlobReader(top)
    out: list[Event] = []
    try:
        for _, candidates in sorted(paths.items()):
            new = _version(blobs, top, span.until, candidates, warn)
            if new is None:
                continue
            old = _version(blobs, top, span.since, candidates, None)
            known: dict[str, int] = {}
            for entry in old.history if old is not None else []:
                key = entry.key
                known[key] = known.get(key, 0) + 1
            fresh = set()
            for i, entry in enumerate(new.history):
                key = entry.key
                if known.get(key):
                    known[key] -= 1
                else:
                    fresh.add(i)
            if fresh:
                out.extend(_safely(partial(entry_events, new, fresh, cat), candidates[0], warn))
    finally:
        blobs.close()
    return out


def _version(blobs: gitutil.BlobReader, top: Path, rev: str, candidates: list[str],
             warn: Warn | None) -> Request | None:
    for path in candidates:
        text = blobs.text(rev, path)
        if text is None:
            continue
        try:
            return files.request_from_text(top / path, text)
        except ValidationError as exc:
            if warn is not None:
                warn(f"skipped {exc.format()} (at {rev[:12]})")
        except Exception:  # noqa: BLE001 - not YAML at all: `icsvc check` reports it
            if warn is not None:
                warn(f"skipped {path} (at {rev[:12]}): not a readable request file")
        return None
    return None


def open_requests(store: Store, top: Path, span: Span, warn: Warn) -> list[Request]:
    """The requests open at the end of the range (the work tree's for HEAD)."""
    if span.head or span.until is None:
        return store.load_all(warn, where=lambda s: is_open(s.status))
    folder = (store.root / REQUESTS_DIR).relative_to(top).as_posix()
    blobs = gitutil.BlobReader(top)
    out = []
    try:
        for path in gitutil.ls_tree(top, span.until, folder):
            if path.endswith((".yaml", ".yml")):
                request = _version(blobs, top, span.until, [path], warn)
                if request is not None and request.status in OPEN:
                    out.append(request)
    finally:
        blobs.close()
    return out


def clock_changes(requests: Sequence[Request], cat: Catalogue, start: datetime,
                  end: datetime, warn: Warn | None = None) -> list[Event]:
    out: list[Event] = []
    for request in requests:
        if request.provider not in cat.providers:
            continue
        out.extend(_safely(partial(_clocks_of, request, cat, start, end),
                           f"{REQUESTS_DIR}/{request.provider}/{request.id}.yaml", warn))
    return out


def _clocks_of(request: Request, cat: Catalogue, start: datetime, end: datetime) -> list[Event]:
    return clock_events(history.replay(request, cat), cat, start, end)


def _safely(events: Callable[[], list[Event]], path: str, warn: Warn | None) -> list[Event]:
    """One request's events; a file the replay cannot follow is skipped with a warning, so
    it never stops the others' (`icsvc check` says what is wrong with it)."""
    try:
        return events()
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
        if warn is not None:
            warn(f"skipped {path}: its history cannot be replayed ({exc!r}); run icsvc check")
        return []


def ci_env(env: Mapping[str, str]) -> bool:
    """Whether this runs in CI (GitHub Actions and most others set CI=true)."""
    return env.get("CI", "").strip().lower() in ("true", "1", "yes")
