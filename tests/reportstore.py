"""A hand-built store for the report tests: every request file written directly, with exact
histories, so every figure of `icsvc report` has a hand-computed expected value.

Engineering (us-east, 09:00-17:00 Mon-Fri, Thanksgiving Nov 26 off) and Payroll (uk,
09:00-12:30 + 13:30-17:30) from tests/conftest.py. The period in the tests is
`--since 2026-11-02 --until 2026-11-29` (four weeks), reported at NOW (Tue Dec 1, 12:00).
The comments give each business time; EXPECTED holds the figures worked out by hand.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from icsvc.store import yamlio

NOW = "2026-12-01T12:00:00-05:00"
PERIOD = ("--since", "2026-11-02", "--until", "2026-11-29")

HIGH = {"acknowledge": "2h", "resolve": "1d"}
NORMAL = {"acknowledge": "4h", "resolve": "2d"}
LOW = {"acknowledge": "1d", "resolve": "10d"}
PAY_NORMAL = {"acknowledge": "1d", "resolve": "5d"}

MARIA, SAM, LEE = "maria@example.com", "sam@example.com", "lee@example.com"
ANA, PAT = "ana@example.com", "pat@example.com"
DEPT = {MARIA: "customer-service", SAM: "customer-service", LEE: "sales"}


def t(text: str) -> datetime:
    return datetime.fromisoformat(text)


def request(rid: str, provider: str, service: str, by: str, created: str,
            targets: dict[str, str], events: list[tuple[Any, ...]], *, priority: str = "normal",
            asked: str | None = None, rush: bool = False,
            impact: dict[str, Any] | None = None) -> dict[str, Any]:
    """A request dict; `events` are (at, by, type, {keys}) after `created`. The status is the
    last status event's `to` (or new); `from` is filled in from the previous status."""
    history: list[dict[str, Any]] = [{"at": t(created), "by": by, "type": "created"}]
    if asked is not None and asked != priority:  # the provider agreed another priority
        member = ANA if provider == "engineering" else PAT
        history.append({"at": t(created), "by": member, "type": "priority", "from": asked,
                        "to": priority, "note": "agreed"})
    status = "new"
    promised = None
    for at, who, kind, *rest in events:
        data = dict(rest[0]) if rest else {}
        entry: dict[str, Any] = {"at": t(at), "by": who, "type": kind}
        if kind == "status":
            entry["from"] = status
            status = data["to"]
        if kind == "promise":
            data["to"] = t(data["to"])
            if promised is not None:
                entry["from"] = promised
            promised = data["to"]
        entry.update(data)
        history.append(entry)
    out: dict[str, Any] = {
        "id": rid, "title": f"Request {rid}", "provider": provider, "service": service,
        "status": status, "priority": priority, "requested_priority": asked or priority,
        "customer": {"email": by, "department": DEPT[by]}, "created_at": t(created),
    }
    if rush:
        out["rush"] = True
        out["justification"] = "The line is down"
    if promised is not None:
        out["promised_by"] = promised
    if service == "part-clarification":
        out["info"] = {"order_number": "SO-1", "part_number": "P-1"}
    elif service == "pay-correction":
        out["info"] = {"employee_id": "E-1", "pay_period": "2026-11"}
    for entry in history:
        if entry["type"] == "info":
            out.setdefault("info", {}).update(entry["info"])
    if impact:
        out["impact"] = impact
    out["targets"] = dict(targets)
    out["history"] = history
    return out


def st(at: str, who: str, to: str) -> tuple[Any, ...]:
    return (at, who, "status", {"to": to})


