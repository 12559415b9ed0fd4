"""Notifications without a server: what changed between two commits, and the clocks that
turned meanwhile, told to the people concerned through the channels `providers.yaml` names.

- **What changed** (`entry_changes`): each request file that differs between the commits
  REV and UNTIL is read at both (by request ID: a redirect moves the file); the entries at
  UNTIL that REV did not have are the new ones, judged by `events` from the replay.
- **Clocks** (`clock_changes`): the open requests' clocks that turned at risk or breached
  in a period (`events.clock_events`).
- **Routing** (`channels`, `compose`): a recipient hears through their side's channels: a
  provider's (`notify.providers`) for its members and escalation contact, a department's
  (`notify.departments`) for its requesters and managers, else the default
  (`ICSVC_NOTIFY_URL`, else `notify.default`). A channel whose URL holds `{email}` is
  personal (one message per person); any other is shared (a team's chat channel: one message
  per run, each event once). Either way a recipient gets one message per run.
- **The record** (`Record`): `.icsvc/notify.json` (git-ignored) keeps the time and commit a
  run covered up to, and what was delivered (event x recipient x channel), so a run never
  sends anything twice and a failed delivery is tried again next time. In CI, where each run
  starts afresh, the range given (`--since REV`, `--since-time`) is the record instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path, PurePosixPath

from icsvc.domain import history, limits
from icsvc.domain.catalogue import ENV_REF, RECIPIENT, Catalogue
from icsvc.domain.history.request import Request
from icsvc.domain.lifecycle import OPEN, is_open
from icsvc.errors import IcsvcError, UsageError, ValidationError
from icsvc.notify.events import CUSTOMER, Event, Recipient, clock_events, entry_events
from icsvc.store import derived, files, gitutil, jsonio, yamlio
from icsvc.store.store import DERIVED_DIR, PROVIDERS_FILE, REQUESTS_DIR, Store

ENV_URL = "ICSVC_NOTIFY_URL"
"""Channel URLs (separated by spaces) that replace `notify.default`."""
RECORD_FILE = "notify.json"
JOURNAL_FILE = "notify.journal"
LOCK_FILE = "notify.lock"
RECORD_LIMIT = 64 << 20
"""Bytes of the record (and of its journal) read at most: a year of deliveries to
thousands of people is a few MiB."""
KEEP = timedelta(days=90)
"""How long the record remembers a delivery."""
SERVER_SCHEMES = frozenset({"mailto", "mailtos", "json", "jsons", "xml", "xmls", "form",
                            "forms"})
"""Schemes whose host is a server (named in messages); others hold tokens there."""

Warn = Callable[[str], None]


# -- channels ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Channel:
    url: str
    """As configured: `${VAR}` references unexpanded, `{email}` for a personal channel."""
    source: str
    """Where it is configured: `notify.default`, `notify.providers.it`, `ICSVC_NOTIFY_URL`."""

    @property
    def personal(self) -> bool:
        return RECIPIENT in self.url

    @property
    def label(self) -> str:
        """The channel in words, without secrets: `mailtos://smtp.example.com:587
        (notify.default)`; a token-bearing URL shows only its scheme."""
        scheme, _, rest = self.url.partition("://")
        host = re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")[2]
        shown = host if scheme.lower() in SERVER_SCHEMES and host else "..."
        return f"{scheme}://{shown} ({self.source})"

    def address(self, email: str | None) -> str:
        """The URL for one recipient (still unexpanded)."""
        return self.url.replace(RECIPIENT, email) if email else self.url


def env_channels(env: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(env.get(ENV_URL, "").split())


def channels(cat: Catalogue, recipient: Recipient, env_urls: Sequence[str]) -> list[Channel]:
    """Where a recipient hears: their side's channels (the provider's or the department's),
    else the default (`ICSVC_NOTIFY_URL`, else `notify.default`)."""
    notify = cat.notify
    if recipient.side == CUSTOMER:
        own, source = notify.departments.get(recipient.group), "departments"
    else:
        own, source = notify.providers.get(recipient.group), "providers"
    if own:
        return [Channel(url, f"notify.{source}.{recipient.group}") for url in own]
    if env_urls:
        return [Channel(url, ENV_URL) for url in env_urls]
    return [Channel(url, "notify.default") for url in notify.default]


def configured(cat: Catalogue, env_urls: Sequence[str]) -> bool:
    notify = cat.notify
    return bool(env_urls or notify.default or notify.providers or notify.departments)


def expand(url: str, env: Mapping[str, str]) -> str:
    """The URL with its `${VAR}` references replaced from the environment; an unset variable
    is an error naming it. A value in the user or password part, or in the query, is
    URL-encoded (`encoded_at`): a password may hold `@ : / # ?`; elsewhere (a token in the
    host or the path, which may hold its own `/`) it goes in as it is."""
    from urllib.parse import quote

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise IcsvcError(f"the environment variable {name} is not set")
        return quote(env[name], safe="") if encoded_at(url, match.start()) else env[name]

    return ENV_REF.sub(value, url)


def encoded_at(url: str, position: int) -> bool:
    """Whether a `${VAR}` at `position` of a channel URL (as configured: `${VAR}` holds none
    of `/ ? # @`, so the URL's parts are where they seem) is in its user or password part,
    or in its query (and fragment)."""
    start = url.find("://")
    start = start + 3 if start >= 0 else 0
    found = re.search(r"[/?#]", url[start:])
    authority_end = start + found.start() if found else len(url)
    at = url.rfind("@", start, authority_end)
    query = url.find("?", start)
    return start <= position < at or 0 <= query < position


# -- messages ----------------------------------------------------------------------------------


@dataclass
class Message:
    """What one channel delivers to one recipient (or, for a shared channel, to everyone it
    serves) in one run."""

    channel: Channel | None
    """None: the recipient has no channel configured."""
    to: tuple[str, ...]
    subject: str
    body: str
    keys: tuple[str, ...] = ()
    """What delivering it records as sent."""
    events: tuple[Event, ...] = ()
    html: bool = False

    @property
    def address(self) -> str | None:
        if self.channel is None:
            return None
        return self.channel.address(self.to[0] if self.channel.personal else None)


def sent_key(what: str, email: str | None, channel: Channel) -> str:
    return f"{what}|{email or '*'}|{channel.url}"


def compose(events: Sequence[Event], cat: Catalogue, env_urls: Sequence[str],
            record: Record | None = None) -> list[Message]:
    """One message per recipient and channel (per shared channel), listing their events in
    time order; what the record says was delivered is left out."""
    groups: dict[tuple[Channel | None, str | None], list[tuple[Event, str, str | None]]] = {}
    for event in sorted(events, key=lambda e: (e.at, e.request, e.kind)):
        for r in event.to:
            found = channels(cat, r, env_urls)
            if not found:
                groups.setdefault((None, r.email), []).append((event, r.email, None))
            for route in found:
                who = r.email if route.personal else None
                key = sent_key(event.id, who, route)
                if record is not None and record.has(key):
                    continue
                groups.setdefault((route, who), []).append((event, r.email, key))
    out = []
    for (channel, who), items in groups.items():
        chosen = list({e.id: e for e, _, _ in items}.values())
        people = tuple(dict.fromkeys(email for _, email, _ in items))
        shared = channel is not None and not channel.personal
        fors = {e.id: [email for other, email, _ in items if other.id == e.id]
                for e in chosen} if shared else {}
        subject, body = render(chosen, fors)
        keys = tuple(dict.fromkeys(k for _, _, k in items if k is not None))
        out.append(Message(channel, (who,) if who else people, subject, body, keys,
                           tuple(chosen)))
    return out


def render(events: Sequence[Event], fors: Mapping[str, Sequence[str]]) -> tuple[str, str]:
    """Subject and plain-text body: one event is its own subject; several are listed."""
    if len(events) == 1:
        event = events[0]
        lines = list(event.lines)
        if event.id in fors:
            lines.append(f"For: {', '.join(fors[event.id])}")
        return event.subject, "\n".join(lines) + "\n"
    ids = list(dict.fromkeys(e.request for e in events))
    named = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
    parts = []
    for event in events:
        lines = [event.subject, *(f"  {line}" for line in event.lines)]
        if event.id in fors:
            lines.append(f"  For: {', '.join(fors[event.id])}")
        parts.append("\n".join(lines))
    return f"{len(events)} updates on {named}", "\n\n".join(parts) + "\n"


# -- the record --------------------------------------------------------------------------------


@dataclass
class Record:
    """`.icsvc/notify.json`: how far the last run went, and what was delivered when (a hash
    of each delivery's key, with its date). A delivery is first appended to a journal
    (`notify.journal`), so one made just before a crash is not made again; `save` folds the
    journal in."""

    path: Path
    rev: str | None = None
    time: datetime | None = None
    sent: dict[str, str] = field(default_factory=dict)

    @property
    def journal(self) -> Path:
        return self.path.with_name(JOURNAL_FILE)

    @classmethod
    def load(cls, root: Path) -> Record:
        path = root / DERIVED_DIR / RECORD_FILE
        record = cls(path)
        try:
            record.rev, record.time, record.sent = _read_record(path)
        except FileNotFoundError:
            pass
        except derived.NotPlain as exc:
            raise IcsvcError(f"{path}: {exc.kind}, not the record of notifications sent "
                             "(icsvc neither reads nor follows it); delete it (deleting it "
                             "may send recent events again)") from None
        except (OSError, ValidationError, ValueError) as exc:
            problem = exc.problem if isinstance(exc, ValidationError) else str(exc)
            raise IcsvcError(f"{path}: cannot read the record of notifications sent "
                             f"({problem}); fix or delete it (deleting it may send recent "
                             "events again)") from None
        try:
            lines = derived.read(record.journal, RECORD_LIMIT).splitlines()
        except OSError:
            lines = []
        for line in lines:
            digest, _, day = line.partition(" ")
            if digest and day:
                record.sent[digest] = day
        return record

    @staticmethod
    def _hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()[:24]

    def has(self, key: str) -> bool:
        return self._hash(key) in self.sent

    def add(self, keys: Sequence[str], now: datetime) -> None:
        """Remember deliveries at once (in the journal)."""
        day = now.date().isoformat()
        lines = []
        for key in keys:
            digest = self._hash(key)
            self.sent[digest] = day
            lines.append(f"{digest} {day}\n")
        derived.folder(self.path.parent.parent)
        derived.append(self.journal, "".join(lines))

    def save(self, now: datetime) -> None:
        """Write it (atomically) with the journal folded in, forgetting deliveries older
        than `KEEP`."""
        cutoff = (now - KEEP).date().isoformat()
        self.sent = {k: v for k, v in self.sent.items() if v >= cutoff}
        data = {"version": 1, "rev": self.rev,
                "time": self.time.isoformat() if self.time else None, "sent": self.sent}
        derived.folder(self.path.parent.parent)
        yamlio.write_atomic(self.path, json.dumps(data, indent=0, sort_keys=True) + "\n")
        self.journal.unlink(missing_ok=True)


_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def _read_record(path: Path) -> tuple[str | None, datetime | None, dict[str, str]]:
    """(rev, time, sent) from `notify.json`; ValueError (ValidationError for the file
    itself) saying what is wrong."""
    text = derived.read(path, limits.NOTIFY_RECORD_BYTES + 1)
    if len(text.encode()) > limits.NOTIFY_RECORD_BYTES:
        raise ValueError(f"larger than {limits.NOTIFY_RECORD_BYTES >> 20} MiB")
    data = jsonio.loads(text)
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    rev, time, sent = data.get("rev"), data.get("time"), data.get("sent") or {}
    if not isinstance(time, str | None):
        raise ValueError("'time' must be text")
    if rev is not None and (not isinstance(rev, str) or not _COMMIT.fullmatch(rev)):
        raise ValueError(f"'rev' {rev!r} is not a commit hash")
    if not isinstance(sent, dict) or not all(isinstance(v, str) for v in sent.values()):
        raise ValueError("'sent' must map deliveries to dates")
    when = datetime.fromisoformat(time) if time else None
    if when is not None and (when.tzinfo is None or not limits.date_in_range(when)):
        raise ValueError(f"'time' {time!r} is not a time with an offset in range (accepted: "
                         f"{limits.DATE_RANGE})")
    return rev or None, when, sent


@contextmanager
def locked(root: Path) -> Iterator[None]:
    """One sending run at a time per store (two would both send what neither recorded)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not a POSIX system: no lock to take
        yield
        return
    folder = derived.folder(root)
    with os.fdopen(derived.open_own(folder / LOCK_FILE, os.O_WRONLY), "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise IcsvcError("another 'icsvc notify' or 'icsvc digest' is sending from this "
                             "store; retry when it has finished") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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


def environment() -> dict[str, str]:
    return dict(os.environ)
