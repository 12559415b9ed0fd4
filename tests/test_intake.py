"""`icsvc intake`: an issue filled in from a generated form becomes the request `icsvc new`
would write, every refusal says what to fix and writes nothing, and never twice."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import Result, Store
from issue_helpers import (
    REPO_URL,
    example_with_forms,
    form_path,
    payload,
    render_body,
    write_event,
)

PRIORITIES = ("low", "normal", "high", "urgent")
OPENED = "2026-11-24T15:00:00Z"  # Tue 10:00 in New York, 15:00 in London
PART = "[engineering/part-clarification] "


@pytest.fixture
def example(tmp_path: Path) -> Store:
    return example_with_forms(tmp_path / "example")


def _services(store: Store) -> list[tuple[str, str, list[str]]]:
    data = yaml.safe_load((store.root / "providers.yaml").read_text())
    return [(p, s, spec.get("requires", [])) for p, prov in data["providers"].items()
            for s, spec in prov["services"].items()]


def intake(store: Store, event: dict[str, Any], *args: str, **kw: Any) -> Result:
    path = write_event(store.root.parent, event)
    return store.icsvc("intake", "--event", str(path), *args, **kw)


def part_body(store: Store, **answers: str) -> str:
    base = {"info-order_number": "SO-88412", "info-part_number": "7730-C"}
    base.update(answers)
    return render_body(form_path(store, "engineering", "part-clarification"),
                       {k: v for k, v in base.items() if v is not None})


def _without_id(text: str, rid: str) -> str:
    """The file but for its ID, however it is written (an ID of eight digits, one in about
    10,000, is quoted: unquoted, YAML would read it as a number)."""
    return text.replace(f"'{rid}'", "<ID>").replace(rid, "<ID>")


def test_every_service_round_trips_into_what_new_writes(example: Store) -> None:
    """For each service: fill in its form as a person would, let intake read the issue, and
    compare with `icsvc new` given the same answers at the issue's creation time."""
    needed = ["", "+3w", "2026-12-18", "Dec 21 3pm", "tomorrow", "fri", "2026-12-14T11:00"]
    for i, (provider, service, requires) in enumerate(_services(example)):
        info = {key: f"{key.upper()}-{100 + i}" for key in requires}
        priority = PRIORITIES[i % 4]
        answers = {f"info-{k}": v for k, v in info.items()}
        answers.update({
            "priority": priority,
            "needed_by": needed[i % len(needed)],
            "justification": "The customer's line is down until we answer",
            "details": ("First line.\n### Not a heading of the form\nLast line."
                        if i % 3 == 0 else ""),
            "department": "customer-service" if i % 5 == 0 else "",
            "cost": "1,200" if i % 2 else "",
            "impact_note": "A line stop costs $1,200 a day" if i % 4 == 1 else "",
        })
        title = f"Sample request {i} for {service}"
        body = render_body(form_path(example, provider, service), answers)
        event = payload(100 + i, f"[{provider}/{service}] {title}", body)
        result = intake(example, event, "--format", "json")
        assert result.code == 0, f"{provider}/{service}: {result.out}{result.err}"
        made = result.json()
        assert made["status"] == "created" and made["provider"] == provider
        args = ["new", "-p", provider, "-s", service, "-t", title, "--priority", priority,
                "--justification", answers["justification"], "--format", "json"]
        for key, value in info.items():
            args += ["--info", f"{key}={value}"]
        for option, key in (("--needed-by", "needed_by"), ("--details", "details"),
                            ("--department", "department"), ("--impact-note", "impact_note")):
            if answers[key]:
                args += [option, answers[key]]
        if answers["cost"]:
            args += ["--cost", answers["cost"].replace(",", "")]
        asked = example.ok(*args, actor="maria@example.com",
                           now=OPENED.replace("Z", "+00:00")).json()
        ours = (example.root / made["path"]).read_text()
        theirs = (example.root / asked["path"]).read_text()
        source = (f"source:\n  github_issue: {100 + i}\n"
                  f"  url: {REPO_URL}/issues/{100 + i}\n")
        assert source in ours
        assert _without_id(ours.replace(source, ""), made["id"]) == _without_id(
            theirs, asked["id"]), f"{provider}/{service}"
        comment = made["comment"]
        assert f"this is now request **{made['id']}**" in comment
        for clock in ("acknowledge", "resolve"):
            due = asked["sla"][clock]["due"]
            assert re.search(rf"{clock} by: +\w\w\w {due[:10]} {due[11:16]}", comment), clock
    example.ok("check")


