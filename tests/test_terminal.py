"""On a real terminal (a pty): the pager for long output, progress bars for big stores, and
the interactive `icsvc new` that asks again after a bad answer. Off a terminal, none of it
changes the output."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import ICSVC, Store
from icsvc.output import pager
from terminal import on_terminal

PART = ["-p", "engineering", "-s", "part-clarification", "-t", "Bore diameter",
        "--info", "order_number=SO-1", "--info", "part_number=P-2"]


def fake_pager(tmp_path: Path) -> tuple[str, Path]:
    """A pager that keeps what it is given (and its LESS) and says it ran."""
    record = tmp_path / "paged.txt"
    script = tmp_path / "fakepager"
    script.write_text(f'#!/bin/sh\necho "LESS=$LESS" > "{record}"\ncat >> "{record}"\n'
                      'echo PAGER-RAN\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script), record


def test_long_output_goes_through_the_pager(store: Store, tmp_path: Path) -> None:
    command, record = fake_pager(tmp_path)
    env = dict(store.env, ICSVC_PAGER=command)
    screen = on_terminal(["sla"], env, store.root, rows=12)
    assert screen.code == 0 and "PAGER-RAN" in screen.text
    paged = record.read_text()
    assert paged.startswith("LESS=FRX\n")
    assert "pay-correction" in paged and "\x1b[1m" in paged  # styles kept for the pager
    assert "pay-correction" not in screen.text


def test_short_output_and_opt_outs_print_directly(store: Store, tmp_path: Path) -> None:
    command, record = fake_pager(tmp_path)
    env = dict(store.env, ICSVC_PAGER=command)
    for args, extra, rows in ((["sla", "payroll"], {}, 60), (["sla", "--no-pager"], {}, 12),
                              (["sla"], {"ICSVC_PAGER": "cat"}, 12),
                              (["sla"], {"ICSVC_PAGER": ""}, 12)):
        screen = on_terminal(args, {**env, **extra}, store.root, rows=rows)
        assert screen.code == 0 and "pay-correction" in screen.text, args
        assert "PAGER-RAN" not in screen.text and not record.exists(), args
    env.pop("ICSVC_PAGER")
    screen = on_terminal(["sla"], {**env, "PAGER": command}, store.root, rows=12)
    assert "PAGER-RAN" in screen.text  # $PAGER when ICSVC_PAGER is unset


def test_no_pager_off_a_terminal(store: Store, tmp_path: Path) -> None:
    command, record = fake_pager(tmp_path)
    plain = store.ok("sla").out
    assert store.ok("sla", env={"ICSVC_PAGER": command}).out == plain
    proc = subprocess.run([str(ICSVC), "sla"], cwd=store.root, capture_output=True, text=True,
                          env={**store.env, "ICSVC_PAGER": command}, check=True)
    assert proc.stdout == plain and not record.exists()


def test_the_default_pager(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ICSVC_PAGER", raising=False)
    monkeypatch.delenv("PAGER", raising=False)
    assert pager.pager_command() in ("less -R", None)  # None where less is not installed
    monkeypatch.setenv("PAGER", "more")
    assert pager.pager_command() == "more"
    monkeypatch.setenv("ICSVC_PAGER", "cat")
    assert pager.pager_command() is None


def big_store(store: Store, count: int = 2001) -> None:
    rid = store.new(*PART)
    template = store.request_file(rid).read_text()
    folder = store.request_file(rid).parent
    for i in range(count):
        name = f"C{i:07d}"
        (folder / f"{name}.yaml").write_text(template.replace(rid, name))


def stderr_on_terminal(store: Store, args: list[str]) -> str:
    """Run with stderr on a pty and stdout to a pipe; return what stderr showed."""
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen([str(ICSVC), *args], cwd=store.root, env=store.env,
                            stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(timeout=300)
    os.close(leader)
    return seen.decode(errors="replace")


def test_progress_bars_for_big_stores_on_a_terminal(store: Store) -> None:
    big_store(store)
    # the first load after a clone parses every file: a bar (no cache yet)
    assert "Loading requests" in stderr_on_terminal(store, ["queue", "engineering"])
    assert "Loading requests" in stderr_on_terminal(store, ["list"])
    assert "Checking requests" in stderr_on_terminal(store, ["check"])
    # off a terminal: nothing on stderr, the same output
    for args in (["list", "--format", "csv"], ["check"]):
        r = store.icsvc(*args)
        assert "Loading" not in r.err and "Checking" not in r.err
    assert store.ok("check").err == "ok: providers.yaml and 2002 request file(s) are valid\n"


def test_small_stores_show_no_bar(store: Store) -> None:
    store.new(*PART)
    assert "Loading" not in stderr_on_terminal(store, ["list"])


def test_new_asks_again_after_a_bad_answer(store: Store) -> None:
    env = dict(store.env, ICSVC_USER="maria@example.com", COLUMNS="100")
    screen = on_terminal(["new"], env, store.root, [
        ("Provider", "enginering"),
        ("did you mean engineering?", "Engineering"),
        ("Service", "part-clarify"),
        ("Service", "Part-Clarification"),
        ("Title", "Bore diameter on 4471-B"),
        ("order_number", "SO-88412"),
        ("part_number", "4471-B"),
        ("Priority", "asap"),
        ("unknown priority 'asap'", "HIGH"),
        ("Needed by", "someday"),
        ("is not a date", "07/12/2026"),
        ("reads two ways", "thu"),
        ("Details", ""),
    ])
    assert screen.code == 0, screen.text
    assert "engineering  Engineering" in screen.text  # the choices are offered
    assert "part-clarification  Clarify a custom part's spec" in screen.text
    assert "note: Thursday 26 Nov is a holiday in Engineering's calendar" in screen.text
    assert "Next: icsvc commit --pr" in screen.text
    [path] = (store.root / "requests" / "engineering").glob("*.yaml")
    data = yaml.safe_load(path.read_text())
    assert (data["service"], data["priority"], data["title"]) == (
        "part-clarification", "high", "Bore diameter on 4471-B")
    assert data["needed_by"].isoformat() == "2026-11-26T17:00:00-05:00"
    assert "details" not in data


def test_a_bad_option_on_a_terminal_is_asked_again(store: Store) -> None:
    env = dict(store.env, ICSVC_USER="maria@example.com", COLUMNS="100")
    # (the --info keys are part-clarification's: pay-correction would refuse them)
    screen = on_terminal(["new", *PART[2:6], "-p", "payrol", "--priority", "low",
                          "--needed-by", "Dec 14"], env, store.root, [
        ("Provider", "payroll"), ("Service", "pay-correction"), ("employee_id", "E1"),
        ("pay_period", "2026-11"), ("Details", "Overtime of 3 Nov"),
    ])
    assert screen.code == 0, screen.text
    assert "icsvc: error: --provider: unknown provider 'payrol'; did you mean payroll?" \
        not in screen.text
    assert "unknown provider 'payrol'; did you mean payroll?" in screen.text
    [path] = (store.root / "requests" / "payroll").glob("*.yaml")
    data = yaml.safe_load(path.read_text())
    assert data["priority"] == "low" and data["details"] == "Overtime of 3 Nov"
    assert data["needed_by"].isoformat() == "2026-12-14T17:30:00+00:00"


def test_end_of_input_writes_nothing(store: Store) -> None:
    env = dict(store.env, ICSVC_USER="maria@example.com")
    screen = on_terminal(["new"], env, store.root, [("Provider", "\x04")])
    assert screen.code == 1 and "no answer (end of input); nothing was written" in screen.text
    assert not list((store.root / "requests").glob("*/*.yaml"))
