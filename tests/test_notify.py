"""`icsvc notify`: every change reaches the people concerned, through real mail (an SMTP
server in the test) and real webhooks (an HTTP server), once, and a failing channel never
stops the others."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from conftest import EXAMPLE, Store
from git_helpers import at, commit
from notify_helpers import MANAGER, Mailbox, event_subjects, free_port, mailbox, notify_store

__all__ = ["mailbox"]  # the fixture

ANA, RAJ, MARIA, LEE, PAT, VP = ("ana@example.com", "raj@example.com", "maria@example.com",
                                 "lee@example.com", "pat@example.com", "vp-eng@example.com")
PART = ["-p", "engineering", "-s", "part-clarification", "--info", "order_number=SO-1",
        "--info", "part_number=4471-B"]


@pytest.fixture
def store(tmp_path: Path, mailbox: Mailbox, httpserver: HTTPServer) -> Store:
    httpserver.expect_request("/payroll", method="POST").respond_with_data("ok")
    store = notify_store(tmp_path / "store", mailbox, httpserver.port)
    store.ok("notify", "--since", "HEAD", now=at("08:00").isoformat())  # the first run
    return store


class Day:
    """Acts as people do on the test day: run a command as someone, commit as them, then
    run `icsvc notify` and say who heard what."""

    def __init__(self, store: Store, mailbox: Mailbox, hooks: HTTPServer) -> None:
        self.store = store
        self.mailbox = mailbox
        self.hooks = hooks
        self.clock = 9 * 60

    def now(self) -> str:
        self.clock += 5
        return at(f"{self.clock // 60:02d}:{self.clock % 60:02d}").isoformat()

    def act(self, actor: str, *args: str) -> str:
        result = self.store.ok(*args, actor=actor, now=self.now())
        commit(self.store, f"{args[0]} by {actor}", actor)
        return result.out

    def new(self, actor: str, *args: str) -> str:
        rid = json.loads(self.act(actor, "new", "--format", "json", *args))["id"]
        return str(rid)

    def heard(self) -> set[tuple[str, str]]:
        """(recipient, subject) of every mail and webhook the run sent."""
        self.store.ok("notify", "--no-clocks", now=self.now())
        out = self.mailbox.heard()
        for request, _ in self.hooks.log:
            body = request.get_json()
            out |= {(request.path, s) for s in event_subjects(body["title"], body["message"])}
        self.hooks.clear_log()
        return out


@pytest.fixture
def day(store: Store, mailbox: Mailbox, httpserver: HTTPServer) -> Day:
    return Day(store, mailbox, httpserver)


def test_every_change_reaches_the_people_concerned(day: Day) -> None:
    title = "Bore diameter on part 4471-B"
    a = day.new(MARIA, *PART, "-t", title, "--priority", "high")
    assert day.heard() == {(ANA, f"{a} new request: {title}"),
                           (RAJ, f"{a} new request: {title}")}

    day.act(ANA, "triage", a, "--priority", "normal", "--note", "No line is stopped")
    assert day.heard() == {(MARIA, f"{a} priority proposed: {title}"),
                           (MANAGER, f"{a} priority proposed: {title}")}

    day.act(ANA, "triage", a, "--ack", "--assign", RAJ)
    assert day.heard() == {(MARIA, f"{a} acknowledged: {title}"),
                           (MANAGER, f"{a} acknowledged: {title}"),
                           (RAJ, f"{a} assigned to you: {title}")}

    day.act(RAJ, "triage", a, "--need-info", "Which revision of the drawing?")
    assert day.heard() == {(MARIA, f"{a} needs information from you: {title}"),
                           (MANAGER, f"{a} needs information from you: {title}")}

    day.act(MARIA, "update", a, "--info", "drawing_rev=C")
    assert day.heard() == {(RAJ, f"{a} information supplied: {title}")}  # the owner only

    day.act(RAJ, "update", a, "--progress", "50", "--note", "Measuring the sample now")
    assert day.heard() == {(MARIA, f"{a} progress: {title}"),
                           (MANAGER, f"{a} progress: {title}")}

    # the first date the provider types is its first promise (the acknowledgement's
    # timeframe was not one)
    day.act(RAJ, "update", a, "--promise", "2026-11-30", "--note", "The CMM is booked")
    assert day.heard() == {(MARIA, f"{a} progress: {title}"),
                           (MANAGER, f"{a} progress: {title}")}

    day.act(RAJ, "update", a, "--status", "resolved", "--note", "12.00 mm H7")
    assert day.heard() == {(MARIA, f"{a} resolved: {title}"),
                           (MANAGER, f"{a} resolved: {title}")}

    day.act(MARIA, "feedback", a, "--rating", "4", "--comment", "Quick")
    assert day.heard() == {(RAJ, f"{a} rated 4/5: {title}")}

    day.act(MARIA, "update", a, "--reopen", "--note", "The tolerance is missing")
    assert day.heard() == {(RAJ, f"{a} reopened: {title}"), (MANAGER, f"{a} reopened: {title}")}

    day.act(MARIA, "escalate", a, "--reason", "The customer is waiting")
    assert day.heard() == {(RAJ, f"{a} escalated: {title}"), (VP, f"{a} escalated: {title}")}

    day.act(MARIA, "update", a, "--note", "The customer called again")
    assert day.heard() == {(RAJ, f"{a} update from {MARIA}: {title}")}


def test_decline_redirect_cancel_and_a_decided_priority(day: Day) -> None:
    drawing = "Review drawing 7730"
    b = day.new(LEE, "-p", "engineering", "-s", "drawing-review", "-t", drawing)
    assert day.heard() == {(ANA, f"{b} new request: {drawing}"),
                           (RAJ, f"{b} new request: {drawing}")}
    day.act(ANA, "triage", b, "--decline", "Not a drawing we made",
            "--alternate", "Quality (quality@example.com)")
    assert day.heard() == {(LEE, f"{b} declined: {drawing}")}  # sales has no manager

    part = "Thread spec on bracket 7730-C"
    c = day.new(MARIA, *PART, "-t", part)
    day.heard()
    day.act(ANA, "triage", c, "--redirect", "payroll", "--note", "Pat answers these")
    # Payroll's channel is a shared webhook: one post, whoever it is for
    assert day.heard() == {(MARIA, f"{c} redirected to Payroll: {part}"),
                           (MANAGER, f"{c} redirected to Payroll: {part}"),
                           ("/payroll", f"{c} new request: {part}")}
    day.act(MARIA, "update", c, "--status", "cancelled", "--note", "Solved by phone")
    assert day.heard() == {("/payroll", f"{c} cancelled: {part}")}

    line = "Line 3 stopped: spindle spec"
    d = day.new(MARIA, *PART, "-t", line, "--priority", "urgent", "--justification",
                "Line 3 is down")
    day.heard()
    day.act(ANA, "triage", d, "--priority", "normal", "--note", "Line 3 runs on spares")
    day.heard()
    day.act(MARIA, "escalate", d, "--reason", "The spares run out tonight")
    assert day.heard() == {(ANA, f"{d} escalated: {line}"), (RAJ, f"{d} escalated: {line}"),
                           (VP, f"{d} escalated: {line}")}
    day.act(VP, "triage", d, "--priority", "high", "--note", "High: spares last a day")
    assert day.heard() == {(MARIA, f"{d} priority decided: {line}"),
                           (MANAGER, f"{d} priority decided: {line}")}
    day.act(ANA, "triage", d, "--need-info", "Which spindle?")
    day.heard()
    day.act(MARIA, "update", d, "--reply", "The 8 mm one")
    assert day.heard() == {(ANA, f"{d} information supplied: {line}"),
                           (RAJ, f"{d} information supplied: {line}")}
    day.act(MARIA, "update", d, "--needed-by", "2026-11-30", "--note", "Spares arrived")
    assert day.heard() == {(ANA, f"{d} update from {MARIA}: {line}"),
                           (RAJ, f"{d} update from {MARIA}: {line}")}


def test_what_the_messages_say(day: Day, mailbox: Mailbox, httpserver: HTTPServer) -> None:
    title = "Bore diameter on part 4471-B"
    a = day.new(MARIA, *PART, "-t", title)
    day.act(ANA, "triage", a, "--ack", "--promise", "2026-11-25T12:00")
    day.act(ANA, "update", a, "--status", "resolved", "--note", "12.00 mm H7")
    day.store.ok("notify", "--no-clocks", now=day.now())
    mails = {m.to[0]: m for m in mailbox.take()}
    assert set(mails) == {ANA, RAJ, MARIA, MANAGER}
    assert mails[RAJ].subject == f"{a} new request: {title}"
    assert mails[RAJ].body.splitlines()[:2] == [
        f"{MARIA} (customer-service) asks Engineering for part-clarification at normal "
        "priority.",
        f"Acknowledge by Tue 2026-11-24 13:05 -0500: icsvc triage {a} --ack"]
    mail = mails[MARIA]
    assert mail.sender == "icsvc@example.com" and mail.content_type == "text/plain"
    assert mail.subject == f"2 updates on {a}"
    assert mail.body.splitlines() == [
        f"{a} acknowledged: {title}",
        "  Engineering acknowledged your request.",
        "  Expect it by Wed 2026-11-25 12:00 -0500.",
        f"  Details: icsvc show {a}",
        "",
        f"{a} resolved: {title}",
        "  Engineering resolved your request: 12.00 mm H7",
        f"  Rate it: icsvc feedback {a} --rating N (1 to 5 stars, with --comment TEXT)",
        f"  Not done? icsvc update {a} --reopen --note TEXT (within 60d of business time).",
        f"  Details: icsvc show {a}",
    ]


def test_running_twice_sends_nothing_twice(day: Day, mailbox: Mailbox) -> None:
    first = day.store.git("rev-parse", "HEAD").strip()
    a = day.new(MARIA, *PART, "-t", "Bore")
    day.act(ANA, "triage", a, "--ack")
    for _ in range(2):  # over the same range, explicitly
        result = day.store.ok("notify", "--since", first, "--no-clocks", now=day.now())
    assert "nothing to send" in result.out
    assert sorted(mailbox.heard()) == [(ANA, f"{a} new request: Bore"),
                                       (MANAGER, f"{a} acknowledged: Bore"),
                                       (MARIA, f"{a} acknowledged: Bore"),
                                       (RAJ, f"{a} new request: Bore")]


# -- clocks ------------------------------------------------------------------------------------


def test_clocks_turning_at_risk_or_breached(day: Day, mailbox: Mailbox) -> None:
    store = day.store
    urgent, normal = "Line 3 stopped", "Thread callout"
    u = store.new(*PART, "-t", urgent, "--priority", "urgent", "--justification", "Line down",
                  now=at("10:00").isoformat())
    n = store.new(*PART, "-t", normal, now=at("10:00").isoformat())
    commit(store, "two requests", MARIA)
    store.ok("notify", "--no-clocks", now=at("10:01").isoformat())
    mailbox.take()

    def clocks(since: str, now: str) -> set[tuple[str, str]]:
        store.ok("notify", "--since-time", since, now=now)
        return mailbox.heard()

    # urgent: acknowledge within 30m (due 10:30), at risk with a quarter left (10:22:30)
    assert clocks(at("10:01").isoformat(), at("10:25").isoformat()) == {
        (ANA, f"{u} acknowledge target at risk: {urgent}"),
        (RAJ, f"{u} acknowledge target at risk: {urgent}")}
    # a breach of an urgent request goes to the escalation contact too
    assert clocks(at("10:25").isoformat(), at("10:40").isoformat()) == {
        (ANA, f"{u} acknowledge target breached: {urgent}"),
        (RAJ, f"{u} acknowledge target breached: {urgent}"),
        (VP, f"{u} acknowledge target breached: {urgent}")}
    store.ok("triage", n, "--ack", "--assign", RAJ, actor=ANA, now=at("11:00").isoformat())
    commit(store, "ack", ANA)
    store.ok("notify", "--no-clocks", now=at("11:01").isoformat())
    mailbox.take()
    # next day: the urgent request's resolve target (4h, 14:00) has passed; the normal one's
    # progress note (every 1d) is overdue since 11:00 and goes to its owner only
    wednesday = "2026-11-25T11:30:00-05:00"
    resolve = f"{u} resolve target breached: {urgent}"
    assert clocks(at("10:40").isoformat(), wednesday) == {
        (ANA, resolve), (RAJ, resolve), (VP, resolve),
        (RAJ, f"{n} update overdue: {normal}")}
    assert clocks(at("10:40").isoformat(), wednesday) == set()  # told once
    # a breach of a normal request stays with the provider
    assert clocks(wednesday, "2026-11-27T10:30:00-05:00") == {
        (RAJ, f"{n} resolve target breached: {normal}")}


def test_a_schedule_covers_whole_periods() -> None:
    from datetime import datetime

    from icsvc.notify.changes import since_time

    now = datetime.fromisoformat("2026-11-24T10:40:00-05:00")
    start, end = since_time("1h", now)
    assert (start.isoformat(), end.isoformat()) == ("2026-11-24T14:00:00+00:00",
                                                    "2026-11-24T15:00:00+00:00")
    start, end = since_time("15m", now)
    assert (start.isoformat(), end.isoformat()) == ("2026-11-24T15:15:00+00:00",
                                                    "2026-11-24T15:30:00+00:00")
    assert since_time("2026-11-24T09:00:00-05:00", now) == (
        datetime.fromisoformat("2026-11-24T09:00:00-05:00"), now)


# -- failures ----------------------------------------------------------------------------------


def test_a_failing_channel_does_not_stop_the_others_and_is_retried(
        tmp_path: Path, mailbox: Mailbox) -> None:
    from notify_helpers import NOTIFY_PROVIDERS

    port = free_port()  # nothing listens there yet
    providers = NOTIFY_PROVIDERS.replace(
        "    payroll: \"json://127.0.0.1:${HOOK_PORT}/payroll\"\n",
        "    engineering: \"json://127.0.0.1:${HOOK_PORT}/engineering\"\n")
    store = notify_store(tmp_path / "store", mailbox, port, providers)
    store.ok("notify", "--since", "HEAD", now=at("08:00").isoformat())
    a = store.new(*PART, "-t", "Bore", now=at("09:00").isoformat())
    commit(store, "new", MARIA)
    store.ok("triage", a, "--ack", actor=ANA, now=at("09:30").isoformat())
    commit(store, "ack", ANA)

    failed = store.fails("notify", now=at("09:35").isoformat())
    assert mailbox.heard() == {(MARIA, f"{a} acknowledged: Bore"),
                               (MANAGER, f"{a} acknowledged: Bore")}
    lines = failed.err.splitlines()
    assert lines == [
        "icsvc: delivery failed: json://127.0.0.1:${HOOK_PORT} (notify.providers.engineering) "
        f"to {ANA}, {RAJ}: A Connection error occurred sending JSON notification to "
        "127.0.0.1 ([Errno 111] Connection refused); it is tried again on the next run",
        "icsvc: error: 1 of 3 message(s) could not be delivered; the next run tries them again"]

    hooks = HTTPServer(host="127.0.0.1", port=port)
    hooks.expect_request("/engineering", method="POST").respond_with_data("ok")
    hooks.start()
    try:
        again = store.ok("notify", now=at("09:40").isoformat())
        assert mailbox.heard() == set()  # delivered before: not again
        [(request, _)] = hooks.log
        assert request.get_json()["title"] == f"{a} new request: Bore"
        assert request.get_json()["message"].splitlines()[-1] == f"For: {ANA}, {RAJ}"
        assert "sent 1 message(s)" in again.out
        assert "nothing to send" in store.ok("notify", now=at("09:45").isoformat()).out
    finally:
        hooks.stop()


def test_a_secret_comes_from_the_environment_at_send_time(tmp_path: Path,
                                                          mailbox: Mailbox) -> None:
    from notify_helpers import NOTIFY_PROVIDERS

    providers = NOTIFY_PROVIDERS.replace(
        "mailto://127.0.0.1:${SMTP_PORT}?", "mailto://127.0.0.1:${SMTP_PORT}?pass=${SMTP_PASS}&")
    store = notify_store(tmp_path / "store", mailbox, free_port(), providers)
    store.ok("notify", "--since", "HEAD", now=at("08:00").isoformat())
    store.new(*PART, "-t", "Bore", now=at("09:00").isoformat())
    commit(store, "new", MARIA)
    failed = store.fails("notify", now=at("09:05").isoformat())
    assert "to ana@example.com: the environment variable SMTP_PASS is not set; it is " \
           "tried again on the next run" in failed.err
    store.ok("notify", now=at("09:10").isoformat(), env={"SMTP_PASS": "s3cret-value"})
    assert len(mailbox.take()) == 2


def test_the_first_run_says_where_to_start(store: Store) -> None:
    (store.root / ".icsvc" / "notify.json").unlink()
    err = store.fails("notify", code=2).err
    assert err == ("icsvc: error: no earlier run is recorded in this store (.icsvc/notify.json):"
                   " pass --since REV the first time (e.g. --since HEAD~1), or --since-time "
                   "WHEN for clock changes only\n")
    assert "names no commit" in store.fails("notify", "--since", "nope").err
    # the first push of a branch: GitHub's `before` is all zeros
    out = store.ok("notify", "--since", "0" * 40, env={"CI": "true"}).out
    assert out == ("Covers --since is the null commit (the first push of a branch): no earlier "
                   "version to compare with.\nnothing to send\n")
    assert "not a time" in store.fails("notify", "--since-time", "soon", code=2).err


def test_without_a_channel_it_refuses_but_a_dry_run_shows(tmp_path: Path) -> None:
    from conftest import make_store

    store = make_store(tmp_path / "plain")
    store.env["CI"] = "false"
    store.new(*PART, "-t", "Bore", now=at("09:00").isoformat())
    commit(store, "new", MARIA)
    err = store.fails("notify", "--since", "HEAD~1", now=at("09:05").isoformat()).err
    assert "no notification channel is configured: add 'notify:' to providers.yaml or set " \
           "ICSVC_NOTIFY_URL (2 message(s) waiting; --dry-run shows them)" in err
    out = store.ok("notify", "--since", "HEAD~1", "--dry-run", now=at("09:05").isoformat()).out
    assert f"To {ANA} via nothing: no channel is configured for them" in out
    assert not (store.root / ".icsvc" / "notify.json").exists()


def test_dry_run_and_json(day: Day, mailbox: Mailbox) -> None:
    a = day.new(MARIA, *PART, "-t", "Bore")
    first = day.store.git("rev-parse", "HEAD~1").strip()
    out = day.store.ok("notify", "--since", first, "--no-clocks", "--dry-run",
                       now=at("09:30").isoformat()).out
    assert out.splitlines()[:6] == [
        f"Covers entries added in {first[:10]}..{day.store.git('rev-parse', 'HEAD')[:10]}.",
        "",
        f"To {ANA} via mailto://127.0.0.1:${{SMTP_PORT}} (notify.default)",
        f"Subject: {a} new request: Bore",
        f"  {MARIA} (customer-service) asks Engineering for part-clarification at normal "
        "priority.",
        f"  Acknowledge by Tue 2026-11-24 13:05 -0500: icsvc triage {a} --ack"]
    assert out.endswith("dry run: 2 message(s) to 2 recipient(s); nothing sent, nothing "
                        "recorded\n")
    assert mailbox.take() == []
    data = day.store.ok("notify", "--format", "json", now=at("09:31").isoformat()).json()
    assert [(m["to"], m["status"], [e["kind"] for e in m["events"]])
            for m in data["messages"]] == [([ANA], "sent", ["new"]), ([RAJ], "sent", ["new"])]
    assert data["dry_run"] is False and data["until"] == day.store.git("rev-parse",
                                                                       "HEAD").strip()
    assert len(mailbox.take()) == 2


def test_ci_covers_the_range_between_two_commits(day: Day, mailbox: Mailbox) -> None:
    """In CI each run starts afresh: the range given is the record, and the clock window is
    the two commits' times."""
    store = day.store
    before = store.git("rev-parse", "HEAD").strip()
    u = store.new(*PART, "-t", "Urgent", "--priority", "urgent", "--justification", "Down",
                  now=at("10:00").isoformat())
    commit(store, "new", MARIA)
    store.ok("update", u, "--note", "More detail", actor=MARIA, now=at("10:45").isoformat())
    commit(store, "note", MARIA)
    (store.root / ".icsvc" / "notify.json").unlink()  # a fresh runner
    store.ok("notify", "--since", before, now="2026-11-25T09:00:00-05:00", env={"CI": "true"})
    heard = mailbox.heard()
    # the acknowledge clock turned at risk and breached between the commits (10:00, 10:45]
    assert (VP, f"{u} acknowledge target breached: Urgent") in heard
    assert (ANA, f"{u} acknowledge target at risk: Urgent") not in heard  # breached wins
    assert (ANA, f"{u} new request: Urgent") in heard
    assert (ANA, f"{u} update from {MARIA}: Urgent") in heard
    # not the resolve target (due 14:00, after the second commit)
    assert not any("resolve" in subject for _, subject in heard)


