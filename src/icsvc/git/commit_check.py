"""What `check --base` requires of each commit of a branch as a whole: a parent (unless the
check allows orphans), a date no earlier than the base commit it builds on, and, with
signing required, a good signature by its author's key as `people:` lists it at the base.
"""

from __future__ import annotations

from icsvc.git import signing
from icsvc.git.branch_walk import BranchWalk
from icsvc.git.provenance import is_author
from icsvc.store import gitutil

_SIGNATURE_WORDS = {"N": "no signature", "B": "a bad signature", "U": "a key it does not know",
                    "X": "an expired signature", "Y": "an expired key", "R": "a revoked key",
                    "E": "it cannot check the signature"}


def commit_dates(walk: BranchWalk) -> None:
    """A commit is not dated before the base commit it builds on (`BranchWalk.forks`)."""
    tolerance = walk.cat.settings.clock_tolerance
    for c in walk.commits:
        own = walk.own[c.sha]
        if c.parents and c.committed < walk.date(own) - tolerance:
            walk.commit_problem(c, f"commit {c.sha[:10]} is dated {c.committed.isoformat()}, "
                                   f"before commit {own[:10]} of {walk.base} that it builds "
                                   f"on ({walk.date(own).isoformat()}); a commit is not "
                                   "older than what it builds on: fix the computer's clock "
                                   "and commit again")


def orphans(walk: BranchWalk) -> None:
    """A parentless commit (an unrelated history merged in) is refused unless allowed."""
    if walk.allow_orphans:
        return
    for c in walk.commits:
        if not c.parents:
            walk.commit_problem(c, f"commit {c.sha[:10]} has no parent: a history unrelated "
                                   f"to {walk.base} (merged with --allow-unrelated-histories) "
                                   "is refused; if it is meant, check with --allow-orphans to "
                                   "judge its files as new")


class Signatures:
    """The commits' signatures, as git checks them against `people:` at the merge base (one
    `git log` for the whole branch when signing is required, else one per commit asked)."""

    def __init__(self, walk: BranchWalk) -> None:
        self.walk = walk
        self._found: dict[str, tuple[str, str]] = {}

    def _signature(self, sha: str) -> tuple[str, str]:
        if sha not in self._found:
            self._found.update(gitutil.signatures(
                self.walk.top, ["--no-walk", sha], signing.allowed_signers(self.walk.cat)))
        return self._found.get(sha, ("N", ""))

    def check_commits(self) -> None:
        """With signing required, every commit is signed by its author's key."""
        walk = self.walk
        if not walk.require_signed or not walk.commits:
            return
        self._found.update(gitutil.signatures(walk.top, ["HEAD", f"^{walk.base_sha}"],
                                              signing.allowed_signers(walk.cat)))
        for c in walk.commits:
            problem = self.problem(c, {c.author})
            if problem is not None:
                walk.commit_problem(c, problem)

    def problem(self, commit: gitutil.CommitInfo, signers: set[str],
                whose: str = "") -> str | None:
        """Why `commit` is not signed by a key `people:` lists (at the merge base) for one
        of `signers` (its author, or the admins)."""
        where = f"commit {commit.sha[:10]} ({commit.author})"
        status, signer = self._signature(commit.sha)
        if status != "G":
            return (f"{where} is not signed by a key providers.yaml lists (people: ... "
                    f"signing_keys) (git says {_SIGNATURE_WORDS.get(status, status)}); "
                    f"{whose or 'with signing required every commit is signed by its author'}"
                    ": 'icsvc git-setup --signing-key' configures signing")
        if not any(is_author(self.walk.cat, signer.lower(), email) or signer.lower() == email
                   for email in signers):
            wanted = whose or f"{commit.author}'s"
            return f"{where} is signed by {signer}'s key, not {wanted}"
        return None
