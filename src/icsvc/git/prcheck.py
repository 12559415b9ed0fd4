"""`icsvc check --base REV`: what a branch changes since it left REV, judged by replay.

Every commit reachable from HEAD and not from REV (and the uncommitted work tree, as the
next commit) is judged on its own, against each of its parents, with every path it touches
under `requests/`, `surveys/` and `providers.yaml` as git sees it (`branch_walk.py`: one
`git diff-tree` for them all). Each job has its module:
- names and kinds (`path_check.py`): a touched path must be a canonical request or survey
  answer path, or `providers.yaml`, and a regular file by its git mode;
- whole commits (`commit_check.py`): a parentless commit (an unrelated history merged in)
  is refused unless the check allows it (`--allow-orphans`), and its files are judged as
  new; a commit is not dated before the base commit it builds on; with signing required
  every commit is signed by a key `people:` lists at the base for its author;
- request files (`request_check.py`): append-only, the new entries replayed through the
  commands' rules with providers.yaml as it is at the merge base, a new request exactly
  what `icsvc new` writes, merges holding the union of their parents' entries; never
  deleted;
- who wrote each new entry and when (`provenance.py`): the commit's author, dated between
  the base commit its change is judged against and the commit's own date (and the check's
  clock);
- survey answers (`answer_check.py`): each new answer is its person's, judged by the same
  provenance rules; an answer's history only grows, and answer files are not deleted;
- `providers.yaml` (`catalogue_check.py`): each section changed only by its owners.

A version that does not parse (conflict markers, a symlink) is not judged itself: the next
readable version is judged against the last readable one, and the plain check reports a
file left unreadable.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePosixPath

from icsvc.errors import IcsvcError
from icsvc.git.answer_check import AnswerJudge
from icsvc.git.branch_walk import BranchDiff, BranchWalk, branch_diff
from icsvc.git.catalogue_check import CatalogueJudge
from icsvc.git.commit_check import Signatures, commit_dates, orphans
from icsvc.git.path_check import REQUEST_NAME, path_problems
from icsvc.git.request_check import RequestJudge
from icsvc.store import gitutil
from icsvc.store.answer_files import name_problem
from icsvc.store.store import Store
from icsvc.store.validate import Problem


def check_branch(store: Store, base: str, now: datetime,
                 require_signed: bool | None = None, diff: BranchDiff | None = None,
                 allow_orphans: bool = False) -> list[Problem]:
    """`diff`: the paths the branch changes, when the caller asked git already."""
    top = gitutil.require_repo(store.root)
    base_sha = gitutil.resolve(top, base)
    if base_sha is None:
        raise IcsvcError(
            f"--base: {base!r} names no commit in {top} (fetch it first, e.g. 'git fetch "
            "origin main'; in GitHub Actions check out with fetch-depth: 0)"
        )
    head = gitutil.head(top)
    if head is None:
        raise IcsvcError("--base: this repository has no commits yet")
    mb = gitutil.merge_base(top, base, "HEAD")
    if mb is None:
        raise IcsvcError(f"--base: {base!r} and HEAD have no common history")
    walk = BranchWalk(store, top, base, base_sha, head, mb, now)
    walk.allow_orphans = allow_orphans
    walk.diff = diff if diff is not None and (diff.top, diff.merge_base) == (top, mb) \
        else None
    if require_signed is None:
        require_signed = walk.cat.settings.require_signed
    walk.require_signed = require_signed
    try:
        return _judge(walk)
    finally:
        walk.blobs.close()


def _judge(walk: BranchWalk) -> list[Problem]:
    """Each job in turn, each adding its problems to the walk's."""
    walk.start()
    commit_dates(walk)
    path_problems(walk)
    orphans(walk)
    signatures = Signatures(walk)
    signatures.check_commits()
    touched = walk.touched_paths()
    n = len(walk.prefix)
    paths = {p for p in touched if REQUEST_NAME.match(p[n:])}
    answers = sorted(p for p in touched if p.startswith(f"{walk.surveys_folder}/")
                     and name_problem(p[n:]) is None)
    rids = sorted({PurePosixPath(p).stem for p in paths})
    folders = sorted(set(walk.cat.providers) | {PurePosixPath(p).parent.name for p in paths})
    walk.blobs.look_for({f"{walk.folder}/{folder}/{rid}.yaml" for rid in rids
                         for folder in folders} | set(answers) | {walk.providers_rel})
    requests = RequestJudge(walk)
    for rid in rids:
        requests.request(rid, folders)
    CatalogueJudge(walk, signatures).run()
    AnswerJudge(walk).files(answers)
    return walk.problems


__all__ = ["BranchDiff", "branch_diff", "check_branch"]
