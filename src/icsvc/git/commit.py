"""Which request files changed, whose entries they hold, and the commits that record them.

`check --base` wants every new history entry committed by the person in its `by`. So
`icsvc commit` takes the request files that differ from HEAD, splits each file's new entries
(those HEAD's version does not have) into runs by one person, and plans one commit per
person (by the time of their first entry; a person whose entries come after someone
else's in a file gets a second commit only when that order asks for it). A file whose new
entries are several people's is committed in the versions its history passed through: the
fields replayed up to each person's last entry. The merge driver's `conflict` entries (by
merge@icsvc) go with the run beside them. A survey answer file
(`surveys/<quarter>/<provider>/<person>.yaml`) goes in the commit of the one person whose new
answers (or responses) it holds. Files that are neither, or have no new entries, are left
alone, each with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from icsvc.domain import ids
from icsvc.domain.catalogue import Catalogue
from icsvc.domain.history import MERGE_IDENTITY, apply, initial_state, write_fields
from icsvc.domain.history.entries import envelope
from icsvc.domain.history.kinds import STATUS_VERBS, read_entry
from icsvc.errors import ValidationError, one_line
from icsvc.store import gitutil, yamlio
from icsvc.store.dirents import NOT_UTF8, is_text
from icsvc.store.files import read_store_file, request_from_text, store_text
from icsvc.store.store import REQUESTS_DIR, SURVEYS_DIR

SUBJECT_WIDTH = 72


@dataclass
class Changed:
    """One request file's share of one commit: its path (from the repository root), what
    its entries did, and its text (None: the work tree's file as it is)."""

    path: str
    request_id: str
    verbs: list[str] = field(default_factory=list)
    moved_from: str | None = None
    """The path it left (a redirect moves the file): its removal is committed too."""
    by: str = ""
    at: datetime | None = None
    """When the first of these entries was written (commits follow that order)."""
    text: str | None = None


@dataclass
class Commit:
    """One commit to make: one person's changes, as its author."""

    by: str
    changes: list[Changed]

    @property
    def paths(self) -> list[str]:
        out: list[str] = []
        for c in self.changes:
            out.append(c.path)
            if c.moved_from:
                out.append(c.moved_from)
        return out

    @property
    def versions(self) -> dict[str, str | None]:
        """path -> the text to commit there (None: the work tree's file)."""
        return {c.path: c.text for c in self.changes}

    @property
    def removed(self) -> list[str]:
        """The paths files left (a redirect moves its file)."""
        return [c.moved_from for c in self.changes if c.moved_from]


@dataclass
class Plan:
    commits: list[Commit]
    skipped: list[tuple[str, str]]
    """(path, why) of changed request files that are not committed."""

    @property
    def people(self) -> list[str]:
        """Who authors the commits, in their order (each once)."""
        return list(dict.fromkeys(c.by for c in self.commits))


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


def _runs(fresh: list[Any]) -> list[tuple[str, int]]:
    """The new entries as runs by one person: (who, how many entries up to the run's end).
    The merge driver's entries join the run before them (else the one after)."""
    runs: list[tuple[str, int]] = []
    pending = 0
    for n, entry in enumerate(fresh, 1):
        who = _author(entry)
        if who == MERGE_IDENTITY:
            if runs:
                runs[-1] = (runs[-1][0], n)
            else:
                pending = n
            continue
        if runs and runs[-1][0] == who:
            runs[-1] = (who, n)
        else:
            runs.append((who, max(n, pending)))
    return runs


def _when(entry: Any) -> datetime | None:
    try:
        return envelope(entry)[0]
    except ValueError:
        return None


def version_at(path: Path, text: str, count: int, cat: Catalogue | None) -> tuple[str, str]:
    """(provider, text) of a request file as it was after the first `count` entries of its
    history: those entries, and the fields their replay gives."""
    request = request_from_text(path, text)
    state = initial_state(request)
    state.cat = cat
    for entry in request.history[:count]:
        apply(state, entry)
    write_fields(state, request)
    request.history = request.history[:count]
    return request.provider, store_text(path, request.to_dict(), text)


def plan(top: Path, store_root: Path, cat: Catalogue | None = None,
         only: str | None = None) -> Plan:
    """The commits that record the changed request files under the store (`only`: that
    person's entries alone, as far as no one else's come first), and the files left out."""
    folder = store_root.resolve().relative_to(top.resolve()) / REQUESTS_DIR
    spec = PurePosixPath(*folder.parts).as_posix()
    changed = [(code, path) for code, path in gitutil.status_paths(top, spec)
               if path.endswith((".yaml", ".yml"))]
    skipped: list[tuple[str, str]] = [(one_line(path), NOT_UTF8) for _, path in changed
                                      if not is_text(path)]
    changed = [(code, path) for code, path in changed if is_text(path)]
    deleted = {PurePosixPath(p).stem.upper(): p for code, p in changed
               if not (top / p).exists()}
    per_file: list[list[Changed]] = []
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
            text: str | None = read_store_file(full)
        except ValidationError:
            text = None
        new = _load(text)
        if new is None or text is None:
            skipped.append((path, "not a readable request file ('icsvc check' says why)"))
            continue
        before = _history(_load(old_text))
        history = _history(new)
        fresh = [e for e in history if e not in before]
        runs = _runs(fresh)
        if not fresh:
            skipped.append((path, "changed without a new history entry (commit it with git "
                                  "if you meant to)"))
            continue
        if not runs:
            skipped.append((path, "only merge entries; commit the merge with git"))
            continue
        move = old_path if old_path != path else None
        if len(runs) == 1:
            steps = [Changed(path, rid, _verbs(fresh), move, runs[0][0], _when(fresh[0]))]
        else:
            if history[:len(before)] != before or any(_when(e) is None for e in fresh):
                people = ", ".join(sorted({who for who, _ in runs}))
                skipped.append((path, f"has new entries by {people} that do not follow its "
                                      "committed history; commit it with git"))
                continue
            versions = _steps(top, store_root, path, rid, text, len(before), fresh, runs, cat,
                              old_path if old_text is not None else None)
            if versions is None:
                skipped.append((path, "not a readable request file ('icsvc check' says why)"))
                continue
            steps = versions
        if move:
            moved.add(move)
        per_file.append(steps)
    for rid, path in deleted.items():
        if path not in moved and not any(s.request_id == rid for f in per_file for s in f):
            if not any(p == path for p, _ in skipped):
                skipped.append((path, "deleted (request files are never deleted)"))
    per_file.extend([answer] for answer in _answers(top, store_root, skipped))
    return Plan(_schedule(per_file, only, skipped), skipped)


def _answers(top: Path, store_root: Path, skipped: list[tuple[str, str]]) -> list[Changed]:
    """The survey answers given (`icsvc survey answer`) or responded to (`icsvc survey
    respond`): files under `surveys/` whose new answers and responses are one person's."""
    from icsvc.store.answer_files import name_problem

    base = PurePosixPath(*store_root.resolve().relative_to(top.resolve()).parts)
    spec = (base / SURVEYS_DIR).as_posix()
    out: list[Changed] = []
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
        elif len(people) == 1:
            _, quarter, provider, _ = rel.split("/")
            verb = "survey answer" if fresh else "survey response"
            out.append(Changed(path, f"{provider}-{quarter}", [verb], by=people.pop()))
        else:
            skipped.append((path, f"answered by {', '.join(sorted(people))}: each person's "
                                  "answers are committed by them (commit it with git)"))
    return out


def _steps(top: Path, store_root: Path, path: str, rid: str, text: str, kept: int,
           fresh: list[Any], runs: list[tuple[str, int]], cat: Catalogue | None,
           old_path: str | None) -> list[Changed] | None:
    """One file's versions, one per run of one person's entries; the last is the work
    tree's file. None when the file cannot be read as a request."""
    folder = PurePosixPath(*store_root.resolve().relative_to(top.resolve()).parts) / \
        REQUESTS_DIR
    out: list[Changed] = []
    where = old_path
    start = 0
    for i, (who, end) in enumerate(runs):
        last = i == len(runs) - 1
        if last:
            at_path, version = path, None
        else:
            try:
                provider, version = version_at(top / path, text, kept + end, cat)
            except ValidationError:
                return None
            at_path = (folder / provider / PurePosixPath(path).name).as_posix()
        out.append(Changed(at_path, rid, _verbs(fresh[start:end]),
                           where if where not in (None, at_path) else None, who,
                           _when(fresh[start]), version))
        where, start = at_path, end
    return out


def _schedule(per_file: list[list[Changed]], only: str | None,
              skipped: list[tuple[str, str]]) -> list[Commit]:
    """Commits, one per person where the files' orders allow: the person whose waiting
    change is the oldest goes next, with every change of theirs that waits on no one."""
    queues = [list(steps) for steps in per_file]
    commits: list[Commit] = []
    while any(queues):
        ready = [q[0] for q in queues if q]
        if only is not None:
            ready = [c for c in ready if c.by == only]
            if not ready:
                break
        first = min(ready, key=lambda c: (c.at is None, c.at or datetime.max, c.path))
        mine = sorted((c for c in ready if c.by == first.by), key=lambda c: c.path)
        for q in queues:
            if q and q[0] in mine:
                q.pop(0)
        commits.append(Commit(first.by, mine))
    if only is not None:
        for q in queues:
            if not q:
                continue
            others = ", ".join(dict.fromkeys(c.by for c in q if c.by != only))
            if any(c.by == only for c in q):
                skipped.append((q[-1].path, f"has new entries by {others} before yours: "
                                            f"they commit first (icsvc commit --as "
                                            f"{q[0].by}), or run icsvc commit to commit "
                                            "each person's in turn"))
            else:
                skipped.append((q[-1].path, f"changed by {others}, not you"))
    return commits


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
