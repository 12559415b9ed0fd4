"""Building the site into a folder, incrementally.

Each request's page is made from its file, the requests it links to (their status), the
catalogue and icsvc's code, and, while the request is open or any of its clocks still runs,
from the build's time. The folder's manifest (`.icsvc-site.json`) records, per request,
what its page was made from (a digest of all that) and whether it reads the time: a page
made from the same things and that does not read the time is left as it is, without
reading the request again; any other page is made again and written only when its text
changed. Pages are written through a temp file and a rename (a reader never sees half a
page); nothing in the folder is worth an fsync, as the next build makes it again.

A page of an earlier build that this build no longer makes (a request gone, a quarter no
longer shown) is removed, when the manifest names it and its name is one a build writes
(`paths.is_page`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from icsvc.domain import history
from icsvc.domain.catalogue import PRIORITIES
from icsvc.domain.dates import when
from icsvc.domain.lifecycle import OPEN
from icsvc.domain.outcome import outcome
from icsvc.errors import IcsvcError
from icsvc.site import page_views as views
from icsvc.site import paths
from icsvc.site.page_views import HowToAsk, Linked
from icsvc.store.index import Summary
from icsvc.store.store import Store
from icsvc.templates import STATIC, Table, render, safe, static
from icsvc.workflow import queue
from icsvc.workflow.cards import CHUNK, cards, figures_stamp

Warn = Callable[[str], None]
Step = Callable[..., Callable[[], None] | None]
"""`step(label, total)`: a progress bar's advance callback (or None), as commands pass it."""

SITE_NAME = "Internal services"
MANIFEST_VERSION = 1


@dataclass
class ReportPages:
    """A quarter's report for the site, computed and rendered by the command (the report's
    own renderer): the page's body, each requesting department's (its customer's view),
    and the dependency matrix (requesting department -> provider -> requests made)."""

    quarter: str
    body: str
    departments: dict[str, str]
    matrix: dict[str, dict[str, int]]
    current: bool = False


@dataclass
class Built:
    """What a build did: the folder, the time its clocks are read at, the requests it
    holds, and the files it wrote (new or changed), left as they were, and removed.
    `settled`: request pages not even made again (their inputs unchanged)."""

    out: Path
    now: datetime
    requests: int = 0
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    settled: int = 0
    removed: list[str] = field(default_factory=list)

    @property
    def files(self) -> int:
        return len(self.written) + self.unchanged + self.settled


def stamp(store: Store) -> str:
    """What every page is made from besides its own inputs: the figures' stamp (the
    catalogue, the calendars' rules, icsvc's code that computes) and the site's own code,
    templates and static files."""
    import icsvc

    parts = [figures_stamp(store)]
    package = Path(icsvc.__file__).parent
    for folder in ("site", "templates", "templates/html", "templates/static"):
        try:
            names = sorted(os.listdir(package / folder))
        except OSError:
            parts.append(folder)
            continue
        for name in names:
            path = package / folder / name
            if path.is_file():
                parts.append(f"{folder}/{name}:{hashlib.blake2b(path.read_bytes()).hexdigest()}")
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


# -- the manifest ----------------------------------------------------------------------------


@dataclass
class Entry:
    """What the manifest keeps of a request's page."""

    page: str
    made_from: str
    """The digest of what the page was made from."""
    title: str
    status: str
    provider: str
    settled: bool
    """The page does not read the build's time."""

    def to_json(self) -> list[Any]:
        return [self.page, self.made_from, self.title, self.status, self.provider,
                self.settled]


@dataclass
class Manifest:
    stamp: str = ""
    requests: dict[str, Entry] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)
    """Every file the build wrote or kept, from the site's root."""

    @classmethod
    def read(cls, out: Path) -> Manifest | None:
        """The folder's manifest; an empty one for a folder it is missing from or whose
        manifest does not read as one (the build makes every page again); None when the
        folder holds other files and no manifest (not a site: the command refuses it)."""
        path = out / paths.MANIFEST
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls() if not _has_files(out) else None
        except (OSError, UnicodeDecodeError):
            return cls()
        try:
            data = json.loads(text)
            assert data["version"] == MANIFEST_VERSION and isinstance(data["stamp"], str)
            requests = {}
            for rid, row in data["requests"].items():
                page, made_from, title, status, provider, settled = row
                assert all(isinstance(v, str) for v in (rid, page, made_from, title, status,
                                                        provider))
                assert isinstance(settled, bool) and paths.is_page(page)
                requests[rid] = Entry(page, made_from, title, status, provider, settled)
            files = {f for f in data["files"] if isinstance(f, str) and paths.is_page(f)}
        except (ValueError, KeyError, TypeError, AssertionError, AttributeError):
            return cls()
        return cls(data["stamp"], requests, files)

    def text(self) -> str:
        return json.dumps({"version": MANIFEST_VERSION, "stamp": self.stamp,
                           "requests": {rid: e.to_json() for rid, e in self.requests.items()},
                           "files": sorted(self.files)}, ensure_ascii=False,
                          separators=(",", ":")) + "\n"


