"""apprise is the `notify` extra: only sending imports it, and without it `notify` and
`digest` say how to install it (exit 1) before doing anything.

Each case runs in a fresh interpreter: what a process imports is only seen from a clean
start. "Not installed" is an import finder that refuses apprise, as Python does when the
package is absent."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import PROVIDERS, Store, make_store

ROOT = Path(__file__).resolve().parent.parent
INSTALL = "install it with: pip install 'icsvc[notify]'"

DRIVER = r"""
import importlib, json, os, pkgutil, sys

if os.environ.get("HIDE_APPRISE"):
    class Absent:
        def find_spec(self, name, path=None, target=None):
            if name == "apprise" or name.startswith("apprise."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None
    sys.meta_path.insert(0, Absent())

import icsvc
from icsvc.cli import entry as cli

if os.environ.get("IMPORT_ALL"):
    for info in pkgutil.walk_packages(icsvc.__path__, "icsvc."):
        if not info.name.endswith("__main__"):  # it runs the command line
            importlib.import_module(info.name)

codes = []
for args in json.loads(sys.argv[1]):
    sys.argv = ["icsvc", *args]
    try:
        cli.main()
        codes.append(0)
    except SystemExit as exc:
        codes.append(exc.code if isinstance(exc.code, int) else 1)
print(json.dumps({"codes": codes, "apprise": "apprise" in sys.modules}), file=sys.__stdout__)
"""


def drive(store: Store, commands: list[list[str]], **env: str) -> tuple[dict[str, object], str]:
    proc = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(commands)],
                          cwd=store.root, env={**store.env, "ICSVC_USER": "ana@example.com",
                                               **env},
                          capture_output=True, text=True, timeout=300, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout.strip(), (proc.returncode, proc.stderr[-2000:])
    last = proc.stdout.strip().splitlines()[-1]
    return json.loads(last), proc.stderr


def test_no_module_and_no_other_command_imports_apprise(store: Store) -> None:
    rid = store.new("-p", "engineering", "-s", "part-clarification", "-t", "Bore",
                    "--info", "order_number=1", "--info", "part_number=2")
    store.git("add", "-A")
    store.git("commit", "-qm", "a request")
    commands = [["list"], ["show", rid], ["queue", "engineering"], ["report"], ["check"],
                ["triage", rid, "--ack"], ["explain", rid], ["sla"],
                ["notify", "--dry-run", "--since", "HEAD~1"],
                ["digest", "daily", "--dry-run"]]
    found, err = drive(store, commands, IMPORT_ALL="1")
    assert found["codes"] == [0] * len(commands), err
    assert found["apprise"] is False


def test_without_apprise_notify_and_digest_say_how_to_install_it(tmp_path: Path) -> None:
    store = make_store(tmp_path / "store", PROVIDERS + "notify:\n  default: [json://localhost]\n")
    store.new("-p", "engineering", "-s", "part-clarification", "-t", "Bore",
              "--info", "order_number=1", "--info", "part_number=2")
    store.git("add", "-A")
    store.git("commit", "-qm", "a request")
    before = store.snapshot()
    derived = sorted(p.name for p in (store.root / ".icsvc").iterdir()) \
        if (store.root / ".icsvc").exists() else []
    for command in (["notify"], ["digest", "daily"]):
        found, err = drive(store, [command], HIDE_APPRISE="1")
        assert found["codes"] == [1], err
        assert err.strip().splitlines() == [
            "icsvc: error: sending notifications needs apprise, which is not installed (it is "
            f"an optional part of icsvc): {INSTALL} (--dry-run shows what would be sent "
            "without it)"], err
    assert store.snapshot() == before
    after = sorted(p.name for p in (store.root / ".icsvc").iterdir()) \
        if (store.root / ".icsvc").exists() else []
    assert after == derived  # no record of notifications started
    # a dry run needs no apprise
    found, err = drive(store, [["notify", "--dry-run", "--since", "HEAD~1"]],
                       HIDE_APPRISE="1")
    assert found == {"codes": [0], "apprise": False}, err


def test_apprise_is_an_extra_not_a_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(d.startswith("apprise") for d in project["dependencies"])
    extras = project["optional-dependencies"]
    assert any(d.startswith("apprise") for d in extras["notify"])
    assert any(d.startswith("apprise") for d in extras["test"])
