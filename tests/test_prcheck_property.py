"""Property: `check --base` accepts exactly the legitimate branches. Each example builds a
pull request branch on a real timeline (real git, every commit signed with its author's
real SSH key and dated when it was made) from legitimate steps (commands committed by the
people who acted, side branches merged with the merge driver, the base merged in), with at
most one tampering somewhere among them; the check (with signing required) passes the
branch when nothing was tampered with and refuses it otherwise."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Store, make_store
from git_helpers import git, load, save
from icsvc.store import yamlio

ANA, RAJ, MARIA, CEO = ("ana@example.com", "raj@example.com", "maria@example.com",
                        "ceo@example.com")
DAY1 = datetime.fromisoformat("2026-11-23T10:00:00-05:00")
DAY2 = datetime.fromisoformat("2026-11-24T09:00:00-05:00")
CHECKED = "2026-11-25T09:00:00-05:00"

ACTIONS: list[tuple[str, list[str]]] = [
    (ANA, ["triage", "{id}", "--ack"]),
    (RAJ, ["triage", "{id}", "--assign", RAJ]),
    (ANA, ["triage", "{id}", "--need-info", "Which revision?"]),
    (MARIA, ["update", "{id}", "--reply", "Revision C"]),
    (RAJ, ["update", "{id}", "--status", "in-progress"]),
    (ANA, ["update", "{id}", "--promise", "2026-12-04", "--note", "drawing first"]),
    (RAJ, ["update", "{id}", "--status", "resolved", "--note", "done"]),
    (MARIA, ["update", "{id}", "--note", "any news?"]),
    (MARIA, ["escalate", "{id}", "--reason", "too slow"]),
]
TAMPERINGS = ["odd name", "symlinked request", "symlinked new request", "symlinked answer",
              "catalogue in a merge", "parentless commit", "unsigned admin", "future entry",
              "backdated side branch", "unreadable step"]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    """Person -> (private key file, public key), made once."""
    folder = tmp_path_factory.mktemp("keys")
    out = {}
    for email in (ANA, RAJ, MARIA, CEO):
        path = folder / email.split("@")[0]
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
                       check=True)
        out[email] = (str(path), " ".join(Path(f"{path}.pub").read_text().split()[:2]))
    return out


class Branch:
    """The store, its keys and the clock of the branch being built."""

    def __init__(self, store: Store, keys: dict[str, tuple[str, str]]) -> None:
        self.store = store
        self.keys = keys
        self.clock = DAY2 + timedelta(hours=1)
        self.r = ""
        self.m0 = ""

    def tick(self) -> datetime:
        self.clock += timedelta(minutes=10)
        return self.clock

    def git(self, *args: str, author: str | None = None, when: datetime | None = None,
            signed: str | None = None, check: bool = True) -> Any:
        sign = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={self.keys[signed][0]}"] \
            if signed else []
        return git(self.store, *sign, *args, author=author, date=when, check=check)

    def commit(self, author: str, when: datetime, signed: bool = True,
               stage: bool = True) -> None:
        if stage:
            self.git("add", "-A")
        self.git("commit", "-q", *(["-S"] if signed else []), "-m", "step", author=author,
                 when=when, signed=author if signed else None)

    def act(self, actor: str, args: list[str], rid: str) -> None:
        when = self.tick()
        before = self.store.snapshot()
        result = self.store.icsvc(*[a.replace("{id}", rid) for a in args], actor=actor,
                                  now=when.isoformat())
        assert result.code in (0, 1, 2) and "Traceback" not in result.err, result.err
        if result.code == 0:
            self.commit(actor, when)
        else:
            assert self.store.snapshot() == before

    def merge(self, other: str, author: str = ANA, no_commit: bool = False) -> None:
        self.git("merge", "-q", "--no-ff", *(["--no-commit"] if no_commit else ["-S"]),
                 "--no-edit", other, author=author, when=self.tick(), signed=author)

    def new(self, when: datetime, title: str) -> str:
        return str(self.store.ok("new", "-f", "json", "-p", "engineering", "-s",
                                 "part-clarification", "-t", title, "--info",
                                 "order_number=SO-1", "--info", "part_number=P-1",
                                 actor=MARIA, now=when.isoformat()).json()["id"])


def build(root: Path, keys: dict[str, tuple[str, str]]) -> Branch:
    store = make_store(root)
    b = Branch(store, keys)
    store.ok("git-setup")
    people = "".join(f"  {e}: {{signing_keys: ['{k[1]}']}}\n" for e, k in keys.items())
    providers = store.root / "providers.yaml"
    providers.write_text("admins: [ceo@example.com]\n" + providers.read_text() + "people:\n"
                         + people)
    b.commit(CEO, DAY1 - timedelta(days=3))
    b.r = b.new(DAY1, "Bore")
    b.commit(MARIA, DAY1)
    b.m0 = store.git("rev-parse", "HEAD").strip()
    b.new(DAY2, "Another")
    b.commit(MARIA, DAY2)
    b.git("checkout", "-qb", "pr")
    return b


def legit(b: Branch, op: tuple[Any, ...]) -> None:
    kind = op[0]
    if kind == "act":
        actor, args = ACTIONS[op[1]]
        b.act(actor, args, b.r)
    elif kind == "side":  # a side branch from here, work on both, merged with the driver
        b.git("checkout", "-qb", f"side{b.clock.minute}{b.clock.hour}")
        side = b.store.git("branch", "--show-current").strip()
        for i in op[1]:
            b.act(*ACTIONS[i], b.r)
        b.git("checkout", "-q", "pr")
        for i in op[2]:
            b.act(*ACTIONS[i], b.r)
        b.merge(side)
    elif kind == "main":  # main moves on; the branch merges it in
        b.git("checkout", "-q", "main")
        when = b.tick()
        b.new(when, "Meanwhile")
        b.commit(MARIA, when)
        b.git("checkout", "-q", "pr")
        b.merge("main")
    elif kind == "new":
        when = b.tick()
        b.new(when, "On the branch")
        b.commit(MARIA, when)


def forged_ack(b: Branch, doc: dict[str, Any]) -> dict[str, Any]:
    """Raj's acknowledgement added by hand (to be committed by someone else)."""
    doc = dict(doc, history=list(doc["history"]))
    doc["history"].append({"at": b.tick(), "by": RAJ, "type": "note", "note": "Done, I said"})
    return doc


