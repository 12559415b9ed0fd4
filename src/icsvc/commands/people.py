"""`icsvc people import FILE.csv`: the departments of providers.yaml from a CSV export of the
company directory, so that everyone in it may ask (with `people.rules.departments`) and
`icsvc new` knows their department, without an admin adding each person.

The export needs a header row with an `email` and a `department` column (any order, any
other columns ignored; `manager` marks a department's managers with yes, true, x or 1). A
department is matched by its key or its `name:` in providers.yaml (case ignored), else
added under a key made from the name. Each department the file names gets exactly the
members the file lists (the directory is the truth); departments it does not name are left
as they are. Nothing is written when one row is wrong, or with `--dry-run`.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from icsvc.commands import open_store
from icsvc.commands.context import Context
from icsvc.domain.checker import is_email
from icsvc.errors import IcsvcError, UsageError
from icsvc.store import yamlio
from icsvc.store.files import catalogue_from_text
from icsvc.store.store import PROVIDERS_FILE

MAX_BYTES = 20 << 20
YES = frozenset({"yes", "y", "true", "x", "1", "manager"})


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "department"


def read_directory(path: Path, text: str) -> dict[str, tuple[list[str], list[str]]]:
    """Department (as written in the file) -> (members, managers), in file order."""
    rows = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next(rows, None)
    if header is None:
        raise IcsvcError(f"{path}: empty (accepted: a CSV with a header row naming 'email' "
                         "and 'department' columns)")
    names = [h.strip().lower() for h in header]
    if "email" not in names or "department" not in names:
        raise IcsvcError(f"{path}:1: the header {header!r} has no "
                         f"{'email' if 'email' not in names else 'department'} column "
                         "(accepted: email, department, and optionally manager)")
    at = {name: names.index(name) for name in ("email", "department", "manager")
          if name in names}
    out: dict[str, tuple[list[str], list[str]]] = {}
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: row[i].strip() if i < len(row) else "" for name, i in at.items()}
        email = cells["email"].lower()
        if not is_email(email):
            raise IcsvcError(f"{path}:{line}: email {cells['email']!r} is not an email "
                             "address (accepted: name@example.com)")
        if not cells["department"]:
            raise IcsvcError(f"{path}:{line}: {email} has no department")
        members, managers = out.setdefault(cells["department"], ([], []))
        chosen = managers if cells.get("manager", "").lower() in YES else members
        if email not in chosen:
            chosen.append(email)
    return out


def run(ctx: Context, csv_path: Path, dry_run: bool = False) -> dict[str, Any]:
    store = open_store(ctx)
    try:
        with csv_path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"people import: cannot read {csv_path}: {exc.strerror}") from None
    if len(data) > MAX_BYTES:
        raise IcsvcError(f"{csv_path}: larger than {MAX_BYTES >> 20} MiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", "replace")  # a spreadsheet's export
    directory = read_directory(csv_path, text)
    catalogue_path = store.root / PROVIDERS_FILE
    with store.writing("icsvc people import"):
        old_text = catalogue_path.read_text(encoding="utf-8")
        doc = yamlio.load(old_text)
        departments: dict[str, Any] = dict(doc.get("departments") or {})
        by_name = {}
        for key, spec in departments.items():
            by_name[str(key).lower()] = str(key)
            if isinstance(spec, dict) and spec.get("name"):
                by_name[str(spec["name"]).strip().lower()] = str(key)
        wanted: dict[str, tuple[str, list[str], list[str]]] = {}
        for written, (members, managers) in directory.items():
            key = by_name.get(written.lower()) or _slug(written)
            by_name[written.lower()] = key
            _, all_members, all_managers = wanted.setdefault(key, (written, [], []))
            all_members.extend(m for m in members if m not in all_members)
            all_managers.extend(m for m in managers if m not in all_managers)
        changed: list[dict[str, Any]] = []
        for key, (written, members, managers) in wanted.items():
            old = departments.get(key)
            spec = dict(old) if isinstance(old, dict) else {"name": written}
            before = list(spec.get("members") or [])
            spec["members"] = members
            if managers:
                spec["manager"] = managers[0] if len(managers) == 1 else managers
            if old != spec:
                changed.append({"department": key, "added": old is None,
                                "joined": [m for m in members if m not in before],
                                "left": [m for m in before if m not in members]})
            departments[key] = spec
        doc["departments"] = departments
        new_text = yamlio.dump_preserving(old_text, doc)
        catalogue_from_text(catalogue_path, new_text)  # the tool never writes what it refuses
        if changed and not dry_run:
            yamlio.write_atomic(catalogue_path, new_text)
    people = sum(len(m) + len(g) for m, g in directory.values())
    return {"file": str(csv_path), "departments": changed, "people": people,
            "written": bool(changed) and not dry_run, "dry_run": dry_run,
            "message": (f"{len(changed)} department(s) changed from {people} people in "
                        f"{csv_path.name}" + (" (dry run: nothing written)" if dry_run
                                               else "") if changed else
                        f"nothing to do: providers.yaml already lists the {people} people "
                        f"of {csv_path.name}")}
