"""Meta tests: every command and option is documented, and the README stays true."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer

from icsvc.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def commands() -> dict[str, Any]:
    group: Any = typer.main.get_command(app)
    return dict(group.commands)


def test_every_command_and_option_has_help() -> None:
    for name, command in commands().items():
        assert command.help, f"icsvc {name} has no help text"
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"icsvc {name} {param.opts} has no help text"
            else:
                assert getattr(param, "help", None), f"icsvc {name} {param.name} has no help"


def test_every_command_is_in_the_readme() -> None:
    """In the README or the manual (docs/), where the README's sections are moving."""
    manual = "\n".join(p.read_text() for p in sorted((ROOT / "docs").rglob("*.md")))
    for name in commands():
        assert re.search(rf"icsvc {re.escape(name)}\b", README + manual), \
            f"neither the README nor docs/ documents icsvc {name}"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", quick, re.S)
    commands_ = [line.strip() for block in blocks for line in block.splitlines()
                 if line.strip() and not line.lstrip().startswith("#")]
    assert len(commands_) == 2, commands_
    assert commands_[1] in ci, "the second Quick start command must be what .ci/run runs"
    assert "icsvc" in commands_[0]


def test_every_readme_example_prints_what_the_command_prints() -> None:
    """The README's console examples are rerun in a copy of the example store
    (scripts/readme_tour.py): the output shown is what the commands print today."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "readme_tour.py")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, "README.md is out of date; run 'python scripts/" \
        "readme_tour.py --write' and read the diff:\n" + proc.stdout[-6000:]
