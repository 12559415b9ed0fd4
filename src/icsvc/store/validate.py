"""Whole-store validation for `icsvc check`: every problem, located as path:line."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from icsvc.domain import history, ids
from icsvc.domain.catalogue import Catalogue
from icsvc.domain.history import words
from icsvc.domain.history.fields import BY_ATTR
from icsvc.domain.history.request import Request
from icsvc.errors import ValidationError
from icsvc.store import yamlio
from icsvc.store.files import load_request
from icsvc.store.refresh import in_parallel
from icsvc.store.store import (
    DERIVED_DIR,
    PROVIDERS_FILE,
    Listing,
    Store,
    interrupted_redirect,
)


@dataclass(frozen=True)
class Problem:
    """One problem `check` reports: where, and what."""

    path: str
    line: int | None
    message: str

    def format(self) -> str:
        return f"{self.path}:{self.line or 1}: {self.message}"


def _from_error(store: Store, exc: ValidationError) -> Problem:
    field = f"{exc.field}: " if exc.field else ""
    return Problem(store.rel(exc.path), exc.line, f"{field}{exc.problem}")


def _line(path: Path, keys: list[str | int]) -> int | None:
    try:
        return yamlio.line_of(path.read_text(encoding="utf-8"), keys)
    except OSError:
        return None


CONFLICT_MARKERS_MESSAGE = (
    "unresolved git conflict markers: the request merge driver was not active for this merge "
    "(hosted merge buttons cannot run it); undo the merge ('git merge --abort' or reset to "
    "before it) and run 'icsvc sync', or fix the file by hand keeping every history entry"
)


def conflict_marker_line(path: Path) -> int | None:
    """The first line of a git conflict marker (<<<<<<<, =======, >>>>>>>), or None (also
    for a file icsvc will not read: too big, not a plain file)."""
    from icsvc.store.files import read_store_file

    try:
        lines = read_store_file(path).splitlines()
    except ValidationError:
        return None
    for number, line in enumerate(lines, 1):
        if line.startswith(("<<<<<<< ", ">>>>>>> ")) or line == "=======":
            return number
    return None


def check_store(store: Store, progress: Callable[[], None] | None = None,
                only: set[str] | None = None) -> list[Problem]:
    """Every problem in the store; `progress` (optional) is called once per request file.
    `only`: check only these request files (paths from the store's root; a pull request's
    changes), each against every other for duplicate IDs by file name, and report only the
    odd entries among them (the other files were checked when they were merged; the other
    folder entries are not the pull request's)."""
    problems: list[Problem] = []
    cat: Catalogue | None = None
    try:
        cat = store.catalogue
    except ValidationError as exc:  # reported; the request files are still checked
        problems.append(_from_error(store, exc))  # as far as they can be without it
    seen: dict[str, str] = {}
    listing = store.listing() if only is None else store.listing_of(only)
    files = [full for _, _, full in listing.files]
    global _JOB
    _JOB = (store, cat)  # what the (forked) workers of in_parallel read
    try:
        results: Iterable[tuple[list[Problem], str | None]] = \
            in_parallel(_file_problems, files, progress)
        named: dict[str, list[str]] = {}
        if only is not None:  # few files: their IDs first, then the files named after them
            results = list(results)
            named = store.named({rid for _, rid in results if rid is not None})
        for full, (found, rid) in zip(files, results, strict=True):
            problems.extend(found)
            if rid is None:
                continue
            if only is not None:
                problems.extend(_twins_elsewhere(store, Path(full), rid, named.get(rid, [])))
            elif rid in seen:
                first = seen[rid]
                created = _creation(store.root / first)
                problems.append(duplicate_problem(
                    store, Path(full), rid, first,
                    created is not None and created == _creation(Path(full))))
            else:
                seen[rid] = store.rel(full)
    finally:
        _JOB = None
    for path in sorted(store.requests_dir.glob("*.y*ml")) if store.requests_dir.is_dir() else []:
        problems.append(Problem(store.rel(path), 1,
                                "request files belong in requests/<provider>/<ID>.yaml"))
    problems.extend(store_file_problems(store, listing))
    return problems


def _twins_elsewhere(store: Store, path: Path, rid: str, named: list[str]) -> list[Problem]:
    """A checked file's ID held by another file (found by file name, as every file not
    checked was valid: named after its ID); `named`: the files named after that ID."""
    out = []
    for other in named:
        other_path = Path(other)
        if other_path == path:
            continue
        theirs = _creation(other_path)
        if theirs is None:
            continue
        first, second = sorted((store.rel(other_path), store.rel(path)))
        out.append(duplicate_problem(store, store.root / second, rid, first,
                                     theirs == _creation(path)))
    return out


def _creation(path: Path) -> str | None:
    """The identity of a request file's `created` entry (None when it cannot be read now):
    two files holding one ID are copies of one request when theirs are the same. Worked out
    only for files that share an ID, so the check's workers need not for every file."""
    try:
        return load_request(path).history[0].key
    except ValidationError:
        return None


_JOB: tuple[Store, Catalogue | None] | None = None
"""The store and catalogue `check_store` is checking, for `_file_problems` in workers."""


def _file_problems(full: str) -> tuple[list[Problem], str | None]:
    """One request file's problems and its ID (None when unreadable)."""
    assert _JOB is not None
    store, cat = _JOB
    path = Path(full)
    rel = store.rel(full)
    try:
        request = load_request(path)
    except ValidationError as exc:
        markers = conflict_marker_line(path)
        return [_from_error(store, exc) if markers is None else Problem(
            rel, markers, CONFLICT_MARKERS_MESSAGE)], None
    return _check_request(store, path, rel, request, cat), request.id


def duplicate_problem(store: Store, path: Path, rid: str, first: str, same: bool) -> Problem:
    """A request ID in two files: an interrupted redirect (which the next writing command
    finishes), one request redirected two ways on two branches (`same`: the copies share
    their creation; `icsvc sync` merges them), or two requests given one ID."""
    rel = store.rel(path)
    pair = interrupted_redirect([store.root / first, path])
    if pair is not None:
        return Problem(store.rel(pair[1]), 1,
                       f"an interrupted redirect left this old copy of {rid} (the request is "
                       f"in {store.rel(pair[0])}); any icsvc command that changes a request "
                       "removes it, or delete it")
    if same and Path(first).parent.name != path.parent.name:
        advice = ("the same request is in two folders (redirected to different providers on "
                  "two branches, then merged without icsvc): run 'icsvc sync' to merge the "
                  "copies")
    elif same:
        advice = "a copy of the same request: keep the one named after its ID, delete the other"
    else:
        advice = "give one of them a new ID"
    return Problem(rel, _line(path, ["id"]), f"id: duplicate ID {rid} (also in {first}); "
                                              f"{advice}")


def store_file_problems(store: Store, listing: Listing) -> list[Problem]:
    """What is in the store's folders (as `listing` found them) besides valid files:
    entries icsvc will not read (FIFOs, devices, symlinks out of the store), temp files a
    killed write left, and a derived folder icsvc will not use."""
    problems = [Problem(store.rel(full), 1, problem) for full, problem in listing.skipped]
    problems.extend(Problem(store.rel(temp), 1, "a temp file left by an interrupted write; "
                                                "the next icsvc command that changes a "
                                                "request removes it (or delete it)")
                    for temp in listing.temps)
    derived = store.derived_problem()
    if derived is not None:
        problems.append(Problem(DERIVED_DIR, 1, derived))
    return problems


def _check_request(store: Store, path: Path, rel: str, r: Request,
                   cat: Catalogue | None) -> list[Problem]:
    """A request file's problems; without a catalogue (providers.yaml is broken), those
    its own content shows: its name, its history's order and what its history says."""
    out: list[Problem] = []

    def add(keys: list[str | int], message: str) -> None:
        out.append(Problem(rel, _line(path, keys), message))

    folder = path.parent.name
    if path.stem.upper() != r.id or not ids.is_valid(path.stem.upper()):
        add(["id"], f"id: {r.id} does not match the file name {path.name} "
                    f"(expected requests/{r.provider}/{r.id}.yaml)")
    if cat is None:
        if folder != r.provider:
            add(["provider"], f"provider: the file is in requests/{folder}/ but the request "
                              f"is for {r.provider!r} (move it to requests/{r.provider}/)")
        out.extend(_history_problems(path, rel, r, None))
        return out
    providers = cat.providers
    provider = providers.get(r.provider)
    if provider is None:
        add(["provider"], f"provider: unknown provider {r.provider!r} "
                          f"(accepted: {', '.join(providers)})")
        return out
    if folder != r.provider:
        add(["provider"], f"provider: the file is in requests/{folder}/ but the request is for "
                          f"{r.provider!r} (move it to requests/{r.provider}/)")
    if r.service not in provider.services:
        add(["service"], f"service: {provider.id} has no service {r.service!r} "
                         f"(accepted: {', '.join(provider.services)})")
    if r.owner is not None and not provider.is_member(r.owner):
        add(["owner"], f"owner: {r.owner} is not a member of {provider.id} "
                       f"(accepted: {', '.join(provider.members)})")
    departments = cat.departments_of(r.customer_email)
    if departments and r.customer_department not in departments:
        add(["customer", "department"],
            f"customer.department: {r.customer_department!r} is not a department of "
            f"{r.customer_email} (accepted: {', '.join(departments)}; providers.yaml "
            "departments)")
    out.extend(_history_problems(path, rel, r, cat))
    return out


def _history_problems(path: Path, rel: str, r: Request, cat: Catalogue | None
                      ) -> list[Problem]:
    """Its history in time order, its creation, and its fields as the history tells them."""
    out: list[Problem] = []

    def add(keys: list[str | int], message: str) -> None:
        out.append(Problem(rel, _line(path, keys), message))

    for i in range(1, len(r.history)):
        if r.history[i].at < r.history[i - 1].at:
            add(["history", i, "at"],
                f"history[{i}].at: {r.history[i].at.isoformat()} is earlier than the entry "
                "before it (history is kept in time order)")
            break
    if r.history and r.history[0].at != r.created_at:
        add(["created_at"], "created_at: differs from the 'created' history entry")
    state = history.replay(r, cat)
    for name, (current, recorded) in history.differences(state, r).items():
        key = BY_ATTR[name].key
        add([key], f"{key}: is {words(current)} but its history says {words(recorded)}; "
                   "change it with icsvc (triage, update) so the change is recorded")
    return out




__all__ = ["PROVIDERS_FILE", "Problem", "check_store"]
