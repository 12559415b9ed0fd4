"""A request's card: what `queue` and `list` show of it, and the plan of its clocks, worked
out from its file and the catalogue alone (never from `now`).

The index keeps each card beside its request (see `Index.set_kept`), for this catalogue and
this icsvc: a listing of open requests reads cards instead of decoding and replaying every
request, and only evaluates their clocks against now (`sla.evaluate`). A card is read back
value by value and worked out again from the file when anything is off.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from icsvc.domain import history, sla
from icsvc.domain.catalogue import Catalogue
from icsvc.domain.outcome import Outcome, from_kept
from icsvc.errors import IcsvcError
from icsvc.store.index import Key, text_digest
from icsvc.store.refresh import Keep
from icsvc.store.store import PROVIDERS_FILE, Store

if TYPE_CHECKING:
    from icsvc.domain.history.request import Request

_T = TypeVar("_T")

CARD = "card"
"""The index column cards are kept in."""


@dataclass(slots=True)
class Card:
    """What a listing shows of an open request, and its clocks' plans."""

    path: str
    """The request file, relative to the store."""
    id: str
    provider: str
    title: str
    status: str
    priority: str
    requested_priority: str
    department: str
    owner: str | None
    created_at: datetime
    rush: bool
    proposal: str | None
    """The priority negotiation (`proposed`, `contested`...), from the history."""
    promised_by: datetime | None
    escalation_pending: bool
    escalated_at: datetime | None
    """When the oldest escalation still waiting for its answer was raised."""
    blocks: tuple[str, ...]
    urgency_priority: str
    """The priority the history arrives at (the queue's order uses it)."""
    waiting: bool
    """The history leaves the request waiting on its customer."""
    holder: str
    """The provider the history arrives at: its calendar runs the clocks."""
    plans: dict[str, sla.ClockPlan]

    def outcome(self, cat: Catalogue, now: datetime) -> Outcome:
        """What the request comes to at `now` (`domain.outcome`), from what is kept."""
        return from_kept(self.status, self.plans, cat, self.holder, self.promised_by, now)

    def clocks(self, cat: Catalogue, now: datetime) -> dict[str, sla.Clock]:
        return self.outcome(cat, now).clocks

    def to_json(self) -> str:
        return json.dumps([
            self.id, self.provider, self.title, self.status, self.priority,
            self.requested_priority, self.department, self.owner, self.created_at.isoformat(),
            self.rush, self.proposal, sla.time_to_json(self.promised_by), self.escalation_pending,
            sla.time_to_json(self.escalated_at), list(self.blocks), self.urgency_priority,
            self.waiting, self.holder,
            sla.plans_to_json(self.plans)], ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, path: str, text: str) -> Card:
        """A card from `to_json`, every value checked; ValueError for anything else."""
        try:
            values = json.loads(text)
        except (ValueError, RecursionError):
            raise ValueError("not JSON") from None
        if type(values) is not list or tuple(map(type, values)) not in _TYPES:
            raise ValueError("a card of another shape")
        (rid, provider, title, status, priority, asked, dept, owner, created, rush, proposal,
         promised, pending, escalated, blocks, urgency, waiting, holder, plans) = values
        if not all(type(b) is str for b in blocks):
            raise ValueError("a card of another shape")
        return cls(path, rid, provider, title, status, priority, asked, dept, owner,
                   sla.time_from_json(created), rush, proposal,
                   sla.opt_time_from_json(promised), pending,
                   sla.opt_time_from_json(escalated), tuple(blocks), urgency, waiting, holder,
                   sla.plans_from_json(plans))


_S, _NONE = str, type(None)
_TYPES = frozenset((str, str, str, str, str, str, str, owner, str, bool, proposal, promised,
                    bool, escalated, list, str, bool, str, list)
                   for owner in (_S, _NONE) for proposal in (_S, _NONE)
                   for promised in (_S, _NONE) for escalated in (_S, _NONE))
"""The types a card's values may have, in order."""


def card_of(request: Request, path: str, cat: Catalogue,
            state: history.RequestState | None = None) -> Card:
    state = state or history.replay(request, cat)
    return Card(path, request.id, request.provider, request.title, request.status,
                request.priority, request.requested_priority, request.customer_department,
                request.owner, request.created_at, request.rush, state.proposal,
                state.promised_by, state.escalation_pending,
                min((e.at for e in state.escalations if e.answered_at is None), default=None),
                tuple(state.blocks),
                state.priority, state.status == "waiting-on-customer", state.provider,
                sla.plan(state, cat))


CHUNK = 5000
"""Requests decoded at a time to work their cards (or facts) out."""
FAR = timedelta(days=730)
"""A closed request whose row (or report facts) is the same now and this much later is
final: it is kept."""


