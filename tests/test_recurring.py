"""Recurring requests end to end: `recurring:` checked by `icsvc check`, and `icsvc recur`
(the installed console script, real git) making each occurrence once: a second run, a run
after a redirect and two runs at once make nothing more; a missed run catches up; `--commit`
commits each request as its requester, which `check --base` accepts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import ICSVC, PROVIDERS, Store, assert_schema_accepts_valid_files, make_store
from schemacheck import file_problems

# Payroll (London, 09:00-12:30 and 13:30-17:30; Dec 25 and 28 off) is asked for Sales'
# timesheets each pay period: every second Friday from Nov 13, 2026. pay-correction has a
# 2d lead time, so each is made at the start of the working day two days before pay day.
RECURRING = """\
recurring:
  timesheets:
    provider: payroll
    service: pay-correction
    requester: lee@example.com
    department: sales
    title: Timesheets for the pay period ending {date}
    fields: {employee_id: ALL, pay_period: "{date}"}
    schedule:
      pay_period: 2026-11-13
"""
WED = "2026-11-25T10:00:00-05:00"
"""15:00 in London on Wednesday Nov 25: the Nov 27 pay day's request is due (made from 09:00)."""


def recurring_store(root: Path, recurring: str = RECURRING) -> Store:
    return make_store(root, PROVIDERS + recurring)


@pytest.fixture
def rs(tmp_path: Path) -> Store:
    return recurring_store(tmp_path / "store")


def recur(store: Store, now: str, *args: str, script: bool = True) -> list[dict[str, object]]:
    data = store.ok("recur", "--format", "json", *args, now=now, script=script).json()
    made: list[dict[str, object]] = data["made"]
    return made


def test_makes_each_occurrence_once_and_catches_up(rs: Store) -> None:
    assert recur(rs, "2026-11-24T10:00:00-05:00") == []  # not due until Wednesday 09:00
    made = recur(rs, WED)
    assert [(m["occurrence"], m["needed_by"], m["late"]) for m in made] == [
        ("2026-11-27", "2026-11-27T17:30:00+00:00", None)]
    path = rs.root / str(made[0]["path"])
    text = path.read_text()
    assert "recurring: timesheets\n  occurrence: '2026-11-27'" in text
    assert "pay_period: '2026-11-27'" in text and "by: lee@example.com" in text
    before = rs.snapshot()
    assert recur(rs, WED) == []  # a second run makes nothing
    assert recur(rs, "2026-11-26T10:00:00-05:00") == []
    assert rs.snapshot() == before
    # the runs of December were missed: January's catches up, each once, in order
    made = recur(rs, "2027-01-07T10:00:00-05:00")
    assert [(m["occurrence"], m["title"], m["needed_by"] is None) for m in made] == [
        ("2026-12-11", "Timesheets for the pay period ending 2026-12-11", True),
        # pay day on Christmas (a Payroll holiday): needed the working day before
        ("2026-12-25", "Timesheets for the pay period ending 2026-12-24", True),
        ("2027-01-08", "Timesheets for the pay period ending 2027-01-08", False),
    ]
    # Jan 8's is made on Jan 7 at 15:00, inside the 2d lead time: a rush saying why
    jan = rs.ok("show", str(made[2]["id"]), "--format", "json").json()
    assert jan["rush"] is True and "scheduled run was missed" in jan["justification"]
    dec = (rs.root / str(made[0]["path"])).read_text()
    assert "Made late: needed by 2026-12-11T17:30:00+00:00" in dec
    assert recur(rs, "2027-01-07T11:00:00-05:00") == []
    assert_schema_accepts_valid_files(rs.root)
    assert not file_problems("providers", rs.root / "providers.yaml")


def test_a_redirected_request_is_not_made_again(rs: Store) -> None:
    [made] = recur(rs, WED)
    rs.ok("triage", str(made["id"]), "--redirect", "engineering", "--service",
          "drawing-review", "--note", "Engineering approves these now",
          actor="pat@example.com", now=WED)
    assert not (rs.root / str(made["path"])).exists()
    assert recur(rs, "2026-11-26T09:00:00-05:00") == []


