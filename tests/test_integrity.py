"""`check --base` judges every change by replaying it: each way of quietly bending the record
that passed before, as a real commit by the person it names, is now refused with a line
naming the file, the entry and the commit; the flows the commands write pass."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from conftest import Store
from git_helpers import commit, git, load, save

ANA, RAJ, MARIA, SAM, PAT = ("ana@example.com", "raj@example.com", "maria@example.com",
                             "sam@example.com", "pat@example.com")
T0 = datetime.fromisoformat("2026-11-24T10:00:00-05:00")


def at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def act(store: Store, actor: str, minutes: int, *args: str) -> None:
    """Run a command as `actor` at T0 + minutes and commit its change as them."""
    store.ok(*args, actor=actor, now=at(minutes))
    commit(store, " ".join(args[:2]), actor)


def tamper(store: Store, rid: str, author: str, edit: Callable[[dict[str, Any]], None],
           date: datetime | None = None) -> None:
    path = store.request_file(rid)
    doc = load(path)
    edit(doc)
    target = store.root / "requests" / doc["provider"] / path.name
    if target != path:
        path.unlink()
    save(target, doc)
    commit(store, "tamper", author, date=date)


def refused(store: Store, *needles: str) -> str:
    result = store.fails("check", "--base", "main", now=at(600))
    for needle in needles:
        assert needle in result.out, result.out
    for line in result.out.strip().splitlines():
        assert line.startswith("requests/") or line.startswith("providers.yaml"), line
    return result.out


@pytest.fixture
def pr(store: Store) -> tuple[Store, str]:
    """main holds a request acknowledged by Ana; the pull request branch starts there."""
    rid = store.ok("new", "-f", "json", "-p", "engineering", "-s", "part-clarification",
                   "-t", "Bore", "--info", "order_number=SO-1", "--info", "part_number=P-1",
                   "--needed-by", "2026-12-10", "--cost", "1200", actor=MARIA,
                   now=at(0)).json()["id"]
    commit(store, "new", MARIA)
    act(store, ANA, 5, "triage", rid, "--ack")
    git(store, "checkout", "-qb", "pr")
    return store, str(rid)


def test_the_commands_pass(pr: tuple[Store, str]) -> None:
    store, rid = pr
    act(store, MARIA, 10, "update", rid, "--note", "Any news?")
    act(store, ANA, 20, "triage", rid, "--priority", "high", "--note", "Shipment waiting")
    act(store, ANA, 30, "triage", rid, "--need-info", "Which drawing revision?")
    act(store, MARIA, 40, "update", rid, "--info", "revision=C")
    act(store, RAJ, 50, "update", rid, "--status", "resolved", "--note", "M16x1.5")
    act(store, MARIA, 60, "update", rid, "--reopen", "--note", "The drawing says M16x2")
    act(store, RAJ, 70, "update", rid, "--status", "resolved", "--note", "M16x2 it is")
    act(store, MARIA, 80, "feedback", rid, "--rating", "4")
    act(store, MARIA, 90, "update", rid, "--cost", "0", "--note", "Nothing lost in the end")
    store.ok("check", "--base", "main", now=at(600))


# -- fields changed without an entry ---------------------------------------------------------


@pytest.mark.parametrize("field, value", [
    ("targets", {"acknowledge": "4w", "resolve": "4w", "update": "1d"}),
    ("title", "Something else"),
    ("details", "Rewritten"),
    ("needed_by", datetime.fromisoformat("2027-01-10T17:00:00-05:00")),
    ("impact", {"cost": 1}),
    ("requested_priority", "urgent"),
    ("created_at", datetime.fromisoformat("2026-11-24T09:00:00-05:00")),
    ("info", {"order_number": "SO-9", "part_number": "P-1"}),
])
def test_a_field_changed_without_its_entry(pr: tuple[Store, str], field: str,
                                           value: Any) -> None:
    store, rid = pr

    def edit(doc: dict[str, Any]) -> None:
        doc[field] = value

    tamper(store, rid, ANA, edit)
    out = refused(store, f"requests/engineering/{rid}.yaml:")
    assert "commit " in out
    assert field in out


def test_a_member_makes_himself_the_customer_and_rates_his_work(pr: tuple[Store, str]) -> None:
    store, rid = pr
    act(store, RAJ, 10, "update", rid, "--status", "resolved", "--note", "done")

    def edit(doc: dict[str, Any]) -> None:
        doc["customer"]["email"] = RAJ
        doc["history"].append({"at": T0 + timedelta(minutes=20), "by": RAJ,
                               "type": "feedback", "rating": 5})

    tamper(store, rid, RAJ, edit)
    refused(store, "customer: changed in commit", "history[3] (feedback by raj@example.com",
            "may not add a 'feedback' entry here; only the requester (maria@example.com)")


def test_the_same_field_edit_is_refused_even_beside_a_real_entry(pr: tuple[Store, str]) -> None:
    store, rid = pr
    store.ok("update", rid, "--note", "on it", actor=ANA, now=at(10))
    path = store.request_file(rid)
    doc = load(path)
    doc["targets"] = {"acknowledge": "4w", "resolve": "4w"}
    save(path, doc)
    commit(store, "note and targets", ANA)
    refused(store, "targets: is {'acknowledge': '4w', 'resolve': '4w'} in commit")


# -- entries that lie -----------------------------------------------------------------------


def test_a_from_that_was_not_true(store: Store) -> None:
    rid = store.ok("new", "-f", "json", "-p", "engineering", "-s", "drawing-review",
                   "-t", "Drawing", "--needed-by", "2026-12-10", actor=MARIA,
                   now=at(0)).json()["id"]
    commit(store, "new", MARIA)
    git(store, "checkout", "-qb", "pr")

    def edit(doc: dict[str, Any]) -> None:
        doc["status"] = "acknowledged"
        doc["history"].append({"at": T0 + timedelta(minutes=10), "by": MARIA,
                               "type": "status", "from": "waiting-on-customer",
                               "to": "acknowledged"})

    tamper(store, rid, MARIA, edit)
    refused(store, "history[1] (status by maria@example.com",
            "'from' is 'waiting-on-customer' but the status was 'new' at that point")


def test_another_providers_member_cannot_redirect_decline_and_take_it(
        pr: tuple[Store, str]) -> None:
    store, rid = pr

    def edit(doc: dict[str, Any]) -> None:
        when = T0 + timedelta(minutes=10)
        doc["provider"] = "payroll"
        doc["status"] = "declined"
        doc["history"].append({"at": when, "by": PAT, "type": "redirect",
                               "from": "payroll", "to": "payroll",
                               "service": "part-clarification", "note": "mine"})
        doc["history"].append({"at": when, "by": PAT, "type": "status", "from": "new",
                               "to": "declined", "note": "no", "alternate": "nobody"})

    tamper(store, rid, PAT, edit)
    refused(store, f"requests/payroll/{rid}.yaml:",
            "'from' is 'payroll' but the request was with engineering",
            "pat@example.com may not add a 'redirect' entry here")


@pytest.mark.parametrize("when, needle", [
    (T0 + timedelta(minutes=1), "before the newest entry"),
    (datetime.fromisoformat("2030-01-01T10:00:00-05:00"), "an entry cannot come from the "
                                                          "future"),
])
def test_entries_dated_implausibly(pr: tuple[Store, str], when: datetime, needle: str) -> None:
    store, rid = pr

    def edit(doc: dict[str, Any]) -> None:
        doc["history"].append({"at": when, "by": ANA, "type": "note", "note": "back then"})

    tamper(store, rid, ANA, edit, date=T0 + timedelta(minutes=30))
    refused(store, "history[", needle)


def test_an_entry_added_then_removed_on_the_branch(pr: tuple[Store, str]) -> None:
    """The branch's end result equals the base, but history is append-only on the way too."""
    store, rid = pr
    act(store, MARIA, 10, "escalate", rid, "--reason", "too slow")
    tamper(store, rid, MARIA, lambda doc: doc["history"].pop())
    refused(store, "history: the entry 2 of", "(escalation at", "was edited, removed")