def _has_files(out: Path) -> bool:
    try:
        with os.scandir(out) as entries:
            return any(True for _ in entries)
    except OSError:
        return False


def is_site(out: Path) -> bool:
    """Whether `out` may be built into: missing, empty, or a site a build wrote."""
    return Manifest.read(out) is not None


# -- writing ---------------------------------------------------------------------------------


class Writer:
    """Writes the site's files, each only when its text changed."""

    def __init__(self, out: Path, built: Built) -> None:
        self.out = out
        self.built = built
        self.files: set[str] = set()
        self._folders: set[str] = set()

    def put(self, rel: str, text: str) -> None:
        self.files.add(rel)
        data = text.encode("utf-8")
        target = self.out / rel
        try:
            with open(target, "rb") as handle:
                if handle.read(len(data) + 1) == data:
                    self.built.unchanged += 1
                    return
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise IcsvcError(f"cannot read {target}: {exc.strerror}") from None
        folder = os.path.dirname(rel)
        if folder not in self._folders:
            (self.out / folder).mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise IcsvcError(f"cannot write {target}: {exc.strerror}") from None
        self.built.written.append(rel)

    def keep(self, rel: str) -> None:
        """A file left as it is (its inputs unchanged)."""
        self.files.add(rel)
        self.built.settled += 1


# -- the build -------------------------------------------------------------------------------


def build(store: Store, out: Path, now: datetime, reports: list[ReportPages],
          ask: HowToAsk, warn: Warn | None = None, step: Step | None = None,
          found: list[tuple[str, Summary]] | None = None) -> Built:
    """Build (or bring up to date) the site of `store` in the folder `out`, with clocks at
    `now`. The caller has checked the folder (`is_site`); `found`: the store's summaries,
    when the caller has read them already."""
    cat = store.catalogue
    built = Built(out, now)
    old = Manifest.read(out) or Manifest()
    new = Manifest(stamp(store))
    writer = Writer(out, built)
    if found is None:
        found = store.summaries(warn, progress=step("Loading requests") if step else None)
    built.requests = len(found)
    by_id = {s.id: s for _, s in found}
    page_of = {s.id: paths.request_page(s.id, s.created) for _, s in found}
    waiting: dict[str, list[str]] = {}
    for _, s in found:
        for target in s.blocks:
            waiting.setdefault(target, []).append(s.id)

    def linked(rid: str) -> Linked:
        s = by_id.get(rid)
        return Linked(rid, s.status if s else "", page_of.get(rid, ""))

    def links_of(s: Summary) -> tuple[list[Linked], list[Linked]]:
        return ([linked(b) for b in s.blocks],
                [linked(w) for w in sorted(set(waiting.get(s.id, ())))])

    # the request pages: those made from the same inputs and settled are kept as they are
    todo: list[tuple[str, Summary, str]] = []
    advance = step("Request pages", len(found)) if step else None
    for rel, s in found:
        blocks, waits = links_of(s)
        made_from = _made_from(new.stamp, store.root / rel, blocks, waits)
        before = old.requests.get(s.id) if old.stamp == new.stamp else None
        page = page_of[s.id]
        if (before is not None and before.settled and before.made_from == made_from
                and before.page == page and (out / page).is_file()):
            new.requests[s.id] = before
            writer.keep(page)
            if advance:
                advance()
        else:
            todo.append((rel, s, made_from))
    for start in range(0, len(todo), CHUNK):
        part = todo[start:start + CHUNK]
        wanted = {rel: (s, made_from) for rel, s, made_from in part}
        for request in store.requests(list(wanted), warn):
            rel = store.rel(request.path or "")
            if rel not in wanted:
                continue
            s, made_from = wanted[rel]
            try:
                told = outcome(history.replay(request, cat), cat, now)
            except IcsvcError as exc:
                if warn is not None:
                    warn(f"{rel}: no page: {exc.message}")
                continue
            page = page_of[s.id]
            blocks, waits = links_of(s)
            view = views.request_view(told, cat, page, now, blocks, waits)
            writer.put(page, render("site_request.html", r=view, **_common(page, None),
                                    provider_name=cat.providers[request.provider].name))
            new.requests[s.id] = Entry(page, made_from, request.title, request.status,
                                       request.provider, views.settled(told))
            if advance:
                advance()

    # the queues, in `icsvc queue`'s order
    open_paths = [rel for rel, s in found if s.status in OPEN]
    open_cards = cards(store, open_paths, warn)
    cards_by_id = {c.id: c for c in open_cards}
    items = queue.build(open_cards, cat, now, [], lookup=cards_by_id.get)
    built_at = when(now)
    queue_table = []
    home_counts = {"breached": 0, "at-risk": 0}
    for pid, provider in cat.providers.items():
        page = paths.queue_page(pid)
        mine = [it for it in items if it.card.provider == pid]
        rows = views.queue_rows(mine, cat, page, page_of)
        writer.put(page, render(
            "site_queue.html", provider=provider, rows=rows,
            states=sorted({r["word"] for r in rows}),
            priorities=[p for p in PRIORITIES if any(r["priority"] == p for r in rows)],
            owners=sorted({r["owner"] for r in rows}), **_common(page, built_at)))
        breached = sum(1 for it in mine if it.state == "breached")
        at_risk = sum(1 for it in mine if it.state == "at-risk")
        home_counts["breached"] += breached
        home_counts["at-risk"] += at_risk
        queue_table.append([(provider.name, page), str(len(mine)), str(breached),
                             str(at_risk)])

    # the catalogue, the home page, the search
    writer.put(paths.CATALOGUE, render("site_catalogue.html",
                                       providers=views.catalogue_view(cat, ask), ask=ask,
                                       **_common(paths.CATALOGUE, built_at)))
    writer.put(paths.HOME, render(
        "site_home.html", open_total=len(items), breached=home_counts["breached"],
        at_risk=home_counts["at-risk"], request_total=len(found),
        queues=Table("Queues", ["Provider", "Open", "Breached", "At risk"], queue_table,
                     [False, True, True, True]), **_common(paths.HOME, built_at)))
    entries = [[rid, e.title, e.status, e.provider, e.page]
               for rid, e in sorted(new.requests.items())]
    writer.put(paths.SEARCH_INDEX, "window.ICSVC_SEARCH = "
               + json.dumps(entries, ensure_ascii=False, separators=(",", ":")) + ";\n")
    writer.put(paths.SEARCH, render("site_search.html", total=len(entries),
                                    **_common(paths.SEARCH, built_at)))
    for name in STATIC:
        writer.put(f"static/{name}", static(name))

    # the reports and the dependency map
    _reports(writer, reports, built_at)
    writer.put(paths.MAP, render("site_map.html", maps=[
        {"quarter": r.quarter, "chart": views.dependency_map(
            r.matrix, f"Requests made in {r.quarter}, requesting department to provider"),
         "table": views.dependency_table(r.matrix)} for r in reports],
        **_common(paths.MAP, built_at)))

    for rel in sorted(old.files - writer.files):
        if paths.is_page(rel):
            try:
                (out / rel).unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise IcsvcError(f"cannot remove {out / rel}: {exc.strerror}") from None
            built.removed.append(rel)
    new.files = writer.files
    tmp = out / f".{paths.MANIFEST}.{os.getpid()}.tmp"
    tmp.write_text(new.text(), encoding="utf-8")
    os.replace(tmp, out / paths.MANIFEST)
    return built


