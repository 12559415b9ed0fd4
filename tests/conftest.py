"""Shared fixtures: real temp git stores, the icsvc command line, a fixed clock.

How the tests run:
- Unit tests mirror the source tree (`tests/domain/`, `tests/store/`, `tests/output/`) and
  run in process, in milliseconds: each entry kind's table (`domain/history/test_kinds.py`),
  the one outcome every view reads (`domain/test_outcome.py`), the calendar, durations,
  clock plans, the field table and the YAML readers, with the helpers of `rules.py` (the
  test catalogue, a `World` whose requests change through the commands' own operations).
- The tests at the top of `tests/` drive the command line end to end.
- End-to-end tests (marked `slow`, by the `store` fixture or by module below) run `icsvc`
  as a user would in a temp git repository, with ICSVC_NOW pinning the clock and HOME
  pointed away from the real one: in this process by default (`Store.icsvc`, the same
  `main()` the console script calls), or through the installed console script in a
  subprocess (`script=True`, or ICSVC_TEST_SCRIPT=1 for every test), with real git, real
  SSH signatures, a real SMTP server and a real HTTP server where a test needs them.

`pytest -m "not slow"` is the quick loop (under a minute on two cores); the README's test
command runs everything.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

ICSVC = shutil.which("icsvc", path=str(Path(sys.executable).parent)) or shutil.which("icsvc")
NOW = "2026-11-24T10:00:00-05:00"  # a Tuesday, two days before Thanksgiving (a holiday below)
STORE_MADE = "2026-11-02T08:00:00-05:00"
"""When the test store's first commit is dated: before any entry the tests write."""
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "acme"
"""The bundled example organisation (its providers.yaml and requests/), a store of its own."""

