"""Whole-store validation for `icsvc check`: every problem, located as path:line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from icsvc import ids, yamlio
from icsvc.catalogue import Provider
from icsvc.errors import ValidationError
from icsvc.model import Request, load_request
from icsvc.store import PROVIDERS_FILE, Store


@dataclass(frozen=True)
class Problem:
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
    """The first line of a git conflict marker (<<<<<<<, =======, >>>>>>>), or None."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for number, line in enumerate(lines, 1):
        if line.startswith(("<<<<<<< ", ">>>>>>> ")) or line == "=======":
            return number
    return None


def check_store(store: Store, progress: Callable[[], None] | None = None) -> list[Problem]:
    """Every problem in the store; `progress` (optional) is called once per request file."""
    problems: list[Problem] = []
    try:
        cat = store.catalogue
    except ValidationError as exc:
        return [_from_error(store, exc)]
    seen: dict[str, str] = {}
    for path in store.request_files():
        if progress is not None:
            progress()
        rel = store.rel(path)
        try:
            request = load_request(path)
        except ValidationError as exc:
            markers = conflict_marker_line(path)
            problems.append(_from_error(store, exc) if markers is None else Problem(
                rel, markers, CONFLICT_MARKERS_MESSAGE))
            continue
        problems.extend(_check_request(store, path, rel, request, cat.providers))
        if request.id in seen:
            problems.append(Problem(rel, _line(path, ["id"]),
                                    f"id: duplicate ID {request.id} (also in {seen[request.id]}); "
                                    "give one of them a new ID"))
        else:
            seen[request.id] = rel
    for path in sorted(store.requests_dir.glob("*.y*ml")) if store.requests_dir.is_dir() else []:
        problems.append(Problem(store.rel(path), 1,
                                "request files belong in requests/<provider>/<ID>.yaml"))
    return problems


def _check_request(store: Store, path: Path, rel: str, r: Request,
                   providers: dict[str, Provider]) -> list[Problem]:
    out: list[Problem] = []

    def add(keys: list[str | int], message: str) -> None:
        out.append(Problem(rel, _line(path, keys), message))

    folder = path.parent.name
    if path.stem.upper() != r.id or not ids.is_valid(path.stem.upper()):
        add(["id"], f"id: {r.id} does not match the file name {path.name} "
                    f"(expected requests/{r.provider}/{r.id}.yaml)")
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
    for i in range(1, len(r.history)):
        if r.history[i].at < r.history[i - 1].at:
            add(["history", i, "at"],
                f"history[{i}].at: {r.history[i].at.isoformat()} is earlier than the entry "
                "before it (history is kept in time order)")
            break
    if r.history and r.history[0].at != r.created_at:
        add(["created_at"], "created_at: differs from the 'created' history entry")
    for name, (current, recorded) in _history_disagreements(r).items():
        add([name], f"{name}: is {_show(current)} but its history says {_show(recorded)}; "
                    "change it with icsvc (triage, update) so the change is recorded")
    return out


def history_values(r: Request) -> dict[str, Any]:
    """The current fields as the history tells them: the `to` of the last entry that sets
    each (see model.FIELD_ENTRIES); a redirect resets the status to `new`."""
    values: dict[str, Any] = {"status": "new", "priority": r.requested_priority,
                              "owner": None, "promised_by": None, "progress": None}
    for entry in r.history:
        if entry.type == "redirect":
            values["status"] = "new"
            values["provider"] = entry.get("to")
        elif entry.type == "status":
            values["status"] = entry.get("to")
        elif entry.type == "priority":
            values["priority"] = entry.get("to")
        elif entry.type == "assigned":
            values["owner"] = entry.get("to")
        elif entry.type == "promise":
            values["promised_by"] = entry.get("to")
        elif entry.type == "progress":
            values["progress"] = entry.get("to")
    return values


def _history_disagreements(r: Request) -> dict[str, tuple[Any, Any]]:
    told = history_values(r)
    current = {"status": r.status, "priority": r.priority, "owner": r.owner,
               "promised_by": r.promised_by, "progress": r.progress, "provider": r.provider}
    out = {}
    for name, value in told.items():
        now = current[name]
        if isinstance(value, str) and name in ("owner",):
            value = value.lower()
        if now != value:
            out[name] = (now, value)
    return out


def _show(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(value)


__all__ = ["PROVIDERS_FILE", "Problem", "check_store"]