# -- configuration -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("notify", "line", "message"),
    [
        ('  default: "mailtos://icsvc:hunter2@smtp.example.com?to={email}"\n', 2,
         "notify.default: the password is written in the URL: secrets never go in the "
         "repository; reference an environment variable instead, e.g. ${SMTP_PASSWORD}, set "
         "where icsvc notify runs"),
        ('  default: "mailtos://smtp.example.com?to={email}"\n  providers:\n'
         '    engineering: ["slack://a/b/c", "json://hooks.example.com/x?token=abc123"]\n', 4,
         "notify.providers.engineering[1]: the 'token' parameter is written in the URL"),
        ("  providers:\n    legal: json://hooks.example.com/x\n", 3,
         "notify.providers.legal: unknown provider 'legal' (accepted: engineering, payroll)"),
        ("  departments:\n    sales: [smtp.example.com]\n", 3,
         "notify.departments.sales[0]: 'smtp.example.com' is not a channel URL"),
        ('  default: "json://x/{name}"\n', 2, "notify.default: 'json://x/{name}': unknown "
         "placeholder (accepted: {email} for the recipient's address, ${VARIABLE} for an "
         "environment variable)"),
        ("  channels: json://x\n", 2, "notify.channels: unknown key (accepted: default, "
         "departments, link, providers)"),
    ],
)
def test_check_refuses_secrets_and_unknown_names(tmp_path: Path, notify: str, line: int,
                                                 message: str) -> None:
    from conftest import PROVIDERS, make_store

    store = make_store(tmp_path / "store", PROVIDERS + "notify:\n" + notify)
    first = PROVIDERS.count("\n") + 1  # the line of `notify:`
    result = store.fails("check")
    assert result.out.startswith(f"providers.yaml:{first + line - 1}: {message}"), result.out
    assert len(result.out.splitlines()) == 1 and result.err == "1 problem\n"


