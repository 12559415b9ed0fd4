"""Every command of icsvc, as declared (`declare`): the tree both command lines read,
Typer's (`app.py`) and the quick one (`quick.py`)."""

from __future__ import annotations

import functools

from icsvc.cli.declare import Group


@functools.cache
def commands() -> Group:
    """The commands in the order of `icsvc --help`: the basics, then requester and
    provider, reports, notifications, git, GitHub and tools; then the groups."""
    from icsvc.cli import basics, git, github, notify, people, reports, survey, tools, workflow

    root = Group()
    for module in (basics, workflow, reports, notify, git, github, tools):
        root.commands.extend(module.group.commands)
    root.add_group(survey.group)
    root.add_group(people.group)
    return root


def version() -> str:
    """What `icsvc --version` prints: the version and the time-zone rules in use."""
    from icsvc import __version__
    from icsvc.domain.tzrules import use_newest

    rules, source = use_newest()
    return f"icsvc {__version__} (time-zone rules {rules}, from {source})"
