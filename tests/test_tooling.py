"""The linters are part of the suite: ruff on everything, mypy strict on src/."""

from __future__ import annotations

import re
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


def _lint_imports() -> tuple[int, str]:
    proc = subprocess.run([tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True,
                          text=True)
    return proc.returncode, proc.stdout + proc.stderr


def _broken_imports(report: str) -> set[tuple[str, str]]:
    """(importer, imported) of every import `lint-imports` says breaks a contract: a layer
    importing one above it, or a dependency that closes a cycle between siblings."""
    found: set[tuple[str, str]] = set()
    within = ""
    for line in report.splitlines():
        cycle = re.match(r"^No cycles are allowed in (icsvc[\w.]*)\.$", line)
        if cycle:
            within = cycle.group(1)
        upward = re.match(r"^- (icsvc[\w.]*) -> (icsvc[\w.]*) \(l\.", line)
        if upward:
            found.add((upward.group(1), upward.group(2)))
        sibling = re.match(r"^- \.([\w.]+) -> \.([\w.]+) \(\d+ imports?\)", line)
        if sibling and within:
            found.add((f"{within}.{sibling.group(1)}", f"{within}.{sibling.group(2)}"))
    return found


def test_the_layers_hold_below_the_commands() -> None:
    """The import contract of pyproject.toml (layers from the domain up to the command line,
    no cycles between siblings): every import that breaks it is a command's import of the
    command line's output (`cli.ui`, `cli.prompts`), which the commands are leaving; none
    runs upward anywhere else (`check --base` imported the survey's report module)."""
    code, report = _lint_imports()
    if code == 0:
        return
    broken = _broken_imports(report)
    assert broken, report  # a failure this test cannot read is a failure
    wrong = sorted((a, b) for a, b in broken
                   if not (a.startswith("icsvc.commands") and b.startswith("icsvc.cli")))
    assert not wrong, report


def test_module_names_say_what_they_hold() -> None:
    """A module is found by its file name: below the commands (the domain, the store, the
    workflow, reports, notifications, git, GitHub), no two modules share one, and none
    repeats its package's name (`notify/notify.py`, `workflow/workflow.py`). The commands and
    the command line's groups are named after the commands they serve. `store/store.py`, the
    store itself, is the one exception."""
    src = ROOT / "src" / "icsvc"
    upper = {"cli", "commands"}
    below = [p.relative_to(src) for p in sorted(src.rglob("*.py"))
             if p.name != "__init__.py" and p.relative_to(src).parts[0] not in upper
             and len(p.relative_to(src).parts) > 1]
    names: dict[str, list[str]] = {}
    for rel in below:
        names.setdefault(rel.name, []).append(rel.as_posix())
    assert {n: paths for n, paths in names.items() if len(paths) > 1} == {}
    assert [rel.as_posix() for rel in below
            if rel.stem == rel.parent.name and rel.as_posix() != "store/store.py"] == []
