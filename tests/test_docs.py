"""Meta tests: every command and option is documented, the README fits a screen, the manual
builds and says what the code does."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from icsvc.cli.app import application

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
DOCS = ROOT / "docs"
REFERENCE = DOCS / "reference"


def commands() -> dict[str, Any]:
    group: Any = typer.main.get_command(application())
    return dict(group.commands)


def _script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / name), *args],
                          capture_output=True, text=True, timeout=600)


def test_every_command_and_option_has_help() -> None:
    for name, command in commands().items():
        assert command.help, f"icsvc {name} has no help text"
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"icsvc {name} {param.opts} has no help text"
            else:
                assert getattr(param, "help", None), f"icsvc {name} {param.name} has no help"


def test_every_command_is_in_the_manuals_reference() -> None:
    page = (REFERENCE / "commands.md").read_text()
    for name, command in commands().items():
        assert f"## `icsvc {name}`" in page, f"the command reference lacks icsvc {name}"
        for sub in getattr(command, "commands", {}):
            assert f"## `icsvc {name} {sub}`" in page, f"it lacks icsvc {name} {sub}"


def test_the_generated_reference_pages_are_up_to_date() -> None:
    """docs/reference/commands.md (every --help) and the schema tables of file-formats.md
    are made from the code by scripts/gen_reference.py."""
    proc = _script("gen_reference.py")
    assert proc.returncode == 0, "a generated page is out of date; run 'python scripts/" \
        "gen_reference.py --write':\n" + proc.stdout[-4000:]


def test_every_environment_variable_the_code_reads_is_in_the_table() -> None:
    table = (REFERENCE / "environment.md").read_text()
    rows = {m.group(1) for m in re.finditer(r"^\| `([^`]+)`", table, re.M)}
    read: set[str] = set()
    for path in (ROOT / "src" / "icsvc").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        read |= set(re.findall(r"(?<!window\.)\b_?ICSVC_[A-Z_]+\b", text))
        read |= {f"git config {key}" for key in re.findall(r"\"(icsvc\.[a-z_]+)\"", text)}
    assert "ICSVC_NOW" in read and "git config icsvc.department" in read, read
    assert read - rows == set(), f"docs/reference/environment.md lacks {sorted(read - rows)}"


def test_the_readme_fits_a_screen() -> None:
    assert len(README.splitlines()) <= 165
    for link in re.findall(r"\]\((docs/[^)#]+)", README):
        assert (ROOT / link).is_file(), f"the README links to {link}, which does not exist"


def test_the_readme_examples_fit_80_columns() -> None:
    blocks = re.findall(r"```console\n(.*?)```", README, re.S)
    assert blocks
    for block in blocks:
        for line in block.splitlines():
            assert len(line) <= 80, f"wider than 80 columns: {line!r}"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", quick, re.S)
    commands_ = [line.strip() for block in blocks for line in block.splitlines()
                 if line.strip() and not line.lstrip().startswith("#")]
    assert len(commands_) == 2, commands_
    assert commands_[1] in ci, "the second Quick start command must be what .ci/run runs"
    assert "icsvc" in commands_[0] and "examples/acme" in commands_[0]


def test_the_source_tree_is_not_a_store() -> None:
    """The example organisation lives in examples/acme/: icsvc run in the source tree does
    not mistake it for a store."""
    assert not (ROOT / "providers.yaml").exists() and not (ROOT / "requests").exists()
    icsvc = shutil.which("icsvc", path=str(Path(sys.executable).parent))
    assert icsvc
    env = {k: v for k, v in os.environ.items() if k != "ICSVC_STORE"}
    proc = subprocess.run([icsvc, "list"], cwd=ROOT / "src", capture_output=True, text=True,
                          env=env)
    assert proc.returncode == 1 and "no icsvc store in" in proc.stderr, proc.stderr
    assert (ROOT / "examples" / "acme" / "providers.yaml").is_file()


def test_every_manual_page_is_in_the_navigation() -> None:
    nav = (ROOT / "mkdocs.yml").read_text()
    for page in DOCS.rglob("*.md"):
        assert str(page.relative_to(DOCS)) in nav, f"mkdocs.yml's nav lacks {page}"


@pytest.mark.slow
def test_the_manual_builds_strict(tmp_path: Path) -> None:
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    assert mkdocs, "mkdocs is not installed (pip install -e '.[test]')"
    proc = subprocess.run([mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert (tmp_path / "site" / "reference" / "commands" / "index.html").is_file()


def test_every_console_example_prints_what_the_command_prints() -> None:
    """The console examples of README.md and docs/ are rerun in a copy of the example store
    (scripts/readme_tour.py): the output shown is what the commands print today."""
    proc = _script("readme_tour.py")
    assert proc.returncode == 0, "an example is out of date; run 'python scripts/" \
        "readme_tour.py --write' and read the diff:\n" + proc.stdout[-6000:]
