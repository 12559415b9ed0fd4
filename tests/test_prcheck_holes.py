"""`check --base` against branches crafted to get past it, on a real timeline: real git, real
SSH signatures (`ssh-keygen -t ed25519`, `gpg.format ssh`), commits dated with
GIT_AUTHOR_DATE/GIT_COMMITTER_DATE as they would be, and the check's clock (`ICSVC_NOW`)
after them. Each forgery is refused with a line naming the path; each legitimate control
passes."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import Store
from git_helpers import git, load, save
from icsvc.store import yamlio

ANA, RAJ, MARIA, CEO = ("ana@example.com", "raj@example.com", "maria@example.com",
                        "ceo@example.com")
PEOPLE = (MARIA, RAJ, ANA, CEO)
SETUP = "2026-11-20T09:00:00-05:00"
"""When the admins and keys were committed on main."""
DAY1 = "2026-11-23T10:00:00-05:00"
"""Maria asks (request R), on main."""
DAY2 = "2026-11-24T09:00:00-05:00"
"""Maria asks again (request R2), on main: the pull request branch starts here."""
EVENING = "2026-11-24T18:00:00-05:00"
"""When the checks run."""


def t(day: str, clock: str) -> str:
    """A time on DAY1 or DAY2: t(DAY2, '10:05')."""
    return f"{day[:10]}T{clock}:00-05:00"


@dataclass
class Timeline:
    store: Store
    keys: dict[str, str]
    """Person -> private key file."""
    r: str
    """A request made on DAY1, on main."""
    m0: str
    """The commit that made it (an old commit of main, by DAY2)."""

    def run(self, actor: str, when: str, *args: str) -> Any:
        return self.store.ok(*args, actor=actor, now=when)

    def commit(self, author: str, when: str, message: str = "change",
               signed: bool = False, stage: bool = True) -> None:
        if stage:
            git(self.store, "add", "-A")
        sign = (["-c", "gpg.format=ssh", "-c", f"user.signingkey={self.keys[author]}"]
                if signed else [])
        git(self.store, *sign, "commit", "-q", *(["-S"] if signed else []), "-m", message,
            author=author, date=_dt(when))

    def check(self, *args: str, now: str = EVENING, code: int = 1) -> str:
        result = (self.store.ok("check", "--base", "main", *args, now=now) if code == 0
                  else self.store.fails("check", "--base", "main", *args, now=now,
                                        code=code))
        return result.out


def _dt(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text)


def _keygen(folder: Path, name: str) -> tuple[str, str]:
    path = folder / f"key-{name}"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f",
                    str(path)], check=True)
    return str(path), path.with_name(path.name + ".pub").read_text().split(" ")[1]


def new_request(tl: Timeline, when: str, title: str = "Bore") -> str:
    return str(tl.run(MARIA, when, "new", "-f", "json", "-p", "engineering", "-s",
                      "part-clarification", "-t", title, "--info", "order_number=SO-1",
                      "--info", "part_number=P-1").json()["id"])


@pytest.fixture
def tl(store: Store) -> Timeline:
    """main: the merge driver, admins and signing keys (SETUP), request R (DAY1), request R2
    (DAY2); every commit signed by its author. The branch 'pr' starts at main's tip."""
    store.ok("git-setup")  # the merge driver
    keys: dict[str, str] = {}
    people = ["people:"]
    for email in PEOPLE:
        keys[email], public = _keygen(store.root.parent, email.split("@")[0])
        people.append(f"  {email}: {{signing_keys: ['ssh-ed25519 {public}']}}")
    providers = store.root / "providers.yaml"
    providers.write_text("admins: [ceo@example.com]\n" + providers.read_text()
                         + "\n".join(people) + "\n")
    timeline = Timeline(store, keys, "", "")
    timeline.commit(CEO, SETUP, "admins and keys", signed=True)
    timeline.r = new_request(timeline, DAY1)
    timeline.commit(MARIA, DAY1, "R", signed=True)
    timeline.m0 = store.git("rev-parse", "HEAD").strip()
    new_request(timeline, DAY2, "Another")
    timeline.commit(MARIA, DAY2, "R2", signed=True)
    git(store, "checkout", "-qb", "pr")
    return timeline