REQUESTS = [
    # Before the period: resolved inside it, 49h business (Oct 26-30 40h, Nov 2 8h, Nov 3 1h);
    # its resolve breach was due Oct 27 17:00 (outside), so only its time and `resolved` count.
    request("ENG00000", "engineering", "drawing-review", MARIA, "2026-10-26T09:00:00-04:00",
            NORMAL, [st("2026-10-26T10:00:00-04:00", ANA, "acknowledged"),
                     st("2026-11-03T10:00:00-05:00", ANA, "resolved")]),
    # ack 1h (met), resolve 6h (met); rated 4 then 5: the rating is 5.
    request("ENG00001", "engineering", "drawing-review", MARIA, "2026-11-02T09:00:00-05:00",
            HIGH, [st("2026-11-02T10:00:00-05:00", ANA, "acknowledged"),
                   st("2026-11-02T15:00:00-05:00", ANA, "resolved"),
                   ("2026-11-03T09:00:00-05:00", MARIA, "feedback", {"rating": 4}),
                   ("2026-11-04T09:00:00-05:00", MARIA, "feedback",
                    {"rating": 5, "comment": "Fast after all"})],
            priority="high"),
    # Asked urgent (rush), agreed normal. ack Tue 16-17 + Wed 9-10 = 2h (met); waiting on the
    # customer Wed 11:00 to Fri 11:00 (paused); resolve = 3h + Fri 11-17 6h + Mon 9-11 2h
    # = 11h (met, 16h target). Promise (Nov 10) kept; closed later; rated 3.
    request("ENG00002", "engineering", "part-clarification", MARIA,
            "2026-11-03T16:00:00-05:00", NORMAL,
            [st("2026-11-04T10:00:00-05:00", ANA, "acknowledged"),
             ("2026-11-04T10:30:00-05:00", ANA, "promise", {"to": "2026-11-10T17:00:00-05:00"}),
             st("2026-11-04T11:00:00-05:00", ANA, "waiting-on-customer"),
             ("2026-11-06T11:00:00-05:00", MARIA, "info", {"info": {"order_number": "SO-2"}}),
             st("2026-11-06T11:00:00-05:00", ANA, "in-progress"),
             st("2026-11-09T11:00:00-05:00", ANA, "resolved"),
             st("2026-11-10T09:00:00-05:00", MARIA, "closed"),
             ("2026-11-10T10:00:00-05:00", MARIA, "feedback", {"rating": 3})],
            asked="urgent", rush=True, impact={"cost": 500, "note": "not lapsed"}),
    # Asked urgent, agreed high. ack 3h (breached, due 11:00); resolve 25h (Thu, Fri, Mon 8h
    # each + Tue 1h; breached, due Thu 17:00). Promise 1 moved after passing (broken), promise
    # 2 (Mon 17:00) resolved Tue (broken). Escalated once. Lapse cost 1200.
    request("ENG00003", "engineering", "drawing-review", LEE, "2026-11-12T09:00:00-05:00",
            HIGH,
            [st("2026-11-12T12:00:00-05:00", ANA, "acknowledged"),
             ("2026-11-12T12:05:00-05:00", ANA, "promise", {"to": "2026-11-13T12:00:00-05:00"}),
             ("2026-11-13T09:30:00-05:00", LEE, "escalation",
              {"to": "vp-eng@example.com", "note": "Blocking a shipment"}),
             ("2026-11-13T14:00:00-05:00", ANA, "promise",
              {"to": "2026-11-16T17:00:00-05:00", "broken": True}),
             st("2026-11-17T10:00:00-05:00", ANA, "resolved")],
            priority="high", asked="urgent", rush=True,
            impact={"cost": 1200, "note": "A line stop"}),
    # ack 1h (met); still open: resolve due Tue Nov 24 17:00 passed (breached, lapse 300);
    # 6d 15h old at the end of the period (3-7d). Promise to Dec 4: not known yet.
    request("ENG00004", "engineering", "drawing-review", SAM, "2026-11-23T09:00:00-05:00",
            NORMAL,
            [st("2026-11-23T10:00:00-05:00", ANA, "acknowledged"),
             ("2026-11-24T09:00:00-05:00", ANA, "promise", {"to": "2026-12-04T17:00:00-05:00"}),
             st("2026-11-24T09:05:00-05:00", ANA, "in-progress")],
            impact={"cost": 300}),
    # Fri after Thanksgiving, never acknowledged: ack due 17:00 passed (breached); resolve
    # (10d) not due yet. 2d 15h old (1-3d).
    request("ENG00005", "engineering", "drawing-review", LEE, "2026-11-27T09:00:00-05:00",
            LOW, [], priority="low"),
    # Sent to Payroll (received there, a redirect for Payroll), redirected to Engineering at
    # 10:00 (received there; clocks start then): ack 1h, resolve 6h (met). Rated 2.
    request("ENG00006", "engineering", "part-clarification", MARIA,
            "2026-11-16T14:00:00+00:00", NORMAL,
            [("2026-11-16T15:00:00+00:00", PAT, "redirect",
              {"from": "payroll", "to": "engineering", "service": "part-clarification",
               "note": "Engineering owns parts"}),
             st("2026-11-16T11:00:00-05:00", ANA, "acknowledged"),
             st("2026-11-16T16:00:00-05:00", ANA, "resolved"),
             ("2026-11-17T09:00:00-05:00", MARIA, "feedback", {"rating": 2})]),
    # Cancelled by the requester within the hour: nothing measured.
    request("ENG00007", "engineering", "drawing-review", MARIA, "2026-11-18T09:00:00-05:00",
            NORMAL, [st("2026-11-18T10:00:00-05:00", MARIA, "cancelled")]),
    # Payroll (7.5h days): ack 09:00-12:30 + 13:30-14:00 = 4h (met); resolve 7.5 + 7.5 + 3
    # = 18h (met). Rated 4.
    request("PAY00001", "payroll", "pay-correction", LEE, "2026-11-10T09:00:00+00:00",
            PAY_NORMAL,
            [st("2026-11-10T14:00:00+00:00", PAT, "acknowledged"),
             st("2026-11-12T12:00:00+00:00", PAT, "resolved"),
             ("2026-11-13T09:00:00+00:00", LEE, "feedback", {"rating": 4})]),
]