def tamper(b: Branch, kind: str) -> None:
    store = b.store
    folder = store.root / "requests" / "engineering"
    if kind == "odd name":
        doc = forged_ack(b, load(store.request_file(b.r)))
        doc["id"] = "ZZZZZZZZ"
        save(folder / "zzzzzzzz.yaml", doc)
        b.commit(MARIA, b.clock)
    elif kind in ("symlinked request", "symlinked new request"):
        rid = b.r if kind == "symlinked request" else b.new(b.tick(), "Linked")
        path = folder / f"{rid}.yaml"
        doc = forged_ack(b, load(path))
        (store.root / "docs").mkdir(exist_ok=True)
        save(store.root / "docs" / f"{rid}.yaml", doc)
        path.unlink()
        path.symlink_to(f"../../docs/{rid}.yaml")
        b.commit(MARIA, b.clock)
    elif kind == "symlinked answer":
        when = b.tick()
        store.ok("survey", "answer", "engineering", "--quarter", "2026Q4", "--rating", "5",
                 actor=MARIA, now=when.isoformat())
        path = store.root / "surveys" / "2026Q4" / "engineering" / f"{MARIA}.yaml"
        (store.root / "docs").mkdir(exist_ok=True)
        (store.root / "docs" / "answer.yaml").write_text(path.read_text().replace(
            "rating: 5", "rating: 1"))
        path.unlink()
        path.symlink_to("../../../docs/answer.yaml")
        b.commit(MARIA, when)
    elif kind == "catalogue in a merge":
        b.git("checkout", "-qb", "harmless")
        b.act(MARIA, ["update", "{id}", "--note", "harmless"], b.r)
        b.git("checkout", "-q", "pr")
        b.merge("harmless", author=RAJ, no_commit=True)
        providers = store.root / "providers.yaml"
        providers.write_text(providers.read_text().replace(
            "admins: [ceo@example.com]", "admins: [ceo@example.com, raj@example.com]"))
        b.commit(RAJ, b.clock)
    elif kind == "parentless commit":
        rid = b.new(DAY1 - timedelta(days=14), "Long ago")
        text = store.request_file(rid).read_text()
        store.request_file(rid).unlink()
        b.git("checkout", "-q", "--orphan", "unrelated")
        b.git("rm", "-rqf", ".")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{rid}.yaml").write_text(text)
        b.commit(MARIA, DAY1 - timedelta(days=14))
        b.git("checkout", "-q", "pr")
        b.git("merge", "-q", "-S", "--allow-unrelated-histories", "--no-edit", "unrelated",
              author=MARIA, when=b.tick(), signed=MARIA)
    elif kind == "unsigned admin":
        providers = store.root / "providers.yaml"
        providers.write_text(providers.read_text().replace(
            "admins: [ceo@example.com]", "admins: [ceo@example.com, raj@example.com]"))
        b.commit(CEO, b.tick(), signed=False)
    elif kind == "future entry":
        when = datetime.fromisoformat("2030-01-01T10:00:00-05:00")
        store.ok("update", b.r, "--note", "From 2030", actor=MARIA, now=when.isoformat())
        b.commit(MARIA, when)
    elif kind == "backdated side branch":
        # merged into the branch's own work: a branch that is itself old (or starts by
        # merging an old branch) is judged from where it left the base, as a long-lived
        # branch is; the time it spent away cannot be proven
        legit(b, ("new",))
        b.git("checkout", "-qb", "backdated", b.m0)
        when = DAY1 + timedelta(minutes=10)
        store.ok("update", b.r, "--note", "Seen at once", actor=ANA, now=when.isoformat())
        b.commit(ANA, when)
        b.git("checkout", "-q", "pr")
        b.merge("backdated")
    elif kind == "unreadable step":
        path = store.request_file(b.r)
        doc = forged_ack(b, load(path))
        path.write_text("history: [broken\n")
        b.commit(MARIA, b.clock)
        path.write_text(yamlio.dump(doc))
        b.commit(MARIA, b.tick())


