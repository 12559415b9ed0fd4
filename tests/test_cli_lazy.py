"""Only the command that runs is built (building all of them costs 60 ms a run): every
command's help, and errors, read the same as when the whole app is built."""

from __future__ import annotations

import contextlib
import io

import pytest

from conftest import Store
from icsvc.cli import app as cli
from icsvc.cli import tree


def _names() -> list[str]:
    root = tree.commands()
    return sorted({c.name for c in root.commands} | {str(g.name) for g in root.groups})


def _full(args: list[str]) -> str:
    """What the whole app (every command built) prints for these arguments."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        cli._command(None)(args=args, prog_name="icsvc", standalone_mode=False)
    return out.getvalue()


@pytest.mark.parametrize("name", _names())
def test_a_commands_help_is_the_same_built_alone(store: Store, name: str) -> None:
    assert cli._invoked([name, "--help"]) == name
    alone = store.ok(name, "--help", env={"COLUMNS": "100"}).out
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COLUMNS", "100")
        assert alone == _full([name, "--help"])


def test_unknown_commands_build_every_command(store: Store) -> None:
    assert cli._invoked(["--help"]) is None and cli._invoked([]) is None
    assert cli._invoked(["lsit"]) is None
    # (`site` is as close a spelling as `list`: both are offered)
    assert "Did you mean 'site', 'list'?" in store.fails("lsit", code=2).err
    assert cli._invoked(["--version"]) == ""


@pytest.mark.parametrize("args", [["--help"], ["-h"], []])
def test_the_root_help_built_without_parameters_is_the_full_builds(
        store: Store, args: list[str]) -> None:
    """`icsvc --help` (and `icsvc` alone) builds every command by its name and help only
    (`_root_help`): what it prints is what the whole app prints."""
    shown = store.ok(*args, env={"COLUMNS": "100"}).out
    assert "list" in shown and "survey" in shown
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COLUMNS", "100")
        assert shown == _full(["--help"])