PROVIDERS = """\
calendars:
  us-east:
    timezone: America/New_York
    days: [mon, tue, wed, thu, fri]
    hours: "09:00-17:00"
    holidays: [2026-11-26, 2026-12-25]
  uk:
    timezone: Europe/London
    days: [mon, tue, wed, thu, fri]
    hours: ["09:00-12:30", "13:30-17:30"]
    holidays: [2026-12-25, 2026-12-28]
departments:
  customer-service:
    members: [maria@example.com, sam@example.com]
  sales:
    members: [lee@example.com]
providers:
  engineering:
    name: Engineering
    calendar: us-east
    members: [ana@example.com, raj@example.com]
    escalation: vp-eng@example.com
    sla:
      urgent: {acknowledge: 30m, resolve: 4h}
      high: {acknowledge: 2h, resolve: 1d}
      normal: {acknowledge: 4h, resolve: 2d, update: 1d}
      low: {acknowledge: 1d, resolve: 10d}
    services:
      part-clarification:
        description: Clarify a custom part's spec so an order ships right
        requires: [order_number, part_number]
        lead_time: 1d
      drawing-review:
        description: Review a customer drawing
        lead_time: 3d
  payroll:
    name: Payroll
    calendar: uk
    members: [pat@example.com]
    escalation: cfo@example.com
    sla:
      urgent: {acknowledge: 1h, resolve: 1d}
      high: {acknowledge: 4h, resolve: 2d}
      normal: {acknowledge: 1d, resolve: 5d}
      low: {acknowledge: 2d, resolve: 2w}
    services:
      pay-correction:
        description: Correct an employee's pay
        requires: [employee_id, pay_period]
        lead_time: 2d
      part-clarification:
        description: Same name as engineering's, to test redirects
"""


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@dataclass
class Store:
    """A temp git repository holding an icsvc store, and a way to run icsvc in it."""

    root: Path
    env: dict[str, str]

    def icsvc(self, *args: str, now: str | None = None, actor: str | None = None,
              cwd: Path | None = None, env: dict[str, str] | None = None,
              input: str | None = None, script: bool | None = None,
              timeout: float = 120) -> Result:
        """Run icsvc with these arguments: in this process (fast; the same `main()` the
        console script calls) or, with `script=True` or ICSVC_TEST_SCRIPT=1, through the
        installed console script in a subprocess (the end-to-end contract), which fails
        the test when it runs over `timeout` seconds (a hang)."""
        run_env = dict(self.env)
        if now is not None:
            run_env["ICSVC_NOW"] = now
        if actor is not None:
            run_env["ICSVC_USER"] = actor
        run_env.update(env or {})
        if script is None:
            script = os.environ.get("ICSVC_TEST_SCRIPT") == "1"
        if not script:
            return run_in_process(list(args), run_env, cwd or self.root, input or "")
        assert ICSVC, "the icsvc console script is not installed (pip install -e .)"
        proc = subprocess.run(
            [ICSVC, *args], cwd=cwd or self.root, env=run_env, capture_output=True,
            text=True, input=input if input is not None else "", timeout=timeout,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def ok(self, *args: str, **kw: Any) -> Result:
        result = self.icsvc(*args, **kw)
        assert result.code == 0, f"icsvc {' '.join(args)} failed:\n{result.err}\n{result.out}"
        return result

    def fails(self, *args: str, code: int = 1, **kw: Any) -> Result:
        result = self.icsvc(*args, **kw)
        assert result.code == code, (
            f"icsvc {' '.join(args)}: expected exit {code}, got {result.code}\n"
            f"{result.err}\n{result.out}"
        )
        assert "Traceback" not in result.err, result.err
        return result

    def git(self, *args: str, cwd: Path | None = None, date: str | None = None) -> str:
        """Run git; `date` (ISO 8601) dates a commit (author and committer)."""
        env = dict(self.env)
        if date is not None:
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
        proc = subprocess.run(["git", *args], cwd=cwd or self.root, env=env,
                              capture_output=True, text=True, check=True)
        return proc.stdout

    def snapshot(self) -> dict[str, bytes]:
        """Every file under the store (but .git and derived data), to prove nothing changed."""
        return {
            str(p.relative_to(self.root)): p.read_bytes()
            for p in sorted(self.root.rglob("*"))
            if p.is_file() and ".git" not in p.parts and ".icsvc" not in p.parts
        }

    def new(self, *args: str, actor: str = "maria@example.com", now: str = NOW) -> str:
        """Create a request and return its ID."""
        result = self.ok("new", "--format", "json", *args, actor=actor, now=now)
        return str(result.json()["id"])

    def request_file(self, rid: str) -> Path:
        matches = list((self.root / "requests").glob(f"*/{rid}.yaml"))
        assert len(matches) == 1, matches
        return matches[0]


class _Text(io.StringIO):
    """A captured stream that, like a pipe, is not a terminal."""

    def isatty(self) -> bool:
        return False


def run_in_process(args: list[str], env: dict[str, str], cwd: Path, stdin: str) -> Result:
    """`icsvc ARGS` through `icsvc.cli.entry.main()` in this process, with its own environment,
    folder and standard streams, as the console script would run it. A traceback (a bug)
    is kept in `err`, as the script would print it."""
    import traceback

    from icsvc.cli import entry as cli
    from icsvc.output import ui

    saved_env = dict(os.environ)
    saved_cwd = Path.cwd()
    saved = (sys.argv, sys.stdin, sys.stdout, sys.stderr)
    out, err = _Text(), _Text()
    code = 0
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    sys.argv = [ICSVC or "icsvc", *args]
    sys.stdin, sys.stdout, sys.stderr = _Text(stdin), out, err
    ui.reset()
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if isinstance(exc.code, str):
            err.write(exc.code + "\n")
    except BaseException:  # noqa: BLE001 - a bug: report it like the interpreter would
        err.write(traceback.format_exc())
        code = 1
    finally:
        sys.argv, sys.stdin, sys.stdout, sys.stderr = saved
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        ui.reset()
    return Result(code, out.getvalue(), err.getvalue())


def base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ICSVC_", "GIT_")) and k not in ("NO_COLOR", "COLUMNS")}
    env.update({
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test", "GIT_COMMITTER_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com", "GIT_COMMITTER_EMAIL": "test@example.com",
        "ICSVC_NOW": NOW,
        "ICSVC_DEBUG": "1",  # a bug (exit 3) shows its traceback in the test's failure
    })
    return env


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may read or write the real home, git config or clock."""
    home = tmp_path / "home"
    home.mkdir()
    for key, value in base_env(home).items():
        monkeypatch.setenv(key, value)
    for key in [k for k in os.environ if k.startswith("ICSVC_")
                and k not in ("ICSVC_NOW", "ICSVC_DEBUG")]:
        monkeypatch.delenv(key)


T = TypeVar("T")


def without_index(store: Store, command: Callable[[Store], T]) -> T:
    """What `command` gives from a fresh parse of every file: the store's index (`.icsvc/`)
    set aside meanwhile, and put back after."""
    saved = store.root.parent / "saved-derived"
    shutil.move(store.root / ".icsvc", saved)
    try:
        return command(store)
    finally:
        shutil.rmtree(store.root / ".icsvc", ignore_errors=True)
        shutil.move(saved, store.root / ".icsvc")


def make_store(root: Path, providers: str = PROVIDERS, made: str = STORE_MADE) -> Store:
    """A temp git store holding `providers`, its first commit dated `made`."""
    root.mkdir(parents=True, exist_ok=True)
    env = base_env(root.parent / "home")
    (root.parent / "home").mkdir(exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, env=env, check=True)
    (root / "providers.yaml").write_text(providers)
    (root / "requests").mkdir()
    (root / ".gitignore").write_text(".icsvc/\n")
    subprocess.run(["git", "add", "-A"], cwd=root, env=env, check=True)
    dated = {**env, "GIT_AUTHOR_DATE": made, "GIT_COMMITTER_DATE": made}
    subprocess.run(["git", "commit", "-qm", "store"], cwd=root, env=dated, check=True)
    return Store(root, env)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    made = make_store(tmp_path / "store")
    yield made
    assert_schema_accepts_valid_files(made.root)


def assert_schema_accepts_valid_files(root: Path) -> None:
    """Every request file a test leaves that `icsvc check` reads as a request is valid for
    the shipped JSON Schema too (files a test broke on purpose are not asked)."""
    from icsvc.errors import ValidationError
    from icsvc.store.files import load_request
    from schemacheck import file_problems

    for path in sorted((root / "requests").glob("*/*.yaml")):
        try:
            load_request(path)
        except ValidationError:
            continue
        found = file_problems("request", path)
        assert not found, f"{path.name}: icsvc reads it, the JSON Schema refuses it: {found}"


SLOW_MODULES = frozenset({
    "test_fuzz", "test_concurrency", "test_prcheck_property", "test_merge_property",
    "test_integrity_property", "test_completion", "test_terminal", "test_script",
    "test_docs", "test_tooling", "test_report_html", "test_public_holidays",
    "test_hostile_files", "test_intake", "test_merge_pairs", "test_forms", "test_survey",
    "test_index_fresh", "test_intake_workflow", "test_notify", "test_example_store",
    "test_survey_report", "test_git_workflow", "test_articles",
})
"""Modules of end-to-end tests that take no `store` fixture (they make their own)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """End-to-end tests are `slow`: those with a temp store, and the modules above."""
    for item in items:
        if "store" in getattr(item, "fixturenames", ()) or \
                item.module is not None and item.module.__name__ in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)

