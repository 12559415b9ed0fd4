"""The packages are layers, each importing only those below it (the import-linter contract in
pyproject.toml): the command line, then the output (rendering, prompts, the pager), then the
commands, down to the domain. Run here, so an import that runs upward, or two modules that
import each other, fails a test instead of waiting for a review."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from test_tooling import tool

ROOT = Path(__file__).resolve().parent.parent

KNOWN: set[str] = set()
"""Upward imports tolerated while a rework removes them: none."""

LAYERS = "Layers: each package imports only those below it"
CYCLES = "No cycles: no two modules or packages import each other"


def lint(src: Path = ROOT / "src") -> str:
    """lint-imports' report on the `icsvc` package under `src`, with the repository's
    contracts."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.run([tool("lint-imports"), "--no-cache", "--no-logo",
                           str(ROOT / "pyproject.toml")], cwd=src, env=env,
                          capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert f"{LAYERS} " in out and f"{CYCLES} " in out, out  # both contracts ran
    assert (proc.returncode == 0) == ("BROKEN" not in out), out
    return out


def upward(report: str) -> set[str]:
    """The imports the layers contract refuses, as `importer -> imported`."""
    return set(re.findall(r"^- (icsvc\.\S+ -> icsvc\.\S+) \(l\.", report, re.MULTILINE))


def test_no_module_imports_a_layer_above_it_and_none_import_each_other() -> None:
    report = lint()
    assert f"{CYCLES} KEPT" in report, report
    assert upward(report) <= KNOWN, report
    assert f"{LAYERS} KEPT" in report or upward(report), report


def test_the_contract_puts_the_command_line_above_the_output_above_the_commands() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    layers = re.search(r"layers = \[(.*?)\]", text, re.DOTALL)
    assert layers is not None
    names = re.findall(r'"([^"]+)"', layers.group(1))
    assert names[:3] == ["icsvc.cli", "icsvc.output", "icsvc.commands"], names


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the source tree, to break on purpose."""
    src = tmp_path_factory.mktemp("layers") / "src"
    shutil.copytree(ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__"))
    return src


@pytest.mark.parametrize(("module", "added", "refused"), [
    # a command that prints for itself
    ("commands/show.py", "from icsvc.output import ui\n",
     "icsvc.commands.show -> icsvc.output.ui"),
    # a renderer reaching for Typer's wiring, from inside a function
    ("output/show.py", "def _late() -> None:\n    from icsvc.cli import common\n",
     "icsvc.output.show -> icsvc.cli.common"),
    # the workflow printing a table
    ("workflow/queue.py", "from icsvc.output.ui import print_rows\n",
     "icsvc.workflow.queue -> icsvc.output.ui"),
])
def test_an_upward_import_fails(copy: Path, module: str, added: str, refused: str) -> None:
    path = copy / "icsvc" / module
    original = path.read_text(encoding="utf-8")
    path.write_text(original + "\n\n" + added, encoding="utf-8")
    try:
        report = lint(copy)
    finally:
        path.write_text(original, encoding="utf-8")
    assert f"{LAYERS} BROKEN" in report
    assert refused in upward(report), report


def test_a_group_of_commands_importing_the_app_is_a_cycle(copy: Path) -> None:
    # the app adds each group's commands: a group must not import the app back
    path = copy / "icsvc" / "cli" / "notify.py"
    original = path.read_text(encoding="utf-8")
    path.write_text(original + "\n\nfrom icsvc.cli import app as _app\n", encoding="utf-8")
    try:
        report = lint(copy)
    finally:
        path.write_text(original, encoding="utf-8")
    assert f"{CYCLES} BROKEN" in report
    assert "No cycles are allowed in icsvc.cli." in report and "- .notify -> .app" in report, \
        report
