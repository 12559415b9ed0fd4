"""Who wrote an entry of a request's history (or an answer of a survey's) and when, as the
commit that adds it proves it (`check --base`).

Each new entry's `by` is the commit's author (or the author's GitHub noreply address, of
the login `people:` maps to `by`); only the merge driver writes `conflict` entries. Time
comes from the base, not from the committer: an entry is not dated before the base commit
its change is judged against (`BranchWalk.forks`), nor after the commit's own date or the
check's clock (each within `settings.clock_tolerance`). With signing required, an entry
not committed yet is not signed.
"""

from __future__ import annotations

import re
from datetime import datetime

from icsvc.domain.catalogue import Catalogue
from icsvc.domain.history import MERGE_IDENTITY
from icsvc.git.branch_walk import BranchWalk, Step

NOREPLY = re.compile(r"^(?:\d+\+)?([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)@users\.noreply\.github\.com$",
                     re.IGNORECASE)


def is_author(cat: Catalogue, by: str, author: str,
              claimed: tuple[str, str] | None = None) -> bool:
    """Whether a commit's `author` is the person `by` (or their GitHub noreply address); or,
    with `claimed` (login, email: a request asked by a login `people:` does not map, under
    the email it gave, marked unverified), that login's noreply address writing as that
    email, while the catalogue allows the claim (`Catalogue.unverified_claim`)."""
    if by == author:
        return True
    match = NOREPLY.match(author)
    if match is None:
        return False
    if claimed is not None and claimed[1] == by and \
            claimed[0].lower() == match.group(1).lower() and \
            cat.person_by_github(claimed[0]) is None and \
            cat.unverified_claim(claimed[0], by) is None:
        return True
    person = cat.people.get(by)
    return person is not None and person.github is not None and \
        person.github.lower() == match.group(1).lower()


def provenance(walk: BranchWalk, by: str, at: datetime, conflict: bool, step: Step,
               where: str, claimed: tuple[str, str] | None = None) -> list[str]:
    """What is wrong with who wrote an entry (`conflict`: a merge driver's) and when."""
    out: list[str] = []
    tolerance = walk.cat.settings.clock_tolerance
    if step.date <= walk.now and at > step.date + tolerance:
        out.append(f"dated {at.isoformat()}, after {where} was made "
                   f"({step.date.isoformat()}); an entry cannot come from the future")
    elif at > walk.now + tolerance:  # the committer date is only a claim
        out.append(f"dated {at.isoformat()}, after this check's clock "
                   f"({walk.now.isoformat()}); an entry cannot come from the future")
    if conflict or by == MERGE_IDENTITY:
        if not conflict or by != MERGE_IDENTITY:
            out.append(f"only the merge driver writes 'conflict' entries, and they are by "
                       f"{MERGE_IDENTITY}")
        return out
    if step.author and not is_author(walk.cat, by, step.author, claimed):
        out.append(f"{by} is not the author of {where} that adds this entry "
                   f"({step.author}); entries must be committed by the person they name "
                   "(git commit --author, or have them commit it)")
    if at < step.fork - tolerance:
        out.append(f"dated {at.isoformat()}, before the branch left {walk.base} "
                   f"({step.fork.isoformat()}, commit {step.fork_sha[:10]}{step.joins}); "
                   "entries are written when things happen")
    if walk.require_signed and step.commit is None:
        out.append("not committed, so not signed (settings.require_signed)")
    return out