def test_an_entry_inserted_between_old_ones(pr: tuple[Store, str]) -> None:
    store, rid = pr

    def edit(doc: dict[str, Any]) -> None:
        doc["history"].insert(1, {"at": T0 + timedelta(minutes=1), "by": ANA, "type": "note",
                                  "note": "I was on it"})

    tamper(store, rid, ANA, edit, date=T0 + timedelta(minutes=30))
    refused(store, "history: the entry 1 of", "had entries inserted before it")


@pytest.mark.parametrize("moves", [
    [("resolved", "ana"), ("new", "ana")],
    # closed -> in-progress is a reopen (a wrong answer found later); cancelled is final
    [("cancelled", "ana"), ("in-progress", "ana")],
])
def test_moves_the_lifecycle_forbids(pr: tuple[Store, str],
                                     moves: list[tuple[str, str]]) -> None:
    store, rid = pr

    def edit(doc: dict[str, Any]) -> None:
        for i, (to, _) in enumerate(moves):
            doc["history"].append({"at": T0 + timedelta(minutes=10 + i), "by": ANA,
                                   "type": "status", "from": doc["status"], "to": to,
                                   "note": "x"})
            doc["status"] = to

    tamper(store, rid, ANA, edit)
    refused(store, "cannot become")


def test_feedback_on_an_open_request(pr: tuple[Store, str]) -> None:
    store, rid = pr

    def edit(doc: dict[str, Any]) -> None:
        doc["history"].append({"at": T0 + timedelta(minutes=10), "by": MARIA,
                               "type": "feedback", "rating": 1})

    tamper(store, rid, MARIA, edit)
    refused(store, "feedback is for resolved, closed or declined requests")