def test_check_accepts_secrets_from_the_environment(tmp_path: Path) -> None:
    from conftest import PROVIDERS, make_store

    store = make_store(tmp_path / "store", PROVIDERS + """\
notify:
  default: mailtos://icsvc:${SMTP_PASSWORD}@smtp.example.com:587?from=icsvc@example.com&to={email}
  providers:
    engineering:
      - slack://${SLACK_A}/${SLACK_B}/${SLACK_C}/#engineering
      - "mailtos://icsvc:${SMTP_PASSWORD}@smtp.example.com:587?to={email}"
  departments:
    sales: msteams://${TEAMS_WEBHOOK}
  link: https://github.com/acme/requests/blob/main/{path}
""")
    assert store.ok("check").err.startswith("ok:")


def test_the_workflow_notifies_on_push_and_on_a_schedule() -> None:
    import yaml

    from issue_helpers import REPO, schema_check

    workflow = REPO / "examples" / "github-workflow.yml"
    result = schema_check("vendor.github-workflows", workflow)
    assert result.returncode == 0, result.stdout + result.stderr
    data = yaml.safe_load(workflow.read_text())
    triggers = data[True]  # YAML 1.1 reads `on` as true
    assert triggers["push"]["branches"] and triggers["schedule"][0]["cron"]
    steps = {job: " ".join(str(s.get("run", "")) for s in spec["steps"])
             for job, spec in data["jobs"].items()}
    assert 'icsvc notify --since "${{ github.event.before }}" --no-clocks' in steps["notify"]
    assert "icsvc notify --since-time 1h" in steps["clocks"]
    assert "icsvc digest daily" in steps["digests"] and "icsvc digest weekly" in steps["digests"]
    for job in ("notify", "clocks", "digests"):
        assert data["jobs"][job]["env"]["SMTP_PASSWORD"] == "${{ secrets.SMTP_PASSWORD }}"
    assert "env" not in data["jobs"]["check"]  # no secrets where pull requests run


