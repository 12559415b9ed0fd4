"""`icsvc forms`: one GitHub issue form per provider service, and the chooser's config.yml."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from icsvc.commands import open_store, output_target, write_output
from icsvc.commands.context import Context
from icsvc.errors import IcsvcError, UsageError
from icsvc.github import forms
from icsvc.store import gitutil


def repo_url(option: str | None, folder: Path, top: Path) -> str:
    if option is not None:
        url = forms.normalize_repo_url(option)
        if url is None:
            raise UsageError(f"--repo-url: {option!r} is not a repository URL (accepted: "
                             f"{forms.REPO_URL_ACCEPTED})")
        return url
    found = forms.find_repo_url(folder, top)
    if found is None:
        origin = forms.origin_url(top)
        if origin:
            raise IcsvcError(f"which repository do the forms' links point to? The 'origin' "
                             f"remote is {origin!r}, not a repository on a web host "
                             f"(accepted: {forms.REPO_URL_ACCEPTED}): pass --repo-url "
                             "https://github.com/OWNER/REPO")
        raise IcsvcError("which repository do the forms' links point to? There is no "
                         "'origin' remote to read it from: pass --repo-url "
                         "https://github.com/OWNER/REPO")
    return found


@dataclass
class Forms:
    """The issue forms in `folder` (as shown), `count` of them (and the chooser's
    config.yml): with --check, what no longer matches (`drift`); otherwise each file
    `changes` (written, removed, replaced) and those of the forms' names `kept` because
    they were written by hand."""

    folder: str
    count: int
    drift: list[forms.Drift] = field(default_factory=list)
    changes: list[tuple[str, str]] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def run(ctx: Context, output: Path | None, check_only: bool, repo_url_option: str | None,
        force: bool = False) -> Forms:
    store = open_store(ctx)
    top = gitutil.toplevel(store.root) or store.root
    folder = (output_target(ctx, store, "--output", output, force=force, folder=True)
              if output else top / forms.FORMS_DIR)
    expected = forms.expected_files(store.catalogue, repo_url(repo_url_option, folder, top))
    drift = forms.drift(folder, expected)
    done = Forms(store.rel(folder), len(expected) - 1)
    if check_only:
        done.drift = drift
        return done
    blocked = next((d for d in drift if d.blocked), None)
    if blocked is not None:  # before writing anything
        raise IcsvcError(f"{done.folder}/{blocked.name}: {blocked.problem}")
    for d in drift:
        path = folder / d.name
        if d.name in expected:
            write_output(path, expected[d.name], "--output")
            done.changes.append((d.name, "written"))
        else:
            path.unlink()
            done.changes.append((d.name, "removed"))
    for name in expected:
        path = folder / name
        text, why = forms.read_form(path)
        if why is None and (text is None or not forms.is_generated(text)):
            if force:  # a hand-written file of a generated name: replaced only when asked
                write_output(path, expected[name], "--output")
                done.changes.append((name, "replaced"))
            else:
                done.kept.append(name)
    return done