# -- the clock, departments, the catalogue, authors -----------------------------------------


def test_a_clock_a_minute_behind_writes_what_check_accepts(pr: tuple[Store, str]) -> None:
    store, rid = pr
    store.ok("update", rid, "--note", "first", actor=ANA, now=at(10))
    commit(store, "note", ANA)
    out = store.ok("update", rid, "--note", "from a slow clock", actor=RAJ,
                   now=(T0 + timedelta(minutes=9)).isoformat()).out
    assert "is behind the newest entry" in out and "stamped the change with that entry's " \
        "time" in out
    assert load(store.request_file(rid))["history"][-1]["at"] == T0 + timedelta(minutes=10)
    commit(store, "slow", RAJ)
    store.ok("check")
    store.ok("check", "--base", "main", now=at(600))
    before = store.snapshot()
    result = store.fails("update", rid, "--note", "far behind", actor=RAJ,
                         now=(T0 - timedelta(hours=1)).isoformat())
    assert "is behind by more than the clock tolerance (15m)" in result.err
    assert "2026-11-24T10:10:00-05:00" in result.err and "2026-11-24T09:00:00-05:00" in \
        result.err
    assert store.snapshot() == before


def test_a_requester_names_a_department_not_theirs(store: Store) -> None:
    before = store.snapshot()
    result = store.fails("new", "-p", "engineering", "-s", "drawing-review", "-t", "x",
                         "--department", "sales", actor=MARIA)
    assert "maria@example.com belongs to customer-service" in result.err
    assert store.snapshot() == before
    git(store, "checkout", "-qb", "pr")
    rid = store.ok("new", "-f", "json", "-p", "engineering", "-s", "drawing-review",
                   "-t", "x", actor=MARIA, now=at(0)).json()["id"]
    path = store.request_file(rid)
    doc = load(path)
    doc["customer"]["department"] = "sales"
    save(path, doc)
    commit(store, "new", MARIA)
    refused(store, "customer.department is 'sales' but maria@example.com belongs to "
                   "customer-service")
    assert "customer.department: 'sales' is not a department of maria@example.com" in \
        store.fails("check").out