def test_a_broken_file_never_stops_the_others(day: Day, mailbox: Mailbox) -> None:
    store = day.store
    a = day.new(MARIA, *PART, "-t", "Bore")
    day.heard()
    (store.root / "requests" / "engineering" / "ZZZZZZZZ.yaml").write_text("id: [unclosed\n")
    store.ok("triage", a, "--ack", actor=ANA, now=day.now())
    commit(store, "an ack and a broken file", ANA)
    result = store.ok("notify", "--no-clocks", now=day.now())
    assert "skipped requests/engineering/ZZZZZZZZ.yaml" in result.err
    assert mailbox.heard() == {(MARIA, f"{a} acknowledged: Bore"),
                               (MANAGER, f"{a} acknowledged: Bore")}


def test_until_stops_at_a_commit(day: Day, mailbox: Mailbox) -> None:
    store = day.store
    start = store.git("rev-parse", "HEAD").strip()
    a = day.new(MARIA, *PART, "-t", "Bore")
    day.act(ANA, "triage", a, "--ack")
    # clocks too: read at that commit, between the two commits' times
    out = store.ok("notify", "--since", start, "--until", "HEAD~1", now=day.now()).out
    assert "clocks that turned between Mon 2026-11-02 08:00 -0500 and Tue 2026-11-24 09:05" in out
    assert mailbox.heard() == {(ANA, f"{a} new request: Bore"), (RAJ, f"{a} new request: Bore")}
    store.ok("notify", "--since", "HEAD~1", "--no-clocks", now=day.now())
    assert mailbox.heard() == {(MARIA, f"{a} acknowledged: Bore"),
                               (MANAGER, f"{a} acknowledged: Bore")}