def write(root: Path) -> None:
    for data in REQUESTS:
        path = root / "requests" / data["provider"] / f"{data['id']}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yamlio.dump(data))


H = 60.0  # minutes per hour

EXPECTED_PROVIDERS: dict[str, dict[str, Any]] = {
    "engineering": {
        "received": 7,  # ENG1-5, ENG7 created in the period, ENG6 redirected in
        "resolved": 5,  # ENG0, 1, 2 (closed), 3, 6
        "open": 2,
        "backlog_age": {"<1d": 0, "1-3d": 1, "3-7d": 1, "7d+": 0},
        "acknowledge_measured": 6, "acknowledge_met": 4, "acknowledge_met_pct": 66.7,
        "resolve_measured": 5, "resolve_met": 3, "resolve_met_pct": 60.0,
        # ack times 1h, 2h, 3h, 1h, 1h -> median 1h, p90 (5th of 5) 3h
        "acknowledge_median_minutes": 1 * H, "acknowledge_p90_minutes": 3 * H,
        # resolve times 6h, 6h, 11h, 25h, 49h -> median 11h, p90 49h
        "resolve_median_minutes": 11 * H, "resolve_p90_minutes": 49 * H,
        # ENG2's promise kept; ENG3's moved after its date (one promise, broken); ENG4's
        # (Dec 4) pending
        "promises_made": 3, "promises_kept": 1, "promises_moved": 0, "promises_broken": 1,
        "promises_pending": 1, "promises_withdrawn": 0, "promises_kept_pct": 33.3,
        "needed_by_count": 0, "needed_by_met": 0, "needed_by_met_pct": None,
        # ENG2 was sent back for information an hour after its acknowledgement
        "late_info_requests": 1,
        # ENG2 (asked urgent, agreed normal) and ENG3 (asked urgent, agreed high): neither
        # accepted nor contested yet
        "downgrades": 2, "downgrades_accepted": 0, "downgrades_contested": 0,
        "downgrades_pending": 2,
        # first resolved in the period: ENG0, 1, 2, 3, 6; none reopened
        "reopened": 0, "reopened_pct": 0.0,
        "escalations": 1, "redirects": 0,
        "csat_avg": 3.33, "csat_count": 3, "csat_response_rate_pct": 60.0,
        "lapse_cost": 1500,
    },
    "payroll": {
        "received": 2, "resolved": 1, "open": 0,
        "backlog_age": {"<1d": 0, "1-3d": 0, "3-7d": 0, "7d+": 0},
        "acknowledge_measured": 1, "acknowledge_met": 1, "acknowledge_met_pct": 100.0,
        "resolve_measured": 1, "resolve_met": 1, "resolve_met_pct": 100.0,
        "acknowledge_median_minutes": 4 * H, "acknowledge_p90_minutes": 4 * H,
        "resolve_median_minutes": 18 * H, "resolve_p90_minutes": 18 * H,
        "promises_made": 0, "promises_kept": 0, "promises_moved": 0, "promises_broken": 0,
        "promises_pending": 0, "promises_withdrawn": 0, "promises_kept_pct": None,
        "needed_by_count": 0, "needed_by_met": 0, "needed_by_met_pct": None,
        "late_info_requests": 0, "reopened": 0, "reopened_pct": 0.0,
        "downgrades": 0, "downgrades_accepted": 0, "downgrades_contested": 0,
        "downgrades_pending": 0,
        "escalations": 0, "redirects": 1,
        "csat_avg": 4.0, "csat_count": 1, "csat_response_rate_pct": 100.0,
        "lapse_cost": 0,
    },
}

