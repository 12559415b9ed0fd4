"""What a command loads: the installed script, run in a fresh process on a warm store (its
index built), lists the modules it imported. A read command loads no YAML parser (the
catalogue is kept parsed in the index), none of the heavy libraries only some commands need,
and of icsvc only its own command's modules; `--version` loads no command at all. Each
module costs start-up time on every run, and the start is the whole cost on a small store.

Also: the kept catalogue is never stale, and a damaged one is never believed."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ICSVC, Store
from test_example_store import SNAPSHOT, example  # noqa: F401 (the fixture)

HEAVY = ("yaml", "dateutil", "holidays", "apprise", "jinja2", "tabulate", "_hashlib", "rich",
         "typer", "click")
"""Libraries a read command on a warm store never needs (`_hashlib`: OpenSSL's hashes;
Typer: a plain run is read by the quick parser, `cli/quick.py`)."""

OTHERS = ("icsvc.git", "icsvc.github", "icsvc.notify", "icsvc.reports", "icsvc.store.yamlio",
          "icsvc.store.validate", "icsvc.store.answer_files")
"""icsvc's packages and modules a read command never needs."""

SOME_ID = "K9QGTDJ4"  # an open request of the example store


def loaded(store: Store, *args: str) -> set[str]:
    """The modules the installed script imports for `icsvc ARGS`, output piped."""
    assert ICSVC
    env = {**store.env, "ICSVC_NOW": SNAPSHOT, "PYTHONPROFILEIMPORTTIME": "1"}
    env.pop("ICSVC_DEBUG", None)
    proc = subprocess.run([ICSVC, *args], cwd=store.root, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
            if line.startswith("import time:") and "|" in line} - {"package"}


def _budget(modules: set[str], command: str | None, extra: tuple[str, ...] = ()) -> list[str]:
    """What `modules` holds beyond the budget of a read command named `command` (None: no
    command at all)."""
    over = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    for m in sorted(modules):
        if not m.startswith("icsvc."):
            continue
        if m.startswith(OTHERS) and not m.startswith(extra):
            over.append(m)
        parts = m.split(".")
        if command is None and parts[1] in ("commands", "workflow", "store", "output"):
            over.append(m)
        if command is not None and parts[1] in ("commands", "output") and len(parts) > 2 \
                and parts[2] not in (command, "context", "ui", "pager", "fasttable"):
            over.append(m)  # another command's module
    return over


@pytest.fixture
def warm(example: Store) -> Store:  # noqa: F811 (the fixture imported above)
    """The example store with its index built, as after any first command."""
    example.ok("queue", "-f", "csv", now=SNAPSHOT, script=True)
    return example


@pytest.mark.parametrize(("args", "command"), [
    (("--version",), None),
    (("queue", "-f", "csv"), "queue"),
    (("list", "-f", "csv"), "listing"),
    (("show", SOME_ID, "-f", "json"), "show"),
])
def test_a_read_command_loads_only_what_it_uses(warm: Store, args: tuple[str, ...],
                                                 command: str | None) -> None:
    modules = loaded(warm, *args)
    assert "icsvc" in modules  # the listing works
    assert _budget(modules, command) == []


def test_a_command_of_the_first_module_imports_no_other_declarations(warm: Store) -> None:
    """`show` is declared in `cli/basics.py`: the modules declaring the other commands are
    not imported to find it (`tree.find`)."""
    modules = loaded(warm, "show", SOME_ID, "-f", "json")
    assert "icsvc.cli.basics" in modules
    assert sorted(m for m in modules if m.startswith("icsvc.cli.")
                  and m.split(".")[2] in ("workflow", "reports", "notify", "git", "github",
                                          "tools", "survey", "people")) == []


LISTING_NEVER = ("icsvc.domain.history.kinds", "icsvc.domain.history.replaying",
                 "icsvc.domain.history.request", "icsvc.domain.history.creation")
"""A listing of open requests reads kept cards: it never builds the entry kinds' classes (a
third of icsvc's own start-up) nor parses a request."""


