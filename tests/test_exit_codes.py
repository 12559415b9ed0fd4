"""The exit code contract, walked over every command of the app (enumerated from the Typer
app, so a new command is covered without editing this file): 0 done, 1 refused by a rule
or not found, 2 bad usage (a missing or malformed option or argument), 3 a bug, which no
case here may reach; never a traceback.

Each command goes through each class it can reach: `--help` (0), an unknown option (2),
a missing required argument (2), each malformed value (2), an unknown request ID (1) and
a refusal by a rule (1). A new command must be given its refusal below (or be named as
having none), or `test_every_command_is_classified` fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import Result, Store, make_store

MARIA, ANA = "maria@example.com", "ana@example.com"
UNKNOWN_ID = "ZZZZZZZZ"


def _commands() -> list[tuple[str, Any]]:
    from icsvc.cli import app as cli

    def walk(cmd: Any, path: list[str]) -> Iterator[tuple[str, Any]]:
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                yield from walk(sub, [*path, name])
        else:
            yield " ".join(path), cmd

    return list(walk(cli._command(), []))


COMMANDS = _commands()
NAMES = [name for name, _ in COMMANDS]
BY_NAME = dict(COMMANDS)


def _is_argument(param: Any) -> bool:
    return bool(param.param_type_name == "argument")


def _takes_id(cmd: Any) -> bool:
    return any(_is_argument(p) and p.metavar == "ID" for p in cmd.params)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str, Path]]:
    """One store for every case (no case may change it): a request, and the files the
    commands that read one take."""
    root = tmp_path_factory.mktemp("exit")
    store = make_store(root / "store")
    rid = str(store.ok("new", "-p", "engineering", "-s", "part-clarification", "-t", "Bore",
                       "--info", "order_number=SO-1", "--info", "part_number=P-2",
                       "--format", "json", actor=MARIA).json()["id"])
    store.git("add", "-A")
    store.git("commit", "-qm", "a request")
    files = root / "files"
    files.mkdir()
    for name in ("base", "ours", "theirs"):
        (files / name).write_text("")
    (files / "event.json").write_text("{}")
    (files / "people.csv").write_text("email,department\n")
    yield store, rid, files


def _fill(name: str, param: Any, rid: str, files: Path) -> list[str]:
    """A valid value for a required parameter."""
    if param.metavar == "ID":
        value = rid
    elif param.name == "rating":
        value = "5"
    elif param.name == "quarter":
        value = "2026Q4"
    elif param.name == "event":
        value = str(files / "event.json")
    elif param.name == "csv_file":
        value = str(files / "people.csv")
    elif param.name in ("base", "ours", "theirs"):
        value = str(files / param.name)
    elif param.name == "provider":
        value = "engineering"
    elif param.name == "person":
        value = MARIA
    elif param.name == "response":
        value = "We are on it"
    elif param.name == "out":
        value = str(files / "site")
    elif hasattr(param.type, "choices"):
        value = str(param.type.choices[0])
    else:  # pragma: no cover - a new required parameter: say which
        raise AssertionError(f"{name}: give _fill() a value for {param.name}")
    return [value] if _is_argument(param) else [param.opts[0], value]


def _required(name: str, rid: str, files: Path, skip: Any = None) -> list[str]:
    out: list[str] = []
    for param in BY_NAME[name].params:
        if param.required and param is not skip:
            out += _fill(name, param, rid, files)
    return out


def run(store: Store, name: str, *args: str, actor: str = ANA) -> Result:
    result = store.icsvc(*name.split(), *args, actor=actor)
    assert "Traceback" not in result.err, result.err
    assert result.code != 3, f"icsvc {name} {' '.join(args)}: a bug\n{result.err}"
    return result


def expect(result: Result, code: int, what: str, report: bool = False) -> None:
    """The exit code, and for an error one line on stderr (`report`: a check's finding, in
    its report on stdout)."""
    assert result.code == code, f"{what}: exit {result.code}, not {code}\n{result.err}"
    if code and report:
        assert result.out.strip(), what
    elif code:
        lines = result.err.strip().splitlines()
        assert lines and lines[0].startswith("icsvc: "), result.err


@pytest.mark.parametrize("name", NAMES)
def test_help_exits_0(world: tuple[Store, str, Path], name: str) -> None:
    result = run(world[0], name, "--help")
    expect(result, 0, f"icsvc {name} --help")
    assert "Usage:" in result.out


@pytest.mark.parametrize("name", NAMES)
def test_an_unknown_option_exits_2_pointing_to_the_commands_help(
        world: tuple[Store, str, Path], name: str) -> None:
    store, rid, files = world
    result = run(store, name, *_required(name, rid, files), "--no-such-option")
    expect(result, 2, f"icsvc {name} --no-such-option")
    assert f"(see 'icsvc {name} --help')" in result.err


REQUIRED = [(name, p.name) for name, cmd in COMMANDS for p in cmd.params if p.required]


@pytest.mark.parametrize(("name", "param"), REQUIRED)
def test_a_missing_required_argument_exits_2(world: tuple[Store, str, Path], name: str,
                                             param: str) -> None:
    store, rid, files = world
    missing = next(p for p in BY_NAME[name].params if p.name == param)
    result = run(store, name, *_required(name, rid, files, skip=missing))
    expect(result, 2, f"icsvc {name} without {param}")
    assert f"icsvc {name} --help" in result.err


def _malformed() -> list[tuple[str, str, str]]:
    """(command, parameter, a malformed value) for each typed parameter of each command."""
    out: list[tuple[str, str, str]] = []
    for name, cmd in COMMANDS:
        for p in cmd.params:
            if p.metavar == "ID":
                out += [(name, p.name, "bad!"), (name, p.name, "AB")]
            elif hasattr(p.type, "choices"):
                out.append((name, p.name, "no-such-choice"))
            elif p.type.name in ("integer", "float"):
                out.append((name, p.name, "many"))
    out += [("update", "progress", "150"), ("update", "progress", "-1"),
            ("feedback", "rating", "6"), ("survey answer", "rating", "0")]
    return out


@pytest.mark.parametrize(("name", "param", "value"), _malformed())
def test_a_malformed_value_exits_2(world: tuple[Store, str, Path], name: str, param: str,
                                   value: str) -> None:
    store, rid, files = world
    target = next(p for p in BY_NAME[name].params if p.name == param)
    given = [value] if _is_argument(target) else [target.opts[0], value]
    args = _required(name, rid, files, skip=target)
    # arguments keep their place: the malformed one goes where it belongs
    if _is_argument(target):
        position = [p for p in BY_NAME[name].params
                    if _is_argument(p) and p.required].index(target)
        args = args[:position] + given + args[position:]
    else:
        args += given
    result = run(store, name, *args, *EXTRA.get(name, []))
    expect(result, 2, f"icsvc {name} {' '.join(args)}")


EXTRA: dict[str, list[str]] = {
    "triage": ["--ack"], "update": ["--note", "x"], "escalate": ["--reason", "late"],
}
"""What an ID-taking command needs beside the ID to get as far as reading the request."""


@pytest.mark.parametrize("name", [n for n, cmd in COMMANDS if _takes_id(cmd)])
def test_an_unknown_id_exits_1(world: tuple[Store, str, Path], name: str) -> None:
    store, rid, files = world
    args = [UNKNOWN_ID if a == rid else a for a in _required(name, rid, files)]
    result = run(store, name, *args, *EXTRA.get(name, []))
    expect(result, 1, f"icsvc {name} {UNKNOWN_ID}")
    assert f"no request with an ID starting '{UNKNOWN_ID}'" in result.err


REFUSALS: dict[str, tuple[list[str], str]] = {
    # command: (arguments, who runs it); "{id}" is the store's request
    "init": (["."], ANA),  # a store is there already
    "new": (["-p", "engineering", "-s", "part-clarification", "-t", "x", "--info",
             "order_number=1", "--info", "part_number=2", "--priority", "urgent"], MARIA),
    "triage": (["{id}", "--ack"], MARIA),  # the requester cannot acknowledge
    "update": (["{id}", "--status", "resolved"], MARIA),
    "escalate": (["{id}", "--answer", "yes"], MARIA),  # not the escalation contact
    "feedback": (["{id}", "--rating", "5"], MARIA),  # not resolved yet
    "commit": ([], ANA),  # nothing to commit
    "sync": ([], ANA),  # no remote
    "codeowners": (["--check"], ANA),  # no CODEOWNERS yet: stale
    "forms": ([], ANA),  # no GitHub origin
    "survey answer": (["engineering", "--quarter", "2026Q4", "--rating", "5"], ANA),
    # only a member of the provider responds to its survey
    "survey respond": (["engineering", "--quarter", "2026Q4", "--person", MARIA,
                        "--response", "x"], MARIA),
}
"""A refusal by a rule for each command that has one."""

NO_RULE = {
    "sla": "reading is open to everyone; an unknown provider is a value outside the list (2)",
    "show": "reading is open to everyone",
    "list": "reading is open to everyone",
    "explain": "reading is open to everyone",
    "queue": "reading is open to everyone",
    "report": "reading is open to everyone",
    "survey send": "tells who to ask; refuses nothing of a valid store",
    "check": "a failed check exits 1 (tests/test_check.py); the store here is valid",
    "notify": "tells what happened; refuses nothing of a valid store",
    "digest": "tells what is due; refuses nothing of a valid store",
    "git-setup": "sets this clone up; its refusals need a missing signing key file (2)",
    "merge-driver": "git runs it; it merges whatever it is given, conflicts as entries",
    "intake": "an event file it cannot use is bad usage (tests/test_intake.py)",
    "completion": "prints a script",
    "mail": "a message it cannot use is answered by mail (tests of mail intake)",
    "people import": "only an admin may change departments: check --base refuses it later",
    "schema": "prints a schema",
    "site": "builds pages of what it reads; reading is open to everyone",
    "survey review": "reading is open to everyone",
    "survey intake": "an event it cannot use is answered on the issue (tests/test_survey_form.py)",
    "recur": "makes what is due; a recurrence that cannot be made is a check finding",
}


def test_every_command_is_classified() -> None:
    """A new command says which refusal it has (or that it has none)."""
    assert set(NAMES) == set(REFUSALS) | set(NO_RULE), set(NAMES) ^ (set(REFUSALS)
                                                                       | set(NO_RULE))
    assert not set(REFUSALS) & set(NO_RULE)


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_a_refusal_by_a_rule_exits_1(world: tuple[Store, str, Path], name: str) -> None:
    store, rid, _files = world
    args, actor = REFUSALS[name]
    before = store.snapshot()
    result = run(store, name, *[a.replace("{id}", rid) for a in args], actor=actor)
    expect(result, 1, f"icsvc {name} {' '.join(args)}", report=name == "codeowners")
    assert store.snapshot() == before  # nothing written
