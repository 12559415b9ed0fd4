"""`icsvc digest daily|weekly`: each provider member's queue, and last week's report, through
a real SMTP server and a real webhook; once per day (week)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from conftest import Store
from git_helpers import at, commit
from notify_helpers import MANAGER, Mailbox, mailbox, notify_store

__all__ = ["mailbox"]  # the fixture

ANA, RAJ, MARIA, LEE = "ana@example.com", "raj@example.com", "maria@example.com", \
    "lee@example.com"
PART = ["-p", "engineering", "-s", "part-clarification", "--info", "order_number=SO-1",
        "--info", "part_number=4471-B"]


@pytest.fixture
def store(tmp_path: Path, mailbox: Mailbox, httpserver: HTTPServer) -> Store:
    httpserver.expect_request("/payroll", method="POST").respond_with_data("ok")
    return notify_store(tmp_path / "store", mailbox, httpserver.port)


def test_daily_each_member_hears_their_queue(store: Store, mailbox: Mailbox) -> None:
    monday = "2026-11-23T09:00:00-05:00"
    late = store.new(*PART, "-t", "Late answer", actor=LEE, now=monday)  # ack due Mon 13:00
    store.ok("triage", late, "--assign", RAJ, actor=ANA, now="2026-11-23T09:30:00-05:00")
    soon = store.new(*PART, "-t", "Due today", now=at("09:00").isoformat())  # ack due 13:00
    risky = store.new(*PART, "-t", "Line down", "--priority", "urgent", "--justification",
                      "Line 3", now=at("10:00").isoformat())  # ack due 10:30: at risk 10:22
    quiet = store.new(*PART, "-t", "Not yet", now=at("10:10").isoformat())
    store.ok("triage", quiet, "--ack", "--assign", ANA, actor=ANA, now=at("10:15").isoformat())
    commit(store, "requests", MARIA)

    out = store.ok("digest", "daily", now=at("10:25").isoformat()).out
    mails = {m.to[0]: m for m in mailbox.take()}
    assert set(mails) == {ANA, RAJ}  # pat's Payroll queue is empty: nothing to say
    assert mails[ANA].subject == ("Engineering queue, Tue 2026-11-24: 0 breached, 1 at risk, "
                                  "1 due today")
    assert mails[RAJ].subject == ("Engineering queue, Tue 2026-11-24: 1 breached, 1 at risk, "
                                  "1 due today")
    assert mails[RAJ].body.splitlines() == [
        "Breached (1):",
        f"  {late}  normal  Late answer",
        "      acknowledge due Mon 2026-11-23 13:00 -0500 (acknowledge); raj@example.com, new",
        "",
        "At risk (1):",
        f"  {risky}  urgent  Line down",
        "      acknowledge due Tue 2026-11-24 10:30 -0500 (acknowledge); unassigned, new",
        "",
        "Due today (1):",
        f"  {soon}  normal  Due today",
        "      acknowledge due Tue 2026-11-24 13:00 -0500; unassigned, new",
        "",
        "The whole queue: icsvc queue engineering",
    ]
    assert "sent 2 message(s)" in out
    # once a day, however often it runs
    assert "nothing to send" in store.ok("digest", "daily", now=at("11:00").isoformat()).out
    assert mailbox.take() == []


def test_weekly_report_to_escalation_contacts_and_managers(store: Store, mailbox: Mailbox,
                                                           httpserver: HTTPServer) -> None:
    a = store.new(*PART, "-t", "Bore", now=at("09:00").isoformat())
    store.ok("triage", a, "--ack", actor=ANA, now=at("09:30").isoformat())
    store.ok("update", a, "--status", "resolved", "--note", "Done", actor=ANA,
             now=at("11:00").isoformat())
    commit(store, "a week's work", ANA)
    monday = "2026-11-30T08:00:00-05:00"
    (store.root / "requests" / "engineering" / "ZZZZ9999.yaml").write_text("id: [unclosed\n")
    result = store.ok("digest", "weekly", now=monday)
    out = result.out
    assert result.err.count("ZZZZ9999.yaml") == 1, result.err  # one look for every scope
    subject = "Service report 2026-11-23 to 2026-11-29"
    mails = {m.to[0]: m for m in mailbox.take()}
    assert set(mails) == {"vp-eng@example.com", MANAGER}
    assert mails["vp-eng@example.com"].subject == f"{subject}: engineering"
    assert mails[MANAGER].subject == subject  # every provider
    for mail in mails.values():
        assert mail.content_type == "text/html"
        assert "<h1>Service report 2026-11-23 to 2026-11-29</h1>" in mail.body
    def row(name: str) -> str:  # a table row's header cell
        return f'<th scope="row">{name}</th>'

    assert row("engineering") in mails["vp-eng@example.com"].body
    assert row("payroll") not in mails["vp-eng@example.com"].body  # their providers
    assert row("payroll") in mails[MANAGER].body  # a manager sees every provider
    # Payroll's escalation contact hears through Payroll's shared webhook
    [(request, _)] = httpserver.log
    assert request.path == "/payroll" and request.get_json()["title"] == f"{subject}: payroll"
    assert "The weekly digest: the week 2026-11-23 to 2026-11-29." in out
    assert "nothing to send" in store.ok("digest", "weekly", now=monday).out


def test_digest_dry_run_and_bad_kind(store: Store, mailbox: Mailbox) -> None:
    store.new(*PART, "-t", "Due today", now=at("09:00").isoformat())
    out = store.ok("digest", "daily", "--dry-run", now=at("10:00").isoformat()).out
    assert f"To {ANA} via mailto://127.0.0.1:${{SMTP_PORT}} (notify.default)" in out
    assert out.endswith("dry run: 2 message(s) to 2 recipient(s); nothing sent, nothing "
                        "recorded\n")
    assert mailbox.take() == []
    out = store.ok("digest", "weekly", "--dry-run", now="2026-11-30T08:00:00-05:00").out
    assert "(the report as an HTML page of" in out
    # nobody hears on a weekend
    assert "dry run: 0 message(s)" in store.ok("digest", "daily", "--dry-run",
                                               now="2026-11-28T10:00:00-05:00").out
    assert "daily|weekly" in store.fails("digest", "monthly", code=2).err
