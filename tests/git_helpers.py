"""Helpers for the git collaboration tests: edit request files as the workflow commands
would (fields plus appended history entries), commit as a given author, branch and merge."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

from conftest import Store
from icsvc.store import yamlio


def at(clock: str) -> datetime:
    """A time on the test day (2026-11-24, New York): at('10:30')."""
    return datetime.fromisoformat(f"2026-11-24T{clock}:00-05:00")


def load(path: Path) -> dict[str, Any]:
    data = yamlio.load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def save(path: Path, doc: dict[str, Any]) -> None:
    yamlio.write_atomic(path, yamlio.dump(doc))


def change(store: Store, rid: str, when: str, by: str, type_: str,
           fields: dict[str, Any] | None = None, **entry: Any) -> None:
    """Set `fields` and append one history entry, the way icsvc records a change."""
    path = store.request_file(rid)
    doc = load(path)
    for key, value in (fields or {}).items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    item: dict[str, Any] = {"at": at(when), "by": by, "type": type_}
    item.update({k.rstrip("_"): v for k, v in entry.items()})
    if type_ == "status" and item.get("from") == "new" and item.get("to") == "acknowledged":
        item.setdefault("timeframe", datetime.fromisoformat("2026-11-30T17:00:00-05:00"))
    doc["history"].append(item)
    save(path, doc)


def redirect(store: Store, rid: str, when: str, by: str, to: str, note: str,
             targets: dict[str, str]) -> None:
    """Move the request to another provider's folder, as a redirect does."""
    old = store.request_file(rid)
    doc = load(old)
    previous = doc["provider"]
    doc["provider"] = to
    doc["status"] = "new"
    doc["history"].append({"at": at(when), "by": by, "type": "redirect", "from": previous,
                           "to": to, "service": doc["service"], "note": note})
    doc["history"].append({"at": at(when), "by": by, "type": "targets",
                           "from": doc["targets"], "to": targets})
    doc["targets"] = targets
    save(store.root / "requests" / to / f"{rid}.yaml", doc)
    old.unlink()


def git(store: Store, *args: str, cwd: Path | None = None, author: str | None = None,
        check: bool = True, date: datetime | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(store.env)
    if author:
        env["GIT_AUTHOR_EMAIL"] = author
        env["GIT_COMMITTER_EMAIL"] = author
    if date is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date.isoformat()
    proc = subprocess.run(["git", *args], cwd=cwd or store.root, env=env,
                          capture_output=True, text=True)
    if check:
        assert proc.returncode == 0, f"git {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def newest_entry(root: Path) -> datetime | None:
    """The time of the newest history entry in the work tree's request files and survey
    answers."""
    newest: datetime | None = None
    for path in [*(root / "requests").rglob("*.yaml"), *(root / "surveys").rglob("*.yaml")]:
        try:
            data = yamlio.load(path.read_text(encoding="utf-8"))
        except Exception:  # noqa: BLE001 - a broken file has no time to offer
            continue
        for entry in (data or {}).get("history") or [] if isinstance(data, dict) else []:
            at = entry.get("at") if isinstance(entry, dict) else None
            if isinstance(at, datetime) and (newest is None or at > newest):
                newest = at
    return newest


def commit(store: Store, message: str, author: str, cwd: Path | None = None,
           date: datetime | None = None) -> None:
    """Commit everything as `author`, dated when the newest entry was written (the test
    clock), so `check --base` finds the times plausible."""
    git(store, "add", "-A", cwd=cwd)
    git(store, "commit", "-qm", message, cwd=cwd, author=author,
        date=date or newest_entry(cwd or store.root) or at("08:00"))


def conflict_markers(root: Path) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            text = path.read_text(encoding="utf-8", errors="replace")
            if any(line.startswith(("<<<<<<<", ">>>>>>>")) for line in text.splitlines()):
                found.append(str(path))
    return found


def clone(store: Store, source: str, dest: Path) -> Store:
    subprocess.run(["git", "clone", "-q", source, str(dest)], env=store.env, check=True,
                   capture_output=True)
    return Store(dest, dict(store.env))


def base_commit(store: Store, message: str, author: str = "test@example.com") -> None:
    """Commit everything, dated before the entries the tests write (like the store's first
    commit), so a branch started here passes `check --base`'s dating rule."""
    from conftest import STORE_MADE

    store.git("add", "-A")
    store.git("commit", "-qm", message, f"--author=Someone <{author}>", date=STORE_MADE)
