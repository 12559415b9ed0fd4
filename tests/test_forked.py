"""Work spread over every core (`refresh.forked_map`): after a clone or a change of the
catalogue, the report's facts are worked out by forked workers (and the files parsed).
What they give back is what one process gives: the same figures, the same queue, the same
values kept in the index. The threshold is lowered here (`PARALLEL_FROM`) so a small store
takes the path a store of thousands takes."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path

import pytest

import reportstore as rs
from conftest import Store
from icsvc.commands.context import Context
from icsvc.store import refresh
from icsvc.store.index import INDEX_FILE


def test_forked_map_gives_every_result_in_order_from_the_workers() -> None:
    offset = 1000  # a closure's own variable: the workers inherit it, nothing is pickled
    inputs = list(range(refresh.PARALLEL_FROM + 37))
    results = list(refresh.forked_map(lambda i: (i + offset, os.getpid()), inputs))
    assert [value for value, _ in results] == [i + offset for i in inputs]
    if (os.cpu_count() or 1) > 1:
        assert {pid for _, pid in results} - {os.getpid()}, "no worker ran"
    assert refresh._FORKED is None


def test_forked_map_counts_progress_once_per_input() -> None:
    ticks: list[int] = []
    assert list(refresh.forked_map(str, [1, 2, 3], lambda: ticks.append(1))) == ["1", "2", "3"]
    assert len(ticks) == 3


def _report(store: Store, now: str) -> str:
    from icsvc.commands import report as cmd
    from icsvc.reports.report_render import render_json

    ctx = Context(cwd=store.root, store_override=None, now=datetime.fromisoformat(now),
                  actor_option="ana@example.com")
    reported = cmd.run(ctx, cmd.Options(since=None, until=None, quarter="2026Q4",
                                        providers=[], fmt="json", output=None))
    return render_json(reported.report)


def _queue(store: Store, now: str) -> list[tuple[str, str, str]]:
    from icsvc.commands import queue as cmd

    ctx = Context(cwd=store.root, store_override=None, now=datetime.fromisoformat(now),
                  actor_option="ana@example.com")
    done = cmd.run(ctx, [], mine=False)
    return [(i.card.id, i.state, str(i.left)) for i in done.items]


def _kept(root: Path) -> dict[str, tuple[str | None, str | None]]:
    with closing(sqlite3.connect(root / ".icsvc" / INDEX_FILE)) as conn:
        return {p: (c, f) for p, c, f in conn.execute("SELECT path, card, facts FROM files")}


@pytest.mark.parametrize("now", [rs.NOW, "2027-02-15T09:00:00-05:00"])
def test_facts_worked_out_on_every_core_are_those_of_one_process(
        store: Store, monkeypatch: pytest.MonkeyPatch, now: str) -> None:
    rs.write(store.root)
    one = (_report(store, now), _queue(store, now))
    kept_by_one = _kept(store.root)
    assert any(f for _, f in kept_by_one.values()), "nothing was kept"
    (store.root / ".icsvc" / INDEX_FILE).unlink()
    monkeypatch.setattr(refresh, "PARALLEL_FROM", 1)  # every list of requests forks
    assert (_report(store, now), _queue(store, now)) == one
    assert _kept(store.root) == kept_by_one


def test_cards_made_where_the_files_are_parsed_are_those_worked_out_after(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a clone, a listing's cards are made by the workers that parse the files
    (`workflow.cards.keep`) and written with the rows: the very cards the queue works out
    from the rows when the refresh made none, and the same queue."""
    from icsvc.commands import open_store
    from icsvc.domain.lifecycle import OPEN
    from icsvc.workflow import cards

    rs.write(store.root)
    _report(store, rs.NOW)  # a refresh that keeps no card: the queue works them out
    after = _queue(store, rs.NOW)
    worked = {p: c for p, (c, _) in _kept(store.root).items() if c}
    assert worked
    (store.root / ".icsvc" / INDEX_FILE).unlink()
    monkeypatch.setattr(refresh, "PARALLEL_FROM", 1)  # every list of requests forks
    opened = open_store(Context(cwd=store.root, store_override=None,
                                now=datetime.fromisoformat(rs.NOW),
                                actor_option="ana@example.com"))
    found = opened.summaries(statuses=OPEN, keep=cards.keep(opened))
    made = {p: c for p, (c, _) in _kept(store.root).items() if c}
    assert made.keys() == {rel for rel, _ in found} >= worked.keys()
    assert {p: made[p] for p in worked} == worked
    assert _queue(store, rs.NOW) == after


def _listed(store: Store, now: str) -> list[tuple[str, ...]]:
    from icsvc.commands import listing

    ctx = Context(cwd=store.root, store_override=None, now=datetime.fromisoformat(now),
                  actor_option="ana@example.com")
    return [tuple(row) for row in listing.run(ctx, listing.Filters([], [], [], [], False)).rows]


def _finals(root: Path) -> dict[str, str | None]:
    with closing(sqlite3.connect(root / ".icsvc" / INDEX_FILE)) as conn:
        return dict(conn.execute("SELECT path, final FROM files"))


@pytest.mark.parametrize("now", [rs.NOW, "2027-02-15T09:00:00-05:00"])
def test_rows_made_on_every_core_are_those_of_one_process(
        store: Store, monkeypatch: pytest.MonkeyPatch, now: str) -> None:
    """`list --all` after a clone: the closed requests' files were only looked at, so
    their rows are made by workers that parse them (`Indexed.worked` with `cores`); the
    rows, and the rows kept, are those one process makes."""
    rs.write(store.root)
    one = _listed(store, now)
    finals = _finals(store.root)
    assert any(finals.values()), "no row was kept"
    (store.root / ".icsvc" / INDEX_FILE).unlink()
    monkeypatch.setattr(refresh, "PARALLEL_FROM", 1)  # files looked at, rows made, forked
    assert _listed(store, now) == one
    assert _finals(store.root) == finals
