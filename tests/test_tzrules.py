"""The time-zone rules icsvc uses: the newer of the system's database and the tzdata
package's, named by `icsvc --version`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import tzdata  # type: ignore[import-untyped]

from conftest import Store

PROBE = ("from icsvc.domain.tzrules import use_newest; from icsvc.domain.calendar import zone; "
         "print(use_newest()); print(zone('America/New_York'))")


def _probe(tzpath: Path) -> str:
    env = {"PYTHONTZPATH": str(tzpath), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                          text=True, check=True)
    return proc.stdout


def test_an_older_system_database_gives_way_to_the_package(tmp_path: Path) -> None:
    (tmp_path / "tzdata.zi").write_text("# version 2019a\n")
    out = _probe(tmp_path)  # the folder has no zone files: they must come from the package
    assert f"('{tzdata.IANA_VERSION}', 'the tzdata package')" in out
    assert "America/New_York" in out


def test_a_newer_system_database_is_kept(tmp_path: Path) -> None:
    system = Path("/usr/share/zoneinfo")
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "tzdata.zi").write_text("# version 2999z\n")
    (fake / "America").symlink_to(system / "America")
    assert "('2999z', 'the system')" in _probe(fake)


def test_version_names_the_rules(store: Store) -> None:
    out = store.ok("--version", script=True).out
    assert out.startswith("icsvc ") and "time-zone rules " in out
