"""The quick command line (`cli/quick.py`) against Typer's: for every command, whatever
arguments it is given, the quick parser either leaves them to Typer or gives the command
exactly the values Typer gives it. Typer is the oracle: the arguments are drawn from the
options and choices of the Click command it builds, not from the quick parser's reading.
And the plain runs people and scripts type are read by the quick parser (else it would save
nothing), and the installed script runs them without importing Typer."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ICSVC
from icsvc.cli import app, quick, tree
from icsvc.cli.declare import Command, Group


def _commands(group: Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Command]]:
    for command in group.commands:
        yield " ".join((*path, command.name)), command
    for sub in group.groups:
        assert sub.name is not None
        yield from _commands(sub, (*path, sub.name))


COMMANDS = dict(_commands(tree.commands()))

_SEEN: list[dict[str, Any]] = []


def _typer_command(command: Command) -> Any:
    """The Click command Typer builds from `command` alone; running it records the values
    its function would be called with."""
    one = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                      context_settings={"help_option_names": ["-h", "--help"]})
    one.command(command.name)(app.typed(command.func, call=lambda **v: _SEEN.append(v)))
    return typer.main.get_command(one)


CLICK = {name: _typer_command(command) for name, command in COMMANDS.items()}


def typer_reads(name: str, args: list[str]) -> dict[str, Any] | None:
    """The values Typer gives the command for `args`, or None if it refuses them (or
    answers itself: help)."""
    _SEEN.clear()
    try:
        CLICK[name].main(args=list(args), prog_name="icsvc", standalone_mode=False)
    except Exception:  # noqa: BLE001 - any refusal: a usage error, a bad value
        return None
    return _SEEN[0] if _SEEN else None


def test_every_command_is_read_by_both_with_the_same_names() -> None:
    """Each command's options, flags and arguments are the same for both parsers (a
    declaration the quick parser cannot read fails here, to be taught or left to Typer
    on purpose)."""
    for name, command in COMMANDS.items():
        spec = quick.spec_of(command.func)
        assert spec is not None, name
        ours = {(param.name, option, flag) for option, (param, flag) in spec.options.items()}
        theirs: set[tuple[str, str, bool | None]] = set()
        arguments = []
        for param in CLICK[name].params:
            if param.name == "help":
                continue
            if param.param_type_name == "argument":
                arguments.append((param.name, param.nargs == -1, param.required))
                continue
            flag = param.is_flag and not param.count
            theirs |= {(param.name, o, True if flag else None) for o in param.opts}
            theirs |= {(param.name, o, False) for o in param.secondary_opts}
        assert ours == theirs, name
        assert [(p.name, p.multiple, p.required) for p in spec.arguments] == arguments, name
        by_name = {p.name: p for p in spec.params}
        for param in CLICK[name].params:
            if param.name != "help":
                assert by_name[param.name].envvar == param.envvar, (name, param.name)
                assert by_name[param.name].multiple == bool(param.multiple or param.nargs == -1)


VALUES = ["x", "", "-", "-x", "--", "a=b", "=", "0", "3", "-1", "1_0", " 7", "1e3", "65535",
          "65536", "0.5", "nan", "101", "json", "JSON", "csv", "table", "text", "html",
          "github", "markdown", "bash", "providers", "2026Q4", "09KR", "eng", "--help", "-h",
          "/nonexistent/x", ".", "é", "--as", "-p", "--store=x", "--format"]


def _tokens(name: str) -> st.SearchStrategy[list[str]]:
    """Arguments for the command `name`: its own options (every spelling, alone, followed
    by a value or with `=VALUE`), values of every kind (its choices and their other cases
    among them), and a few strangers."""
    options: list[str] = []
    choices: list[str] = []
    for param in CLICK[name].params:
        options += [*param.opts, *param.secondary_opts]
        choices += [str(c.value if isinstance(c, Enum) else c)
                    for c in getattr(param.type, "choices", ()) or ()]
    choices += [c.upper() for c in choices] + [c.title() for c in choices]
    values = st.sampled_from(VALUES + choices)
    option = st.sampled_from(options)
    pair = st.tuples(option, values)
    strangers = st.sampled_from(["--nope", "-z", "-fjson", "-pit", "-h", "--help", "--"])
    unit = st.one_of(option.map(lambda o: [o]), pair.map(list),
                     pair.map(lambda t: [f"{t[0]}={t[1]}"]), values.map(lambda v: [v]),
                     strangers.map(lambda v: [v]), st.text(max_size=4).map(lambda v: [v]))
    return st.lists(unit, max_size=5).map(lambda units: [t for u in units for t in u])


@pytest.mark.parametrize("name", sorted(COMMANDS))
@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), store=st.sampled_from([None, "", "elsewhere"]))
def test_the_quick_parser_gives_what_typer_gives_or_leaves_it(
        name: str, data: st.DataObject, store: str | None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    args = data.draw(_tokens(name))
    if store is None:
        monkeypatch.delenv("ICSVC_STORE", raising=False)
    else:
        monkeypatch.setenv("ICSVC_STORE", store)
    spec = quick.spec_of(COMMANDS[name].func)
    assert spec is not None
    try:
        ours = quick.read(spec, args)
    except quick.Unsure:
        return
    theirs = typer_reads(name, args)
    assert theirs is not None, (name, args, ours)
    assert ours == theirs, (name, args)
    assert [type(v) for v in ours.values()] == [type(v) for v in theirs.values()], (name, args)


PLAIN = [
    ["list"], ["list", "-f", "csv"], ["list", "--all", "--format=json", "--as", "a@b.c"],
    ["list", "--status", "new", "--status", "in-progress", "-p", "it", "--mine"],
    ["queue"], ["queue", "engineering", "it", "--mine"], ["queue", "-f", "csv"],
    ["show", "09KR"], ["show", "09KR", "-f", "json", "--store", "s"], ["sla", "legal"],
    ["check"], ["check", "--base", "origin/main", "--format", "github"],
    ["update", "09KR", "--note", "-- a note that starts with dashes", "--progress", "50"],
    ["triage", "09KR", "--ack", "--assign", "wei", "--promise", "tomorrow noon"],
    ["report", "--quarter", "2026Q4", "-o", "out.html", "--force"],
    ["report", "--since", "4 weeks ago", "-p", "it", "-f", "markdown"],
    ["new", "-p", "it", "-s", "laptop", "-t", "Laptop", "--info", "user=jo"],
    ["explain", "09KR"], ["feedback", "09KR", "-r", "5"], ["survey", "review", "it"],
]


@pytest.mark.parametrize("args", PLAIN, ids=" ".join)
def test_plain_runs_are_read_by_the_quick_parser(args: list[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ICSVC_STORE", raising=False)
    found = quick.parse(tree.find, args)
    assert found is not None, args
    command = [*args[:2]] if args[0] == "survey" else args[:1]
    assert found[1] == typer_reads(" ".join(command), args[len(command):])


@pytest.mark.parametrize("args", [
    [], ["--help"], ["list", "--help"], ["list", "-h"], ["lsit"], ["list", "--stauts", "x"],
    ["show"], ["show", "A", "B"], ["list", "-f", "xml"], ["update", "X", "--progress", "lots"],
    ["list", "-fcsv"], ["survey"], ["survey", "nope"], ["show", "--", "-X"],
    ["list", "--mine=yes"], ["list", "--format"], ["site", "--port", "70000"],
])
def test_anything_else_is_left_to_typer(args: list[str]) -> None:
    assert quick.parse(tree.find, args) is None


def test_a_path_that_cannot_be_read_is_left_to_typer(tmp_path: Path) -> None:
    """Typer's paths refuse one that exists and cannot be read: so does the quick parser
    (it leaves it to Typer, which says so)."""
    secret = tmp_path / "secret.html"
    secret.write_text("", encoding="utf-8")
    secret.chmod(0)
    args = ["report", "-o", str(secret)]
    if os.access(secret, os.R_OK):
        pytest.skip("this user reads every file (root)")
    assert quick.parse(tree.find, args) is None
    assert typer_reads("report", args[1:]) is None


@pytest.mark.slow
def test_the_installed_script_runs_a_plain_command_without_typer(tmp_path: Path) -> None:
    """The console script, in a fresh process, for `--version` and a plain run: no module
    of Typer or Click is loaded (`-X importtime` lists every import)."""
    assert ICSVC
    for args in (["--version"], ["schema", "request"]):
        proc = subprocess.run([ICSVC, *args], cwd=tmp_path, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}, timeout=60)
        assert proc.returncode == 0, proc.stderr[-2000:]
        loaded = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
                  if line.startswith("import time:")}
        assert "icsvc" in loaded
        assert not {m for m in loaded if m.split(".")[0] in ("typer", "click")}, args


def test_each_name_is_found_where_the_help_lists_it() -> None:
    """`tree.find` (which imports the declaring modules only until it finds the name) gives
    what the whole tree gives, for every name, and names are not declared twice."""
    root = tree.commands()
    names = [c.name for c in root.commands] + [str(g.name) for g in root.groups]
    assert len(names) == len(set(names))
    for name in names:
        assert tree.find(name) is root.find(name), name
    assert tree.find("lsit") is None