@pytest.mark.parametrize("args", [("queue", "-f", "csv"), ("list", "-f", "csv")])
def test_a_listing_on_a_warm_store_builds_no_entry_kind(warm: Store,
                                                         args: tuple[str, ...]) -> None:
    modules = loaded(warm, *args)
    assert "icsvc.domain.history.state" in modules  # the listing works
    assert sorted(modules & set(LISTING_NEVER)) == []


def test_the_history_package_face_is_whole_and_lazy() -> None:
    """Every name of `icsvc.domain.history` resolves from the module `_WHERE` names; none is
    imported before it is asked for."""
    code = (
        "import sys\n"
        "from icsvc.domain import history\n"
        "assert 'icsvc.domain.history.kinds' not in sys.modules\n"
        "assert sorted(history.__all__) == sorted(history._WHERE)\n"
        "for name, module in history._WHERE.items():\n"
        "    value = getattr(history, name)\n"
        "    assert getattr(sys.modules['icsvc.domain.history.' + module], name) is value\n"
        "assert callable(history.replay)\n"  # the function, not a module of that name
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_the_type_checker_sees_the_history_face_the_code_gives() -> None:
    """The names `icsvc.domain.history` imports for the type checker (`if TYPE_CHECKING:`)
    are those `_WHERE` gives at run time, each from the same module: the two lists are kept
    by hand, and a name in one only would type-check and then fail, or the reverse."""
    import ast

    from icsvc.domain import history

    tree = ast.parse(Path(history.__file__).read_text(encoding="utf-8"))
    checked = {alias.name: node.module.rsplit(".", 1)[1]
               for block in tree.body if isinstance(block, ast.If)
               and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
               for node in block.body if isinstance(node, ast.ImportFrom) and node.module
               for alias in node.names}
    assert checked == history._WHERE


@pytest.mark.parametrize("args", [("queue",), ("list",), ("show", SOME_ID)])
def test_plain_piped_output_loads_no_rich(warm: Store, args: tuple[str, ...]) -> None:
    assert not {m for m in loaded(warm, *args) if m.split(".")[0] == "rich"}


def test_a_change_shown_on_a_pipe_loads_no_rich(warm: Store) -> None:
    """`update` (as `triage` and `escalate`, the commands a provider runs all day) writes
    what changed without Rich."""
    modules = loaded(warm, "update", SOME_ID, "--note", "on it", "--as", "tomas@example.com")
    assert "icsvc.commands.update" in modules
    assert not {m for m in modules if m.split(".")[0] in ("typer", "click")}
    assert not {m for m in modules if m.split(".")[0] == "rich"}


@pytest.mark.parametrize("args", [
    ("update", SOME_ID, "--note", "on it", "--as", "tomas@example.com"),
    ("triage", SOME_ID, "--priority", "high", "--note", "the board meets on Monday",
     "--as", "tomas@example.com"),
])
def test_a_change_to_a_plain_file_loads_no_yaml_library(warm: Store,
                                                        args: tuple[str, ...]) -> None:
    """The plain form icsvc writes is read and written by `plainyaml`: PyYAML is for files
    a person wrote otherwise (a comment, quotes of their own). And a listing that reads a
    file changed by other means (a pull, a checkout) does without it too."""
    path = next(warm.root.glob(f"requests/*/{SOME_ID}.yaml"))
    before = path.read_text(encoding="utf-8")
    modules = loaded(warm, *args)
    assert path.read_text(encoding="utf-8") != before  # it wrote
    assert sorted(m for m in modules if m.split(".")[0] == "yaml"
                  or m == "icsvc.store.pyyamlio") == []
    assert sorted(m for m in modules if m.split(".")[0] == "filelock") == []  # flock itself
    # the temp file's name: `os.urandom`, not `secrets` (7 ms of OpenSSL's hashes)
    assert sorted(m for m in modules if m in ("secrets", "_hashlib")) == []
    path.write_text(before, encoding="utf-8")  # as a checkout would put it back
    modules = loaded(warm, "list", "-f", "csv")
    assert "icsvc.store.plainyaml" in modules  # the file was read again
    assert sorted(m for m in modules if m.split(".")[0] == "yaml") == []


def test_a_file_with_a_comment_is_read_and_kept_by_pyyaml(warm: Store) -> None:
    """A comment a person added is kept by the next write (PyYAML reads and rewrites it)."""
    path = next(warm.root.glob(f"requests/*/{SOME_ID}.yaml"))
    path.write_text("# keep me\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    modules = loaded(warm, "update", SOME_ID, "--note", "on it", "--as", "tomas@example.com")
    assert "icsvc.store.pyyamlio" in modules
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# keep me\n") and "note: on it" in text


def test_a_help_loads_no_store_and_no_heavy_library(warm: Store) -> None:
    """Help is Typer's (which may use Rich): nothing else heavy, no store."""
    modules = loaded(warm, "list", "--help")
    typers = ("typer", "click", "rich")
    assert sorted(m for m in modules if m.split(".")[0] in HEAVY
                  and m.split(".")[0] not in typers) == []
    assert not [m for m in modules if m.startswith(("icsvc.store", "icsvc.workflow"))]


# -- the kept catalogue ------------------------------------------------------------------

def _kept(store: Store) -> str:
    with sqlite3.connect(store.root / ".icsvc" / "index.sqlite") as conn:
        (value,), = conn.execute("SELECT value FROM meta WHERE key = 'catalogue'")
    assert isinstance(value, str)
    return value


def _set_kept(store: Store, value: str) -> None:
    with sqlite3.connect(store.root / ".icsvc" / "index.sqlite") as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'catalogue'", (value,))


def test_the_catalogue_is_kept_and_an_edit_in_place_is_seen(warm: Store) -> None:
    assert '"providers":' in _kept(warm)
    path = warm.root / "providers.yaml"
    text = path.read_text(encoding="utf-8")
    st = os.stat(path)
    assert "name: Facilities" in text
    path.write_text(text.replace("name: Facilities", "name: Facilitiez"), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same time
    out = warm.ok("sla", now=SNAPSHOT, script=True).out
    assert "Facilitiez" in out and "Facilities" not in out
    assert "Facilitiez" in _kept(warm)


def test_a_catalogue_made_invalid_is_refused_with_its_line(warm: Store) -> None:
    path = warm.root / "providers.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("timezone: America/New_York", "timezone: Mars/Olympus", 1),
                    encoding="utf-8")
    result = warm.fails("list", "-f", "csv", now=SNAPSHOT, script=True)
    assert "providers.yaml:" in result.err and "Mars/Olympus" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize("damage", ["not json", '{"providers": 7}', "[]", '{"\\u0000t": 1}'])
def test_a_damaged_kept_catalogue_is_not_believed(warm: Store, damage: str) -> None:
    good = warm.ok("queue", "-f", "csv", now=SNAPSHOT, script=True).out
    key = _kept(warm).split("\n", 1)[0]
    _set_kept(warm, f"{key}\n{damage}")
    assert warm.ok("queue", "-f", "csv", now=SNAPSHOT, script=True).out == good
    assert _kept(warm).startswith(key + "\n{")  # kept again, from the file


def test_the_modules_defining_commands_keep_their_annotations_as_objects() -> None:
    """Typer evaluates string annotations (`from __future__ import annotations`) one by one
    when it builds a command, and the quick parser reads them as objects: the modules that
    declare commands keep them as objects."""
    import icsvc.cli

    folder = Path(icsvc.cli.__file__).parent
    defining = [p.name for p in sorted(folder.glob("*.py"))
                if "@group.command(" in p.read_text(encoding="utf-8")]
    assert "basics.py" in defining and "workflow.py" in defining
    assert [name for name in defining
            if "\nfrom __future__ import annotations" in (folder / name).read_text(
                encoding="utf-8")] == []
