"""A hand-made store for the survey tests: requests made with the real commands at known
times, around the quarter boundaries of two timezones, with redirects both ways; and who
each provider must ask about each quarter, worked out by hand.

Engineering is in New York, Payroll in London (tests/conftest.py). Quarters are local to
each provider: 23:30 on Dec 31 in New York is still 2026Q4 for Engineering, but 04:30 on
Jan 1 in London, 2027Q1 for Payroll.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import PROVIDERS, Store, base_env, make_store
from git_helpers import git
from icsvc.store import yamlio

MARIA, SAM, LEE = "maria@example.com", "sam@example.com", "lee@example.com"
ANA, PAT = "ana@example.com", "pat@example.com"
NOW = "2027-01-05T10:00:00-05:00"
"""The tests' clock: 2026Q4 is over; 2027Q1 has begun."""
BASE_DATE = "2027-01-04T12:00:00-05:00"
"""When main's commit holding every request is dated (answers on branches come after)."""

SURVEY_PROVIDERS = PROVIDERS.replace("providers:\n", """\
people:
  maria@example.com:
    github: maria-acme
providers:
""", 1)


def _new(store: Store, who: str, when: str, *args: str) -> str:
    return store.new(*args, actor=who, now=when)


@contextmanager
def building(factory: pytest.TempPathFactory, name: str
             ) -> Iterator[tuple[Store, dict[str, str]]]:
    """A module's template: the survey store built in a folder of its own, the tests' git
    settings in force while the caller adds to it."""
    root = factory.mktemp(name) / "store"
    (root.parent / "home").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        for key, value in base_env(root.parent / "home").items():
            mp.setenv(key, value)
        yield build(root)


def build(root: Path) -> tuple[Store, dict[str, str]]:
    """The store, committed on main (dated BASE_DATE), and its requests by letter."""
    store = make_store(root, SURVEY_PROVIDERS)
    drawing = ("-p", "engineering", "-s", "drawing-review")
    payroll_part = ("-p", "payroll", "-s", "part-clarification")
    ids: dict[str, str] = {}
    # F: 23:00 on Sep 30 in New York (03:00 Oct 1 UTC): 2026Q3 for Engineering
    ids["F"] = _new(store, LEE, "2026-09-30T23:00:00-04:00", *drawing, "-t", "F")
    ids["A"] = _new(store, MARIA, "2026-10-05T10:00:00-04:00", *drawing, "-t", "A")
    ids["B"] = _new(store, MARIA, "2026-11-02T10:00:00-05:00", *drawing, "-t", "B")
    # E: made to Payroll, redirected to Engineering an hour later: counts for both
    ids["E"] = _new(store, LEE, "2026-11-16T14:00:00+00:00", *payroll_part, "-t", "E")
    store.ok("triage", ids["E"], "--redirect", "engineering", "--note", "Engineering owns "
             "parts", actor=PAT, now="2026-11-16T15:00:00+00:00")
    # H: Ana (no department in providers.yaml) asks Payroll
    ids["H"] = _new(store, ANA, "2026-11-20T10:00:00+00:00", "-p", "payroll", "-s",
                    "pay-correction", "-t", "H", "--info", "employee_id=E-1", "--info",
                    "pay_period=2026-11", "--department", "engineering")
    # G: made to Engineering on Dec 30, redirected to Payroll on Jan 4: Payroll held it only
    # in 2027Q1, and it was made in 2026Q4: it counts for Engineering's 2026Q4 only
    ids["G"] = _new(store, SAM, "2026-12-30T10:00:00-05:00", *drawing, "-t", "G")
    # D: 23:30 on Dec 31 in New York: still 2026Q4 for Engineering
    ids["D"] = _new(store, SAM, "2026-12-31T23:30:00-05:00", *drawing, "-t", "D")
    # C: the same instant for Payroll is 04:30 on Jan 1 in London: 2027Q1
    ids["C"] = _new(store, LEE, "2026-12-31T23:30:00-05:00", *payroll_part, "-t", "C")
    store.ok("triage", ids["G"], "--redirect", "payroll", "--service", "part-clarification",
             "--note", "Payroll handles this", actor=ANA, now="2027-01-04T10:00:00-05:00")
    git(store, "add", "-A")
    git(store, "commit", "-qm", "requests", date=datetime.fromisoformat(BASE_DATE))
    return store, ids


def copy(template: tuple[Store, dict[str, str]], root: Path) -> tuple[Store, dict[str, str]]:
    """A fresh copy of a built store (with its git repository) at `root`."""
    store, ids = template
    shutil.copytree(store.root, root, symlinks=True)
    (root.parent / "home").mkdir(exist_ok=True)
    env = dict(store.env)
    env["HOME"] = str(root.parent / "home")
    return Store(root, env), dict(ids)


# who to ask, by hand: provider -> person -> (department, requests by letter)
ASKED: dict[str, dict[str, dict[str, tuple[str, list[str]]]]] = {
    "2026Q3": {"engineering": {LEE: ("sales", ["F"])}},
    "2026Q4": {
        "engineering": {LEE: ("sales", ["E"]), MARIA: ("customer-service", ["A", "B"]),
                        SAM: ("customer-service", ["D", "G"])},
        "payroll": {ANA: ("engineering", ["H"]), LEE: ("sales", ["E"])},
    },
    "2027Q1": {"payroll": {LEE: ("sales", ["C"])}},
}


def answer_doc(path: Path) -> dict[str, Any]:
    data = yamlio.load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data
