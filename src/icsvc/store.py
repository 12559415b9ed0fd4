"""The store: a folder (normally a git repository) with `providers.yaml` and `requests/`.

Derived data (a parse cache) lives in `.icsvc/`, which is git-ignored and can be deleted at
any time. Finding a request by ID only lists file names; only listings parse files, and
they reuse the cache for files whose size and modification time have not changed, so a
store of 100,000 requests stays usable.
"""

from __future__ import annotations

import marshal
import os
import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from icsvc import ids, yamlio
from icsvc.catalogue import Catalogue, load_catalogue
from icsvc.errors import IcsvcError, ValidationError
from icsvc.model import Request, load_request

PROVIDERS_FILE = "providers.yaml"
REQUESTS_DIR = "requests"
DERIVED_DIR = ".icsvc"
CACHE_VERSION = 4

Warn = Callable[[str], None]


class Summary(NamedTuple):
    """What listings filter on, kept in the cache beside each parsed request."""

    id: str
    provider: str
    status: str
    priority: str
    department: str
    created: float
    """`created_at` as a POSIX timestamp."""
    updated: float
    """The last history entry's time, as a POSIX timestamp."""


CacheEntry = tuple[int, int, tuple[str, str, str, str, str, float, float], bytes]
"""(mtime_ns, size, summary, pickled request) of one request file."""


def _plain(summary: Summary) -> tuple[str, str, str, str, str, float, float]:
    """A plain tuple: marshal, which reads the cache fast, takes no NamedTuple."""
    return (summary.id, summary.provider, summary.status, summary.priority,
            summary.department, summary.created, summary.updated)


def summarize(request: Request) -> Summary:
    return Summary(request.id, request.provider, request.status, request.priority,
                   request.customer_department, request.created_at.timestamp(),
                   max(e.at for e in request.history).timestamp())


def find_store(start: Path, override: str | None = None) -> Path:
    """The store root: `override` (from --store / ICSVC_STORE), else the nearest folder
    upwards from `start` holding providers.yaml."""
    if override:
        root = Path(override).expanduser().resolve()
        if not (root / PROVIDERS_FILE).is_file():
            raise IcsvcError(
                f"{root}: not an icsvc store (no {PROVIDERS_FILE}); "
                f"create one with 'icsvc init {override}'"
            )
        return root
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / PROVIDERS_FILE).is_file():
            return folder
    raise IcsvcError(
        f"no icsvc store in {here} or any folder above it (looked for {PROVIDERS_FILE}); "
        "create one with 'icsvc init', or point at one with --store PATH or ICSVC_STORE"
    )


