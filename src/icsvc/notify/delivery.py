"""Delivering notifications: the channels `providers.yaml` names, the messages each
recipient gets, the record of what was sent, and delivery through apprise (imported only
when something is sent).

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
- **Sending** (`send`): one message through apprise; a failure is the reason, in one line,
  without the channel's secrets.

What a run tells (the events) is `changes.py`; `icsvc notify` and `icsvc digest` send.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from icsvc.domain import limits
from icsvc.domain.catalogue import ENV_REF, RECIPIENT, Catalogue
from icsvc.errors import IcsvcError, ValidationError
from icsvc.notify.events import CUSTOMER, Event, Recipient
from icsvc.store import derived, jsonio, yamlio
from icsvc.store.store import DERIVED_DIR

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


# -- sending -----------------------------------------------------------------------------------

NOT_INSTALLED = ("sending notifications needs apprise, which is not installed (it is an "
                 "optional part of icsvc): install it with: pip install 'icsvc[notify]' "
                 "(--dry-run shows what would be sent without it)")


def require_apprise() -> None:
    """`notify` and `digest` send through apprise, an optional dependency (the `notify`
    extra): without it they stop before doing anything, saying how to install it. It is
    looked for, not imported (importing it takes time: only sending does)."""
    import importlib.util

    try:
        found = importlib.util.find_spec("apprise") is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise IcsvcError(NOT_INSTALLED)


def send(message: Message, env: Mapping[str, str]) -> str | None:
    """Deliver one message through apprise; the reason it failed, or None."""
    try:
        import apprise
    except ImportError:
        raise IcsvcError(NOT_INSTALLED) from None

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


def environment() -> dict[str, str]:
    return dict(os.environ)