def test_intake_prints_the_comment_and_the_file_is_the_request(example: Store) -> None:
    body = part_body(example, needed_by="today", justification="The truck leaves at 5pm")
    result = intake(example, payload(12, PART + "Thread spec on bracket 7730-C", body,
                                     created_at="2026-11-24T20:00:00Z"))
    assert result.code == 0, result.err
    rid = re.search(r"request \*\*(\w{8})\*\*", result.out)
    assert rid is not None
    path = example.request_file(rid.group(1))
    assert result.out == (
        f"@maria-acme, this is now request **{rid.group(1)}** for Engineering / "
        "part-clarification, priority high (rush):\n\n"  # Engineering's agreement with CS
        "- acknowledge by: Tue 2026-11-24 17:00 -0500  (2h of business time)\n"
        "- resolve by:     Wed 2026-11-25 15:00 -0500  (1d of business time)\n"
        "- in Engineering's hours (America/New_York); questions or exceptions: "
        "vp-eng@example.com\n"
        "- note: you need it by Tue 2026-11-24 17:00 -0500, before the SLA resolve date; the "
        "provider agrees the priority when triaging\n\n"
        f"It is in Engineering's queue (`requests/engineering/{rid.group(1)}.yaml`). Comment "
        "here to add information or answer a question; once it is resolved, rate it with "
        "`/rate N` (1 to 5) on a line of its own.\n")
    # proposed by a pull request instead (the workflow's INTAKE_TO), the comment says so
    proposed = intake(example, payload(13, PART + "Thread spec on bracket 7730-C", body,
                                       created_at="2026-11-24T20:00:00Z"), "--pull-request")
    other = re.search(r"request \*\*(\w{8})\*\*", proposed.out)
    assert other is not None
    assert proposed.out.endswith(
        f"Its file is `requests/engineering/{other.group(1)}.yaml`, added by the pull request "
        "linked to this issue; once that is merged, the request is in Engineering's queue "
        f"(`icsvc show {other.group(1)}`).\n")
    data = yaml.safe_load(path.read_text())
    assert data["customer"] == {"email": "maria@example.com", "department": "customer-service"}
    assert data["source"] == {"github_issue": 12, "url": f"{REPO_URL}/issues/12"}
    assert data["created_at"].isoformat() == "2026-11-24T15:00:00-05:00"
    assert data["history"] == [{"at": data["created_at"], "by": "maria@example.com",
                                "type": "created", "note": "The truck leaves at 5pm"}]
    keys = list(data)
    assert keys.index("source") == keys.index("targets") - 1
    shown = example.ok("show", rid.group(1), "--format", "json").json()
    assert shown["title"] == "Thread spec on bracket 7730-C"


def test_json_for_the_workflow(example: Store) -> None:
    body = part_body(example, cost="$2,500.50", impact_note="Two days of line time")
    data = intake(example, payload(7, PART + "Bore", body, login="Maria-ACME"),
                  "--format", "json").json()
    rid = data["id"]
    assert data == {
        "issue": 7, "url": f"{REPO_URL}/issues/7", "login": "Maria-ACME",
        "branch": "icsvc/issue-7", "provider": "engineering", "service": "part-clarification",
        "status": "created", "id": rid, "path": f"requests/engineering/{rid}.yaml",
        "title": "Bore", "email": "maria@example.com", "unverified": False,
        "author": "Maria-ACME <Maria-ACME@users.noreply.github.com>", "label": "engineering",
        "commit_message": f"{rid}: Bore (from #7)",
        "pr_title": "Bore (engineering/part-clarification, #7)",
        "pr_body": f"Request {rid} from #7, asked by @Maria-ACME (maria@example.com).\n\n"
                   + data["comment"],
        "message": f"created {rid} (requests/engineering/{rid}.yaml) from issue #7",
        "comment": data["comment"],
        "posts": [{"issue": 7, "body": data["comment"], "close": None, "reopen": False}],
    }
    assert yaml.safe_load(example.request_file(rid).read_text())["impact"] == {
        "cost": 2500.5, "note": "Two days of line time"}


