"""Property: a clock worked out from its plan (the business time of the windows that closed,
counted once, as listings keep it in the index) equals the clock `measure` works out over
every window, at any `now`, before, between or after the request's events; and a plan comes
back from its JSON form unchanged."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EXAMPLE
from icsvc.domain import history, sla
from icsvc.domain.history.kinds import Created, Kind, Note, StatusChange
from icsvc.store.files import load_catalogue, load_request

CAT = load_catalogue(EXAMPLE / "providers.yaml")
TEMPLATE = load_request(EXAMPLE / "requests" / "engineering" / "09KRRP64.yaml")
T0 = datetime.fromisoformat("2026-03-05T16:20:00-05:00")  # days before a DST change
FAR = datetime.fromisoformat("2999-01-01T00:00:00+00:00")

STATUSES = ["acknowledged", "in-progress", "waiting-on-customer", "in-progress", "resolved",
            "in-progress", "waiting-on-customer", "closed", "cancelled", "declined"]
STEPS = st.lists(st.tuples(st.integers(1, 60 * 24 * 4),
                           st.sampled_from([*STATUSES, "note", "comment"])), max_size=8)


def _request(provider: str, steps: list[tuple[int, str]], need_days: int | None,
             late_info: bool) -> history.RequestState:
    member = CAT.providers[provider].members[0]
    at = T0
    entries: list[Kind] = [Created(at=T0, by=TEMPLATE.customer_email)]
    status = "new"
    for minutes, what in steps:
        at += timedelta(minutes=minutes)
        if what == "note":
            entries.append(Note(at=at, by=member, note="progress"))
        elif what == "comment":
            entries.append(Note(at=at, by=TEMPLATE.customer_email, note="hi"))
        elif what != status:
            entries.append(StatusChange(at=at, by=member, from_=status, to=what))
            status = what
    request = dataclasses.replace(
        TEMPLATE, provider=provider, status=status, history=entries, created_at=T0,
        needed_by=T0 + timedelta(days=need_days) if need_days is not None else None,
        targets={"acknowledge": "2h", "resolve": "1d", "update": "4h"})
    cat = CAT
    if late_info:
        cat = dataclasses.replace(CAT, settings=dataclasses.replace(
            CAT.settings, pause_on_late_info=not CAT.settings.pause_on_late_info))
    state = history.replay(request, cat)
    state.cat = cat
    return state


@settings(max_examples=150, deadline=None, derandomize=True)
@given(provider=st.sampled_from(sorted(CAT.providers)), steps=STEPS,
       need_days=st.none() | st.integers(-1, 20), late_info=st.booleans(),
       nows=st.lists(st.integers(-60 * 24, 60 * 24 * 40), min_size=1, max_size=4))
def test_the_plan_gives_the_clocks_of_a_walk_over_every_window(
        provider: str, steps: list[tuple[int, str]], need_days: int | None, late_info: bool,
        nows: list[int]) -> None:
    state = _request(provider, steps, need_days, late_info)
    cat = state.cat
    assert cat is not None
    plans = sla.plan(state, cat)
    walked = {name: dataclasses.replace(p, settled=FAR) if isinstance(p, sla.RunPlan) else p
              for name, p in plans.items()}
    assert sla.plans_from_json(sla.plans_to_json(plans)) == plans
    cal = cat.providers[provider].calendar
    for offset in nows:
        now = T0 + timedelta(minutes=offset)
        assert (sla.evaluate(plans, cal, now, cat.at_risk)
                == sla.evaluate(walked, cal, now, cat.at_risk))


def test_a_time_read_back_is_the_same_object_for_the_same_text_and_never_a_naive_one(
) -> None:
    """Times read back from kept values are shared by their text (a report reads some
    200,000): the same text gives the very same time, and a text without its offset is
    refused however often it comes."""
    text = "2026-11-24T09:30:00-05:00"
    first = sla.time_from_json(text)
    assert sla.time_from_json(text) is first and first.utcoffset() == timedelta(hours=-5)
    assert sla.time_from_json("2026-11-24T14:30:00+00:00") == first
    for bad in ("2026-11-24T09:30:00", "2026-11-24T09:30:00", 5, None, ["x"], "soon"):
        try:
            sla.time_from_json(bad)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad!r}")


def test_a_damaged_plan_is_refused() -> None:
    state = _request("engineering", [(30, "acknowledged"), (60, "waiting-on-customer")],
                     3, False)
    assert state.cat is not None
    good = sla.plans_to_json(sla.plan(state, state.cat))
    for bad in ([], {"x": 1}, [["acknowledge", "run"]], [["resolve", "run", *good[0][2:]]],
                [[*good[0][:3], "soon", *good[0][4:]]], "text", None, [[1, 2, 3]]):
        try:
            sla.plans_from_json(bad)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad!r}")