def acked_by_raj(tl: Timeline, when: str) -> tuple[str, str]:
    """A new request Maria makes, acknowledged by Raj: (its ID, the file's text)."""
    rid = new_request(tl, when, "Forged")
    tl.run(RAJ, t(DAY2, "10:05"), "triage", rid, "--ack")
    path = tl.store.request_file(rid)
    text = path.read_text()
    path.unlink()
    return rid, text


# -- 1. a request file named in another case, or with another extension ---------------------


@pytest.mark.parametrize("name", ["zzzzzzzz.yaml", "ZzZzZzZz.yaml", "ZZZZZZZZ.yml"])
def test_a_request_under_an_odd_name_is_refused(tl: Timeline, name: str) -> None:
    """Raj's acknowledgement committed by Maria: under its own name the replay refuses it;
    under a name the replay did not look for, it passed, and the store serves it."""
    _, text = acked_by_raj(tl, t(DAY2, "10:00"))
    doc = yamlio.load(text)
    doc["id"] = "ZZZZZZZZ"
    save(tl.store.root / "requests" / "engineering" / name, doc)
    tl.commit(MARIA, t(DAY2, "10:10"))
    assert tl.store.ok("show", "zzzzzzzz", "-f", "json").json()["status"] == "acknowledged"
    out = tl.check()
    assert out.startswith(f"requests/engineering/{name}:1: not a request file name: a request "
                          "is requests/<provider>/<ID>.yaml, the ID in capitals "
                          "(requests/engineering/ZZZZZZZZ.yaml)"), out
    assert "(in commit " in out


def test_the_canonical_name_is_replayed(tl: Timeline) -> None:
    """The control: the same forgery under the request's own name."""
    rid, text = acked_by_raj(tl, t(DAY2, "10:00"))
    (tl.store.root / "requests" / "engineering" / f"{rid}.yaml").write_text(text)
    tl.commit(MARIA, t(DAY2, "10:10"))
    out = tl.check()
    assert "raj@example.com is not the author of commit" in out


# -- 2. a request file that is a symlink -----------------------------------------------------


@pytest.mark.parametrize("which", ["new", "existing", "uncommitted"])
def test_a_request_file_that_is_a_symlink_is_refused(tl: Timeline, which: str) -> None:
    """The file links to a forged copy elsewhere in the store: git holds the link (its text
    is a path), the work tree reads through it."""
    store = tl.store
    if which == "new":
        rid, text = acked_by_raj(tl, t(DAY2, "10:00"))
    else:
        rid = tl.r
        doc = load(store.request_file(rid))
        doc["status"] = "acknowledged"
        doc["history"].append({"at": _dt(t(DAY2, "10:05")), "by": MARIA, "type": "status",
                               "from": "new", "to": "acknowledged",
                               "timeframe": _dt("2026-11-30T17:00:00-05:00")})
        text = yamlio.dump(doc)
    (store.root / "docs").mkdir()
    (store.root / "docs" / "copy.yaml").write_text(text)
    link = store.root / "requests" / "engineering" / f"{rid}.yaml"
    link.unlink(missing_ok=True)
    link.symlink_to("../../docs/copy.yaml")
    store.ok("check")  # the store reads through the link
    if which == "uncommitted":
        out = store.fails("check", "--base", "main", now=EVENING,
                          env={"GIT_AUTHOR_EMAIL": MARIA}).out
        assert f"requests/engineering/{rid}.yaml:1: a symlink where request files, survey " \
               "answers and providers.yaml are regular files; icsvc never follows a link" \
               in out, out
        assert "(in the work tree, not committed yet)" in out
        return
    tl.commit(MARIA, t(DAY2, "10:10"))
    out = tl.check()
    assert f"requests/engineering/{rid}.yaml:1: a symlink where request files, survey " \
           "answers and providers.yaml are regular files" in out, out


def test_a_request_file_that_is_a_submodule_is_refused(tl: Timeline) -> None:
    head = tl.store.git("rev-parse", "HEAD").strip()
    git(tl.store, "update-index", "--add", "--cacheinfo",
        f"160000,{head},requests/engineering/ABCDEFGH.yaml")
    tl.commit(MARIA, t(DAY2, "10:10"), stage=False)
    out = tl.check()
    assert "requests/engineering/ABCDEFGH.yaml:1: a submodule (gitlink) where request " \
           "files" in out, out