def _reports(writer: Writer, reports: list[ReportPages], built_at: str) -> None:
    quarters = []
    for r in reports:
        page = paths.report_page(r.quarter)
        up = paths.link(page, paths.REPORTS)
        writer.put(page, render("site_report.html", heading=f"Service report {r.quarter}",
                                body=safe(r.body), up=up, department=None,
                                quarter=r.quarter, **_common(page, built_at)))
        departments = []
        for name, body in r.departments.items():
            dept_page = paths.department_page(r.quarter, name)
            writer.put(dept_page, render(
                "site_report.html", heading=f"Service report {r.quarter}: {name}",
                body=safe(body), up=up, department=name, quarter=r.quarter,
                **_common(dept_page, built_at)))
            departments.append((name, paths.link(paths.REPORTS, dept_page)))
        quarters.append({"quarter": r.quarter, "current": r.current,
                         "href": paths.link(paths.REPORTS, page), "departments": departments})
    writer.put(paths.REPORTS, render("site_reports.html", quarters=quarters,
                                     **_common(paths.REPORTS, built_at)))


def _common(page: str, built_at: str | None) -> dict[str, Any]:
    return {"root": paths.root_of(page), "site_name": SITE_NAME, "built": built_at}


def _made_from(site_stamp: str, file: Path, blocks: list[Linked],
               waits: list[Linked]) -> str:
    """The digest of what a request's page is made from: the site's stamp, the request's
    file, and the requests it links to (their status and page)."""
    digest = hashlib.blake2b(site_stamp.encode(), digest_size=16)
    try:
        digest.update(file.read_bytes())
    except OSError:
        digest.update(b"\0unreadable")
    for kind, group in (("blocks", blocks), ("waits", waits)):
        for x in group:
            digest.update(f"\0{kind}\0{x.id}\0{x.status}\0{x.page}".encode())
    return digest.hexdigest()