def test_the_rest_of_what_each_side_hears(day: Day) -> None:
    title = "Bore"
    a = day.new(MARIA, *PART, "-t", title, "--priority", "high")
    day.act(ANA, "triage", a, "--priority", "normal", "--note", "No line is stopped")
    day.heard()
    day.act(MARIA, "update", a, "--accept-priority")
    assert day.heard() == {(ANA, f"{a} update from {MARIA}: {title}"),
                           (RAJ, f"{a} update from {MARIA}: {title}")}
    day.act(MARIA, "update", a, "--priority", "urgent", "--note", "The line stopped after all")
    assert day.heard() == {(ANA, f"{a} update from {MARIA}: {title}"),
                           (RAJ, f"{a} update from {MARIA}: {title}")}
    day.act(ANA, "triage", a, "--priority", "urgent", "--assign", RAJ)
    assert day.heard() == {(MARIA, f"{a} progress: {title}"),  # a priority raised
                           (MANAGER, f"{a} progress: {title}"),
                           (RAJ, f"{a} assigned to you: {title}")}
    day.act(RAJ, "triage", a, "--promise", "2026-11-25T12:00")  # a first promise, no ack
    assert day.heard() == {(MARIA, f"{a} progress: {title}"), (MANAGER, f"{a} progress: {title}")}
    day.act(MARIA, "update", a, "--cost", "1200", "--note", "A day of line 3")
    assert day.heard() == {(RAJ, f"{a} update from {MARIA}: {title}")}
    day.act(RAJ, "update", a, "--status", "cancelled", "--note", "Ordered from the supplier")
    assert day.heard() == {(MARIA, f"{a} cancelled: {title}"),
                           (MANAGER, f"{a} cancelled: {title}")}

    # a contested proposal the escalation contact decides to keep
    e = day.new(MARIA, *PART, "-t", "Slot", "--priority", "high")
    day.act(ANA, "triage", e, "--priority", "normal", "--note", "No line is stopped")
    day.act(MARIA, "escalate", e, "--reason", "The customer is a key account")
    day.heard()
    day.act(VP, "triage", e, "--priority", "normal", "--note", "Normal is right")
    assert day.heard() == {(MARIA, f"{e} priority decided: Slot"),
                           (MANAGER, f"{e} priority decided: Slot")}