def test_a_broken_file_still_counts_as_made(rs: Store) -> None:
    [made] = recur(rs, WED)
    path = rs.root / str(made["path"])
    path.write_text(path.read_text().replace("status: new", "status: [broken"))
    assert recur(rs, "2026-11-26T09:00:00-05:00") == []


def test_dry_run_writes_nothing(rs: Store) -> None:
    before = rs.snapshot()
    made = recur(rs, WED, "--dry-run")
    assert [m["occurrence"] for m in made] == ["2026-11-27"] and made[0]["path"] is None
    assert rs.snapshot() == before
    assert "Would make" in rs.ok("recur", "-n", now=WED).out


def test_two_runs_at_once_make_each_once(rs: Store) -> None:
    assert ICSVC
    env = {**rs.env, "ICSVC_NOW": "2027-01-07T10:00:00-05:00"}
    recur(rs, WED)  # one made: the others are caught up
    procs = [subprocess.Popen([ICSVC, "recur", "--format", "json"], cwd=rs.root, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    files = list((rs.root / "requests" / "payroll").glob("*.yaml"))
    occurrences = sorted(f.read_text().split("occurrence: '")[1][:10] for f in files)
    assert occurrences == ["2026-11-27", "2026-12-11", "2026-12-25", "2027-01-08"]


def test_commit_as_the_requester_passes_check_base(rs: Store) -> None:
    rs.git("branch", "base")
    made = recur(rs, WED, "--commit")
    assert made[0]["commit"]
    log = rs.git("log", "-1", "--format=%ae|%s")
    assert log.startswith("lee@example.com|Recurring timesheets (2026-11-27): ")
    assert rs.git("status", "--porcelain") == ""
    assert rs.ok("check", "--base", "base", now=WED, script=True).err.startswith("ok")


def test_only_the_named_recurrence(rs: Store) -> None:
    result = rs.fails("recur", "timesheet", now=WED, code=2, script=True)
    assert result.err.strip().endswith(
        "unknown recurrence 'timesheet'; did you mean timesheets? (accepted: timesheets)")
    assert len(recur(rs, WED, "timesheets")) == 1


def test_until_ends_the_schedule(tmp_path: Path) -> None:
    store = recurring_store(tmp_path / "store", RECURRING.replace(
        "    schedule:", "    until: 2026-11-26\n    schedule:"))
    assert recur(store, WED) == []


BAD = [
    ("provider: payroll", "provider: payrol",
     "recurring.timesheets.provider: unknown provider 'payrol'; did you mean payroll?"),
    ("service: pay-correction", "service: pay-corection",
     "recurring.timesheets.service: unknown service of payroll 'pay-corection'; did you mean "
     "pay-correction or part-clarification?"),
    ("    title:", "    titel:",
     "recurring.timesheets.titel: unknown key; did you mean title or until?"),
    ("department: sales", "department: customer-service",
     "recurring.timesheets.department: lee@example.com belongs to sales, not "
     "customer-service"),
    ("department: sales", "department: sale",
     "recurring.timesheets.department: unknown department 'sale'; did you mean sales?"),
    ("pay_period: 2026-11-13", "pay_period: 2026-11-12",
     "recurring.timesheets.schedule.pay_period: 2026-11-12 is a thu, not a fri"),
    ("pay_period: 2026-11-13", "pay_period: 2026-02-30",
     "recurring.timesheets.schedule.pay_period: '2026-02-30' is not a date"),
    ("pay_period: 2026-11-13", "monthly: first-workday",
     "recurring.timesheets.schedule.monthly: 'first-workday' is not valid (accepted: "
     "first-working-day, last-working-day)"),
    ("pay_period: 2026-11-13", "pay_period: 2026-11-13\n      monthly: first-working-day",
     "recurring.timesheets.schedule: takes only one of weekly, monthly, pay_period"),
    ("pay_period: 2026-11-13", "weekly: {every: 2, day: fri}",
     "recurring.timesheets.schedule.weekly: needs 'anchor'"),
    ("pay_period: 2026-11-13", "weekly: {day: fri, anchor: 2026-11-12}",
     "recurring.timesheets.schedule.weekly.anchor: 2026-11-12 is a thu, not a fri"),
    ("pay_period: 2026-11-13", "weekly: {every: 0, day: fri}",
     "recurring.timesheets.schedule.weekly.every: 0 is out of range (accepted: 1 to 52)"),
    ("pay_period: 2026-11-13", "weekly: {on: fri}",
     "recurring.timesheets.schedule.weekly.true: a key read as true: YAML reads on, off, yes "
     "and no as true or false; quote it (accepted: anchor, day, every)"),
    ("pay_period: 2026-11-13", "weekly: {day: fryday}",
     "recurring.timesheets.schedule.weekly.day:"),
    ('fields: {employee_id: ALL, pay_period: "{date}"}', "fields: {employee_id: ALL}",
     "recurring.timesheets.fields: payroll/pay-correction needs pay_period"),
    ("    schedule:", "    ahead: 1\n    schedule:",
     "recurring.timesheets.ahead: 1 working days is less than the 2d lead time of "
     "payroll/pay-correction (accepted: 2 to 60)"),
    ("    schedule:", "    priority: urgent\n    schedule:",
     "recurring.timesheets.priority: a request made on a schedule is not urgent"),
    ("    schedule:", "    from: 2027-01-01\n    until: 2026-01-01\n    schedule:",
     "recurring.timesheets.until: 2026-01-01 is before from (2027-01-01)"),
    ("requester: lee@example.com", "requester: lee",
     "recurring.timesheets.requester: 'lee' is not an email address"),
]


@pytest.mark.parametrize(("old", "new", "said"), BAD, ids=[b[2].split(":")[0] + str(i)
                                                          for i, b in enumerate(BAD)])
def test_check_names_the_key_and_what_is_accepted(tmp_path: Path, old: str, new: str,
                                                  said: str) -> None:
    assert old in RECURRING
    store = recurring_store(tmp_path / "store", RECURRING.replace(old, new, 1))
    result = store.fails("check")
    lines = [line for line in result.out.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("providers.yaml:"), result.out
    assert said in lines[0], lines[0]
    result = store.fails("recur", now=WED)
    assert "Traceback" not in result.err and "providers.yaml" in result.err
    assert not list((store.root / "requests").glob("*/*.yaml"))


def test_the_example_workflow_step_commits_each_as_its_requester(rs: Store) -> None:
    """The scheduled workflow's own step (examples/github-recur-workflow.yml), run by bash
    in the store: the requests due are committed as their requester, and check passes."""
    import os
    import sys

    import yaml

    workflow = Path(__file__).parent.parent / "examples" / "github-recur-workflow.yml"
    jobs = yaml.safe_load(workflow.read_text())["jobs"]
    [step] = [s for s in jobs["recur"]["steps"] if s.get("name", "").startswith("Make")]
    env = {**rs.env, "ICSVC_NOW": "2027-01-07T10:00:00-05:00",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{rs.env['PATH']}"}
    recur(rs, WED)
    rs.git("add", "-A")
    rs.git("commit", "-qm", "the first", "--author", "lee <lee@example.com>", date=WED)
    for _ in range(2):  # the second run makes and commits nothing
        proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=rs.root, env=env,
                              capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr + proc.stdout
    authors = rs.git("log", "--format=%ae", "HEAD~3..HEAD").split()
    assert authors == ["lee@example.com"] * 3
    assert "the first" in rs.git("log", "-1", "--format=%s", "HEAD~3")
    assert rs.git("status", "--porcelain") == ""