# -- 4. providers.yaml changed inside a merge commit -----------------------------------------


def test_a_catalogue_change_inside_a_merge_commit_is_refused(tl: Timeline) -> None:
    """A non-admin merges a harmless branch with --no-commit, adds themself to admins: and
    commits the merge."""
    store = tl.store
    git(store, "checkout", "-qb", "harmless")
    tl.run(MARIA, t(DAY2, "10:00"), "update", tl.r, "--note", "Any news?")
    tl.commit(MARIA, t(DAY2, "10:00"))
    git(store, "checkout", "-q", "pr")
    git(store, "merge", "-q", "--no-ff", "--no-commit", "harmless")
    providers = store.root / "providers.yaml"
    providers.write_text(providers.read_text().replace("admins: [ceo@example.com]",
                                                       "admins: [ceo@example.com, "
                                                       "raj@example.com]"))
    tl.commit(RAJ, t(DAY2, "10:30"), "merge harmless")
    out = tl.check()
    assert "providers.yaml:1: admins: changed in commit " in out, out
    assert "by raj@example.com; only an admin (ceo@example.com) may change it" in out
    assert len(out.strip().splitlines()) == 1, out


def test_a_merge_that_drops_the_bases_catalogue_change_is_refused(tl: Timeline) -> None:
    """main's admin makes engineering answer faster; the branch's merge keeps its own old
    catalogue: the merge's own change, by a non-admin."""
    store = tl.store
    tl.run(RAJ, t(DAY2, "10:00"), "update", tl.r, "--note", "On it")
    tl.commit(RAJ, t(DAY2, "10:00"))
    git(store, "checkout", "-q", "main")
    providers = store.root / "providers.yaml"
    providers.write_text(providers.read_text().replace(
        "normal: {acknowledge: 4h, resolve: 2d, update: 1d}",
        "normal: {acknowledge: 2h, resolve: 2d, update: 1d}"))
    tl.commit(CEO, t(DAY2, "11:00"), "faster", signed=True)
    git(store, "checkout", "-q", "pr")
    git(store, "merge", "-q", "--no-commit", "main")
    git(store, "checkout", "HEAD", "--", "providers.yaml")
    tl.commit(RAJ, t(DAY2, "11:30"), "sync")
    out = tl.check()
    assert "providers.yaml:" in out and "providers.engineering: changed in commit " in out
    assert "by raj@example.com; only an admin (ceo@example.com) or its escalation contact " \
           "(vp-eng@example.com) may change it" in out


def test_merges_that_take_each_sides_catalogue_changes_pass(tl: Timeline) -> None:
    """The control: the escalation contact changes engineering on the branch, the admin
    changes payroll on main, the branch merges main: each section comes cleanly from the
    side that changed it."""
    store = tl.store
    providers = store.root / "providers.yaml"
    providers.write_text(providers.read_text().replace(
        "normal: {acknowledge: 4h, resolve: 2d, update: 1d}",
        "normal: {acknowledge: 2h, resolve: 2d, update: 1d}"))
    tl.commit("vp-eng@example.com", t(DAY2, "10:00"), "faster")
    git(store, "checkout", "-q", "main")
    providers.write_text(providers.read_text().replace(
        "normal: {acknowledge: 1d, resolve: 5d}", "normal: {acknowledge: 4h, resolve: 5d}"))
    tl.commit(CEO, t(DAY2, "11:00"), "payroll faster", signed=True)
    git(store, "checkout", "-q", "pr")
    git(store, "merge", "-q", "--no-edit", "main", author=RAJ, date=_dt(t(DAY2, "11:30")))
    text = providers.read_text()
    assert "acknowledge: 2h, resolve: 2d" in text and "acknowledge: 4h, resolve: 5d" in text
    tl.check(code=0)


# -- 5. a parentless commit merged with --allow-unrelated-histories ---------------------------


