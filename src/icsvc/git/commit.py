"""Which request files (and survey answers) the acting person changed, and what to call
the commit.

`check --base` wants every new history entry committed by the person in its `by`. So
`icsvc commit` takes the request files that differ from HEAD and keeps those whose new
entries (entries HEAD's version does not have) are all the acting person's; the merge
driver's `conflict` entries (by merge@icsvc) go with anyone's. A survey answer file
(`surveys/<quarter>/<provider>/<person>.yaml`) is taken the same way: its new answers all
the acting person's. Other people's changes, mixed files and other files are left alone,
each with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from icsvc.domain import ids
from icsvc.domain.history import MERGE_IDENTITY
from icsvc.domain.history.entries import envelope
from icsvc.domain.history.kinds import STATUS_VERBS, read_entry
from icsvc.errors import ValidationError, one_line
from icsvc.store import gitutil, yamlio
from icsvc.store.dirents import NOT_UTF8, is_text
from icsvc.store.files import read_store_file
from icsvc.store.store import REQUESTS_DIR, SURVEYS_DIR

SUBJECT_WIDTH = 72


@dataclass
class Changed:
    """A request file to commit: its path (from the repository root) and what changed."""

    path: str
    request_id: str
    """The request's ID; for a survey answer, `PROVIDER-QUARTER`."""
    verbs: list[str] = field(default_factory=list)
    moved_from: str | None = None
    """The path it left (a redirect moves the file): its removal is committed too."""


@dataclass
class Plan:
    mine: list[Changed]
    skipped: list[tuple[str, str]]
    """(path, why) of changed request files that are not the acting person's alone."""

    @property
    def paths(self) -> list[str]:
        out: list[str] = []
        for c in self.mine:
            out.append(c.path)
            if c.moved_from:
                out.append(c.moved_from)
        return out