OPS = st.one_of(
    st.tuples(st.just("act"), st.integers(0, len(ACTIONS) - 1)),
    st.tuples(st.just("side"), st.lists(st.integers(0, len(ACTIONS) - 1), min_size=1,
                                        max_size=2),
              st.lists(st.integers(0, len(ACTIONS) - 1), max_size=1)),
    st.tuples(st.just("main")),
    st.tuples(st.just("new")),
)


@pytest.mark.parametrize("tampering", [None, *TAMPERINGS])
@settings(max_examples=2, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OPS, min_size=1, max_size=4), where=st.integers(0, 4))
def test_check_base_accepts_exactly_the_legitimate_branches(
        tmp_path_factory: pytest.TempPathFactory, keys: dict[str, tuple[str, str]],
        tampering: str | None, ops: list[tuple[Any, ...]], where: int) -> None:
    """Two branches per kind (legitimate, or each tampering), 22 in all."""
    b = build(tmp_path_factory.mktemp("prop") / "store", keys)
    for i, op in enumerate([*ops, None]):
        if tampering is not None and i == min(where, len(ops)):
            tamper(b, tampering)
        if op is not None:
            legit(b, op)
    assert b.clock < datetime.fromisoformat(CHECKED)
    result = b.store.icsvc("check", "--base", "main", "--require-signed", now=CHECKED)
    assert "Traceback" not in result.err, result.err
    if tampering is None:
        assert result.code == 0, f"legitimate {ops} refused:\n{result.out}{result.err}"
    else:
        assert result.code == 1, f"{tampering} in {ops} passed:\n{result.err}"