def test_only_admins_change_the_catalogue(store: Store) -> None:
    providers = store.root / "providers.yaml"
    providers.write_text("admins: [ceo@example.com]\n" + providers.read_text())
    commit(store, "admins", "ceo@example.com", date=T0)
    git(store, "checkout", "-qb", "pr")
    text = providers.read_text()
    providers.write_text(text.replace("normal: {acknowledge: 4h, resolve: 2d, update: 1d}",
                                      "normal: {acknowledge: 4w, resolve: 8w, update: 1d}"))
    commit(store, "slower SLA", ANA, date=T0)
    refused(store, "providers.engineering: changed in commit",
            "by ana@example.com; only an admin (ceo@example.com) or its escalation contact "
            "(vp-eng@example.com) may change it")
    git(store, "reset", "-q", "--hard", "main")
    providers.write_text(text.replace("members: [ana@example.com, raj@example.com]",
                                      "members: [ana@example.com, raj@example.com, "
                                      "lee@example.com]"))
    commit(store, "lee joins", "vp-eng@example.com", date=T0)
    store.ok("check", "--base", "main", now=at(600))  # the escalation contact owns it
    providers.write_text(providers.read_text().replace("at_risk", "at_risk")
                         .replace("departments:", "departments:\n  legal:\n    members: "
                                                  "[lee@example.com]", 1))
    commit(store, "a department", "vp-eng@example.com", date=T0)
    refused(store, "departments: changed in commit",
            "only an admin (ceo@example.com) may change it")
    lines = store.ok("codeowners").out
    assert "/providers.yaml ceo@example.com" in lines


def test_a_commit_made_as_someone_else(pr: tuple[Store, str]) -> None:
    """An author email proves nothing on its own; signed commits do."""
    store, rid = pr
    store.ok("update", rid, "--note", "as raj", actor=RAJ, now=at(10))
    git(store, "add", "-A")
    git(store, "-c", f"user.email={RAJ}", "commit", "-qm", "forged", author=RAJ)
    store.ok("check", "--base", "main", now=at(600))  # the email matches: not proof
    result = store.fails("check", "--base", "main", "--require-signed", now=at(600))
    assert "is not signed by a key providers.yaml lists" in result.out


# -- signed commits, with real keys -----------------------------------------------------------


def _keygen(store: Store, name: str) -> tuple[str, str]:
    import subprocess

    path = store.root.parent / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(path)],
                   check=True)
    public = (path.with_name(name + ".pub")).read_text().strip()
    return str(path), public


def test_signed_commits_prove_their_author(pr: tuple[Store, str]) -> None:
    store, rid = pr
    raj_key, raj_public = _keygen(store, "raj")
    ana_key, ana_public = _keygen(store, "ana")
    git(store, "checkout", "-q", "main")
    providers = store.root / "providers.yaml"
    providers.write_text(providers.read_text() + "people:\n"
                         f"  {RAJ}: {{signing_keys: ['{raj_public}']}}\n"
                         f"  {ANA}: {{signing_keys: ['{ana_public}']}}\n")
    commit(store, "keys", ANA, date=T0)
    git(store, "checkout", "-q", "pr")
    git(store, "merge", "-q", "main")
    out = store.ok("git-setup", "--signing-key", raj_key, actor=RAJ).out
    assert "Set up signed commits" in out and "commit.gpgsign" in out
    act(store, RAJ, 10, "update", rid, "--note", "signed by raj")
    store.ok("check", "--base", "main", "--require-signed", now=at(600))
    # Ana's key on a commit that names Raj
    git(store, "config", "user.signingkey", ana_key)
    store.ok("update", rid, "--note", "raj again?", actor=RAJ, now=at(20))
    commit(store, "signed by ana as raj", RAJ)
    refused_signed = store.fails("check", "--base", "main", "--require-signed", now=at(600))
    assert "is signed by ana@example.com's key, not raj@example.com's" in refused_signed.out
    # a key that is not listed for the person is refused by git-setup
    result = store.fails("git-setup", "--signing-key", ana_key, actor=RAJ)
    assert "is not a key providers.yaml lists for raj@example.com" in result.err