def test_the_need_by_date_at_risk_then_missed(day: Day, mailbox: Mailbox) -> None:
    store = day.store
    n = store.new(*PART, "-t", "For the 12:00 truck", "--needed-by", "2026-11-24T12:00",
                  "--justification", "The truck leaves at noon", now=at("10:00").isoformat())
    commit(store, "new", MARIA)
    store.ok("notify", "--no-clocks", now=at("10:01").isoformat())
    mailbox.take()
    # wall-clock time: at risk with a quarter of the two hours left (11:30)
    store.ok("notify", "--since-time", at("10:01").isoformat(), now=at("11:45").isoformat())
    assert mailbox.heard() == {(ANA, f"{n} need-by date at risk: For the 12:00 truck"),
                               (RAJ, f"{n} need-by date at risk: For the 12:00 truck")}
    store.ok("notify", "--since-time", at("11:45").isoformat(), now=at("12:30").isoformat())
    # bad news travels: the requester and their department's managers hear it too
    assert mailbox.heard() == {(ANA, f"{n} need-by date breached: For the 12:00 truck"),
                               (RAJ, f"{n} need-by date breached: For the 12:00 truck"),
                               (MARIA, f"{n} need-by date breached: For the 12:00 truck"),
                               (MANAGER, f"{n} need-by date breached: For the 12:00 truck")}


