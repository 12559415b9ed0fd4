"""`icsvc commit`: commit the request files and survey answers you changed, as you; push;
open the pull request.

`check --base` accepts a history entry only from a commit authored by the person in its
`by`, so this commits exactly the files whose new entries are the acting person's, with that
person as the author. `--push` pushes the branch; `--pr` also opens the pull request with
`gh`, first moving the work to a new branch when it sits on the default branch.
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
class Outcome:
    """What was committed (`sha`, `files`), left out and why (`skipped`), pushed and opened."""

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


def send(ctx: Context, store: Store, opts: Options, *, first_ids: list[str] | None = None
         ) -> Outcome:
    """Commit the acting person's changes (if any), then push and open a pull request as
    asked. Used by `icsvc commit` and `icsvc new --pr`."""
    top = gitutil.require_repo(store.root)
    actor = ctx.actor()
    plan = commit.plan(top, store.root, actor)
    out = Outcome(skipped=plan.skipped)
    branch = gitutil.current_branch(top)
    if (opts.push or opts.pr) and branch is None:
        raise IcsvcError("not on a branch (detached HEAD): 'git switch -c NAME' first")
    if not plan.mine and not opts.push:
        why = "; ".join(f"{p}: {reason}" for p, reason in plan.skipped[:3])
        raise IcsvcError("nothing to commit: no request file has new history entries by "
                         f"{actor}" + (f" ({why})" if why else ""))
    remote = _remote(top) if opts.push or opts.pr else None
    if opts.pr and branch is not None and branch == default_branch(top, remote):
        mine = [c for c in plan.mine if not first_ids or c.request_id in first_ids] or plan.mine
        branch = commit.branch_name(top, actor, mine)
        gitutil.switch_new_branch(top, branch)
        out.created_branch = True
    out.branch = branch
    if plan.mine:
        out.author, out.email = commit.author_name(top, actor), actor
        out.message = opts.message or commit.message(plan.mine)
        out.sha = gitutil.commit_paths(top, plan.paths, out.message, out.author, actor,
                                       date=_pinned_clock(ctx))
        out.files = plan.paths
    if opts.push and remote is not None and branch is not None:
        gitutil.push(top, remote, branch)
        out.pushed_to = remote
        if opts.pr:
            _pull_request(top, remote, branch, default_branch(top, remote), out)
    return out


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
    store = open_store(ctx)
    return send(ctx, store, opts)
