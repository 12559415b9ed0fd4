"""Every command of icsvc, as declared (`declare`): the tree both command lines read,
Typer's (`app.py`) and the quick one (`quick.py`)."""

from __future__ import annotations

import functools

from icsvc.cli.declare import Command, Group

MODULES = ("basics", "workflow", "reports", "notify", "git", "github", "tools", "survey",
           "people")
"""The modules that declare commands, in the order of `icsvc --help`: the basics, then
requester and provider, reports, notifications, git, GitHub and tools; then the groups (a
module whose `Group` has a name makes one group: `icsvc survey ...`)."""


@functools.cache
def commands() -> Group:
    """Every command and group, in the order of `icsvc --help`."""
    from icsvc.cli import basics, git, github, notify, people, reports, survey, tools, workflow

    # the modules `find` imports by name, written out for the import graph `lint-imports`
    # checks for cycles (an import by name is not in it)
    written = (basics, workflow, reports, notify, git, github, tools, survey, people)
    assert [m.__name__.rsplit(".", 1)[1] for m in written] == list(MODULES)
    root = Group()
    for module in written:
        _add(root, module.group)
    return root


def find(name: str) -> Command | Group | None:
    """The command or group called `name`, importing the modules that declare commands one
    by one, in order, only until it is found (`show` needs one, `queue` two: importing all
    nine costs a command 5 ms)."""
    for module in MODULES:
        declared = Group()
        # `__import__`, not `importlib.import_module`: Python's `-X importtime` (the import
        # budget's test) lists only what the former imports
        _add(declared, __import__(f"icsvc.cli.{module}", fromlist=["group"]).group)
        found = declared.find(name)
        if found is not None:
            return found
    return None


def _add(root: Group, group: Group) -> None:
    """A module's commands to `root`: as a group when it has a name, else each one."""
    if group.name is not None:
        root.add_group(group)
    else:
        root.commands.extend(group.commands)


def version() -> str:
    """What `icsvc --version` prints: the version and the time-zone rules in use."""
    from icsvc import __version__
    from icsvc.domain.tzrules import use_newest

    rules, source = use_newest()
    return f"icsvc {__version__} (time-zone rules {rules}, from {source})"
