"""What a company checks before adopting icsvc: a licence, a changelog, one version, pinned
example workflows, and a wheel that builds without warnings."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

from icsvc import __version__

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_the_licence_is_mit_as_an_spdx_expression() -> None:
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n")
    assert PYPROJECT["license"] == "MIT" and PYPROJECT["license-files"] == ["LICENSE"]
    assert "License ::" not in " ".join(PYPROJECT["classifiers"])  # PEP 639: not both


def test_the_supported_pythons_agree() -> None:
    assert PYPROJECT["requires-python"] == ">=3.11"
    listed = [c.rsplit(" ", 1)[-1] for c in PYPROJECT["classifiers"]
              if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]
    assert listed and listed[0] == "3.11" and listed == sorted(listed, key=lambda v: int(v[2:]))


def test_the_version_is_written_once() -> None:
    assert "version" not in PYPROJECT and PYPROJECT["dynamic"] == ["version"]
    assert version("icsvc") == __version__, "reinstall: pip install -e ."
    icsvc = shutil.which("icsvc", path=str(Path(sys.executable).parent))
    assert icsvc
    out = subprocess.run([icsvc, "--version"], capture_output=True, text=True).stdout
    assert out.startswith(f"icsvc {__version__} ")


def test_the_changelog_has_this_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "keepachangelog.com" in text
    assert re.search(rf"^## \[{re.escape(__version__)}\]", text, re.M), __version__


def test_the_example_workflows_install_this_release() -> None:
    installs = [line for path in sorted((ROOT / "examples").glob("*.yml"))
                for line in path.read_text().splitlines() if "pip install" in line]
    assert installs
    for line in installs:
        assert f"git+https://github.com/<you>/icsvc@v{__version__}\"" in line, line


@pytest.mark.slow
def test_the_wheel_builds_without_warnings(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(ROOT / "src", source / "src",
                    ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    proc = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation",
                           "--outdir", str(tmp_path / "dist"), str(source)],
                          capture_output=True, text=True, timeout=300,
                          env={k: v for k, v in os.environ.items()
                               if k != "PYTHONDONTWRITEBYTECODE"})  # not a packaging warning
    said = proc.stdout + proc.stderr
    assert proc.returncode == 0, said[-4000:]
    warnings = [line for line in said.splitlines() if re.search(r"warn", line, re.I)]
    assert warnings == [], "\n".join(warnings)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    assert wheel.name == f"icsvc-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as z:
        meta = z.read(f"icsvc-{__version__}.dist-info/METADATA").decode()
        names = z.namelist()
    assert "License-Expression: MIT" in meta and "License-File: LICENSE" in meta
    assert "Requires-Python: >=3.11" in meta
    assert f"icsvc-{__version__}.dist-info/licenses/LICENSE" in names
    assert "icsvc/schemas/providers.schema.json" in names and "icsvc/py.typed" in names
