"""The linters are part of the suite: ruff on everything, mypy strict on src/."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is not installed (pip install -e '.[test]')"
    return found


def test_ruff_is_clean() -> None:
    proc = subprocess.run([tool("ruff"), "check", "src", "tests", "benchmarks"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict_is_clean() -> None:
    proc = subprocess.run([tool("mypy")], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_module_names_say_what_they_hold() -> None:
    """A module is found by its file name: below the commands (the domain, the store, the
    workflow, reports, notifications, git, GitHub), no two modules share one, and none
    repeats its package's name (`notify/notify.py`, `workflow/workflow.py`). The commands,
    their renderers and the command line's groups are named after the commands they serve.
    `store/store.py`, the store itself, is the one exception."""
    src = ROOT / "src" / "icsvc"
    upper = {"cli", "output", "commands"}
    below = [p.relative_to(src) for p in sorted(src.rglob("*.py"))
             if p.name != "__init__.py" and p.relative_to(src).parts[0] not in upper
             and len(p.relative_to(src).parts) > 1]
    names: dict[str, list[str]] = {}
    for rel in below:
        names.setdefault(rel.name, []).append(rel.as_posix())
    assert {n: paths for n, paths in names.items() if len(paths) > 1} == {}
    assert [rel.as_posix() for rel in below
            if rel.stem == rel.parent.name and rel.as_posix() != "store/store.py"] == []
