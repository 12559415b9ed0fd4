"""Public holidays from the `holidays` library: a calendar's `country` and `subdivision`
in providers.yaml, end to end through the installed script."""

from __future__ import annotations

import re

import pytest

from conftest import PROVIDERS, Store

EXPLICIT = "    holidays: [2026-11-26, 2026-12-25]\n"
PUBLIC = "    country: US\n    subdivision: NY\n    holidays: [2026-12-24]\n"
PART = ["-p", "engineering", "-s", "part-clarification", "-t", "Bore diameter",
        "--info", "order_number=SO-1", "--info", "part_number=P-2"]
LINE = re.compile(r"^providers\.yaml:(\d+): (.+)$")


def use(store: Store, text: str) -> None:
    assert EXPLICIT in PROVIDERS
    (store.root / "providers.yaml").write_text(PROVIDERS.replace(EXPLICIT, text, 1))


def line_no(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


def test_due_dates_skip_public_holidays_nobody_listed(store: Store) -> None:
    use(store, PUBLIC)
    store.ok("check")
    # Tuesday 10:00 + 2d: Thanksgiving (Thursday) is a public holiday, not listed anywhere.
    rid = store.new(*PART)
    clocks = store.ok("show", rid, "--format", "json").json()["sla"]
    assert clocks["resolve"]["due"] == "2026-11-27T10:00:00-05:00"
    # Thursday 2026-07-02 16:00 + 4h: Friday July 3 is Independence Day (observed), and the
    # weekend follows, so it is due Monday.
    july = "2026-07-02T16:00:00-04:00"
    rid = store.new(*PART, "--priority", "high", now=july)
    clocks = store.ok("show", rid, "--format", "json", now=july).json()["sla"]
    assert clocks["acknowledge"]["due"] == "2026-07-06T10:00:00-04:00"
    assert clocks["resolve"]["due"] == "2026-07-06T16:00:00-04:00"


def test_explain_names_the_holiday(store: Store) -> None:
    use(store, PUBLIC)
    rid = store.new(*PART)
    data = store.ok("explain", rid, "--format", "json").json()
    resolve = data["clocks"]["resolve"]
    assert resolve["holidays"] == ["2026-11-26"]
    assert resolve["skipped"] == {"nights": 1, "weekend_days": 0, "holidays": 1}
    assert data["calendar"]["country"] == "US" and data["calendar"]["subdivision"] == "NY"
    out = store.ok("explain", rid, env={"COLUMNS": "200"}).out
    assert "public holidays of US (NY) and 1 more date" in out
    assert "1 holiday (Thu 2026-11-26 Thanksgiving Day)" in out


def test_explain_lists_explicit_and_public_holidays(store: Store) -> None:
    use(store, PUBLIC)
    # Low priority, resolve 10d from Monday 2026-12-21: Dec 24 (listed) and Dec 25, Jan 1
    # (public) are skipped.
    now = "2026-12-21T10:00:00-05:00"
    rid = store.new(*PART, "--priority", "low", now=now)
    resolve = store.ok("explain", rid, "--format", "json", now=now).json()["clocks"]["resolve"]
    assert resolve["holidays"] == ["2026-12-24", "2026-12-25", "2027-01-01"]
    assert resolve["due"] == "2027-01-07T10:00:00-05:00"
    out = store.ok("explain", rid, now=now, env={"COLUMNS": "200"}).out
    assert ("3 holidays (Thu 2026-12-24, Fri 2026-12-25 Christmas Day, "
            "Fri 2027-01-01 New Year's Day)") in out


def test_sla_shows_the_country(store: Store) -> None:
    use(store, PUBLIC)
    data = store.ok("sla", "engineering", "--format", "json").json()
    cal = data[0]["calendar"]
    assert cal["country"] == "US" and cal["subdivision"] == "NY"
    assert cal["holidays"] == ["2026-12-24"]
    assert "public holidays of US (NY)" in store.ok("sla", "engineering",
                                                    env={"COLUMNS": "200"}).out
    # A calendar without a country says so.
    payroll = store.ok("sla", "payroll", "--format", "json").json()[0]["calendar"]
    assert payroll["country"] is None and payroll["subdivision"] is None


def test_country_without_subdivision(store: Store) -> None:
    use(store, "    country: US\n")
    rid = store.new(*PART)
    clocks = store.ok("show", rid, "--format", "json").json()["sla"]
    assert clocks["resolve"]["due"] == "2026-11-27T10:00:00-05:00"


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("    country: XX\n", "calendars.us-east.country",
         "'XX' is not a country the holidays library knows (accepted: ISO 3166 codes such as "
         "US, GB, DE)"),
        ("    country: us\n", "calendars.us-east.country", "did you mean US?"),
        ("    country: US\n    subdivision: ZZ\n", "calendars.us-east.subdivision",
         "'ZZ' is not a subdivision of US the holidays library knows (accepted: AK, AL,"),
        ("    subdivision: NY\n", "calendars.us-east.subdivision", "needs a 'country'"),
        ("    country: NO\n", "calendars.us-east.country", "quote it"),
        ("    country: [US]\n", "calendars.us-east.country", "expected text"),
    ],
)
def test_bad_country_or_subdivision_is_located(store: Store, text: str, field: str,
                                               message: str) -> None:
    use(store, text)
    before = store.snapshot()
    r = store.fails("check")
    lines = r.out.strip().splitlines()
    assert len(lines) == 1, r.out
    match = LINE.match(lines[0])
    assert match, lines[0]
    assert match.group(2).startswith(f"{field}: "), lines[0]
    assert message in lines[0], lines[0]
    written = (store.root / "providers.yaml").read_text()
    assert int(match.group(1)) == line_no(written, text.splitlines()[-1].strip())
    r = store.fails("new", *PART)
    assert r.err.startswith("icsvc: error: providers.yaml:") and message in r.err
    assert len(r.err.strip().splitlines()) == 1
    assert store.snapshot() == before
