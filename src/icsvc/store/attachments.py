"""Files a request's mail brought (`icsvc mail`), kept beside the requests as
`attachments/<ID>/<name>`: the one rule for their names, used by the writer and by the
checks of a branch (`check --base` accepts these paths and no other outside requests/)."""

from __future__ import annotations

import re
from pathlib import Path

from icsvc.domain import ids
from icsvc.store import atomic

ATTACHMENTS_DIR = "attachments"
NAME_LIMIT = 100
_NAME = re.compile(rf"^[A-Za-z0-9_+-][\w.+-]{{0,{NAME_LIMIT - 1}}}$", re.ASCII)
PATH = re.compile(rf"^{ATTACHMENTS_DIR}/[{ids.ALPHABET}]{{{ids.LENGTH}}}/"
                  rf"[A-Za-z0-9_+-][\w.+-]{{0,{NAME_LIMIT - 1}}}$", re.ASCII)
"""An attachment's path from the store's root, as `save` writes it."""


def safe_name(name: str) -> str:
    """A file name safe to write: no folders, no leading dots, ASCII letters, digits and
    `_.+-`, at most NAME_LIMIT characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[^A-Za-z0-9_.+-]+", "_", base).strip("._") or "attachment"
    base = base[:NAME_LIMIT].rstrip(".")
    assert _NAME.match(base), base
    return base


def save(root: Path, rid: str, files: list[tuple[str, bytes]]) -> list[Path]:
    """Write each (name, data) under `attachments/<rid>/`, atomically, never over a file
    already there (`name-2.ext` instead)."""
    folder = root / ATTACHMENTS_DIR / rid
    out: list[Path] = []
    for raw, data in files:
        name = safe_name(raw)
        stem, dot, ext = name.rpartition(".")
        n = 1
        while (folder / name).exists() or any(p.name == name for p in out):
            n += 1
            name = safe_name(f"{stem}-{n}.{ext}" if dot else f"{name}-{n}")
        path = folder / name
        atomic.write_atomic_bytes(path, data)
        out.append(path)
    return out