def _load(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        data = yamlio.load(text)
    except Exception:  # noqa: BLE001 - any unreadable side is reported as such
        return None
    return data if isinstance(data, dict) else None


def _author(raw: Any) -> str:
    """Who an entry of a file names, as written (a damaged entry has no one)."""
    try:
        return str(envelope(raw)[1] or "").strip().lower()
    except ValueError:
        return ""


def _history(doc: dict[str, Any] | None) -> list[Any]:
    history = (doc or {}).get("history")
    return history if isinstance(history, list) else []


def _verbs(entries: list[Any]) -> list[str]:
    """What the new entries did, as their kinds name it: statuses first."""
    typed = [e for e in map(read_entry, entries) if e is not None]
    out: list[str] = []
    for entry in typed:
        verb = entry.verb(typed)
        if verb and verb not in out:
            out.append(verb)
    if "reply" in out and "note" in out:
        out.remove("note")
    statuses = [v for v in out if v in (*STATUS_VERBS.values(), "reply", "reopen")]
    return statuses + [v for v in out if v not in statuses]  # "ack, assign, promise"


def plan(top: Path, store_root: Path, actor: str) -> Plan:
    """The acting person's changed request files under the store, and the others skipped."""
    folder = store_root.resolve().relative_to(top.resolve()) / REQUESTS_DIR
    spec = PurePosixPath(*folder.parts).as_posix()
    changed = [(code, path) for code, path in gitutil.status_paths(top, spec)
               if path.endswith((".yaml", ".yml"))]
    skipped: list[tuple[str, str]] = [(one_line(path), NOT_UTF8) for _, path in changed
                                      if not is_text(path)]
    changed = [(code, path) for code, path in changed if is_text(path)]
    deleted = {PurePosixPath(p).stem.upper(): p for code, p in changed
               if not (top / p).exists()}
    mine: list[Changed] = []
    moved: set[str] = set()
    for _code, path in changed:
        full = top / path
        if not full.exists():
            continue
        rid = ids.normalize(PurePosixPath(path).stem)
        old_path = path
        old_text = gitutil.show(top, "HEAD", path)
        if old_text is None and rid in deleted:
            old_path = deleted[rid]
            old_text = gitutil.show(top, "HEAD", old_path)
        try:  # bounded: a FIFO or a symlink to /dev/zero must not hang or exhaust it
            new = _load(read_store_file(full))
        except ValidationError:
            new = None
        if new is None:
            skipped.append((path, "not a readable request file ('icsvc check' says why)"))
            continue
        before = _history(_load(old_text))
        fresh = [e for e in _history(new) if e not in before]
        people = {_author(e) for e in fresh}
        people.discard(MERGE_IDENTITY)
        if not fresh:
            skipped.append((path, "changed without a new history entry (commit it with git "
                                  "if you meant to)"))
        elif people == {actor}:
            move = old_path if old_path != path else None
            if move:
                moved.add(move)
            mine.append(Changed(path, rid, _verbs(fresh), move))
        elif actor in people:
            others = ", ".join(sorted(people - {actor}))
            skipped.append((path, f"has new entries by you and by {others}: each person's "
                                  "entries must be committed by them"))
        elif people:
            skipped.append((path, f"changed by {', '.join(sorted(people))}, not you"))
        else:
            skipped.append((path, "only merge entries; commit the merge with git"))
    for rid, path in deleted.items():
        if path not in moved and not any(c.request_id == rid for c in mine):
            if not any(p == path for p, _ in skipped):
                skipped.append((path, "deleted (request files are never deleted)"))
    _answers(top, store_root, actor, mine, skipped)
    return Plan(mine, skipped)


def _answers(top: Path, store_root: Path, actor: str, mine: list[Changed],
             skipped: list[tuple[str, str]]) -> None:
    """The survey answers the acting person gave (`icsvc survey answer`): files under
    `surveys/` whose new answers are all theirs."""
    from icsvc.store.answer_files import name_problem

    base = PurePosixPath(*store_root.resolve().relative_to(top.resolve()).parts)
    spec = (base / SURVEYS_DIR).as_posix()
    for _code, path in gitutil.status_paths(top, spec):
        if not is_text(path):
            skipped.append((one_line(path), NOT_UTF8))
            continue
        rel = PurePosixPath(path).relative_to(base).as_posix() if base.parts else path
        full = top / path
        if not full.exists():
            skipped.append((path, "deleted (survey answers are never deleted)"))
            continue
        if name_problem(rel) is not None:
            skipped.append((path, "not a survey answer's name ('icsvc check' says why)"))
            continue
        try:
            new = _load(read_store_file(full))
        except ValidationError:
            new = None
        if new is None:
            skipped.append((path, "not a readable answer file ('icsvc check' says why)"))
            continue
        old = _load(gitutil.show(top, "HEAD", path))
        fresh = [e for e in _history(new) if e not in _history(old)]
        said = (old or {}).get("responses")
        responses = [r for r in (new.get("responses") or [])
                     if not isinstance(said, list) or r not in said]
        people = {str(e.get("by", "")).strip().lower() for e in [*fresh, *responses]
                  if isinstance(e, dict)}
        if not fresh and not responses:
            skipped.append((path, "changed without a new answer (commit it with git if you "
                                  "meant to)"))
        elif people == {actor}:
            _, quarter, provider, _ = rel.split("/")
            verb = "survey answer" if fresh else "survey response"
            mine.append(Changed(path, f"{provider}-{quarter}", [verb]))
        else:
            skipped.append((path, f"answered by {', '.join(sorted(people))}, not you"))


def message(changes: list[Changed]) -> str:
    """`icsvc: ack 09KRRP64; note B1QD49VF`, or a count per change with one line per request
    below it when that does not fit on one line."""
    parts = [f"{', '.join(c.verbs) or 'update'} {c.request_id}" for c in changes]
    subject = "icsvc: " + "; ".join(parts)
    if len(subject) <= SUBJECT_WIDTH:
        return subject
    counts: dict[str, int] = {}
    for c in changes:
        for verb in c.verbs or ["update"]:
            key = verb.split(" ", 1)[0]
            counts[key] = counts.get(key, 0) + 1
    summary = ", ".join(f"{verb} {n}" for verb, n in counts.items())
    return (f"icsvc: {summary} ({len(changes)} requests)\n\n"
            + "\n".join(f"- {part}" for part in parts))


def author_name(top: Path, actor: str) -> str:
    """git's user.name when user.email is the acting person, else the email itself."""
    email = gitutil.config_get(top, "user.email")
    name = gitutil.config_get(top, "user.name")
    if name and email and email.strip().lower() == actor:
        return name
    return actor


def branch_name(top: Path, actor: str, changes: list[Changed]) -> str:
    """A new branch for a pull request: `maria/new-gs4yewy9`, made unique with `-2`, `-3`."""
    who = actor.split("@", 1)[0] or "icsvc"
    first = changes[0] if changes else None
    what = (f"{(first.verbs or ['update'])[0].split(' ')[0]}-{first.request_id.lower()}"
            if first else "requests")
    base = f"{who}/{what}"
    name, n = base, 1
    while gitutil.branch_exists(top, name):
        n += 1
        name = f"{base}-{n}"
    return name
