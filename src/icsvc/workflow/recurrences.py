"""`icsvc recur`: make the requests of `recurring:` that are due, each once.

Each request made for an occurrence says so in its `source` (`recurring: NAME`,
`occurrence: KEY`), so a second run, or one after the file was redirected to another
provider's folder, finds it and makes nothing; the store's write lock makes two runs at
once queue, the second seeing what the first made. A run finds the latest occurrence made
of each recurrence and makes every one due since (a missed run catches up: `recurring.due`).

A request is made by the rules of `icsvc new` (`drafts.build_request`), as its requester:
the schedule's need-by is the request's; made after that date (a run missed for long), it
has none, and its details say when it was needed; made inside the service's lead time (a
late run), it is a rush whose justification says the run was late.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from icsvc.domain.catalogue import Catalogue, Recurrence
from icsvc.domain.history.creation import rush_reasons_at
from icsvc.domain.history.request import Request
from icsvc.domain.recurring import Occurrence, due, parse_key
from icsvc.errors import IcsvcError
from icsvc.store.files import load_request
from icsvc.store.store import Store
from icsvc.workflow.drafts import Draft, build_request

_NAMED = re.compile(rb"^\s*recurring:\s*['\"]?([a-z0-9][a-z0-9_-]*)['\"]?\s*$", re.M)
_OCCURRENCE = re.compile(rb"^\s*occurrence:\s*['\"]?(\d{4}-\d{2}(?:-\d{2})?)['\"]?\s*$", re.M)


@dataclass
class Made:
    """A request made (or, on a dry run, to make) for an occurrence."""

    recurrence: Recurrence
    occurrence: Occurrence
    request: Request
    rel: str = ""
    late: str | None = None
    """Why it was made late (a missed run), if it was."""


def made_occurrences(store: Store) -> dict[str, set[str]]:
    """Recurrence name -> the keys of the occurrences requests were made for, in every
    provider's folder. Files are searched as text first; a file that no longer parses
    still counts (by its text), so a broken file never leads to a second request."""
    out: dict[str, set[str]] = {}
    for path in store.request_files():
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if b"recurring:" not in data:
            continue
        try:
            request = load_request(path)
        except IcsvcError:
            name, key = _NAMED.search(data), _OCCURRENCE.search(data)
            if name is not None and key is not None:
                out.setdefault(name.group(1).decode(), set()).add(key.group(1).decode())
            continue
        source = request.source or {}
        if "recurring" in source:
            out.setdefault(str(source["recurring"]), set()).add(str(source["occurrence"]))
    return out


def latest(keys: set[str]) -> date | None:
    days = [d for d in (parse_key(k) for k in keys) if d is not None]
    return max(days) if days else None


def due_now(cat: Catalogue, done: dict[str, set[str]], now: datetime,
            names: Sequence[str] = ()) -> list[tuple[Recurrence, Occurrence]]:
    """The occurrences to make now, recurrence by recurrence (catalogue order)."""
    out = []
    for rec in cat.recurring.values():
        if names and rec.name not in names:
            continue
        cal = cat.providers[rec.provider].calendar
        keys = done.get(rec.name, set())
        for occ in due(rec.schedule, rec.ahead, cal, now, latest(keys), rec.start, rec.until):
            if occ.key not in keys:
                out.append((rec, occ))
    return out


def draft_for(rec: Recurrence, occ: Occurrence, cat: Catalogue,
              now: datetime) -> tuple[Draft, str | None]:
    """The draft of an occurrence's request, and why it is late (if it is)."""
    day = occ.day
    details = rec.text(rec.details, day) if rec.details else None
    late = None
    needed_by: datetime | None = occ.need_by
    if occ.need_by <= now:
        late = (f"needed by {occ.need_by.isoformat()} by the schedule; made after that "
                "because the scheduled run was missed")
        needed_by = None
        details = "\n\n".join(x for x in (details, f"Made late: {late}.") if x)
    provider = cat.providers[rec.provider]
    justification = None
    if needed_by is not None and rush_reasons_at(provider, rec.service, rec.priority,
                                                 needed_by, now):
        late = (f"made inside the {provider.services[rec.service].lead_time} lead time "
                "because the scheduled run was missed")
        justification = (f"Recurring request {rec.name} for {occ.key}: {late} "
                         f"(it was due to be made {occ.create_at.isoformat()})")
    draft = Draft(
        provider=rec.provider, service=rec.service, title=rec.text(rec.title, day),
        details=details, priority=rec.priority,
        needed_by=needed_by.isoformat() if needed_by is not None else None,
        info={k: rec.text(v, day) for k, v in rec.fields.items()},
        justification=justification, department=rec.department)
    return draft, late


def make_due(store: Store, now: datetime, names: Sequence[str] = (),
             dry_run: bool = False) -> list[Made]:
    """Make every request due (`dry_run`: say which, writing nothing). A recurrence whose
    request the rules refuse stops the run before anything is written: fix providers.yaml
    (`icsvc check` says what the rules need)."""
    cat = store.catalogue
    with store.writing("icsvc recur"):
        todo = due_now(cat, made_occurrences(store), now, names)
        taken = {p.stem for p in store.request_files()}
        out: list[Made] = []
        for rec, occ in todo:
            draft, late = draft_for(rec, occ, cat, now)
            try:
                request = build_request(draft, cat, rec.requester, now, taken)
            except IcsvcError as exc:
                raise IcsvcError(f"recurring.{rec.name} ({occ.key}): {exc.message}; "
                                 "nothing was made") from None
            request.source = {"recurring": rec.name, "occurrence": occ.key}
            taken.add(request.id)
            out.append(Made(rec, occ, request, late=late))
        if dry_run:
            return out
        for item in out:
            path = store.save(item.request, new=True)
            item.rel = store.rel(path)
    return out