REFUSALS = [
    # (what the person did, answers or event changes, words of the refusal)
    ("left a required field empty", {"info-part_number": ""},
     "missing: 'Part number'"),
    ("asked for urgent without saying why", {"priority": "urgent"},
     "refused: you asked for urgent priority; a rush needs 'Justification for a rush' saying "
     "why (rushes are counted per requesting department)"),
    ("needs it inside the lead time without saying why", {"needed_by": "today"},
     "refused: it is needed inside the 1d lead time of engineering/part-clarification; a rush "
     "needs 'Justification for a rush' saying why"),
    ("typed a date icsvc cannot read", {"needed_by": "when the moon is blue"},
     "'Needed by': 'when the moon is blue' is not a date (accepted: 2026-12-07"),
    ("gave a date in the past", {"needed_by": "2026-11-20"},
     "'Needed by': 2026-11-20T17:00:00-05:00 is in the past"),
    ("typed words as the cost", {"cost": "lots"},
     "'Cost if it lapses': 'lots' is not a number (accepted: a number such as 1200"),
    ("gave a negative cost", {"cost": "-5"},
     "'Cost if it lapses': -5.0 is not an amount (accepted: a number from 0 to 1e+15)"),
    ("explained a cost without a number", {"impact_note": "A lot"},
     "'Cost note' needs 'Cost if it lapses' (the cost of a lapse)"),
    ("chose a department that is not one", {"department": "Sales Team"},
     "'Department': 'Sales Team' is not valid"),
]


@pytest.mark.parametrize(("what", "answers", "expected"), REFUSALS,
                         ids=[r[0] for r in REFUSALS])
def test_refusals_say_what_to_fix_and_write_nothing(example: Store, what: str,
                                                    answers: dict[str, str],
                                                    expected: str) -> None:
    before = example.snapshot()
    result = intake(example, payload(31, PART + "Thread spec", part_body(example, **answers)))
    assert result.code == 1, what
    assert result.out.startswith("@maria-acme, icsvc could not turn this issue into a request "
                                 "for engineering/part-clarification:\n\n> ")
    assert expected in result.out, result.out
    assert "Nothing was filed. Edit the issue to fix it" in result.out
    assert "comment `/icsvc retry`" in result.out
    assert result.err.startswith("icsvc: error: issue #31: ")
    assert example.snapshot() == before


def test_an_empty_title_is_refused(example: Store) -> None:
    before = example.snapshot()
    result = intake(example, payload(32, PART, part_body(example)))
    assert result.code == 1
    assert ("> missing: a title (the issue's title after '[engineering/part-clarification]')"
            in result.out)
    assert example.snapshot() == before
    # the same rule for `icsvc new`: a blank title is no title
    result = example.fails("new", "-p", "engineering", "-s", "part-clarification", "-t", "  ",
                           "--info", "order_number=SO-1", "--info", "part_number=P-2",
                           code=2, actor="maria@example.com")
    assert result.err == "icsvc: error: missing: --title\n"


def test_an_unknown_login_is_told_how_to_be_added(example: Store) -> None:
    before = example.snapshot()
    result = intake(example, payload(33, PART + "Bore", part_body(example), login="octocat"),
                    "--format", "json")
    assert result.code == 1
    data = result.json()
    assert data["status"] == "refused"
    assert data["message"] == ("the GitHub login octocat is not under 'people:' in "
                               "providers.yaml")
    assert data["comment"].startswith("@octocat, icsvc does not know who you are yet")
    assert "people:\n  you@example.com:\n    github: octocat\n" in data["comment"]
    assert "Then comment `/icsvc retry` here." in data["comment"]
    assert example.snapshot() == before


