"""Each history entry kind, one row of a table: its keys read and written back, its check
accepting and refusing, what it changes, and how it is told (the `show` line, the commit
verb, the `explain` line, the notices it raises). In process: a row takes milliseconds."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from icsvc.domain import history
from icsvc.domain.history import kinds
from icsvc.domain.history.entries import Problem
from icsvc.domain.history.request import Request
from icsvc.domain.history.state import RequestState
from rules import ANA, MARIA, PAT, RAJ, T0, VP, World

Setup = Callable[[World], Request]


def fresh(w: World) -> Request:
    return w.new()


def acked(w: World) -> Request:
    r = w.new()
    w.triage(r, ack=True, minutes=5)
    return r


def resolved(w: World) -> Request:
    r = acked(w)
    w.update(r, status="resolved", note="done", minutes=8)
    return r


def waiting(w: World) -> Request:
    r = acked(w)
    w.update(r, status="waiting-on-customer", note="which drawing?", minutes=8)
    return r


def promised(w: World) -> Request:
    r = acked(w)
    w.update(r, promise="2026-11-26T12:00", note="parts", minutes=8)
    return r


def downgraded(w: World) -> Request:
    r = w.new()
    w.triage(r, priority="low", note="not urgent for us", minutes=5)
    return r


def urgent_asked(w: World) -> Request:
    return w.new(priority="high")


def declined(w: World) -> Request:
    r = w.new()
    w.triage(r, decline="not ours", alternate="Facilities", minutes=5)
    return r


def closed(w: World) -> Request:
    r = resolved(w)
    w.update(r, status="closed", minutes=9)
    return r


@dataclass(frozen=True)
class Row:
    """One kind: an entry that fits a setup, and one that breaks a rule."""

    kind: str
    raw: dict[str, Any]
    by: str
    setup: Setup
    effect: Callable[[RequestState, RequestState], bool]
    line: str
    verb: str | None
    explained: str | None
    notices: tuple[str, ...]
    refused: tuple[Setup, dict[str, Any], str, str, str]
    """(setup, raw, by, key at fault, words of the problem)."""


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


ROWS = [
    Row("created", {}, MARIA, lambda w: dataclasses.replace(w.new(), history=[]),
        lambda a, b: b.status == "new", "created the request", "new", None, ("new",),
        (fresh, {}, MARIA, "type", "only the first entry may be 'created'")),
    Row("status", {"from": "new", "to": "acknowledged", "timeframe": at(2000)}, ANA, fresh,
        lambda a, b: b.status == "acknowledged" and b.acknowledged_at is not None,
        "status new -> acknowledged (expect it by", "ack", None, ("acknowledged",),
        (fresh, {"from": "new", "to": "acknowledged"}, ANA, "timeframe",
         "carries a timeframe")),
    Row("status", {"from": "new", "to": "declined", "note": "no", "alternate": "Facilities"},
        ANA, fresh, lambda a, b: b.status == "declined" and b.alternate == "Facilities",
        "who can help instead: Facilities", "decline", None, ("declined",),
        (fresh, {"from": "new", "to": "declined", "note": "no"}, ANA, "alternate",
         "a decline names an alternate")),
    Row("status", {"from": "resolved", "to": "in-progress", "note": "wrong thread"}, MARIA,
        resolved, lambda a, b: len(b.reopens) == 1 and b.status == "in-progress",
        "status resolved -> in-progress - wrong thread", "reopen", None, ("reopened",),
        (declined, {"from": "declined", "to": "in-progress", "note": "x"}, MARIA, "to",
         "declined is final")),
    Row("priority", {"from": "normal", "to": "high", "note": "line down"}, ANA, fresh,
        lambda a, b: b.priority == "high", "priority normal -> high", "priority",
        "agreed priority normal -> high (line down)", ("progress",),
        (fresh, {"from": "normal", "to": "low"}, ANA, "note", "needs 'note' saying why")),
    Row("targets", {"from": {"acknowledge": "4h", "resolve": "2d", "update": "1d"},
                    "to": {"acknowledge": "2h", "resolve": "1d"}}, ANA,
        lambda w: _with(w, fresh(w), "priority", ANA, {"from": "normal", "to": "high",
                                                       "note": "x"}),
        lambda a, b: b.targets == {"acknowledge": "2h", "resolve": "1d"},
        "SLA targets now acknowledge 2h, resolve 1d", None, "targets now acknowledge 2h",
        (), (fresh, {"to": {"acknowledge": "1m", "resolve": "1m"},
                     "from": {"acknowledge": "4h", "resolve": "2d", "update": "1d"}}, ANA,
             "to", "must be engineering's SLA")),
    Row("assigned", {"to": RAJ}, ANA, fresh, lambda a, b: b.owner == RAJ,
        f"owner - -> {RAJ}", "assign", None, ("assigned",),
        (fresh, {"to": MARIA}, ANA, "to", "is not a member of engineering")),
    Row("promise", {"to": at(3000), "note": "by Thursday"}, ANA, fresh,
        lambda a, b: b.promised_by is not None and len(b.promises) == 1,
        "promised Thu 2026-11-26", "promise", None, ("progress",),
        (promised, {"from": "2026-11-26T12:00:00-05:00", "to": at(4000)}, ANA, "note",
         "moving a promise needs 'note'")),
    Row("info", {"info": {"drawing": "D-7"}}, MARIA, waiting,
        lambda a, b: b.info["drawing"] == "D-7" and b.answered, "provided drawing=D-7",
        "info", None, ("info-supplied",),
        (fresh, {"info": {"order_number": "SO-1"}}, MARIA, "info", "changes no information")),
    Row("redirect", {"from": "engineering", "to": "payroll", "note": "Pat knows"}, ANA, fresh,
        lambda a, b: b.provider == "payroll" and len(b.stints) == 2,
        "redirected engineering -> payroll", "redirect to payroll", None,
        ("redirected", "new"),
        (fresh, {"from": "engineering", "to": "legal", "note": "x"}, ANA, "to",
         "unknown provider 'legal'")),
    Row("note", {"note": "on it"}, ANA, acked, lambda a, b: len(b.informed) > len(a.informed),
        "note - on it", "note", None, ("progress",),
        (acked, {"note": "here", "reply": True}, MARIA, "reply",
         "answers a request waiting on you")),
    Row("progress", {"from": None, "to": 50}, ANA, acked, lambda a, b: b.progress == 50,
        "progress - -> 50", "progress", None, ("progress",),
        (closed, {"to": 60}, ANA, "to", "its progress is final")),
    Row("escalation", {"to": VP, "note": "stuck", "contest": True}, MARIA, downgraded,
        lambda a, b: b.escalation_pending and b.proposal == "contested",
        f"escalated to {VP} (contests the proposed priority) - stuck", "escalate",
        "contested the proposed priority (stuck)", ("escalated",),
        (fresh, {"to": VP, "note": "x", "contest": True}, MARIA, "contest",
         "there is no priority proposal to contest")),
    Row("answer", {"note": "a new lot ships Friday"}, VP, lambda w: _escalated(w, closed(w)),
        lambda a, b: not b.escalation_pending and b.escalations[-1].answered_at is not None,
        "answered the escalation - a new lot ships Friday", "answer", None,
        ("escalation-answered",),
        (closed, {"note": "x"}, VP, "", "has no escalation waiting for an answer")),
    Row("feedback", {"rating": 4, "comment": "quick"}, MARIA, resolved,
        lambda a, b: b.rating == 4, 'rated 4/5 "quick"', "rate", None, ("rated",),
        (acked, {"rating": 5}, MARIA, "", "feedback is for resolved")),
    Row("conflict", {"field": "owner", "ours": ANA, "theirs": RAJ, "kept": ANA},
        history.MERGE_IDENTITY, lambda w: _with(w, fresh(w), "assigned", ANA, {"to": ANA}),
        lambda a, b: b.owner == ANA, f"merge: owner set to '{ANA}' and '{RAJ}'", None, None,
        (), (lambda w: _with(w, fresh(w), "assigned", ANA, {"to": ANA}),
             {"field": "owner", "kept": RAJ}, history.MERGE_IDENTITY, "kept",
             "it cannot set another")),
    Row("cost", {"to": 125000, "note": "lot rejected"}, MARIA, resolved,
        lambda a, b: b.cost == 125000 and b.cost_revisions,
        "recorded the cost of the lapse: - -> 125000 - lot rejected", None, None,
        ("customer-update",),
        (resolved, {"to": 10}, MARIA, "note", "needs 'note' saying what happened")),
    Row("needed-by", {"to": at(5000), "note": "the audit moved"}, MARIA, fresh,
        lambda a, b: b.needed_by is not None, "needed by ", None, "needed by ",
        ("customer-update",),
        (fresh, {"to": at(-60), "note": "x"}, MARIA, "to", "is not after the entry's time")),
    Row("requested-priority", {"from": "normal", "to": "urgent", "note": "line down"}, MARIA,
        fresh, lambda a, b: b.requested_priority == "urgent" and b.asked[-1] == "urgent",
        "asked for urgent priority (was normal)", None, "asked for urgent instead of normal",
        ("customer-update",),
        (fresh, {"from": "normal", "to": "normal", "note": "x"}, MARIA, "to",
         "already asks for normal")),
    Row("accepted", {"to": "low"}, MARIA, downgraded, lambda a, b: b.proposal == "accepted",
        "accepted the proposed priority low", None, "accepted the proposed priority low",
        ("customer-update",),
        (fresh, {"to": "normal"}, MARIA, "", "has no priority proposal to accept")),
    Row("link", {"blocks": "ABCD2345"}, MARIA, fresh, lambda a, b: b.blocks == ["ABCD2345"],
        "blocks ABCD2345", None, None, (),
        (fresh, {"blocks": "nope"}, MARIA, "blocks", "is not a request ID")),
]


def _escalated(w: World, request: Request) -> Request:
    """The request escalated by its requester (any status: an escalation reaches someone)."""
    return _with(w, request, "escalation", MARIA, {"to": VP, "note": "wrong thread"},
                 minutes=12)


def _with(w: World, request: Request, kind: str, by: str, raw: dict[str, Any],
          minutes: float = 3) -> Request:
    """The request with one more entry (checked: the setup must be valid)."""
    entry, found, _, _ = judge(w, request, kind, by, raw, minutes)
    assert not found, found
    request.history.append(entry)
    history.write_fields(history.replay(request, w.cat), request)
    return request


def judge(w: World, request: Request, kind: str, by: str, raw: dict[str, Any],
          minutes: float = 30) -> tuple[kinds.Kind, list[Problem], RequestState,
                                        RequestState]:
    """The entry parsed from its file mapping, its problems on the request as it stands,
    and the state before and after it."""
    data = {k: v for k, v in raw.items() if v is not None}
    entry = kinds.parse_entry(T0 + timedelta(minutes=minutes), by, kind, data, _fail)
    before = history.replay(request, w.cat)
    replay = history.Replay(history.replay(request, w.cat), w.cat)
    found = replay.add(entry)
    return entry, found, before, replay.state


def _fail(key: str, problem: str) -> None:
    raise AssertionError(f"{key}: {problem}")


def _id(row: Row) -> str:
    return f"{row.kind}-{row.raw.get('to', '')}" if row.kind == "status" else row.kind


@pytest.mark.parametrize("row", ROWS, ids=[_id(r) for r in ROWS])
def test_the_kind_reads_checks_applies_and_tells(row: Row) -> None:
    w = World()
    request = row.setup(w)
    entry, found, before, after = judge(w, request, row.kind, row.by, row.raw)
    # its keys read and written back as the file holds them
    dumped = entry.dump()
    assert {k: v for k, v in dumped.items() if k not in ("at", "by", "type")} == {
        k: (datetime.fromisoformat(v) if isinstance(v, str) and k in ("to", "from",
                                                                       "timeframe")
            and v[:2] == "20" else v)
        for k, v in row.raw.items() if v is not None and v is not False}
    assert kinds.read_entry(dumped) == entry
    # its check accepts it here, and it changes what it says it changes
    assert found == [], found
    assert row.effect(before, after)
    # how it is told
    assert row.line in entry.line(), entry.line()
    assert entry.verb([entry]) == row.verb
    explained = entry.explained()
    assert (explained is None) == (row.explained is None)
    assert row.explained is None or row.explained in str(explained)
    told = dataclasses.replace(request, history=[*request.history, entry])
    notices = [n.kind for _, _, ns in history.told(told, {len(request.history)}, w.cat)
               for n in ns]
    assert tuple(notices) == row.notices


@pytest.mark.parametrize("row", ROWS, ids=[_id(r) for r in ROWS])
def test_the_kind_refuses_what_breaks_its_rule(row: Row) -> None:
    setup, raw, by, key, words = row.refused
    w = World()
    _, found, _, _ = judge(w, setup(w), row.kind, by, raw)
    assert any(p.key == key and words in p.say() for p in found), found


def test_every_kind_has_a_row() -> None:
    assert {r.kind for r in ROWS} == set(kinds.KINDS)


def test_a_problem_names_keys_as_each_channel_does() -> None:
    problem = Problem("note", f"needs {kinds.k('note')} saying why", missing=True)
    assert problem.say() == "needs 'note' saying why"
    assert problem.say(lambda key: f"--{key}") == "needs --note saying why"


def test_rights_are_checked_by_role() -> None:
    w = World()
    _, found, _, _ = judge(w, w.new(), "status", PAT, {"from": "new", "to": "resolved"})
    assert [p.key for p in found] == ["by"]
    assert "only a member of engineering" in found[0].say()


def test_no_module_outside_the_history_reads_an_entry_by_key() -> None:
    """Entries are typed objects from parse to write; outside `domain/history/` nothing looks
    an entry's key up in a mapping (a merge of two files orders raw entries by their time
    and author through `entries.envelope`, and never reads their other keys). A survey
    answer's history (`domain/answers.py`) is another file's, parsed where it is defined."""
    import re
    from pathlib import Path

    src = Path(__file__).resolve().parents[3] / "src" / "icsvc"
    keys = "|".join(("type", "from", "to", "note", "timeframe", "alternate", "late", "reply",
                     "contest", "blocks", "broken", "rating", "comment", "kept", "actual"))
    by_key = re.compile(rf"""\b(?:e|entry|raw|item)(?:\.get\(|\[)["']({keys})["']""")
    found = [f"{path.relative_to(src)}:{n}: {line.strip()}"
             for path in sorted(src.rglob("*.py"))
             if "history" not in path.parts and path.name != "answers.py"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if by_key.search(line)]
    assert found == []
