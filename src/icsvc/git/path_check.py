"""What `check --base` requires of every path a branch touches, from its name and git mode
alone: a canonical request (`requests/<provider>/<ID>.yaml`, the ID in capitals) or survey
answer path (`answer_files.name_problem`), `providers.yaml`, or a mail's attachment
(`attachments/<ID>/<name>`, `store/attachments.py`), and a regular file (a
symlink, submodule or anything else is refused, never followed; in the work tree by
`lstat`); a name that is not UTF-8 is refused, shown escaped. Removing a path that should
not be there is always fine.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from icsvc.domain import ids
from icsvc.git.branch_walk import DELETED, BranchWalk
from icsvc.store import attachments, gitutil
from icsvc.store.answer_files import name_problem as answer_name_problem
from icsvc.store.store import PROVIDERS_FILE, REQUESTS_DIR
from icsvc.store.validate import Problem

REQUEST_NAME = re.compile(rf"^{REQUESTS_DIR}/[a-z0-9][a-z0-9_-]*/[{ids.ALPHABET}]"
                          rf"{{{ids.LENGTH}}}\.yaml$")
"""A request file's path from the store's root, as the commands write it."""
KEEP_FILE = f"{REQUESTS_DIR}/.gitkeep"
"""What `icsvc init` writes so git keeps an empty `requests/`."""
_MODE_WORDS = {"120000": "a symlink", "160000": "a submodule (gitlink)", "040000": "a folder",
               "other": "not a regular file (a FIFO, socket or device)"}


def path_problems(walk: BranchWalk) -> None:
    """Each path the branch's commits and its work tree touch, named once (at the first
    change that gets it wrong)."""
    named: set[str] = set()

    def name(path: str, mode: str, where: str) -> None:
        if path in named:
            return
        problem = path_problem(path, mode, walk.prefix)
        if problem is not None:
            named.add(path)
            shown = gitutil.escaped(walk.store.rel(walk.top / path))
            walk.problems.append(Problem(shown, None, f"{problem} ({where})"))

    for c in walk.commits:
        for path, mode in sorted(walk.judged[c.sha].items()):
            name(path, mode, f"in commit {c.sha[:10]}")
    for path, mode in walk.work.items():
        name(path, mode, "in the work tree, not committed yet")


def path_problem(path: str, mode: str, prefix: str) -> str | None:
    """What is wrong with a path (from the repository's root; the store's folder is
    `prefix`) a branch touches, from its name and git mode alone."""
    if not gitutil.is_utf8(path):  # never served: removing one is a fix
        return None if mode == DELETED else ("a file name that is not UTF-8 (icsvc's "
                                             "files are named in UTF-8): rename or "
                                             "remove it")
    rel = path[len(prefix):]
    if mode != DELETED and mode not in gitutil.REGULAR_MODES:
        what = _MODE_WORDS.get(mode, f"not a regular file (git mode {mode})")
        return (f"{what} where request files, survey answers and providers.yaml are "
                "regular files; icsvc never follows a link: commit the file itself")
    if rel in (PROVIDERS_FILE, KEEP_FILE) or attachments.PATH.match(rel):
        return None
    if rel == REQUESTS_DIR or rel.startswith(f"{REQUESTS_DIR}/"):
        if REQUEST_NAME.match(rel) or (mode == DELETED and not _yaml_name(rel)):
            return None
        stem = PurePosixPath(rel).name.partition(".")[0]
        hint = (f" ({PurePosixPath(rel).parent}/{stem.upper()}.yaml)"
                if ids.is_valid(stem.upper()) else "")
        return ("not a request file name: a request is requests/<provider>/<ID>.yaml, "
                f"the ID in capitals{hint}, and nothing else is kept in requests/")
    if mode == DELETED and not _yaml_name(rel):
        return None
    return answer_name_problem(rel)


def _yaml_name(rel: str) -> bool:
    return rel.lower().endswith((".yaml", ".yml"))