def test_a_removed_service_is_refused(example: Store) -> None:
    body = render_body(form_path(example, "engineering", "drawing-review"),
                       {"info-drawing_ref": "D-1", "info-revision": "B"})
    providers = example.root / "providers.yaml"
    providers.write_text(providers.read_text().replace("      drawing-review:\n",
                                                       "      drawing-check:\n"))
    before = example.snapshot()
    result = intake(example, payload(34, "[engineering/drawing-review] Check D-1", body))
    assert result.code == 1
    assert ("> 'Service': engineering has no service 'drawing-review' (accepted: "
            "part-clarification, drawing-check," in result.out)
    unknown = body.replace("engineering/drawing-review", "shipping/crates")
    result = intake(example, payload(35, "Crates", unknown))
    assert result.code == 1
    assert "> 'Service': unknown provider 'shipping' (accepted: engineering, payroll" in (
        result.out)
    assert example.snapshot() == before


def test_a_person_without_a_department_must_choose_one(example: Store) -> None:
    providers = example.root / "providers.yaml"
    providers.write_text(providers.read_text().replace(
        "  ana@example.com: {github: ana-acme}\n",
        "  ana@example.com: {github: ana-acme}\n  nia@example.com: {github: nia-acme}\n"))
    result = intake(example, payload(36, PART + "Bore", part_body(example), login="nia-acme"))
    assert result.code == 1
    assert ("> missing: 'Department' (or list your email under 'departments' in "
            "providers.yaml)") in result.out
    body = part_body(example, department="operations")
    data = intake(example, payload(36, PART + "Bore", body, login="nia-acme", action="edited"),
                  "--format", "json").json()
    saved = yaml.safe_load(example.request_file(data["id"]).read_text())
    assert saved["customer"] == {"email": "nia@example.com", "department": "operations"}


def test_never_twice_and_a_retry_after_a_fix(example: Store) -> None:
    refused = intake(example, payload(40, PART + "Bore", part_body(example, priority="urgent")))
    assert refused.code == 1
    retry = payload(40, PART + "Bore", part_body(example, priority="urgent"),
                    comment="/icsvc retry")
    assert intake(example, retry).code == 1  # still unjustified
    fixed = part_body(example, priority="urgent", justification="The customer's line is down")
    created = intake(example, payload(40, PART + "Bore", fixed, action="edited"),
                     "--format", "json").json()
    assert created["status"] == "created"
    before = example.snapshot()
    for event in (payload(40, PART + "Bore", fixed, action="edited"),
                  payload(40, PART + "Bore", fixed, comment="/icsvc retry"),
                  payload(40, PART + "Other title", part_body(example), action="edited")):
        again = intake(example, event)
        assert again.code == 0
        assert again.out == (f"nothing to do: issue #40 is already request {created['id']} "
                             f"({created['path']})\n")
    data = intake(example, payload(40, PART + "Bore", fixed), "--format", "json").json()
    assert data["status"] == "exists" and data["id"] == created["id"]
    assert example.snapshot() == before
    # a file that names the issue but no longer parses still counts: no second request
    path = example.root / created["path"]
    path.write_text(path.read_text().replace("status: new", "status: [broken"))
    assert "nothing to do: issue #40 is already request" in intake(
        example, payload(40, PART + "Bore", fixed)).out


@pytest.mark.parametrize(("event", "why"), [
    (payload(50, PART + "Bore", "", comment="thanks!"),
     "a comment that is not '/icsvc retry'"),
    (payload(50, PART + "Bore", "", comment="/icsvc retry", pull_request=True),
     "a comment on a pull request, not on an issue"),
    (payload(50, PART + "Bore", "", state="closed", action="edited"),
     "issue #50 is closed"),
    (payload(50, "Printer on fire", "The printer is on fire", labels=()),
     "issue #50 was not opened from an icsvc form (no '### Service' section)"),
])
def test_events_that_are_not_for_intake_are_ignored(example: Store, event: dict[str, Any],
                                                    why: str) -> None:
    before = example.snapshot()
    result = intake(example, event)
    assert result.code == 0, result.err
    assert result.out == f"nothing to do: {why}\n"
    assert example.snapshot() == before


def test_an_icsvc_issue_without_its_service_section_is_refused(example: Store) -> None:
    result = intake(example, payload(51, "Help", "I need a part clarified"))
    assert result.code == 1
    assert "> it has no '### Service' section; open the issue with one of the request forms" in (
        result.out)