EXPECTED_DEPARTMENTS = [
    # ENG2's request for information came after the acknowledgement: late, the provider's,
    # not counted against customer-service
    {"department": "customer-service", "requests": 5, "urgent": 1, "urgent_pct": 20.0,
     "rush": 1, "rush_pct": 20.0, "info_requested": 0, "info_requested_pct": 0.0,
     "needed_by_count": 0, "needed_by_met": 0, "needed_by_met_pct": None,
     # ENG2 asked for urgent and got normal
     "upgrades_asked": 1, "upgrades_granted": 0, "upgrades_granted_pct": 0.0,
     "rating_avg": 3.33, "rating_count": 3,
     # nothing declined; ENG4's lapse (resolve breached, $300) is customer-service's
     # request, charged to engineering
     "declined": 0, "declined_pct": 0.0, "declined_with_alternate_pct": None,
     "lapse_cost_suffered": 300, "lapse_cost_caused": 0},
    {"department": "sales", "requests": 3, "urgent": 1, "urgent_pct": 33.3,
     "rush": 1, "rush_pct": 33.3, "info_requested": 0, "info_requested_pct": 0.0,
     "needed_by_count": 0, "needed_by_met": 0, "needed_by_met_pct": None,
     # ENG3 asked for urgent and got high
     "upgrades_asked": 1, "upgrades_granted": 0, "upgrades_granted_pct": 0.0,
     "rating_avg": 4.0, "rating_count": 1,
     "declined": 0, "declined_pct": 0.0, "declined_with_alternate_pct": None,
     "lapse_cost_suffered": 1200, "lapse_cost_caused": 0},
]

EXPECTED_MATRIX = {
    "customer-service": {"engineering": 5, "payroll": 0},
    "sales": {"engineering": 2, "payroll": 1},
}

EXPECTED_TREND = [
    {"week": "2026-11-02", "measured": 3, "met": 3, "met_pct": 100.0},
    {"week": "2026-11-09", "measured": 5, "met": 3, "met_pct": 60.0},
    {"week": "2026-11-16", "measured": 2, "met": 2, "met_pct": 100.0},
    {"week": "2026-11-23", "measured": 3, "met": 1, "met_pct": 33.3},
]
