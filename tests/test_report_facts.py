"""A request's report facts (`reports/facts.py`) are kept in the index (a closed request's
whole, an open one's but for what depends on now): the report read from them is the report
of a fresh parse, for any period and moment, and a kept value that is damaged or another
request's is worked out again."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from typing import Any

import pytest

import reportstore as rs
from conftest import Store, without_index
from icsvc.store.index import INDEX_FILE

LATER = "2027-02-15T09:00:00-05:00"
EARLIER = "2026-11-16T12:00:00-05:00"
"""Before some requests of the hand-built store were resolved."""
PERIODS = [list(rs.PERIOD), [], ["--quarter", "2026Q4"], ["--since", "2026-10-01"]]


@pytest.fixture
def rstore(store: Store) -> Store:
    rs.write(store.root)
    return store


def report(store: Store, now: str, *args: str) -> str:
    return store.ok("report", "-f", "json", *args, now=now).out


def kept(store: Store) -> dict[str, str | None]:
    with closing(sqlite3.connect(store.root / ".icsvc" / INDEX_FILE)) as conn:
        return dict(conn.execute("SELECT path, facts FROM files ORDER BY path"))


def _set(store: Store, values: dict[str, str | None]) -> None:
    with closing(sqlite3.connect(store.root / ".icsvc" / INDEX_FILE)) as conn, conn:
        conn.executemany("UPDATE files SET facts = ? WHERE path = ?",
                         [(v, k) for k, v in values.items()])


@pytest.mark.parametrize("period", PERIODS, ids=["month", "13 weeks", "quarter", "since"])
def test_the_report_from_kept_facts_is_the_report_of_a_fresh_parse(
        rstore: Store, period: list[str]) -> None:
    for now in (rs.NOW, LATER, EARLIER, rs.NOW):  # later first: kept facts meet earlier nows
        def fresh(store: Store, at: str = now) -> str:
            return report(store, at, *period)

        first = report(rstore, now, *period)
        assert report(rstore, now, *period) == first, now
        assert without_index(rstore, fresh) == first, now
    assert kept_for(rstore) == closed(rstore)
    assert kept_for(rstore, "{") == set(kept(rstore)) - closed(rstore)  # the open ones


def closed(store: Store) -> set[str]:
    from icsvc.domain.lifecycle import is_open
    from icsvc.store.store import Store as Core

    return {rel for rel, s in Core(store.root).summaries() if not is_open(s.status)}


def kept_for(store: Store, form: str = "[") -> set[str]:
    """The requests with final facts kept (`[`), or pending ones (`{`)."""
    return {rel for rel, facts in kept(store).items() if facts and facts.startswith(form)}


@pytest.mark.parametrize("form", ["[", "{"], ids=["final", "pending"])
def test_damaged_or_foreign_facts_are_worked_out_again(rstore: Store, form: str) -> None:
    before = report(rstore, rs.NOW, *rs.PERIOD)
    good = {p: v for p, v in kept(rstore).items() if v is not None and v.startswith(form)}
    one, two = sorted(good)[:2]
    for damage in ("not json", "[]", "{}", "null", good[two],
                   good[one].replace('"engineering"', "1", 1),
                   good[one].replace("-05:00", ""), good[one][:-5],
                   good[one].replace("true", '"true"').replace("false", '"false"'),
                   good[one].replace('"plans":[[', '"plans":[[1,', 1),
                   re.sub(r"(\d{6,})\]", r'"\1"]', good[one], count=1)):  # a duration as text
        _set(rstore, {one: damage})
        assert report(rstore, rs.NOW, *rs.PERIOD) == before, damage
        assert kept(rstore)[one] == good[one], damage


def test_kept_values_the_report_does_not_count_are_worked_out_again(rstore: Store) -> None:
    """A promise's outcome, a priority negotiation's end or a clock's name the report
    has no figure for, or an empty value that is not a list (a damaged index, closed or open
    request), is not added up: the value is worked out again."""
    import json

    before = report(rstore, rs.NOW, *rs.PERIOD)
    one, good = sorted((p, v) for p, v in kept(rstore).items() if v and v.startswith("["))[0]
    values = json.loads(good)
    for at, damaged in ((16, [[values[1], values[4], "lost"]]),
                        (17, [[values[4], values[1], "lost"]]),
                        (20, {"answer": [values[4], 60_000_000]}),
                        (12, 0), (14, ""), (25, {})):  # an empty list of another type
        _set(rstore, {one: json.dumps([*values[:at], damaged, *values[at + 1:]])})
        assert report(rstore, rs.NOW, *rs.PERIOD) == before, damaged
        assert kept(rstore)[one] == good, damaged
    one, good = sorted((p, v) for p, v in kept(rstore).items() if v and v.startswith("{"))[0]
    pending = json.loads(good)
    pending["base"][17] = [[pending["base"][4], pending["base"][1], "lost"]]
    _set(rstore, {one: json.dumps(pending)})
    assert report(rstore, rs.NOW, *rs.PERIOD) == before
    assert kept(rstore)[one] == good


def test_final_facts_are_kept_for_requests_closed_before_now(rstore: Store) -> None:
    report(rstore, EARLIER, *rs.PERIOD)
    early = kept_for(rstore)
    assert early and early < closed(rstore)  # some were resolved after EARLIER
    report(rstore, rs.NOW, *rs.PERIOD)
    assert kept_for(rstore) == closed(rstore) and len(closed(rstore)) >= 5


def test_a_lapse_counts_the_ways_known_by_the_periods_end(store: Store) -> None:
    """A request whose resolve target was breached in the period and whose need-by date
    passed after it: the period's lapse names the breach alone; a period reaching the
    need-by names both (each way counts once its moment passed, in the period's end)."""
    from datetime import datetime, timedelta

    from icsvc.reports.facts import Counted, instant
    from icsvc.reports.report import Period, total
    from icsvc.store.store import Store as Core

    cat = Core(store.root).catalogue
    t = datetime.fromisoformat
    made, breach, need = (t("2026-11-02T10:00:00-05:00"), t("2026-11-04T10:00:00-05:00"),
                          t("2026-11-12T10:00:00-05:00"))
    acked = instant(made + timedelta(hours=1))
    counted = Counted(
        id="ABCD2345", provider="engineering", department="sales",
        held_by=["engineering"], created=instant(made), priority="normal", asked=["normal"],
        rush=False, info_requested=False, rating=None, alternate=False, reopened=False,
        blocks=[], arrivals=[("engineering", instant(made), None)], escalations=[],
        late_waits=[], downgrades=[], resolved=None, declined=None, first_resolution=None,
        open_spans=[(instant(made), None, "engineering", instant(made))], cost=5000.0,
        cost_actual=False, cost_note=None, finished=None, promises=[],
        clocks={"acknowledge": (acked, True), "resolve": (instant(breach), False)},
        needed_by=(instant(need), False, "engineering"),
        met={"acknowledge": (acked, 3_600_000_000)},
        lapses=[(instant(breach), "resolve", "engineering", False, "engineering", breach),
                (instant(need), "needed_by", "engineering", False, "engineering", need)])
    now = t("2026-12-01T12:00:00-05:00")
    week = total([counted], cat, Period(made.date(), made.date() + timedelta(days=7), "w"),
                 now)
    assert [(x.reasons, x.at) for x in week.lapses] == [(["resolve"], breach)]
    assert week.providers[0].needed_by_count == 0
    month = total([counted], cat, Period(made.date(), made.date() + timedelta(days=28), "m"),
                  now)
    assert [(x.reasons, x.at) for x in month.lapses] == [(["resolve", "needed_by"], breach)]
    assert month.providers[0].needed_by_count == 1 and month.lapse_cost == 5000


def _replayed(store: Store) -> list[Any]:
    """The replayed state of every request of the store, in process."""
    from icsvc.domain import history
    from icsvc.store.store import Store as Core

    core = Core(store.root)
    return [history.replay(r, core.catalogue) for r in core.load_all()]


@pytest.mark.parametrize("now", [rs.NOW, EARLIER])
def test_what_is_counted_reads_back_as_written(rstore: Store, now: str) -> None:
    from datetime import datetime

    from icsvc.reports.facts import counted_now, from_json, to_json
    from icsvc.store.store import Store as Core

    cat = Core(rstore.root).catalogue
    every = [counted_now(s, cat, datetime.fromisoformat(now)) for s in _replayed(rstore)]
    assert len(every) >= 5 and any(c.lapses for c in every) \
        and any(c.escalations for c in every) and any(len(c.arrivals) > 1 for c in every)
    for c in every:
        assert from_json(to_json(c)) == c, c.id


def test_open_spans_give_the_status_and_holder_at_every_moment(rstore: Store) -> None:
    """The backlog at a moment reads the span holding it (`rules.assert_open_spans`), on
    the hand-built store's histories (a redirect among them)."""
    from icsvc.reports.facts import Pending
    from icsvc.store.store import Store as Core
    from rules import assert_open_spans

    cat = Core(rstore.root).catalogue
    every = _replayed(rstore)
    assert any(len(state.stints) > 1 for state in every)
    for state in every:
        assert_open_spans(state, Pending.of(state, cat).base.open_spans)


@pytest.mark.parametrize("now", [rs.NOW, EARLIER])
def test_shares_added_up_apart_and_merged_make_the_same_report(rstore: Store, now: str
                                                                ) -> None:
    """A report of many requests is added up on every core, each worker a share
    (`report.Tally`): any split of the requests, in any order, merged in any order, makes
    the report of them all added up in one go."""
    import json
    import random
    from datetime import datetime

    from icsvc.reports.facts import counted_now
    from icsvc.reports.report import Period, Tally, total
    from icsvc.store.store import Store as Core

    cat = Core(rstore.root).catalogue
    at = datetime.fromisoformat(now)
    every = [counted_now(s, cat, at) for s in _replayed(rstore)]
    periods = [Period(datetime.fromisoformat("2026-11-02").date(),
                      datetime.fromisoformat("2026-11-30").date(), "month"),
               Period(at - (at - at.replace(day=1)) * 3, at, "to now")]
    chance = random.Random(7)
    for period in periods:
        for department in (None, "customer-service"):
            whole = json.dumps(total(every, cat, period, at, None, department).to_dict())
            for _ in range(5):
                shuffled = chance.sample(every, len(every))
                cuts = sorted(chance.sample(range(1, len(every)), 2))
                tallies = []
                for part in (shuffled[:cuts[0]], shuffled[cuts[0]:cuts[1]], shuffled[cuts[1]:]):
                    tally = Tally(cat, period, at, None, department)
                    for f in part:
                        tally.add(f)
                    tallies.append(tally)
                chance.shuffle(tallies)
                merged = Tally(cat, period, at, None, department)
                for tally in tallies:
                    merged.merge(tally)
                assert json.dumps(merged.report().to_dict()) == whole


def test_a_report_added_up_on_every_core_is_the_report_added_up_here(
        rstore: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kept requests are read and added up by forked workers, a share each, when there are
    many (`facts.MANY`): made to happen here with a share of two requests, the report is
    the one of a fresh parse (each request added up here, nothing merged), for every
    period."""
    from icsvc.reports import facts

    for period in PERIODS:
        report(rstore, rs.NOW, *period)  # kept
        fresh = without_index(rstore, lambda store, args=period: report(store, rs.NOW, *args))
        assert report(rstore, rs.NOW, *period) == fresh, period
        with monkeypatch.context() as patch:
            patch.setattr(facts, "MANY", 1)
            patch.setattr(facts, "SHARE", 2)
            assert report(rstore, rs.NOW, *period) == fresh, period


def test_of_two_dependencies_late_at_the_same_moment_the_lower_id_is_charged(
        store: Store) -> None:
    """A request missed its date because two requests made for it both missed their
    need-by at the same moment: its lapse is charged to whom the one with the lower ID
    charges its own, whatever order the requests are added up in (a report added up on
    every core sees them in any order)."""
    from datetime import datetime, timedelta

    from icsvc.reports.facts import CLOCKS, Counted, instant
    from icsvc.reports.report import Period, total
    from icsvc.store.store import Store as Core

    cat = Core(store.root).catalogue
    t = datetime.fromisoformat
    made, need = t("2026-11-02T09:00:00-05:00"), t("2026-11-04T10:00:00-05:00")

    def counted(rid: str, provider: str, blocks: list[str], way: str, at: datetime,
                finished: datetime, charged: tuple[str, bool], cost: float | None
                ) -> Counted:
        return Counted(
            id=rid, provider=provider, department="sales", held_by=[provider],
            created=instant(made), priority="normal", asked=["normal"], rush=False,
            info_requested=False, rating=None, alternate=False, reopened=False,
            blocks=blocks, arrivals=[(provider, instant(made), None)], escalations=[],
            late_waits=[], downgrades=[], resolved=instant(finished), declined=None,
            first_resolution=instant(finished), open_spans=[], cost=cost,
            cost_actual=False, cost_note=None, finished=instant(finished), promises=[],
            clocks=dict.fromkeys(CLOCKS), needed_by=None, met={},
            lapses=[(instant(at), way, *charged, provider, at)])

    late = need + timedelta(hours=6)  # both dependencies finished then
    waiting = counted("PPPP2345", "payroll", [], "resolve", need + timedelta(hours=2),
                      late + timedelta(hours=1), ("payroll", False), 900.0)
    lower = counted("AAAA2345", "engineering", ["PPPP2345"], "needed_by", need, late,
                    ("engineering", False), None)
    higher = counted("BBBB2345", "payroll", ["PPPP2345"], "needed_by", need, late,
                     ("operations", True), None)  # its customer kept it waiting
    period = Period(made.date(), made.date() + timedelta(days=14), "fortnight")
    now = t("2026-12-01T12:00:00-05:00")

    def charged(order: list[Counted]) -> list[tuple[str, str, bool]]:
        return [(x.id, x.charged_to, x.by_customer)
                for x in total(order, cat, period, now).lapses]

    for order in ([waiting, higher, lower], [lower, higher, waiting],
                  [higher, waiting, lower]):
        assert charged(order) == [("PPPP2345", "engineering", False)], order
    # the lower ID a microsecond later: the other is the first to miss
    lower.lapses = [(instant(need) + 1, *lower.lapses[0][1:])]
    assert charged([waiting, lower, higher]) == [("PPPP2345", "operations", True)]


def test_what_is_gathered_on_every_core_is_what_is_gathered_here(
        rstore: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """`site` reads what is counted of each request as a list (`facts.gather`): read by
    forked workers, a share of two requests each, it is the list read in this process (in
    another order)."""
    from datetime import datetime

    from icsvc.reports import facts
    from icsvc.store.store import Store as Core

    report(rstore, rs.NOW)  # kept
    core = Core(rstore.root)
    found, at = core.summaries(), datetime.fromisoformat(rs.NOW)
    here = sorted(facts.gather(core, found, at, None), key=lambda c: c.id)
    assert len(here) == len(found)
    monkeypatch.setattr(facts, "MANY", 1)
    monkeypatch.setattr(facts, "SHARE", 2)
    assert sorted(facts.gather(core, found, at, None), key=lambda c: c.id) == here