def test_a_crash_mid_run_loses_nothing_and_sends_nothing_twice(day: Day,
                                                               mailbox: Mailbox) -> None:
    import subprocess

    from conftest import ICSVC

    store = day.store
    a = day.new(MARIA, *PART, "-t", "Bore")
    day.act(ANA, "triage", a, "--ack")
    mailbox.hold_after = 1  # the first mail goes through; the second hangs
    env = dict(store.env, ICSVC_NOW=day.now())
    assert ICSVC
    run = subprocess.Popen([ICSVC, "notify", "--no-clocks"], cwd=store.root, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert mailbox.holding.wait(60)
        # meanwhile another run is refused: it would send what neither has recorded
        err = store.fails("notify", "--no-clocks", now=day.now()).err
        assert "another 'icsvc notify' or 'icsvc digest' is sending from this store" in err
    finally:
        run.kill()  # kill -9, mid-run
        run.wait()
        mailbox.release()
    [first] = mailbox.take()
    mailbox.hold_after = None
    store.ok("notify", "--no-clocks", now=day.now())
    rest = mailbox.take()
    assert len(rest) == 3 and first.to[0] not in {m.to[0] for m in rest}
    assert {(m.to[0], m.subject) for m in [first, *rest]} == {
        (ANA, f"{a} new request: Bore"), (RAJ, f"{a} new request: Bore"),
        (MARIA, f"{a} acknowledged: Bore"), (MANAGER, f"{a} acknowledged: Bore")}


def test_the_manuals_configuration_loads() -> None:
    from icsvc.store.files import catalogue_from_text
    from issue_helpers import REPO

    readme = (REPO / "docs" / "guides" / "notifications.md").read_text()
    block = readme.split("## Channels: `notify:` in `providers.yaml`", 1)[1] \
        .split("```yaml\n", 1)[1].split("```", 1)[0]
    example = (EXAMPLE / "providers.yaml").read_text()
    start = example.index("notify:\n")
    end = example.index("\nproviders:", start)
    text = example[:start] + block + example[end:]
    cat = catalogue_from_text(EXAMPLE / "providers.yaml", text)
    assert cat.notify.departments["sales"][0] == "msteams://${TEAMS_SALES}"
    assert cat.notify.providers["engineering"] == ("slack://${SLACK_TOKEN}/#engineering",)


def test_environment_values_are_url_encoded_where_the_url_needs_it(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    """A password (and a query value) from the environment may hold `@ : / # ? & =`: it is
    URL-encoded into the channel URL, so it reaches the server intact (it used to fail as
    "apprise does not understand this URL"); a token in the path keeps its own `/`."""
    from conftest import PROVIDERS, make_store

    store = make_store(tmp_path / "store", PROVIDERS + """\
notify:
  default: "json://icsvc:${HOOK_PASS}@127.0.0.1:${HOOK_PORT}/${HOOK_PATH}?+X-Token=${TOKEN}"
""")
    password, token = "p@ss:w/rd#1?x=y&z %41+", "t&k=n#?/@: +"
    store.env.update({"CI": "false", "HOOK_PORT": str(httpserver.port), "HOOK_PASS": password,
                      "TOKEN": token, "HOOK_PATH": "hooks/team-a"})
    httpserver.expect_request("/hooks/team-a", method="POST").respond_with_data("ok")
    store.ok("notify", "--since", "HEAD", now=at("08:00").isoformat())
    store.new(*PART, "-t", "Bore", now=at("09:00").isoformat())
    commit(store, "new", MARIA)
    result = store.icsvc("notify", now=at("09:05").isoformat(), script=True, timeout=60)
    assert result.code == 0, result.err
    assert "sent" in result.out and httpserver.log
    for request, _ in httpserver.log:
        assert request.authorization is not None
        assert (request.authorization.username, request.authorization.password) == (
            "icsvc", password)
        assert request.headers["X-Token"] == token


def test_a_failure_never_shows_the_secret_even_encoded(tmp_path: Path) -> None:
    from conftest import PROVIDERS, make_store

    store = make_store(tmp_path / "store", PROVIDERS + """\
notify:
  default: "json://icsvc:${HOOK_PASS}@127.0.0.1:9/hook"
""")
    password = "p@ss:w/rd#1?x=y"
    store.env.update({"CI": "false", "HOOK_PASS": password})
    store.ok("notify", "--since", "HEAD", now=at("08:00").isoformat())
    store.new(*PART, "-t", "Bore", now=at("09:00").isoformat())
    commit(store, "new", MARIA)
    result = store.fails("notify", now=at("09:05").isoformat())
    from urllib.parse import quote

    assert password not in result.out + result.err
    assert quote(password, safe="") not in result.out + result.err
