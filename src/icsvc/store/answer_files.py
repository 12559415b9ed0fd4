"""Where the quarterly survey's answers are kept, reading them, and `icsvc check` of them.

Each answer is one file, `surveys/<quarter>/<provider>/<person>.yaml` (`answer_path`),
written only by that person but for its `responses:`, written by the provider's members
(`domain/answers.py` says what it holds).

`check` (`check_files`): every answer file is valid on its own (`answers.parse_answer`:
keys, ratings, a history in time order by the person, fields equal to the latest answer),
is where its content says (quarter, provider and person match the path), names a provider
of providers.yaml, was given once its quarter had begun, and its person may answer
(`answers.eligible`: they made a request to the provider in that quarter, or belong to a
department it serves), for a department they may answer for. What `check --base`
requires of the answers a branch writes is `git/answer_check.py`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from icsvc.domain.answers import Answer, Asked, Quarter, eligible, may_answer, parse_answer
from icsvc.domain.catalogue import Catalogue
from icsvc.domain.checker import NAME
from icsvc.errors import ValidationError
from icsvc.store import files
from icsvc.store.dirents import NOT_UTF8, entry_problem, folder_problem, is_text
from icsvc.store.store import SURVEYS_DIR, Store

if TYPE_CHECKING:
    from icsvc.store.store import Summary
    from icsvc.store.validate import Problem


# -- where answers are kept --------------------------------------------------------------------


_SAFE = re.compile(r"[a-z0-9._+@-]")


def file_stem(email: str) -> str:
    """The answer file's name without `.yaml`: the email in lower case, with any character
    other than a-z, 0-9, `.`, `_`, `+`, `-` and `@` (and a leading `.`) written as `%XX`
    (its UTF-8 bytes), so the name is the same on every system and never a path."""
    out = []
    for i, char in enumerate(email.strip().lower()):
        if _SAFE.fullmatch(char) and not (i == 0 and char == "."):
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)


def answer_path(root: Path, quarter: Quarter, provider: str, person: str) -> Path:
    """`surveys/<quarter>/<provider>/<person>.yaml` under the store root."""
    return root / SURVEYS_DIR / quarter.label / provider / f"{file_stem(person)}.yaml"


def path_problem(root: Path, path: Path, answer: Answer) -> tuple[str, str] | None:
    """(field, problem) when the file is not where its content says it belongs."""
    expected = answer_path(root, answer.quarter, answer.provider, answer.person)
    if path == expected:
        return None
    try:
        where = path.relative_to(root / SURVEYS_DIR).parts
    except ValueError:
        where = ()
    wanted = expected.relative_to(root).as_posix()
    if len(where) != 3:
        return "", f"answers belong in surveys/<quarter>/<provider>/<person>.yaml ({wanted})"
    if where[0] != answer.quarter.label:
        return "quarter", (f"the file is in surveys/{where[0]}/ but answers about "
                           f"{answer.quarter} (move it to {wanted})")
    if where[1] != answer.provider:
        return "provider", (f"the file is in the folder of {where[1]!r} but answers about "
                            f"{answer.provider!r} (move it to {wanted})")
    return "person", (f"the file name {path.name} is not the person's ({expected.name}: the "
                      "email in lower case)")


_QUARTER_LABEL = re.compile(r"^\d{4}Q[1-4]$")


def name_problem(rel: str) -> str | None:
    """Why a path (from the store's root) that a branch touches is not a survey answer's
    canonical path (`answer_path`), from its name alone."""
    parts = rel.split("/")
    if (len(parts) == 4 and parts[0] == SURVEYS_DIR and _QUARTER_LABEL.match(parts[1])
            and NAME.match(parts[2]) and parts[3].endswith(".yaml")):
        stem = parts[3].removesuffix(".yaml")
        try:
            person = unquote(stem, errors="strict")
        except UnicodeDecodeError:
            person = ""
        if person and file_stem(person) == stem:
            return None
    return ("not a survey answer's name: an answer is surveys/<quarter>/<provider>/<person>"
            ".yaml (e.g. surveys/2026Q4/engineering/maria@example.com.yaml), and nothing "
            "else is kept in surveys/")


# -- reading answers -------------------------------------------------------------------------


def load_answer(path: Path) -> Answer:
    return files.load(path, parse_answer, files.ANSWER_FILE)


def answer_files(root: Path, quarters: Iterable[Quarter] | None = None
                 ) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Every `*.yaml`/`*.yml` under `surveys/` (of those quarters' folders), sorted, and
    (path, why) of each entry there that cannot be read (`readable`: a FIFO, a symlink out
    of the store, a name that is not UTF-8, a folder that cannot be listed). Files in the
    wrong place are listed too, so `check` can say where they belong."""
    top = root / SURVEYS_DIR
    folders = [top / q.label for q in quarters] if quarters is not None else [top]
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    problem = folder_problem(str(top)) if quarters is not None else None
    if problem is not None:
        return files, [(top, problem)]
    for folder in folders:
        _walk(root, str(folder), files, skipped)
    return sorted(files), skipped


def _walk(root: Path, folder: str, files: list[Path],
          skipped: list[tuple[Path, str]]) -> None:
    try:
        with os.scandir(folder) as it:
            found = sorted(it, key=lambda e: e.name)
    except OSError:
        problem = folder_problem(folder)
        if problem is not None:
            skipped.append((Path(folder), problem))
        return
    for e in found:
        if e.name.startswith("."):
            continue
        try:
            if e.is_dir(follow_symlinks=False):
                if is_text(e.name):
                    _walk(root, e.path, files, skipped)
                else:
                    skipped.append((Path(e.path), NOT_UTF8))
                continue
            if not e.name.endswith((".yaml", ".yml")):
                if e.is_symlink() and e.is_dir():
                    skipped.append((Path(e.path), "a symlink where a folder should be "
                                                  "(survey folders must be real folders)"))
                continue
        except OSError as exc:
            skipped.append((Path(e.path), f"cannot read: {exc.strerror}"))
            continue
        problem = NOT_UTF8 if not is_text(e.name) else entry_problem(root, e.path,
                                                                     "a survey answer")
        if problem is None:
            files.append(Path(e.path))
        else:
            skipped.append((Path(e.path), problem))


def load_answers(root: Path, quarters: Iterable[Quarter] | None = None,
                 warn: Any = None) -> list[Answer]:
    """The readable answers (of those quarters); a broken file, or an entry that cannot be
    read, is skipped with a warning."""
    out = []
    paths, skipped = answer_files(root, quarters)
    if warn is not None:
        for path, problem in skipped:
            warn(f"skipped {_shown(root, path)}: {problem}")
    for path in paths:
        try:
            out.append(load_answer(path))
        except ValidationError as exc:
            if warn is not None:
                warn(f"skipped {exc.format()}")
    return out


def _shown(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def created_within(quarters: Sequence[Quarter]) -> Callable[[Summary], bool]:
    """A `Store.load_all` filter: requests created in those quarters (a day's margin each
    side covers every provider's timezone)."""
    utc = ZoneInfo("UTC")
    spans = [(q.bounds(utc)[0] - timedelta(days=1), q.bounds(utc)[1] + timedelta(days=1))
             for q in quarters]
    ranges = [(a.timestamp(), b.timestamp()) for a, b in spans]
    return lambda s: any(a <= s.created < b for a, b in ranges)


# -- check -----------------------------------------------------------------------------------


def check_files(store: Store, cat: Catalogue) -> tuple[list[Problem], int]:
    """The problems of every answer file, and how many files there are."""
    from icsvc.store.validate import Problem  # what checking needs, not reading answers

    paths, skipped = answer_files(store.root)
    problems = [Problem(store.rel(path), 1, problem) for path, problem in skipped]
    if not paths:
        return problems, 0
    answers: list[tuple[Path, Answer]] = []
    for path in paths:
        try:
            answers.append((path, load_answer(path)))
        except ValidationError as exc:
            field = f"{exc.field}: " if exc.field else ""
            problems.append(Problem(store.rel(exc.path), exc.line, f"{field}{exc.problem}"))
    quarters = sorted({a.quarter for _, a in answers})
    requests = store.load_all(where=created_within(quarters)) if quarters else []
    asked: dict[Quarter, dict[tuple[str, str], Asked]] = {
        q: eligible(requests, cat, q) for q in quarters}
    for path, answer in answers:
        problems.extend(_file_problems(store, cat, path, answer, asked[answer.quarter]))
    return problems, len(paths)


def _file_problems(store: Store, cat: Catalogue, path: Path, a: Answer,
                   asked: dict[tuple[str, str], Asked]) -> list[Problem]:
    from icsvc.store import yamlio
    from icsvc.store.validate import Problem

    rel = store.rel(path)
    text = _read(path)
    out: list[Problem] = []

    def add(keys: list[str | int], message: str) -> None:
        out.append(Problem(rel, yamlio.line_of(text, keys) if text else None, message))

    misplaced = path_problem(store.root, path, a)
    if misplaced is not None:
        name, problem = misplaced
        add([name] if name else [], f"{name}: {problem}" if name else problem)
    if a.provider not in cat.providers:
        add(["provider"], f"provider: unknown provider {a.provider!r} "
                          f"(accepted: {', '.join(cat.providers)})")
        return out
    tz = cat.providers[a.provider].calendar.tz
    start, _ = a.quarter.bounds(tz)
    for i, entry in enumerate(a.history):
        if entry.at < start:
            add(["history", i, "at"],
                f"history[{i}].at: {entry.at.isoformat()} is before {a.quarter} began for "
                f"{a.provider} ({start.isoformat()}); a quarter is answered about once it "
                "has begun")
            break
    for i, response in enumerate(a.responses):
        if not cat.providers[a.provider].is_member(response.by):
            add(["responses", i, "by"],
                f"responses[{i}].by: {response.by} is not a member of {a.provider}; only its "
                "members respond to its survey answers (icsvc survey respond)")
    mine = asked.get((a.provider, a.person))
    why = may_answer(mine, a.person, a.provider, a.quarter)
    if why is not None:
        add(["person"], f"person: {why}")
    elif mine is not None and a.department not in mine.departments:
        add(["department"], f"department: {a.department!r} is not a department "
                            f"{a.person} may answer {a.provider}'s {a.quarter} survey for "
                            f"(accepted: {', '.join(sorted(mine.departments))})")
    return out


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