@pytest.mark.parametrize(("content", "expected"), [
    ("not json", "is not JSON"),
    ('{"action": "opened"}', "--event: no issue.number in the event"),
    ('{"issue": {"number": "12"}}', "--event: issue.number '12' is not an issue number"),
    ('{"issue": {"number": 12, "created_at": "yesterday"}}',
     "--event: issue.created_at 'yesterday' is not an ISO 8601 time"),
    ('{"issue": {"number": 12, "created_at": "2026-11-24T15:00:00Z", "title": "x"}}',
     "--event: no issue.user.login in the event"),
    ('{"issue": {"number": 12, "created_at": "2026-11-24T15:00:00Z", "user": {"login": null}}}',
     "--event: issue.user.login None is not a GitHub login"),
    ('[1, 2]', "--event: no issue.number in the event"),
])
def test_a_malformed_event_is_bad_usage(example: Store, content: str, expected: str) -> None:
    path = example.root.parent / "event.json"
    path.write_text(content)
    result = example.fails("intake", "--event", str(path), code=2)
    assert expected in result.err
    assert example.fails("intake", "--event", "missing.json", code=2).err.startswith(
        "icsvc: error: --event: cannot read missing.json")


def _valid_event_text(example: Store, number: int = 40) -> str:
    return json.dumps(payload(number, PART + "Bore", part_body(example)))


@pytest.mark.parametrize(("make", "expected"), [
    (lambda text: "[" * 100_000 + "]" * 100_000,
     "lists and objects nest more than 64 levels deep (accepted: up to 64)"),
    (lambda text: text[:-1] + ', "deep": ' + '{"a":' * 5000 + "1" + "}" * 5000 + "}",
     "nest more than 64 levels deep"),
    (lambda text: text[:-1] + ', "deep": ' + "[" * 65 + "]" * 65 + "}",
     "nest more than 64 levels deep"),
    (lambda text: text.replace('"number": 40', '"number": ' + "9" * 5000, 1),
     "a number of 5,000 digits (accepted: up to 100)"),
    (lambda text: text.replace('"number": 40', '"number": ' + "9" * 30, 1),
     "issue.number 999999999999999999999999999999 is not an issue number (accepted: 1 to "
     "2,147,483,647)"),
    (lambda text: text.replace('"number": 40', '"number": 2147483648', 1),
     "is not an issue number"),
    (lambda text: text.replace('"number": 40', '"number": NaN', 1),
     "NaN is not a JSON value"),
    (lambda text: text.replace('"number": 40', '"number": 1e999', 1),
     "the number 1e999 is too large (accepted: finite numbers)"),
    (lambda text: text.replace("Bore", "Bore \\ud800", 1),
     "is not valid Unicode (it holds a lone surrogate escape such as \\ud800)"),
    (lambda text: text[:-1] + ', "x": "' + "y" * (4 * 1024 * 1024) + '"}',
     "bytes is too big for an event file (accepted: up to 4,096 KiB)"),
    (lambda text: text.encode() + b"\xff",
     "not UTF-8 text"),
])
def test_an_event_out_of_bounds_is_bad_usage(example: Store, make: Any,
                                             expected: str) -> None:
    """The event is bounded in size and nesting before it is parsed, and its numbers and
    text after: each was an internal error (exit 3) or a request nobody could read."""
    path = example.root.parent / "event.json"
    content = make(_valid_event_text(example))
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    before = example.snapshot()
    result = example.fails("intake", "--event", str(path), code=2)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("icsvc: error: --event: "), result.err
    assert expected in lines[0]
    assert example.snapshot() == before


