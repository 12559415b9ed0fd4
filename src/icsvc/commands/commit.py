"""`icsvc commit`: commit the changed request files and survey answers, each person's
entries as them; push;
open the pull request.

`check --base` accepts a history entry only from a commit authored by the person in its
`by`, so this makes one commit per person (`git.commit.plan`), each with that person as the
author; `--as EMAIL` commits that person's alone. When the store requires signed commits,
a commit can only be signed by its author's key, so changes of several people are refused
with the command each of them runs. `--push` pushes the branch; `--pr` also opens the pull
request with `gh`, first moving the work to a new branch when it sits on the default branch.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from icsvc.commands import open_store
from icsvc.commands.context import Context
from icsvc.errors import IcsvcError
from icsvc.git import commit
from icsvc.store import gitutil
from icsvc.store.store import Store


@dataclass
class Options:
    message: str | None = None
    push: bool = False
    pr: bool = False


@dataclass
class Made:
    """One commit made: its hash, message, author and files."""

    sha: str
    message: str
    author: str
    email: str
    files: list[str]


@dataclass
class Outcome:
    """What was committed (`commits`; `sha`, `files` etc. are the last one's), left out and
    why (`skipped`), pushed and opened."""

    commits: list[Made] = field(default_factory=list)
    branch: str | None = None
    created_branch: bool = False
    sha: str | None = None
    message: str | None = None
    author: str | None = None
    email: str | None = None
    files: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    pushed_to: str | None = None
    pr_url: str | None = None
    pr_hint: str | None = None


def default_branch(top: Path, remote: str | None) -> str | None:
    """The branch pull requests go to: the remote's HEAD, else git's init.defaultBranch, else
    main or master when one of them exists."""
    if remote:
        found = gitutil.remote_default_branch(top, remote)
        if found:
            return found
    configured = gitutil.config_get(top, "init.defaultBranch")
    if configured:
        return configured
    for name in ("main", "master"):
        if gitutil.branch_exists(top, name):
            return name
    return None


def _remote(top: Path) -> str:
    up = gitutil.upstream(top)
    if up is not None:
        return up[0]
    names = gitutil.remotes(top)
    if "origin" in names or not names:
        if not names:
            raise IcsvcError("no remote to push to: add one ('git remote add origin URL'), "
                             "then run 'icsvc commit --push' again")
        return "origin"
    return names[0]


def send(ctx: Context, store: Store, opts: Options, *, first_ids: list[str] | None = None,
         only: str | None = None) -> Outcome:
    """Commit the pending changes (`only`: that person's), then push and open a pull
    request as asked. Used by `icsvc commit` and `icsvc new --pr`."""
    top = gitutil.require_repo(store.root)
    plan = commit.plan(top, store.root, store.catalogue, only)
    out = Outcome(skipped=plan.skipped)
    branch = gitutil.current_branch(top)
    if (opts.push or opts.pr) and branch is None:
        raise IcsvcError("not on a branch (detached HEAD): 'git switch -c NAME' first")
    if not plan.commits and not opts.push:
        why = "; ".join(f"{p}: {reason}" for p, reason in plan.skipped[:3])
        whose = f" by {only}" if only else ""
        raise IcsvcError(f"nothing to commit: no request file has new history entries{whose}"
                         + (f" ({why})" if why else ""))
    if plan.commits and store.catalogue.settings.require_signed:
        _signed_alone(top, plan, only)
    remote = _remote(top) if opts.push or opts.pr else None
    if opts.pr and branch is not None and branch == default_branch(top, remote):
        changes = [c for made in plan.commits for c in made.changes]
        mine = [c for c in changes if not first_ids or c.request_id in first_ids] or changes
        branch = commit.branch_name(top, plan.people[0] if plan.people else ctx.actor(), mine)
        gitutil.switch_new_branch(top, branch)
        out.created_branch = True
    out.branch = branch
    for planned in plan.commits:
        author = commit.author_name(top, planned.by)
        message = (opts.message if opts.message and len(plan.commits) == 1
                   else commit.message(planned.changes))
        if opts.message and len(plan.commits) > 1:
            message = f"{opts.message}\n\n{message}"
        sha = gitutil.commit_versions(top, planned.versions, planned.removed, message,
                                      author, planned.by,
                                      date=_pinned_clock(ctx))
        out.commits.append(Made(sha, message, author, planned.by, planned.paths))
    if out.commits:
        last = out.commits[-1]
        out.sha, out.message, out.author, out.email = last.sha, last.message, last.author, \
            last.email
        out.files = list(dict.fromkeys(f for made in out.commits for f in made.files))
    if opts.push and remote is not None and branch is not None:
        gitutil.push(top, remote, branch)
        out.pushed_to = remote
        if opts.pr:
            _pull_request(top, remote, branch, default_branch(top, remote), out)
    return out


def _signed_alone(top: Path, plan: commit.Plan, only: str | None) -> None:
    """With signed commits required, only the person whose key signs here (git's
    user.email, or `--as`) can commit: several people's changes are refused with what each
    of them runs, in order."""
    people = plan.people
    signer = only or (gitutil.config_get(top, "user.email") or "").strip().lower()
    if people == [signer]:
        return
    steps = "; ".join(f"{n}. {who} runs 'icsvc commit --as {who}' with their own signing key "
                      f"('icsvc git-setup --as {who}' in their clone)"
                      for n, who in enumerate(people, 1))
    raise IcsvcError(f"this store requires signed commits (settings.require_signed) and the "
                     f"changes are {len(people)} people's, each to be signed by its author: "
                     f"{steps}")


def _pinned_clock(ctx: Context) -> str | None:
    """ICSVC_NOW replaces the clock everywhere, commits included (demos and tests)."""
    import os

    return ctx.now.isoformat() if os.environ.get("ICSVC_NOW") else None


def _pull_request(top: Path, remote: str, branch: str, base: str | None, out: Outcome) -> None:
    gh = shutil.which("gh")
    if gh is None:
        web = _web_url(gitutil.remote_url(top, remote) or "")
        out.pr_hint = (f"gh is not installed: open the pull request at {web}/pull/new/{branch}"
                       if web else f"gh is not installed: open a pull request for {branch} on "
                       "your git host (or install gh: https://cli.github.com)")
        return
    args = [gh, "pr", "create", "--fill", "--head", branch]
    if base and base != branch:
        args += ["--base", base]
    try:
        proc = subprocess.run(args, cwd=top, capture_output=True, text=True, timeout=300,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise IcsvcError(f"gh pr create failed: {exc}; the branch {branch} is pushed, open "
                         "the pull request by hand") from None
    if proc.returncode != 0:
        detail = gitutil.first_line(proc.stderr) or gitutil.first_line(proc.stdout)
        raise IcsvcError(f"gh pr create failed: {detail or f'exit {proc.returncode}'}; the "
                         f"branch {branch} is pushed, open the pull request by hand")
    urls = re.findall(r"https?://\S+", proc.stdout)
    out.pr_url = urls[-1] if urls else proc.stdout.strip() or "(gh printed no address)"


def _web_url(url: str) -> str | None:
    """https://github.com/OWNER/REPO for a GitHub remote (SSH or HTTPS), else None."""
    match = re.match(r"^(?:git@github\.com:|ssh://git@github\.com/|https://github\.com/)"
                     r"(?P<path>[^/]+/[^/]+?)(?:\.git)?/?$", url)
    return f"https://github.com/{match.group('path')}" if match else None


def run(ctx: Context, opts: Options) -> Outcome:
    """Everyone's pending changes, or with `--as` that person's alone."""
    store = open_store(ctx)
    return send(ctx, store, opts, only=ctx.actor() if ctx.actor_option else None)