def _orphan(tl: Timeline, files: dict[str, str], author: str, when: str,
            signed: bool = False) -> None:
    """A parentless commit holding only `files`, merged into 'pr'."""
    store = tl.store
    git(store, "checkout", "-q", "--orphan", "unrelated")
    git(store, "rm", "-rqf", ".")
    for rel, text in files.items():
        (store.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (store.root / rel).write_text(text)
    tl.commit(author, when, "unrelated", signed=signed)
    git(store, "checkout", "-q", "pr")
    merge = git(store, "merge", "-q", "--no-commit", "--allow-unrelated-histories",
                "unrelated", check=False, author=author)
    if merge.returncode:  # both sides add providers.yaml: take the unrelated one
        git(store, "checkout", "--theirs", "--", "providers.yaml")
    tl.commit(author, when, "merge unrelated", signed=signed)


@pytest.mark.parametrize("forgery", ["another's name", "weeks before the base", "a new admin",
                                     "another's name, signed"])
def test_a_parentless_commit_is_refused(tl: Timeline, forgery: str) -> None:
    store = tl.store
    signed = forgery.endswith("signed")
    args = ["--require-signed"] if signed else []
    if forgery.startswith("another's name"):
        rid, text = acked_by_raj(tl, t(DAY2, "10:00"))
        _orphan(tl, {f"requests/engineering/{rid}.yaml": text}, MARIA, t(DAY2, "10:10"),
                signed=signed)
        reason = "raj@example.com is not the author of commit"
    elif forgery == "weeks before the base":
        rid = new_request(tl, "2026-11-03T10:00:00-05:00", "Long ago")
        text = store.request_file(rid).read_text()
        store.request_file(rid).unlink()
        _orphan(tl, {f"requests/engineering/{rid}.yaml": text}, MARIA,
                "2026-11-03T10:00:00-05:00")
        reason = "dated 2026-11-03T10:00:00-05:00, before the branch left main"
    else:
        text = (store.root / "providers.yaml").read_text().replace(
            "admins: [ceo@example.com]", "admins: [ceo@example.com, raj@example.com]")
        _orphan(tl, {"providers.yaml": text}, RAJ, t(DAY2, "10:10"))
        reason = "admins: changed in commit"
    out = tl.check(*args)
    assert "has no parent: a history unrelated to main (merged with --allow-unrelated-" \
           "histories) is refused; if it is meant, check with --allow-orphans" in out, out
    out = tl.check("--allow-orphans", *args)
    assert "has no parent" not in out
    assert reason in out, out


def test_signed_commits_by_their_authors_pass(tl: Timeline) -> None:
    """The control for signatures: a branch whose every commit, the merge included, is
    signed by its author."""
    store = tl.store
    tl.run(RAJ, t(DAY2, "10:00"), "triage", tl.r, "--ack")
    tl.commit(RAJ, t(DAY2, "10:00"), signed=True)
    git(store, "checkout", "-qb", "side")
    tl.run(MARIA, t(DAY2, "10:20"), "update", tl.r, "--note", "Thanks")
    tl.commit(MARIA, t(DAY2, "10:20"), signed=True)
    git(store, "checkout", "-q", "pr")
    git(store, "merge", "-q", "--no-ff", "--no-commit", "side")
    tl.commit(RAJ, t(DAY2, "10:30"), "merge", signed=True, stage=False)
    tl.check("--require-signed", code=0)
    tl.run(RAJ, t(DAY2, "10:40"), "update", tl.r, "--note", "unsigned")
    tl.commit(RAJ, t(DAY2, "10:40"))
    out = tl.check("--require-signed")
    assert "(raj@example.com) is not signed by a key providers.yaml lists" in out, out


@pytest.mark.parametrize("unsigned", ["the merge", "a catalogue change"])
def test_with_signing_required_every_commit_is_signed(tl: Timeline, unsigned: str) -> None:
    """Commits that add no history entry are signed too."""
    store = tl.store
    tl.run(RAJ, t(DAY2, "10:00"), "triage", tl.r, "--ack")
    tl.commit(RAJ, t(DAY2, "10:00"), signed=True)
    if unsigned == "the merge":
        git(store, "checkout", "-qb", "side")
        tl.run(MARIA, t(DAY2, "10:20"), "update", tl.r, "--note", "Thanks")
        tl.commit(MARIA, t(DAY2, "10:20"), signed=True)
        git(store, "checkout", "-q", "pr")
        git(store, "merge", "-q", "--no-ff", "--no-edit", "side", author=RAJ,
            date=_dt(t(DAY2, "10:30")))
    else:
        providers = store.root / "providers.yaml"
        providers.write_text(providers.read_text().replace("escalation: vp-eng@example.com",
                                                           "escalation: ceo@example.com"))
        tl.commit(CEO, t(DAY2, "10:30"))
    out = tl.check("--require-signed")
    assert "(raj@example.com) is not signed" in out or "(ceo@example.com) is not signed" in out
    assert len(out.strip().splitlines()) == 1, out


# -- 6. with signing required, unsigned catalogue changes -------------------------------------


def _require_signing(tl: Timeline) -> None:
    store = tl.store
    git(store, "checkout", "-q", "main")
    providers = store.root / "providers.yaml"
    providers.write_text(providers.read_text() + "settings:\n  require_signed: true\n")
    tl.commit(CEO, t(DAY2, "09:30"), "signed commits from now on", signed=True)
    git(store, "checkout", "-q", "pr")
    git(store, "merge", "-q", "--ff-only", "main")


@pytest.mark.parametrize("change", ["adds an admin", "turns require_signed off"])
def test_an_unsigned_catalogue_change_naming_an_admin_is_refused(tl: Timeline,
                                                                 change: str) -> None:
    store = tl.store
    _require_signing(tl)
    providers = store.root / "providers.yaml"
    text = providers.read_text()
    providers.write_text(text.replace("admins: [ceo@example.com]",
                                      "admins: [ceo@example.com, raj@example.com]")
                         if change == "adds an admin" else
                         text.replace("require_signed: true", "require_signed: false"))
    tl.commit(CEO, t(DAY2, "10:00"))  # in the admin's name, unsigned
    out = tl.check()
    assert "providers.yaml:1: commit " in out and "(ceo@example.com) is not signed by a key " \
        "providers.yaml lists (people: ... signing_keys) (git says no signature)" in out, out
    # the same change signed by the admin passes
    git(store, "reset", "-q", "--soft", "HEAD~1")
    tl.commit(CEO, t(DAY2, "10:00"), signed=True)
    tl.check(code=0)


def test_turning_signing_off_needs_an_admins_signature_whatever_the_check_asks(
        tl: Timeline) -> None:
    store = tl.store
    _require_signing(tl)
    providers = store.root / "providers.yaml"
    providers.write_text(providers.read_text().replace("require_signed: true",
                                                       "require_signed: false"))
    tl.commit(CEO, t(DAY2, "10:00"))
    out = tl.check("--no-require-signed")
    assert "settings.require_signed: turned off in commit " in out, out
    assert "which needs a good signature by an admin" in out
    git(store, "reset", "-q", "--soft", "HEAD~1")
    tl.commit(CEO, t(DAY2, "10:00"), signed=True)
    tl.check("--no-require-signed", code=0)


# -- 7. the committer date is a claim ---------------------------------------------------------


def test_an_entry_from_the_future_is_refused_whatever_its_commit_says(tl: Timeline) -> None:
    tl.run(MARIA, "2030-01-01T10:00:00-05:00", "update", tl.r, "--note", "From 2030")
    tl.commit(MARIA, "2030-01-01T10:00:00-05:00")
    out = tl.check()
    assert "history[1] (note by maria@example.com): dated 2030-01-01T10:00:00-05:00, after " \
           "this check's clock (2026-11-24T18:00:00-05:00); an entry cannot come from the " \
           "future" in out, out


def test_a_clock_within_the_tolerance_passes(tl: Timeline) -> None:
    """The control: a computer ten minutes ahead of the check's."""
    tl.run(MARIA, t(DAY2, "18:10"), "update", tl.r, "--note", "A fast clock")
    tl.commit(MARIA, t(DAY2, "18:10"))
    tl.check(code=0)


def test_a_commit_older_than_what_it_builds_on_is_refused(tl: Timeline) -> None:
    """A commit dated 1970 that a fast-forward would make the base's newest: the next
    branches' entries could then be dated back to it."""
    (tl.store.root / "NOTES.md").write_text("notes\n")
    tl.commit(MARIA, "1970-01-02T10:00:00-05:00")
    out = tl.check()
    assert "providers.yaml:1: commit " in out and " is dated 1970-01-02T10:00:00-05:00, " \
        "before commit " in out and "of main that it builds on (2026-11-24T09:00:00-05:00)" \
        in out, out


# -- 8. backdating through a side branch forked from an old commit ---------------------------


def test_a_side_branch_forked_from_an_old_commit_is_judged_from_the_branchs_base(
        tl: Timeline) -> None:
    """Ana acknowledges on DAY2 but dates it ten minutes after R was made on DAY1, on a
    branch forked from DAY1's commit, and merges it into her pull request."""
    store = tl.store
    tl.run(ANA, t(DAY2, "14:00"), "update", tl.r, "--note", "Looking")
    tl.commit(ANA, t(DAY2, "14:00"))
    git(store, "checkout", "-qb", "backdated", tl.m0)
    tl.run(ANA, t(DAY1, "10:10"), "triage", tl.r, "--ack")
    tl.commit(ANA, t(DAY1, "10:10"))
    git(store, "checkout", "-q", "pr")
    git(store, "merge", "-q", "--no-ff", "--no-edit", "backdated", author=ANA,
        date=_dt(t(DAY2, "14:05")))
    assert load(store.request_file(tl.r))["status"] == "acknowledged"
    out = tl.check()
    assert "(status by ana@example.com): dated 2026-11-23T10:10:00-05:00, before the branch " \
           "left main (2026-11-24T09:00:00-05:00, commit " in out, out
    assert "; the side branch joins the branch's work in merge commit " in out


def test_a_side_branch_forked_with_the_branch_passes(tl: Timeline) -> None:
    """The control: a side branch started where the pull request started."""
    store = tl.store
    git(store, "checkout", "-qb", "side")
    tl.run(ANA, t(DAY2, "10:10"), "triage", tl.r, "--ack")
    tl.commit(ANA, t(DAY2, "10:10"))
    git(store, "checkout", "-q", "pr")
    tl.run(ANA, t(DAY2, "14:00"), "update", tl.r, "--note", "Looking")
    tl.commit(ANA, t(DAY2, "14:00"))
    git(store, "merge", "-q", "--no-ff", "--no-edit", "side", author=ANA,
        date=_dt(t(DAY2, "14:05")))
    tl.check(code=0)


# -- beyond the eight: names that are not UTF-8, unreadable steps ------------------------------


def test_a_file_name_that_is_not_utf8_is_refused_shown_escaped(tl: Timeline) -> None:
    folder = os.fsencode(tl.store.root / "requests" / "engineering")
    with open(folder + b"/caf\xe9.yaml", "w") as f:
        f.write("id: X\n")
    tl.commit(MARIA, t(DAY2, "10:00"))
    out = tl.check()
    assert "requests/engineering/caf\\xe9.yaml:1: a file name that is not UTF-8" in out, out


@pytest.mark.parametrize("what", ["request", "providers.yaml"])
def test_an_unreadable_step_hides_nothing(tl: Timeline, what: str) -> None:
    """A commit leaves the file unreadable, the next writes the forgery: it is judged
    against the last readable version."""
    store = tl.store
    if what == "request":
        path = store.request_file(tl.r)
        forged = load(path)  # on R, by Raj, committed by Maria
        forged["status"] = "acknowledged"
        forged["history"].append({"at": _dt(t(DAY2, "10:06")), "by": RAJ, "type": "status",
                                  "from": "new", "to": "acknowledged",
                                  "timeframe": _dt("2026-11-30T17:00:00-05:00")})
        path.write_text("history: [broken\n")
        tl.commit(MARIA, t(DAY2, "10:05"))
        save(path, forged)
        tl.commit(MARIA, t(DAY2, "10:10"))
        reason = "raj@example.com is not the author of commit"
    else:
        providers = store.root / "providers.yaml"
        text = providers.read_text()
        providers.write_text("admins: [broken\n")
        tl.commit(RAJ, t(DAY2, "10:00"))
        providers.write_text(text.replace("admins: [ceo@example.com]",
                                          "admins: [ceo@example.com, raj@example.com]"))
        tl.commit(RAJ, t(DAY2, "10:05"))
        reason = "admins: changed in commit"
    out = tl.check()
    assert reason in out, out