@dataclass
class Store:
    root: Path
    _catalogue: Catalogue | None = field(default=None, repr=False)

    @property
    def requests_dir(self) -> Path:
        return self.root / REQUESTS_DIR

    @property
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            self._catalogue = load_catalogue(self.root / PROVIDERS_FILE)
        return self._catalogue

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def path_for(self, request: Request) -> Path:
        return self.requests_dir / request.provider / f"{request.id}.yaml"

    def request_files(self) -> Iterator[Path]:
        """Every `requests/<provider>/<ID>.yaml`, in a stable order."""
        for _, _, full in self._scan():
            yield Path(full)

    def _scan(self) -> Iterator[tuple[str, str, str]]:
        """(provider folder, file name, full path) as plain strings: listing 100,000 files
        through pathlib costs seconds."""
        top_dir = str(self.requests_dir)
        try:
            with os.scandir(top_dir) as top:
                folders = sorted(e.name for e in top if e.is_dir() and not e.name.startswith("."))
        except OSError:
            return
        for folder in folders:
            base = os.path.join(top_dir, folder)
            with os.scandir(base) as entries:
                names = sorted(
                    e.name for e in entries
                    if e.name.endswith((".yaml", ".yml")) and not e.name.startswith(".")
                )
            for name in names:
                yield folder, name, os.path.join(base, name)

    def find(self, text: str) -> Path:
        """The file of the request whose ID starts with `text` (4+ characters)."""
        prefix = ids.normalize(text)
        if len(prefix) < ids.MIN_PREFIX:
            raise IcsvcError(
                f"request ID {text!r} is too short (accepted: {ids.MIN_PREFIX} or more "
                "characters of an ID)"
            )
        matches = [Path(full) for _, name, full in self._scan()
                   if name.upper().startswith(prefix)]
        if not matches:
            raise IcsvcError(f"no request with an ID starting {prefix!r} in {self.root}")
        if len(matches) > 1:
            listed = ", ".join(f"{p.stem} ({p.parent.name})" for p in matches[:10])
            more = f" and {len(matches) - 10} more" if len(matches) > 10 else ""
            raise IcsvcError(
                f"request ID {prefix!r} is ambiguous: {listed}{more}; type more characters"
            )
        return matches[0]

    def load(self, text: str) -> Request:
        path = self.find(text)
        request = load_request(path)
        self._check_refs(request, path)
        return request

    def _check_refs(self, request: Request, path: Path) -> None:
        cat = self.catalogue
        if request.provider not in cat.providers:
            raise ValidationError(
                self.rel(path), f"unknown provider {request.provider!r} "
                f"(accepted: {', '.join(cat.providers)})", field="provider")
        if request.service not in cat.providers[request.provider].services:
            raise ValidationError(
                self.rel(path), f"unknown service {request.service!r} of {request.provider} "
                f"(accepted: {', '.join(cat.providers[request.provider].services)})",
                field="service")

    def load_all(self, warn: Warn | None = None,
                 progress: Callable[[], None] | None = None,
                 where: Callable[[Summary], bool] | None = None) -> list[Request]:
        """Every readable request (those whose `Summary` passes `where`, when given); a broken
        file is skipped with a one-line warning. `progress` (optional) is called once per
        file, for a progress bar.

        The cache keeps a summary and the pickled request of every file, so a filter on the
        summary (open requests of one provider, say) unpickles only what it keeps."""
        cache = self._read_cache()
        fresh: dict[str, CacheEntry] = {}
        changed = False
        out: list[Request] = []
        for folder, name, full in self._scan():
            if progress is not None:
                progress()
            rel = f"{REQUESTS_DIR}/{folder}/{name}"
            path = Path(full)
            try:
                st = os.stat(full)
                hit = cache.get(rel)
                if hit is not None and hit[0] == st.st_mtime_ns and hit[1] == st.st_size:
                    fresh[rel] = hit
                    if where is not None and not where(Summary(*hit[2])):
                        continue
                    request = pickle.loads(hit[3])
                    request.path = path
                else:
                    changed = True
                    request = load_request(path)
                    summary = summarize(request)
                    fresh[rel] = (st.st_mtime_ns, st.st_size, _plain(summary),
                                  pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL))
                    if where is not None and not where(summary):
                        continue
                self._check_refs(request, path)
            except ValidationError as exc:
                if warn is not None:
                    warn(f"skipped {exc.format()}")
                continue
            except OSError as exc:
                if warn is not None:
                    warn(f"skipped {rel}: {exc.strerror}")
                continue
            except (pickle.UnpicklingError, EOFError, AttributeError, TypeError):
                fresh.pop(rel, None)  # a damaged cache entry: parse the file next time
                changed = True
                request = load_request(path)
            out.append(request)
        if changed or fresh.keys() != cache.keys():
            self._write_cache(fresh)
        return out

    def save(self, request: Request, *, old_path: Path | None = None) -> Path:
        """Write atomically; when the provider changed (a redirect), the file moves."""
        path = self.path_for(request)
        source = old_path if old_path is not None else path
        try:
            old_text = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            old_text = ""
        yamlio.write_atomic(path, yamlio.dump_preserving(old_text, request.to_dict()))
        if old_path is not None and old_path.resolve() != path.resolve():
            old_path.unlink(missing_ok=True)
        request.path = path
        return path

    # -- the derived cache ---------------------------------------------------------------

    @property
    def _cache_path(self) -> Path:
        return self.root / DERIVED_DIR / "requests.cache"

    def _read_cache(self) -> dict[str, CacheEntry]:
        try:
            with open(self._cache_path, "rb") as f:
                version, data = marshal.load(f)
        except (OSError, EOFError, ValueError, TypeError):
            return {}
        return data if version == CACHE_VERSION and isinstance(data, dict) else {}

    def _write_cache(self, data: dict[str, CacheEntry]) -> None:
        path = self._cache_path
        try:
            path.parent.mkdir(exist_ok=True)
            ignore = path.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# derived by icsvc; safe to delete\n*\n")
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "wb") as f:
                marshal.dump((CACHE_VERSION, data), f)
            os.replace(tmp, path)
        except OSError:
            pass  # the cache is an optimisation; a read-only store still works