def cards(store: Store, paths: list[str], warn: Callable[[str], None] | None,
          stamp: str | None = None) -> list[Card]:
    """The cards of these request files (paths from `Store.summaries`), in their order: from
    the index where it keeps them, else worked out from the files and kept. A file that
    cannot be read is skipped (with `warn`). `stamp`: `figures_stamp(store)`, when known."""
    stamp = stamp or figures_stamp(store)
    found = _kept(store, paths, stamp)
    cat = store.catalogue

    def work(request: Request, keys: dict[str, Key]) -> Card:
        return card_of(request, request_rel(store, request), cat)

    # in this process: a card is too little work to pay for forking (measured at 100,000:
    # 5,000 cards took as long on two cores, 95,000 longer)
    for keys, made in worked(store, [rel for rel in paths if rel not in found], warn, work,
                             cores=False):
        found.update(made)
        kept = {rel: (keys[rel], card.to_json()) for rel, card in made if rel in keys}
        if kept:
            store.set_kept(CARD, kept, stamp)
    return [found[rel] for rel in paths if rel in found]


def keep(store: Store, stamp: str | None = None) -> Keep:
    """Cards made where the index's refresh parses open requests (`Store.summaries(keep=)`):
    after a clone, by the workers parsing on every core, instead of here once they are
    done (at 100,000 requests, 5,000 cards took 1.4 s here, mostly decoding the rows).
    A request whose card cannot be made is left to `cards`, which says why."""
    cat = store.catalogue

    def make(request: Request, rel: str) -> str | None:
        if request.provider not in cat.providers:
            return None
        try:
            return card_of(request, rel, cat).to_json()
        except (IcsvcError, LookupError, ValueError):
            return None

    return Keep(CARD, stamp or figures_stamp(store), make)


def worked(store: Store, paths: list[str], warn: Callable[[str], None] | None,
           work: Callable[[Request, dict[str, Key]], _T],
           progress: Callable[[], None] | None = None, *, cores: bool
           ) -> Iterator[tuple[dict[str, Key], list[tuple[str, _T]]]]:
    """These files' requests made into `work(request, keys)`, `CHUNK` at a time (memory
    holds a chunk's at once), with `cores` on every core when there are many
    (`Store.worked`); each chunk with its rows' keys, read before the files: a row
    rewritten meanwhile has another key, and keeps nothing worked out from its older
    version (`Store.set_kept`). A request the work refuses (IcsvcError: a history that
    gives it to a provider the catalogue does not name) is skipped with `warn`."""
    for start in range(0, len(paths), CHUNK):
        part = paths[start:start + CHUNK]
        keys = store.row_keys(part)
        made: list[tuple[str, _T]] = []
        for rel, value in store.worked(part, functools.partial(_with_keys, work, keys), warn,
                                       progress, cores):
            if isinstance(value, _Refused):
                if warn is not None:
                    warn(f"skipped {rel}: {value.message}")
            else:
                made.append((rel, value))
        yield keys, made


class _Refused(NamedTuple):
    """What a work refused (its message travels back from a worker)."""

    message: str


def _with_keys(work: Callable[[Request, dict[str, Key]], _T], keys: dict[str, Key],
               request: Request) -> _T | _Refused:
    try:
        return work(request, keys)
    except IcsvcError as exc:
        return _Refused(exc.message)


def of_file(rel: str, provider: str, rid: str) -> bool:
    """Whether a kept value naming this provider and request ID can be the file `rel`'s (a
    value of another file is worked out again)."""
    folder, _, name = rel.rpartition("/")
    return folder.endswith(f"/{provider}") and name.rsplit(".", 1)[0].upper() == rid.upper()


def request_rel(store: Store, request: Request) -> str:
    """The request's file, relative to the store (as `Store.summaries` names it)."""
    path, root = str(request.path), str(store.root)
    if path.startswith(root) and path[len(root):len(root) + 1] == "/":
        return path[len(root) + 1:]
    return store.rel(path)


def _kept(store: Store, paths: list[str], stamp: str) -> dict[str, Card]:
    cat = store.catalogue

    def read(rel: str, text: str) -> Card | None:
        try:
            card = Card.from_json(rel, text)
        except ValueError:
            return None
        return card if card.holder in cat.providers and of_file(rel, card.provider,
                                                                 card.id) else None

    return store.kept(CARD, paths, stamp, read)


def figures_stamp(store: Store) -> str:
    """What a card or a closed request's row is worked out from besides its file: the
    catalogue (its calendars, SLA), the public holidays and time-zone rules installed, and
    icsvc's code (this version, and the modules that compute figures, by size and
    modification time, for a checkout of icsvc that changes between releases)."""
    import os
    from importlib.util import find_spec
    from pathlib import Path

    import icsvc
    from icsvc.domain.tzrules import use_newest

    parts = [icsvc.__version__, *use_newest()]
    try:
        parts.append((store.root / PROVIDERS_FILE).read_text(encoding="utf-8"))
    except OSError:
        parts.append("")
    files: list[Path] = []
    for name in ("holidays", "tzdata"):
        spec = find_spec(name)
        if spec is not None and spec.origin:
            files.append(Path(spec.origin))
    for file in files:
        try:
            st = file.stat()
            parts.append(f"{file}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append(str(file))
    package = Path(icsvc.__file__).parent
    for folder in ("domain", "workflow", "commands", "store", "reports"):
        try:
            for entry in sorted(os.scandir(package / folder), key=lambda e: e.name):
                if entry.name.endswith(".py"):
                    st = entry.stat()
                    parts.append(f"{folder}/{entry.name}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append(folder)
    return text_digest("\n".join(parts))
