"""`show`, `report` (from a fresh replay and from what the index keeps), `explain`, the
queue and the digest (from cards), and notifications all read one outcome per request: on
generated histories, at moments before, during and after them, they agree on every
promise, clock and outcome."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from icsvc.domain import history
from icsvc.domain.outcome import clock_result, outcome
from icsvc.errors import IcsvcError
from icsvc.notify.events import clock_events
from icsvc.reports import facts as report_facts
from icsvc.workflow import explanation, queue
from icsvc.workflow.cards import card_of
from icsvc.workflow.views import outcome_json
from rules import ANA, MARIA, PAT, RAJ, World, assert_open_spans

STEPS = ("ack", "ack-promise", "promise", "move-promise", "resolve", "decline", "cancel",
         "need-info", "reply", "reopen", "note", "redirect", "close")


def _step(w: World, request: Any, step: str, minutes: int, promise_minutes: int) -> None:
    when = (w.at(minutes + promise_minutes)).isoformat()
    if step == "ack":
        w.triage(request, ack=True, minutes=minutes)
    elif step == "ack-promise":
        w.triage(request, ack=True, promise=when, minutes=minutes)
    elif step in ("promise", "move-promise"):
        w.update(request, promise=when, note="moved" if step == "move-promise" else None,
                 minutes=minutes)
    elif step == "resolve":
        w.update(request, status="resolved", note="done", minutes=minutes)
    elif step == "close":
        w.update(request, status="closed", minutes=minutes)
    elif step == "decline":
        w.triage(request, decline="not ours", alternate="Facilities", minutes=minutes)
    elif step == "cancel":
        w.update(request, by=MARIA, status="cancelled", minutes=minutes)
    elif step == "need-info":
        w.triage(request, need_info="which drawing?", minutes=minutes)
    elif step == "reply":
        w.update(request, by=MARIA, reply="D-7", minutes=minutes)
    elif step == "reopen":
        w.update(request, by=MARIA, reopen=True, note="wrong", minutes=minutes)
    elif step == "note":
        w.update(request, by=RAJ, note="on it", minutes=minutes)
    elif step == "redirect":
        w.triage(request, redirect="payroll", note="Pat knows", minutes=minutes)


def _made(steps: list[tuple[str, int, int]], need: int | None) -> tuple[World, Any]:
    w = World()
    extra = ({"needed_by": w.at(need).isoformat(), "justification": "the audit"}
             if need is not None else {})
    request = w.new(**extra)
    minutes = 0
    for step, gap, ahead in steps:
        minutes += gap
        try:
            _step(w, request, step, minutes, ahead)
        except IcsvcError:
            continue  # a step the rules refuse here changes nothing
    return w, request


def _clock(c: Any) -> tuple[Any, ...]:
    return c.due, c.state, c.met_at, c.stopped_at


@settings(max_examples=60, deadline=None, derandomize=True)
@given(steps=st.lists(st.tuples(st.sampled_from(STEPS), st.integers(1, 60 * 30),
                                st.integers(60, 60 * 24 * 6)), max_size=7),
       need=st.none() | st.integers(60 * 20, 60 * 24 * 12),
       nows=st.lists(st.integers(-60, 60 * 24 * 20), min_size=1, max_size=3))
def test_every_view_reads_one_outcome(steps: list[tuple[str, int, int]], need: int | None,
                                      nows: list[int]) -> None:
    w, request = _made(steps, need)
    cat = w.cat
    state = history.replay(request, cat)
    last = state.last_at
    for offset in nows:
        now = last + timedelta(minutes=offset)
        told = outcome(history.replay(request, cat), cat, now)
        shown = outcome_json(told, cat)
        # what the report counts: from a fresh replay, and from what the index keeps
        fresh = report_facts.counted_now(state, cat, now)
        if state.status in ("new", "acknowledged", "in-progress", "waiting-on-customer"):
            pending = report_facts.Pending.of(state, cat)
            assert pending.at(cat, now) == fresh
            kept = report_facts.from_json(pending.to_json())
            assert isinstance(kept, report_facts.Pending) and kept.at(cat, now) == fresh
        else:
            assert report_facts.counted_final(state, cat, now)[0] == fresh
        assert report_facts.from_json(report_facts.to_json(fresh)) == fresh
        assert_open_spans(state, fresh.open_spans)  # the backlog at any moment
        # promises: show's promise is the report's latest
        if state.promised_by is not None:
            assert shown["promise"] == fresh.promises[-1][2]
        assert [how for _, _, how in fresh.promises] == [how for _, how in told.promises]
        # clocks: show's states are the report's outcomes
        for name, clock in told.clocks.items():
            assert shown["sla"][name]["due"] == clock.due.isoformat()
            assert shown["sla"][name]["state"] == clock.state
            result = clock_result(clock)
            counted = None if result is None else (report_facts.instant(result[0]), result[1])
            if name in fresh.clocks:
                assert fresh.clocks[name] == counted
            elif name == "needed_by":
                assert (fresh.needed_by or (None, None))[:2] == (counted or (None, None))
        # explain works its dates out from the same clocks
        explained = explanation.explain(request, cat, now)
        for name, part in explained.clocks.items():
            assert _clock(part.clock) == _clock(told.clocks[name])
        # the queue and the digest read cards: the same clocks, from kept plans
        if state.status in ("new", "acknowledged", "in-progress", "waiting-on-customer"):
            card = card_of(request, "requests/x.yaml", cat)
            kept_told = card.outcome(cat, now)
            assert {n: _clock(c) for n, c in kept_told.clocks.items()} == \
                {n: _clock(c) for n, c in told.clocks.items()}
            assert kept_told.update_overdue == told.update_overdue
            item = queue.item(card, cat, now)
            assert item.clocks == kept_told.clocks
            # notifications: a breach told is a breach shown, at the due time shown
            for event in clock_events(state, cat, state.created_at, now):
                name = next(n for n, c in told.clocks.items()
                            if f"{n}\0{c.due.isoformat()}" in _what(event, told))
                assert told.clocks[name].state in ("breached", "at-risk")


def _what(event: Any, told: Any) -> str:
    """The clock and due date an event is about, as its id was made from."""
    from icsvc.notify.events import event_id

    for name, clock in told.clocks.items():
        what = f"{name}\0{clock.due.isoformat()}"
        if event_id(event.request, event.kind, what) == event.id:
            return what
    raise AssertionError(f"an event about no clock shown: {event}")


# -- the two disagreements there were ---------------------------------------------------------


def test_a_promise_moved_before_its_date_then_kept_is_moved_in_show_and_report() -> None:
    """`show` said 'kept' (delivered by the date in force), the report 'moved' (not by the
    first date promised): both now say 'moved'."""
    w = World()
    r = w.new()
    w.triage(r, ack=True, promise=w.at(60 * 6).isoformat(), minutes=10)
    w.update(r, promise=w.at(60 * 30).isoformat(), note="parts late", minutes=60)
    w.update(r, status="resolved", note="done", minutes=60 * 28)
    now = w.at(60 * 40)
    told = outcome(w.state(r), w.cat, now)
    assert outcome_json(told, w.cat)["promise"] == "moved"
    facts = report_facts.counted_now(w.state(r), w.cat, now)
    assert [how for _, _, how in facts.promises] == ["moved"]


def test_a_promise_followed_by_a_decline_is_withdrawn_in_show_and_report() -> None:
    """`show` said 'kept' (a decline stopped the clock before the date), the report
    'withdrawn' (nothing was delivered): both now say 'withdrawn'."""
    w = World()
    r = w.new()
    w.triage(r, ack=True, promise=w.at(60 * 30).isoformat(), minutes=10)
    w.triage(r, decline="not ours after all", alternate="Facilities", minutes=60)
    now = w.at(60 * 40)
    assert outcome_json(outcome(w.state(r), w.cat, now), w.cat)["promise"] == "withdrawn"
    facts = report_facts.counted_now(w.state(r), w.cat, now)
    assert [how for _, _, how in facts.promises] == ["withdrawn"]


def test_the_customer_and_a_member_of_another_provider_are_no_provider() -> None:
    w = World()
    r = w.new()
    state = w.state(r)
    assert history.side(MARIA, state) == "customer"
    assert history.side(ANA, state) == "provider"
    assert history.side(PAT, state) is None
