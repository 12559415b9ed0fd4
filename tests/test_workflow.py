"""`icsvc triage`, `update` and `escalate` end to end: changes, history, permissions, refusals."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from conftest import NOW, Store

PART = ["-p", "engineering", "-s", "part-clarification", "-t", "Bore diameter",
        "--info", "order_number=SO-1", "--info", "part_number=P-2"]
DRAWING = ["-p", "engineering", "-s", "drawing-review", "-t", "Drawing 7",
           "--needed-by", "2026-12-10"]
ANA, RAJ, MARIA, LEE, PAT = ("ana@example.com", "raj@example.com", "maria@example.com",
                             "lee@example.com", "pat@example.com")


def data(store: Store, rid: str, now: str = NOW) -> Any:
    return store.ok("show", rid, "--format", "json", now=now).json()


def history(store: Store, rid: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load(store.request_file(rid).read_text())["history"])


def refused(store: Store, *args: str, code: int = 1, actor: str = ANA,
            now: str = NOW) -> str:
    """Run a command that must fail and change nothing; return its error line."""
    before = store.snapshot()
    result = store.fails(*args, code=code, actor=actor, now=now)
    assert store.snapshot() == before
    assert result.err.startswith("icsvc: error: ") and result.err.count("\n") == 1, result.err
    return result.err


# -- triage ----------------------------------------------------------------------------------


def test_ack_carries_the_resolve_due_date_as_timeframe(store: Store) -> None:
    rid = store.new(*PART)
    out = store.ok("triage", rid, "--ack", actor=ANA).out
    assert "status new -> acknowledged (expect it by Fri 2026-11-27 10:00 -0500)" in out
    entry = history(store, rid)[-1]
    assert entry["type"] == "status" and entry["by"] == ANA
    assert entry["from"] == "new" and entry["to"] == "acknowledged"
    assert entry["timeframe"].isoformat() == "2026-11-27T10:00:00-05:00"
    d = data(store, rid)
    assert d["status"] == "acknowledged"
    assert d["sla"]["acknowledge"]["state"] == "met"
    assert d["sla"]["acknowledge"]["met_at"] == "2026-11-24T10:00:00-05:00"


def test_ack_with_promise_uses_the_promise_as_timeframe(store: Store) -> None:
    rid = store.new(*PART)
    store.ok("triage", rid, "--ack", "--promise", "2026-11-25", actor=ANA)
    promise, status = history(store, rid)[-2:]
    assert promise["type"] == "promise" and "from" not in promise
    assert promise["to"].isoformat() == "2026-11-25T17:00:00-05:00"
    assert status["timeframe"] == promise["to"]
    d = data(store, rid)
    assert d["promised_by"] == "2026-11-25T17:00:00-05:00"
    assert d["promise"] == "pending"


def test_priority_change_needs_a_note_and_records_new_targets(store: Store) -> None:
    rid = store.new(*PART)
    err = refused(store, "triage", rid, "--priority", "high")
    assert "asked for normal" in err and "--note" in err
    out = store.ok("triage", rid, "--priority", "high", "--note", "line stop",
                   actor=ANA).out
    assert "priority normal -> high - line stop" in out
    prio, targets = history(store, rid)[-2:]
    assert prio == {**prio, "type": "priority", "from": "normal", "to": "high",
                    "note": "line stop"}
    assert targets["type"] == "targets"
    assert targets["from"] == {"acknowledge": "4h", "resolve": "2d", "update": "1d"}
    assert targets["to"] == {"acknowledge": "2h", "resolve": "1d"}
    d = data(store, rid)
    assert d["priority"] == "high" and d["requested_priority"] == "normal"
    assert d["targets"] == {"acknowledge": "2h", "resolve": "1d"}
    assert d["sla"]["resolve"]["due"] == "2026-11-25T10:00:00-05:00"
    assert "update" not in d["sla"]
    # back to what was asked for: no note needed
    store.ok("triage", rid, "--priority", "normal", actor=RAJ)
    assert data(store, rid)["targets"]["resolve"] == "2d"
    refused(store, "triage", rid, "--priority", "critical", code=2)


def test_assign_a_member_only(store: Store) -> None:
    rid = store.new(*PART)
    err = refused(store, "triage", rid, "--assign", LEE, code=2)  # an unknown value
    assert "lee@example.com is not a member of engineering" in err
    assert "ana@example.com, raj@example.com" in err
    store.ok("triage", rid, "--assign", "Raj@Example.com", actor=ANA)
    entry = history(store, rid)[-1]
    assert entry["type"] == "assigned" and entry["to"] == RAJ and "from" not in entry
    store.ok("triage", rid, "--assign", ANA, actor=RAJ)
    assert history(store, rid)[-1]["from"] == RAJ
    assert data(store, rid)["owner"] == ANA


def test_need_info_pauses_and_the_requesters_answer_resumes(store: Store) -> None:
    rid = store.new(*PART)
    store.ok("triage", rid, "--ack", actor=ANA, now="2026-11-24T11:00:00-05:00")
    store.ok("triage", rid, "--need-info", "Which drawing revision?", actor=ANA,
             now="2026-11-24T12:00:00-05:00")
    d = data(store, rid, now="2026-11-25T10:00:00-05:00")
    assert d["status"] == "waiting-on-customer"
    assert d["sla"]["resolve"]["state"] == "paused"
    store.ok("update", rid, "--info", "revision=C", actor=MARIA,
             now="2026-11-25T10:00:00-05:00")
    info, status = history(store, rid)[-2:]
    assert info == {**info, "type": "info", "by": MARIA, "info": {"revision": "C"}}
    assert status == {**status, "type": "status", "by": MARIA,
                      "from": "waiting-on-customer", "to": "acknowledged"}
    d = data(store, rid, now="2026-11-25T10:00:00-05:00")
    assert d["status"] == "acknowledged" and d["info"]["revision"] == "C"
    # 2h counted before the pause; 14h left from Wed 10:00: Wed 7h, (Thanksgiving), Fri 7h
    assert d["sla"]["resolve"]["due"] == "2026-11-27T16:00:00-05:00"
    assert d["sla"]["resolve"]["state"] == "ok"


def test_need_info_before_ack_returns_to_new(store: Store) -> None:
    rid = store.new(*PART)
    store.ok("triage", rid, "--need-info", "Order number looks wrong", actor=ANA)
    assert data(store, rid)["sla"]["acknowledge"]["state"] == "met"
    store.ok("update", rid, "--info", "order_number=SO-9", actor=MARIA)
    assert history(store, rid)[-1]["to"] == "new"
    assert data(store, rid)["info"]["order_number"] == "SO-9"


def test_decline_is_final(store: Store) -> None:
    rid = store.new(*PART)
    err = refused(store, "triage", rid, "--decline", "We do not make that part", actor=RAJ)
    assert "a decline names an alternate: pass --alternate" in err
    out = store.ok("triage", rid, "--decline", "We do not make that part", "--alternate",
                   "Acme Castings (castings@example.com)", actor=RAJ).out
    entry = history(store, rid)[-1]
    assert entry["to"] == "declined" and entry["note"] == "We do not make that part"
    assert entry["alternate"] == "Acme Castings (castings@example.com)"
    assert "status new -> declined" in out
    assert data(store, rid)["alternate"] == "Acme Castings (castings@example.com)"
    assert "Acme Castings" in store.ok("show", rid).out
    err = refused(store, "update", rid, "--status", "in-progress", actor=RAJ)
    assert "declined is final" in err
    err = refused(store, "triage", rid, "--ack")
    assert "only open requests" in err


def test_triage_refusals(store: Store) -> None:
    rid = store.new(*PART)
    err = refused(store, "triage", rid, "--ack", actor=MARIA)
    assert ("only a member of engineering (ana@example.com, raj@example.com) or its "
            "escalation contact (vp-eng@example.com) may triage "
            f"{rid}; you are maria@example.com") in err
    refused(store, "triage", rid, code=2)
    assert "cannot be combined" in refused(store, "triage", rid, "--ack", "--need-info", "x",
                                           code=2)
    assert "--service only goes with --redirect" in refused(
        store, "triage", rid, "--service", "pay-correction", "--ack", code=2)
    err = refused(store, "triage", rid, "--promise", "someday", code=2)
    assert "--promise: 'someday' is not a date" in err
    err = refused(store, "triage", rid, "--promise", "2026-11-20", code=2)
    assert "is in the past" in err
    refused(store, "triage", "ZZZZZZ", "--ack")
    store.ok("triage", rid, "--ack", actor=ANA)
    err = refused(store, "triage", rid, "--ack")
    assert "is acknowledged and cannot become acknowledged" in err
    assert "(allowed from acknowledged: in-progress, waiting-on-customer" in err


# -- redirect --------------------------------------------------------------------------------


def test_redirect_moves_the_file_and_restarts_the_clocks(store: Store) -> None:
    rid = store.new(*PART)
    store.ok("triage", rid, "--assign", RAJ, "--promise", "2026-11-30", actor=ANA)
    old = store.request_file(rid)
    out = store.ok("triage", rid, "--redirect", "payroll", "--note",
                   "Payroll handles pay parts; ask Pat", actor=RAJ,
                   now="2026-11-24T11:00:00-05:00").out
    assert f"moved requests/engineering/{rid}.yaml -> requests/payroll/{rid}.yaml" in out
    assert not old.exists()
    assert store.request_file(rid).parent.name == "payroll"
    redirect, targets = history(store, rid)[-2:]
    assert redirect == {**redirect, "type": "redirect", "from": "engineering",
                        "to": "payroll", "service": "part-clarification",
                        "note": "Payroll handles pay parts; ask Pat"}
    assert targets["from"] == {"acknowledge": "4h", "resolve": "2d", "update": "1d"}
    assert targets["to"] == {"acknowledge": "1d", "resolve": "5d"}
    # the redirect itself clears the owner and withdraws the promise (no entries of their own)
    d = data(store, rid, now="2026-11-24T11:00:00-05:00")
    assert d["provider"] == "payroll" and d["status"] == "new"
    assert d["owner"] is None and d["promised_by"] is None
    # Payroll's clock starts at the redirect, 16:00 in London: 1d = 7.5h of 09:00-12:30,
    # 13:30-17:30 -> Tue 1.5h + Wed 3.5h + 2.5h = Wed 16:00 London
    assert d["sla"]["acknowledge"]["due"] == "2026-11-25T16:00:00+00:00"
    assert d["sla"]["acknowledge"]["state"] == "ok"
    shown = store.ok("show", rid, now="2026-11-24T11:00:00-05:00").out
    assert "redirected engineering -> payroll" in shown
    # now payroll's members triage it, engineering's may not
    later = "2026-11-24T11:30:00-05:00"
    err = refused(store, "triage", rid, "--ack", actor=ANA, now=later)
    assert "a member of payroll (pat@example.com)" in err
    store.ok("triage", rid, "--ack", actor=PAT, now=later)


def test_redirect_needs_a_service_the_new_provider_has(store: Store) -> None:
    rid = store.new(*DRAWING)
    err = refused(store, "triage", rid, "--redirect", "payroll", "--note", "n")
    assert "payroll has no service 'drawing-review'; pass --service" in err
    assert "pay-correction, part-clarification" in err
    err = refused(store, "triage", rid, "--redirect", "payroll", "--note", "n",
                  "--service", "nope", code=2)
    assert "--service: payroll has no service 'nope'" in err
    store.ok("triage", rid, "--redirect", "payroll", "--note", "n", "--service",
             "pay-correction", actor=ANA)
    d = data(store, rid)
    assert d["service"] == "pay-correction" and d["provider"] == "payroll"


def test_redirect_refusals(store: Store) -> None:
    rid = store.new(*PART)
    assert "needs --note" in refused(store, "triage", rid, "--redirect", "payroll", code=2)
    err = refused(store, "triage", rid, "--redirect", "legal", "--note", "n", code=2)
    assert "unknown provider 'legal' (accepted: engineering, payroll)" in err
    assert "already with engineering" in refused(store, "triage", rid, "--redirect",
                                                 "engineering", "--note", "n")
    refused(store, "triage", rid, "--redirect", "payroll", "--note", "n", actor=PAT)
    refused(store, "triage", rid, "--redirect", "payroll", "--note", "n", "--ack", code=2)


# -- update ----------------------------------------------------------------------------------


def test_status_changes_are_the_providers_and_cancel_the_requesters(store: Store) -> None:
    rid = store.new(*PART)
    err = refused(store, "update", rid, "--status", "in-progress", actor=MARIA)
    assert "only a member of engineering" in err and "set the status of" in err
    err = refused(store, "update", rid, "--status", "cancelled", actor=LEE)
    assert "or the requester (maria@example.com) may set the status" in err
    err = refused(store, "update", rid, "--status", "cancelled", code=2, actor=ANA)
    assert "needs --note saying why the provider cancels it" in err
    store.ok("update", rid, "--status", "in-progress", "--note", "on it", actor=ANA)
    entry = history(store, rid)[-1]
    assert entry == {**entry, "from": "new", "to": "in-progress", "note": "on it"}
    store.ok("update", rid, "--status", "cancelled", "--note", "found it", actor=MARIA)
    d = data(store, rid)
    assert d["status"] == "cancelled"
    assert d["sla"]["resolve"]["state"] == "ok" and d["sla"]["resolve"]["met_at"] is None
    err = refused(store, "update", rid, "--status", "in-progress")
    assert "cancelled is final" in err


def test_update_status_acknowledged_carries_a_timeframe(store: Store) -> None:
    rid = store.new(*PART)
    store.ok("update", rid, "--status", "acknowledged", actor=ANA)
    assert history(store, rid)[-1]["timeframe"].isoformat() == "2026-11-27T10:00:00-05:00"


def test_bad_status_and_transition(store: Store) -> None:
    rid = store.new(*PART)
    err = refused(store, "update", rid, "--status", "done", code=2)
    assert "unknown status 'done' (accepted: new, acknowledged" in err
    err = refused(store, "update", rid, "--status", "closed")
    assert "new and cannot become closed (allowed from new: acknowledged, in-progress" in err
    assert "needs --note" in refused(store, "update", rid, "--status",
                                     "waiting-on-customer", code=2)
    assert "needs --note" in refused(store, "update", rid, "--status", "declined", code=2)
    refused(store, "update", rid, code=2)


def test_resolve_close_and_reopen(store: Store) -> None:
    rid = store.new(*PART)
    store.ok("update", rid, "--status", "resolved", actor=ANA,
             now="2026-11-24T12:00:00-05:00")
    d = data(store, rid, now="2026-11-24T12:00:00-05:00")
    assert d["sla"]["resolve"]["state"] == "met"
    store.ok("update", rid, "--status", "in-progress", "--note", "customer says no",
             actor=ANA, now="2026-11-25T09:00:00-05:00")
    d = data(store, rid, now="2026-11-25T10:00:00-05:00")
    # 2h counted Tue 10-12, paused while resolved, 14h more from Wed 09:00 -> Fri 15:00
    assert d["sla"]["resolve"]["due"] == "2026-11-27T15:00:00-05:00"
    assert d["sla"]["resolve"]["met_at"] is None
    store.ok("update", rid, "--status", "resolved", actor=RAJ,
             now="2026-11-25T11:00:00-05:00")
    store.ok("update", rid, "--status", "closed", actor=RAJ,
             now="2026-11-30T11:00:00-05:00")
    d = data(store, rid, now="2026-12-01T10:00:00-05:00")
    assert d["sla"]["resolve"]["met_at"] == "2026-11-25T11:00:00-05:00"
    assert d["sla"]["resolve"]["state"] == "met"


def test_notes_from_anyone_involved(store: Store) -> None:
    rid = store.new(*PART)
    for actor in (MARIA, ANA, "vp-eng@example.com"):
        store.ok("update", rid, "--note", f"hello from {actor}", actor=actor)
        entry = history(store, rid)[-1]
        assert entry == {**entry, "type": "note", "by": actor, "note": f"hello from {actor}"}
    err = refused(store, "update", rid, "--note", "me too", actor=LEE)
    assert "or the requester (maria@example.com)" in err
    assert "or its escalation contact (vp-eng@example.com)" in err
    assert "--note needs a text" in refused(store, "update", rid, "--note", " ", code=2)


def test_progress(store: Store) -> None:
    rid = store.new(*PART)
    store.ok("update", rid, "--progress", "40", "--note", "drawing checked", actor=ANA)
    entry = history(store, rid)[-1]
    assert entry == {**entry, "type": "progress", "to": 40, "note": "drawing checked"}
    assert "from" not in entry
    store.ok("update", rid, "--progress", "60", actor=ANA)
    assert history(store, rid)[-1]["from"] == 40
    assert data(store, rid)["progress"] == 60
    assert "0 to 100" in refused(store, "update", rid, "--progress", "140", code=2)
    refused(store, "update", rid, "--progress", "70", actor=MARIA)
    store.fails("update", rid, "--progress", "lots", code=2, actor=ANA)
    assert "nothing changed" in refused(store, "update", rid, "--progress", "60")


def test_moving_a_passed_promise_is_a_broken_promise(store: Store) -> None:
    rid = store.new(*PART)
    store.ok("update", rid, "--promise", "2026-11-25T12:00", actor=ANA)
    first = history(store, rid)[-1]
    assert first["to"].isoformat() == "2026-11-25T12:00:00-05:00" and "broken" not in first
    assert "moving a promise needs --note" in refused(
        store, "update", rid, "--promise", "2026-11-25T15:00", code=2,
        now="2026-11-25T10:00:00-05:00")
    store.ok("update", rid, "--promise", "2026-11-25T15:00", "--note", "waiting on a drawing",
             actor=ANA, now="2026-11-25T10:00:00-05:00")
    assert "broken" not in history(store, rid)[-1]
    d = data(store, rid, now="2026-11-25T16:00:00-05:00")
    assert d["promise"] == "broken"
    out = store.ok("update", rid, "--promise", "2026-11-30", "--note", "sorry", actor=ANA,
                   now="2026-11-25T16:00:00-05:00").out
    assert "[broken promise]" in out
    moved = history(store, rid)[-1]
    assert moved["broken"] is True
    assert moved["from"].isoformat() == "2026-11-25T15:00:00-05:00"
    later = "2026-11-25T16:30:00-05:00"
    refused(store, "update", rid, "--promise", "2026-12-01", "--note", "x", actor=MARIA,
            now=later)
    assert "is not a date" in refused(store, "update", rid, "--promise", "2026-13-45", code=2,
                                      now=later)


def test_promise_kept_when_resolved_in_time(store: Store) -> None:
    rid = store.new(*PART)
    store.ok("triage", rid, "--ack", "--promise", "tomorrow", actor=ANA)
    store.ok("update", rid, "--status", "resolved", actor=ANA, now="2026-11-25T11:00:00-05:00")
    store.ok("update", rid, "--status", "closed", actor=ANA, now="2026-11-30T11:00:00-05:00")
    assert data(store, rid, now="2026-12-01T10:00:00-05:00")["promise"] == "kept"
    shown = store.ok("show", rid, now="2026-12-01T10:00:00-05:00").out
    assert "(kept)" in shown


def test_info_refusals(store: Store) -> None:
    rid = store.new(*PART)
    refused(store, "update", rid, "--info", "revision", code=2)
    assert "has no value" in refused(store, "update", rid, "--info", "revision=", actor=MARIA,
                                     code=2)
    assert "not a valid key" in refused(store, "update", rid, "--info", "Bad Key=1",
                                        actor=MARIA, code=2)
    assert "only a member of engineering" in refused(store, "update", rid, "--info", "a=1",
                                                     actor=LEE)


# -- escalate --------------------------------------------------------------------------------


def test_escalate(store: Store) -> None:
    rid = store.new(*PART)
    out = store.ok("escalate", rid, "--reason", "The customer line is down",
                   actor=MARIA).out
    assert "escalated to vp-eng@example.com - The customer line is down" in out
    entry = history(store, rid)[-1]
    assert entry == {**entry, "type": "escalation", "by": MARIA, "to": "vp-eng@example.com",
                     "note": "The customer line is down"}
    store.ok("escalate", rid, "--reason", "Still blocked", actor=RAJ)
    shown = store.ok("show", rid).out
    assert "2x to vp-eng@example.com, last Tue 2026-11-24 10:00 -0500 by raj" in shown
    assert data(store, rid)["escalations"] == 2
    err = refused(store, "escalate", rid, "--reason", "me too", actor=LEE)
    assert "may escalate" in err
    store.fails("escalate", rid, code=2, actor=MARIA)
    store.ok("update", rid, "--status", "cancelled", actor=MARIA)
    # an escalation reaches someone whatever the request's status
    store.ok("escalate", rid, "--reason", "it was cancelled by mistake", actor=MARIA)
    assert data(store, rid)["escalation_pending"] is True


@pytest.mark.parametrize("command", [["triage", "--ack"], ["update", "--note", "x"],
                                     ["escalate", "--reason", "x"]])
def test_json_output(store: Store, command: list[str]) -> None:
    rid = store.new(*PART)
    d = store.ok(command[0], rid, *command[1:], "--format", "json", actor=ANA).json()
    assert d["id"] == rid and {"owner", "promised_by", "progress", "sla"} <= d.keys()
