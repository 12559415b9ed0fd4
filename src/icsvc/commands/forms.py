"""`icsvc forms`: one GitHub issue form per provider service, and the chooser's config.yml."""

from __future__ import annotations

from pathlib import Path

import typer

from icsvc.commands import open_store, output_target, write_output
from icsvc.commands.context import Context
from icsvc.errors import IcsvcError, UsageError
from icsvc.github import forms
from icsvc.output.ui import console, print_json
from icsvc.store import gitutil


def repo_url(option: str | None, folder: Path, top: Path) -> str:
    if option is not None:
        url = forms.normalize_repo_url(option)
        if url is None:
            raise UsageError(f"--repo-url: {option!r} is not a repository URL (accepted: "
                             "https://github.com/OWNER/REPO or a git remote URL)")
        return url
    found = forms.find_repo_url(folder, top)
    if found is None:
        raise IcsvcError("which repository do the forms' links point to? There is no "
                         "'origin' remote to read it from: pass --repo-url "
                         "https://github.com/OWNER/REPO")
    return found


def run(ctx: Context, output: Path | None, check_only: bool, repo_url_option: str | None,
        fmt: str, force: bool = False) -> None:
    store = open_store(ctx)
    top = gitutil.toplevel(store.root) or store.root
    folder = (output_target(ctx, store, "--output", output, force=force, folder=True)
              if output else top / forms.FORMS_DIR)
    expected = forms.expected_files(store.catalogue, repo_url(repo_url_option, folder, top))
    drift = forms.drift(folder, expected)
    shown = store.rel(folder)
    if check_only:
        if fmt == "json":
            print_json([{"path": f"{shown}/{d.name}", "line": d.line or 1,
                         "message": d.problem} for d in drift])
        else:
            for d in drift:
                print(f"{shown}/{d.name}:{d.line or 1}: {d.problem}")
            if not drift:
                console().print(f"{shown}: {len(expected) - 1} issue form(s) and "
                                f"{forms.CONFIG_FILE} are up to date.", markup=False)
        if drift:
            raise typer.Exit(1)
        return
    blocked = next((d for d in drift if d.blocked), None)
    if blocked is not None:  # before writing anything
        raise IcsvcError(f"{shown}/{blocked.name}: {blocked.problem}")
    changes: list[tuple[str, str]] = []
    kept: list[str] = []
    for d in drift:
        path = folder / d.name
        if d.name in expected:
            write_output(path, expected[d.name], "--output")
            changes.append((d.name, "written"))
        else:
            path.unlink()
            changes.append((d.name, "removed"))
    for name in expected:
        path = folder / name
        text, why = forms.read_form(path)
        if why is None and (text is None or not forms.is_generated(text)):
            if force:  # a hand-written file of a generated name: replaced only when asked
                write_output(path, expected[name], "--output")
                changes.append((name, "replaced"))
            else:
                kept.append(name)
    if fmt == "json":
        print_json({"folder": shown, "forms": len(expected) - 1,
                    "changes": [{"file": f"{shown}/{n}", "change": c} for n, c in changes],
                    "kept": [f"{shown}/{n}" for n in kept]})
        return
    con = console()
    if not changes:
        con.print(f"{shown}: {len(expected) - 1} issue form(s) and {forms.CONFIG_FILE} are up "
                  "to date.", markup=False)
    else:
        con.print(f"{shown}: {len(expected) - 1} issue form(s) and {forms.CONFIG_FILE}:",
                  markup=False)
        for name, change in changes:
            con.print(f"  {change:8} {name}", markup=False)
    for name in kept:
        con.print(f"  kept     {name} (written by hand: icsvc leaves it alone; --force "
                  "replaces it)", markup=False)
    if changes:
        con.print("Commit them. GitHub offers the forms under New issue once they are on the "
                  "default branch.", markup=False)