@pytest.mark.parametrize(("changes", "expected"), [
    ({"created_at": "1900-01-01T00:00:00Z"},
     "--event: issue.created_at '1900-01-01T00:00:00Z' is out of range (accepted: dates from "
     "1970-01-01 to 2200-12-31)"),
    ({"created_at": "9999-12-31T23:59:59Z"}, "issue.created_at '9999-12-31T23:59:59Z' is out"),
    ({"created_at": "0001-01-01T00:00:00+00:00"}, "issue.created_at '0001-01-01T00:00:00+00:00'"),
    ({"created_at": "2200-12-31T23:00:00-12:00"}, "is out of range"),  # 2201 in UTC
    ({"action": "edited", "updated_at": "9999-12-31T00:00:00Z"},
     "--event: issue.updated_at '9999-12-31T00:00:00Z' is out of range"),
    ({"comment": "9999-12-31T00:00:00Z"},
     "--event: comment.created_at '9999-12-31T00:00:00Z' is out of range"),
])
def test_event_times_out_of_range_are_bad_usage(example: Store, changes: dict[str, str],
                                                expected: str) -> None:
    """An issue created 1900-01-01 wrote a request dated 1899 (which `check` refuses); one
    dated 9999 was an internal error."""
    event = payload(41, PART + "Bore", part_body(example),
                    comment="/icsvc retry" if "comment" in changes else None)
    if "comment" in changes:
        event["comment"]["created_at"] = changes["comment"]
    else:
        event["action"] = changes.get("action", event["action"])
        event["issue"].update({k: v for k, v in changes.items() if k != "action"})
    before = example.snapshot()
    result = intake(example, event)
    assert result.code == 2, result.err
    assert expected in result.err and len(result.err.strip().splitlines()) == 1
    assert example.snapshot() == before


def test_an_issue_dated_before_1970_in_the_providers_zone_is_refused(example: Store) -> None:
    """In range in UTC, out of it in New York: the request would be dated 1969."""
    before = example.snapshot()
    result = intake(example, payload(42, PART + "Bore", part_body(example),
                                     created_at="1970-01-01T02:00:00Z"))
    assert result.code == 1
    assert ("the request would be dated 1969-12-31T21:00:00-05:00 in engineering's timezone, "
            "out of range (accepted: dates from 1970-01-01 to 2200-12-31)") in result.err
    assert example.snapshot() == before


def test_the_largest_issue_number_is_accepted(example: Store) -> None:
    text = _valid_event_text(example, 2**31 - 1)
    path = example.root.parent / "event.json"
    path.write_text(text)
    data = example.ok("intake", "--event", str(path), "--format", "json").json()
    assert data["status"] == "created" and data["issue"] == 2**31 - 1
    example.ok("show", data["id"])
    example.ok("check")


def test_intake_through_the_installed_script(example: Store) -> None:
    body = part_body(example, needed_by="+2w")
    path = write_event(example.root.parent, payload(60, PART + "Bore", body))
    first = example.ok("intake", "--event", str(path), "--format", "json", script=True).json()
    assert first["status"] == "created"
    second = example.ok("intake", "--event", str(path), script=True)
    assert second.out.startswith("nothing to do: issue #60 is already request")
    refused = example.icsvc("intake", "--event", str(write_event(
        example.root.parent, payload(61, PART + "Bore", body, login="octocat"), "e2.json")),
        script=True)
    assert refused.code == 1 and "Traceback" not in refused.err


def test_sections_read_back_what_was_typed() -> None:
    """Property: whatever a person types in a form's fields, the sections GitHub renders read
    back as typed (trimmed), empty answers as None, `### ` lines of their own included."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from icsvc.github.issueform import NO_RESPONSE, sections

    labels = ["Service", "Order number", "Details", "Justification for a rush"]
    text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"),
                   max_size=80)
    lines = st.lists(st.one_of(text, st.sampled_from(["### Notes", "###", "#### Details",
                                                      "", NO_RESPONSE + " and more"])),
                     max_size=6).map("\n".join)

    @settings(max_examples=150, deadline=None)
    @given(st.lists(lines, min_size=len(labels), max_size=len(labels)))
    def check(values: list[str]) -> None:
        known = {f"### {label}" for label in labels}
        values = ["\n".join(line for line in v.split("\n") if line.strip() not in known)
                  for v in values]
        body = "\n\n".join(f"### {label}\n\n{v.strip() or NO_RESPONSE}"
                           for label, v in zip(labels, values, strict=True))
        found = sections(body, labels)
        for label, value in zip(labels, values, strict=True):
            assert found[label] == (value.strip() or None)

    check()
