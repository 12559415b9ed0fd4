"""The SLA clock end to end: business hours, nights, weekends, holidays, DST, pauses,
redirects, the update interval, at-risk, and `icsvc explain` showing the working."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import NOW, PROVIDERS, Store, make_store

PART = ["-p", "engineering", "-s", "part-clarification", "-t", "Bore diameter",
        "--info", "order_number=SO-1", "--info", "part_number=P-2"]
PAY = ["-p", "payroll", "-s", "pay-correction", "-t", "Overtime missing",
       "--info", "employee_id=E1", "--info", "pay_period=2026-11"]
ANA, MARIA = "ana@example.com", "maria@example.com"


def sla(store: Store, rid: str, now: str = NOW) -> Any:
    return store.ok("show", rid, "--format", "json", now=now).json()["sla"]


def explained(store: Store, rid: str, now: str = NOW) -> Any:
    return store.ok("explain", rid, "--format", "json", now=now).json()


def minutes(text: str) -> int:
    total = 0
    for part in text.split():
        n, unit = int(part[:-1]), part[-1]
        total += n * {"h": 60, "m": 1, "d": 480}[unit]
    return total


def test_nights_are_skipped(store: Store) -> None:
    rid = store.new(*PART, now="2026-11-24T16:00:00-05:00")
    assert sla(store, rid)["acknowledge"]["due"] == "2026-11-25T12:00:00-05:00"
    ack = explained(store, rid)["clocks"]["acknowledge"]
    assert ack["skipped"] == {"nights": 1, "weekend_days": 0, "holidays": 0}
    assert [(s["start"], s["end"], s["business"]) for s in ack["steps"]] == [
        ("2026-11-24T16:00:00-05:00", "2026-11-24T17:00:00-05:00", "1h"),
        ("2026-11-25T09:00:00-05:00", "2026-11-25T12:00:00-05:00", "3h"),
    ]


def test_weekends_are_skipped(store: Store) -> None:
    rid = store.new(*PART, "--priority", "low", now="2026-11-20T15:00:00-05:00")
    assert sla(store, rid, now="2026-11-20T15:00:00-05:00")["acknowledge"]["due"] == \
        "2026-11-23T15:00:00-05:00"
    ack = explained(store, rid, now="2026-11-20T15:00:00-05:00")["clocks"]["acknowledge"]
    assert ack["skipped"] == {"nights": 0, "weekend_days": 2, "holidays": 0}


def test_holidays_are_skipped_and_explained(store: Store) -> None:
    rid = store.new(*PART)
    resolve = explained(store, rid)["clocks"]["resolve"]
    assert resolve["due"] == "2026-11-27T10:00:00-05:00"
    assert resolve["skipped"] == {"nights": 1, "weekend_days": 0, "holidays": 1}
    assert resolve["holidays"] == ["2026-11-26"]
    assert sum(minutes(s["business"]) for s in resolve["steps"]) == 16 * 60
    out = store.ok("explain", rid).out
    assert "Engineering's calendar us-east: America/New_York, mon tue wed thu fri" in out
    assert "Targets for normal priority: acknowledge 4h, resolve 2d, update 1d, recorded at " \
           "creation" in out
    assert "resolve: 2d = 16h of business time from Tue 2026-11-24 10:00 -0500 (created)" in out
    assert "skipped  1 night, 1 holiday (Thu 2026-11-26)" in out
    assert "due      Fri 2026-11-27 10:00 -0500" in out
    assert "to come  Wed 2026-11-25 09:00-17:00 -0500" in out


def test_explain_splits_counted_and_to_come_at_now(store: Store) -> None:
    rid = store.new(*PART)
    steps = explained(store, rid, now="2026-11-24T12:00:00-05:00")["clocks"]["acknowledge"][
        "steps"]
    assert [(s["kind"], s["business"]) for s in steps] == [("counted", "2h"), ("ahead", "2h")]


def test_dst_spring_forward(store: Store) -> None:
    now = "2026-03-06T16:00:00-05:00"  # Friday; clocks go forward on Sunday 8 March
    rid = store.new(*PART, now=now)
    # Fri 1h, Mon 8h (EDT), Tue 7h: 16 business hours at 09:00-17:00 local, whatever the offset
    assert sla(store, rid, now=now)["resolve"]["due"] == "2026-03-10T16:00:00-04:00"
    assert explained(store, rid, now=now)["clocks"]["resolve"]["skipped"]["weekend_days"] == 2


def test_dst_fall_back(store: Store) -> None:
    now = "2026-10-30T16:00:00-04:00"  # Friday; clocks go back on Sunday 1 November
    rid = store.new(*PART, now=now)
    assert sla(store, rid, now=now)["resolve"]["due"] == "2026-11-03T16:00:00-05:00"
    assert sla(store, rid, now="2026-11-03T15:00:00-05:00")["resolve"]["state"] == "at-risk"
    assert sla(store, rid, now="2026-11-03T16:01:00-05:00")["resolve"]["state"] == "breached"


def test_split_business_hours_in_london(store: Store) -> None:
    rid = store.new(*PAY, now="2026-11-23T12:00:00+00:00")
    # 1d = 7.5h of 09:00-12:30 and 13:30-17:30: Mon 0.5h + 4h, Tue 3h -> Tue 12:00
    assert sla(store, rid, now="2026-11-23T12:00:00+00:00")["acknowledge"]["due"] == \
        "2026-11-24T12:00:00+00:00"
    ack = explained(store, rid, now="2026-11-23T12:00:00+00:00")["clocks"]["acknowledge"]
    assert [s["business"] for s in ack["steps"]] == ["30m", "4h", "3h"]
    assert ack["skipped"]["nights"] == 1


def test_pause_across_a_weekend_projects_and_resumes(store: Store) -> None:
    rid = store.new(*PART, now="2026-11-20T10:00:00-05:00")  # Friday
    store.ok("triage", rid, "--need-info", "Which revision?", actor=ANA,
             now="2026-11-20T12:00:00-05:00")
    paused = sla(store, rid, now="2026-11-21T12:00:00-05:00")  # Saturday
    assert paused["acknowledge"]["state"] == "met"
    assert paused["resolve"]["state"] == "paused"
    assert paused["resolve"]["left"] == "1d 6h"  # 2h used of 16h
    # as if it resumed now: Monday 09:00 + 14h -> Tuesday 15:00
    assert paused["resolve"]["due"] == "2026-11-24T15:00:00-05:00"
    store.ok("update", rid, "--info", "revision=C", actor=MARIA,
             now="2026-11-23T11:00:00-05:00")
    resumed = sla(store, rid)
    assert resumed["resolve"]["due"] == "2026-11-24T17:00:00-05:00"
    assert resumed["resolve"]["state"] == "ok"
    assert resumed["resolve"]["left"] == "7h"
    steps = explained(store, rid)["clocks"]["resolve"]["steps"]
    pause = [s for s in steps if s["kind"] == "paused"]
    assert pause == [{"kind": "paused", "start": "2026-11-20T12:00:00-05:00",
                      "end": "2026-11-23T11:00:00-05:00", "business": "0m",
                      "note": "waiting on the customer"}]
    out = store.ok("explain", rid).out
    assert "paused   Fri 2026-11-20 12:00 -0500 -> Mon 2026-11-23 11:00 -0500" in out


def test_a_clock_paused_after_its_due_date_stays_breached(store: Store) -> None:
    rid = store.new(*PART, "--priority", "urgent", "--justification", "line down")
    store.ok("triage", rid, "--ack", actor=ANA, now="2026-11-24T10:10:00-05:00")
    store.ok("triage", rid, "--need-info", "photo?", actor=ANA,
             now="2026-11-24T14:30:00-05:00")
    clocks = sla(store, rid, now="2026-11-24T15:00:00-05:00")
    assert clocks["acknowledge"]["state"] == "met"
    assert clocks["resolve"]["due"] == "2026-11-24T14:00:00-05:00"
    assert clocks["resolve"]["state"] == "breached"


def test_late_acknowledgement_is_breached(store: Store) -> None:
    rid = store.new(*PART, "--priority", "urgent", "--justification", "line down")
    store.ok("triage", rid, "--ack", actor=ANA, now="2026-11-24T11:00:00-05:00")
    ack = sla(store, rid, now="2026-11-24T11:00:00-05:00")["acknowledge"]
    assert ack == {**ack, "state": "breached", "met_at": "2026-11-24T11:00:00-05:00",
                   "due": "2026-11-24T10:30:00-05:00"}
    assert "met late" in store.ok("explain", rid, now="2026-11-24T11:00:00-05:00").out


def test_at_risk_share_is_configurable(tmp_path: Path) -> None:
    for share, expected in (("", "at-risk"), ("settings: {at_risk: 10}\n", "ok")):
        store = make_store(tmp_path / f"s{len(share)}", PROVIDERS + share)
        rid = store.new(*PART, now="2026-11-23T14:30:00-05:00")
        ack = sla(store, rid)["acknowledge"]  # due Tue 10:30, 30m of 4h left
        assert (ack["due"], ack["left"], ack["state"]) == (
            "2026-11-24T10:30:00-05:00", "30m", expected)


def test_providers_yaml_edits_apply_to_new_requests_and_priority_changes(store: Store) -> None:
    rid = store.new(*PART)
    text = (store.root / "providers.yaml").read_text()
    (store.root / "providers.yaml").write_text(text.replace(
        "normal: {acknowledge: 4h, resolve: 2d, update: 1d}",
        "normal: {acknowledge: 1h, resolve: 2d, update: 1d}").replace(
        "high: {acknowledge: 2h, resolve: 1d}", "high: {acknowledge: 3h, resolve: 1d}"))
    assert sla(store, rid)["acknowledge"]["due"] == "2026-11-24T14:00:00-05:00"
    out = store.ok("explain", rid).out
    assert "providers.yaml now says acknowledge 1h, resolve 2d, update 1d" in out
    store.ok("triage", rid, "--priority", "high", "--note", "line stop", actor=ANA)
    assert sla(store, rid)["acknowledge"]["due"] == "2026-11-24T13:00:00-05:00"
    assert "recorded when ana@example.com changed the priority normal -> high" in \
        store.ok("explain", rid).out


def test_update_interval(store: Store) -> None:
    rid = store.new(*PART)
    store.ok("triage", rid, "--ack", actor=ANA)
    update = sla(store, rid, now="2026-11-25T09:30:00-05:00")["update"]
    assert (update["due"], update["state"]) == ("2026-11-25T10:00:00-05:00", "at-risk")
    late = store.ok("show", rid, "--format", "json", now="2026-11-25T11:00:00-05:00").json()
    assert late["sla"]["update"]["state"] == "breached" and late["update_overdue"] is True
    assert "breached (update overdue)" in store.ok("show", rid,
                                                   now="2026-11-25T11:00:00-05:00").out
    # a requester's comment does not keep the customer informed; a provider note does
    store.ok("update", rid, "--note", "any news?", actor=MARIA, now="2026-11-25T11:00:00-05:00")
    assert sla(store, rid, now="2026-11-25T11:00:00-05:00")["update"]["state"] == "breached"
    store.ok("update", rid, "--promise", "2026-11-30", "--note", "measuring now", actor=ANA,
             now="2026-11-25T11:30:00-05:00")  # a change explained with a note counts
    update = sla(store, rid, now="2026-11-25T12:00:00-05:00")["update"]
    assert (update["due"], update["state"]) == ("2026-11-27T11:30:00-05:00", "ok")
    # finished: breached because one gap was longer than the interval
    store.ok("update", rid, "--status", "resolved", actor=ANA, now="2026-11-25T12:00:00-05:00")
    done = store.ok("show", rid, "--format", "json", now="2026-11-25T12:00:00-05:00").json()
    assert done["sla"]["update"]["state"] == "breached" and done["update_overdue"] is False


def test_update_interval_met_and_paused(store: Store) -> None:
    rid = store.new(*PART)
    store.ok("triage", rid, "--ack", actor=ANA)
    store.ok("update", rid, "--progress", "50", actor=ANA, now="2026-11-24T16:00:00-05:00")
    store.ok("triage", rid, "--need-info", "sign-off?", actor=ANA,
             now="2026-11-25T10:00:00-05:00")
    assert sla(store, rid, now="2026-11-30T10:00:00-05:00")["update"]["state"] == "paused"
    store.ok("update", rid, "--status", "resolved", actor=ANA, now="2026-11-30T10:00:00-05:00")
    assert sla(store, rid, now="2026-11-30T10:00:00-05:00")["update"]["state"] == "met"


def test_cancelled_clocks_stop_without_being_met(store: Store) -> None:
    rid = store.new(*PART)
    store.ok("update", rid, "--status", "cancelled", actor=MARIA,
             now="2026-11-24T11:00:00-05:00")
    clocks = sla(store, rid, now="2026-11-30T10:00:00-05:00")
    for name in ("acknowledge", "resolve"):
        assert clocks[name]["state"] == "ok" and clocks[name]["met_at"] is None
    out = store.ok("explain", rid, now="2026-11-30T10:00:00-05:00").out
    assert "stopped  Tue 2026-11-24 11:00 -0500 (cancelled)" in out


def test_redirect_restarts_clocks_in_the_new_calendar(store: Store) -> None:
    rid = store.new(*PART, now="2026-11-23T10:00:00-05:00")
    store.ok("triage", rid, "--redirect", "payroll", "--note", "Pat can help", actor=ANA,
             now="2026-11-24T10:00:00-05:00")
    ex = explained(store, rid)
    ack = ex["clocks"]["acknowledge"]
    assert ack["start"] == "2026-11-24T15:00:00+00:00"
    assert ack["start_reason"] == "redirected from engineering by ana@example.com"
    assert ack["target"] == "1d" and ack["business_time"] == "1d"
    assert ex["calendar"]["timezone"] == "Europe/London"
    assert ex["targets_source"].startswith("recorded at the redirect from engineering")
    # 15:00-17:30 (2.5h) + Wed 09:00-12:30 (3.5h) + 13:30-15:00 (1.5h) = 7.5h
    assert ack["due"] == "2026-11-25T15:00:00+00:00"
    assert ack["state"] == "ok"


def test_explain_refusals(store: Store) -> None:
    store.fails("explain", "ZZZZZ", code=1)
    rid = store.new(*PART)
    assert store.ok("explain", rid, "-f", "json").json()["id"] == rid
