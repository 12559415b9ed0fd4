"""Mail in: real messages delivered through an SMTP server (aiosmtpd) whose alias pipes each
into `icsvc mail` (the installed console script), and the answers read from a second SMTP
server, the one the store's notifications go through. Each case the mail gateway meets:
new requests and replies, a second delivery, unknown senders, robots, HTML, charsets,
attachments, oversized and malformed messages."""

from __future__ import annotations

import smtplib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiosmtpd.controller import Controller

from conftest import ICSVC, NOW, Store
from icsvc.git.path_check import path_problem
from notify_helpers import Mailbox, free_port, mailbox, notify_store  # noqa: F401

pytestmark = pytest.mark.slow

GATEWAY = "requests@example.com"
MAIL = f"""\
people:
  rules:
    departments: true
mail:
  address: {GATEWAY}
  max_bytes: 200000
  attachment_bytes: 20000
"""


@dataclass
class Delivered:
    code: int
    out: str
    err: str


class Alias:
    """The mail server's alias `requests: "|icsvc mail"`: each message it receives is piped
    into the console script, run in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.runs: list[Delivered] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        assert ICSVC
        proc = subprocess.run([ICSVC, "mail", "--format", "json"], cwd=self.store.root,
                              env={**self.store.env, "ICSVC_NOW": self.store.env["NOW"]},
                              input=envelope.original_content, capture_output=True,
                              timeout=120, check=False)
        self.runs.append(Delivered(proc.returncode, proc.stdout.decode(),
                                   proc.stderr.decode()))
        return "250 OK"


@pytest.fixture
def gateway(tmp_path: Path, mailbox: Mailbox) -> Iterator[tuple[Store, Alias, int]]:  # noqa: F811
    store = notify_store(tmp_path / "store", mailbox, free_port())
    with (store.root / "providers.yaml").open("a") as f:
        f.write(MAIL)
    store.git("commit", "-qam", "mail gateway")
    store.env["NOW"] = NOW
    alias = Alias(store)
    port = free_port()
    controller = Controller(alias, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield store, alias, port
    finally:
        controller.stop()


def send(port: int, alias: Alias, message: EmailMessage | bytes) -> Delivered:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
        if isinstance(message, bytes):
            smtp.sendmail("x@example.com", [GATEWAY], message)
        else:
            smtp.send_message(message)
    return alias.runs[-1]


def message(subject: str, body: str, sender: str = "maria@example.com",
            to: str = "requests+engineering.part-clarification@example.com",
            msgid: str = "<m1@mail.example.com>", **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"Maria Lopez <{sender}>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = msgid
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


ASK = "order_number: SO-88412\npart_number: 7730-C\n\nWhich thread does the bracket take?\n"


def created(store: Store, result: Delivered) -> dict[str, Any]:
    import json

    assert result.code == 0, result.err
    data: dict[str, Any] = json.loads(result.out)
    assert data["status"] == "created", data
    return data


def test_a_new_request_by_mail_and_its_answer(gateway: tuple[Store, Alias, int],
                                              mailbox: Mailbox) -> None:  # noqa: F811
    store, alias, port = gateway
    data = created(store, send(port, alias, message("Thread spec on bracket 7730-C", ASK)))
    rid = data["id"]
    request = yaml.safe_load(store.request_file(rid).read_text())
    assert request["title"] == "Thread spec on bracket 7730-C"
    assert (request["provider"], request["service"]) == ("engineering", "part-clarification")
    assert request["info"] == {"order_number": "SO-88412", "part_number": "7730-C"}
    assert request["details"] == "Which thread does the bracket take?"
    assert request["source"] == {"mail": "<m1@mail.example.com>"}
    assert request["customer"] == {"email": "maria@example.com",
                                   "department": "customer-service"}
    [answer] = mailbox.take()
    assert answer.to == ("maria@example.com",)
    assert answer.subject == f"[{rid}] Thread spec on bracket 7730-C"
    assert f"Your request is {rid}: Engineering / part-clarification" in answer.body
    assert "acknowledge by:" in answer.body and "resolve by:" in answer.body
    # the same message again (a retry of the mail server): nothing changes, no answer
    before = store.snapshot()
    again = send(port, alias, message("Thread spec on bracket 7730-C", ASK))
    assert again.code == 0 and '"status": "exists"' in again.out
    assert store.snapshot() == before and mailbox.take() == []
    store.ok("check")


def test_replies_carry_the_conversation(gateway: tuple[Store, Alias, int],
                                        mailbox: Mailbox) -> None:  # noqa: F811
    store, alias, port = gateway
    rid = created(store, send(port, alias, message("Bracket", ASK)))["id"]
    mailbox.take()
    asked = send(port, alias, message(f"Re: [{rid}] Bracket", "/need-info Metric or UNC?",
                                      sender="ana@example.com", msgid="<a1@x>"))
    assert asked.code == 0, asked.err
    # the provider is answered what was recorded (the requester hears of it as of any
    # change, from 'icsvc notify')
    heard = {(m.to[0], m.subject): m.body for m in mailbox.take()}
    assert f"Recorded on {rid}:" in heard[("ana@example.com", f"[{rid}] Bracket")]
    answered = send(port, alias, message(
        f"RE: [{rid}] Bracket", "Metric, M6.\n\n> Metric or UNC?\n-- \nMaria\n",
        msgid="<m2@x>"))
    assert answered.code == 0, answered.err
    history = yaml.safe_load(store.request_file(rid).read_text())["history"]
    assert [e["type"] for e in history[-2:]] == ["note", "status"]
    assert history[-2]["note"] == "Metric, M6." and history[-2]["via"] == "mail <m2@x>"
    # a reply by someone who is neither side is refused, by mail
    before = store.snapshot()
    mailbox.take()
    lee = send(port, alias, message(f"[{rid}] Bracket", "Me too", sender="lee@example.com",
                                    msgid="<l1@x>"))
    assert lee.code == 1
    [told] = mailbox.take()
    assert told.to == ("lee@example.com",) and "neither the customer nor the provider" \
        in told.body
    # a command the sender may not give: refused in the reply's words
    rate = send(port, alias, message(f"[{rid}] Bracket", "/rate 9", msgid="<m3@x>"))
    assert rate.code == 1
    assert "/rate N: 9 is not a rating" in mailbox.take()[0].body
    # a request that is not there: refused, by mail
    ghost = send(port, alias, message("Re: [ZZZZZZZZ] Bracket", "hi", msgid="<g1@x>"))
    assert ghost.code == 1 and "[ZZZZZZZZ] in the subject" in mailbox.take()[0].body
    assert store.snapshot() == before
    # the answer delivered again: nothing changes, nobody is answered twice
    again = send(port, alias, message(
        f"RE: [{rid}] Bracket", "Metric, M6.\n\n> Metric or UNC?\n-- \nMaria\n",
        msgid="<m2@x>"))
    assert again.code == 0 and '"status": "exists"' in again.out
    assert store.snapshot() == before and mailbox.take() == []
    # resolved by mail, rated by mail
    assert send(port, alias, message(f"[{rid}] Bracket", "/ack\n/resolve M6 x 1.0",
                                     sender="ana@example.com", msgid="<a2@x>")).code == 0
    [done] = mailbox.take()
    assert done.to == ("ana@example.com",) and "resolved" in done.body
    rated = send(port, alias, message(f"Re: [{rid}] Bracket", "/rate 5 Quick, thanks",
                                      msgid="<m4@x>"))
    assert rated.code == 0, rated.err
    last = yaml.safe_load(store.request_file(rid).read_text())["history"][-1]
    assert (last["type"], last["rating"], last["by"]) == ("feedback", 5, "maria@example.com")
    store.ok("check")


def test_unknown_senders_are_answered_and_nothing_is_written(
        gateway: tuple[Store, Alias, int], mailbox: Mailbox) -> None:  # noqa: F811
    store, alias, port = gateway
    before = store.snapshot()
    result = send(port, alias, message("Hello", ASK, sender="stranger@elsewhere.org"))
    assert result.code == 1
    [told] = mailbox.take()
    assert told.to == ("stranger@elsewhere.org",)
    assert "stranger@elsewhere.org is not someone providers.yaml knows" in told.body
    assert store.snapshot() == before


@pytest.mark.parametrize("headers", [
    {"Auto_Submitted": "auto-replied"},
    {"Precedence": "bulk"},
    {"X_Autoreply": "yes"},
    {"sender": "MAILER-DAEMON@example.com"},
], ids=["auto-submitted", "precedence", "x-autoreply", "mailer-daemon"])
def test_robots_are_never_answered(gateway: tuple[Store, Alias, int], mailbox: Mailbox,  # noqa: F811
                                   headers: dict[str, str]) -> None:
    store, alias, port = gateway
    before = store.snapshot()
    result = send(port, alias, message("Out of office", "I am away", **headers))
    assert result.code == 0 and '"status": "ignored"' in result.out
    assert mailbox.take() == [] and store.snapshot() == before


def test_a_message_from_icsvc_itself_does_not_loop(gateway: tuple[Store, Alias, int],
                                                   mailbox: Mailbox) -> None:  # noqa: F811
    store, alias, port = gateway
    result = send(port, alias, message("[ABCDEFGH] x", "loop", sender=GATEWAY))
    assert result.code == 0 and "icsvc's own address" in result.out
    assert mailbox.take() == []


def test_the_answer_is_marked_automatic(gateway: tuple[Store, Alias, int],
                                        mailbox: Mailbox) -> None:  # noqa: F811
    store, alias, port = gateway
    created(store, send(port, alias, message("Bracket", ASK)))
    assert mailbox.take()
    # what our answer looks like when it bounces back: ignored
    bounced = message("Re: [X] Bracket", "bounced", Auto_Submitted="auto-replied",
                      msgid="<b@x>")
    assert '"status": "ignored"' in send(port, alias, bounced).out


def test_html_only_mail(gateway: tuple[Store, Alias, int], mailbox: Mailbox) -> None:  # noqa: F811
    store, alias, port = gateway
    msg = message("Bracket", "")
    msg.set_content("<html><head><style>p{}</style></head><body><p>order_number: SO-1</p>"
                    "<p>part_number: 7730-C</p><p>Which <b>thread</b>?</p>"
                    "<blockquote>old quoted text</blockquote></body></html>", subtype="html")
    data = created(store, send(port, alias, msg))
    request = yaml.safe_load(store.request_file(data["id"]).read_text())
    assert request["info"] == {"order_number": "SO-1", "part_number": "7730-C"}
    assert request["details"] == "Which thread?"


def test_other_charsets(gateway: tuple[Store, Alias, int], mailbox: Mailbox) -> None:  # noqa: F811
    store, alias, port = gateway
    raw = ("From: =?iso-8859-1?q?Mar=EDa?= <maria@example.com>\r\n"
           "To: requests+engineering.part-clarification@example.com\r\n"
           "Subject: =?koi8-r?b?8NLP18XSy8E=?= 7730-C\r\n"
           "Message-ID: <c1@x>\r\n"
           "MIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=iso-8859-1\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
           "order_number: SO-1\r\npart_number: 7730-C\r\n\r\nPi=E8ce en acier, =E0 v=E9rifier."
           "\r\n").encode("ascii")
    data = created(store, send(port, alias, raw))
    request = yaml.safe_load(store.request_file(data["id"]).read_text())
    assert request["title"] == "Проверка 7730-C"
    assert request["details"] == "Pièce en acier, à vérifier."
    # a charset Python does not know is read as UTF-8, not refused
    unknown = raw.replace(b"iso-8859-1\r\n", b"x-no-such-charset\r\n").replace(
        b"<c1@x>", b"<c2@x>")
    assert send(port, alias, unknown).code == 0


def test_attachments_are_saved_or_refused(gateway: tuple[Store, Alias, int],
                                          mailbox: Mailbox) -> None:  # noqa: F811
    store, alias, port = gateway
    msg = message("Bracket", ASK)
    msg.add_attachment(b"%PDF-1.4 drawing", maintype="application", subtype="pdf",
                       filename="../../drawing 7730.pdf")
    data = created(store, send(port, alias, msg))
    saved = store.root / "attachments" / data["id"] / "drawing_7730.pdf"
    assert saved.read_bytes() == b"%PDF-1.4 drawing"
    assert f"Saved: attachments/{data['id']}/drawing_7730.pdf" in mailbox.take()[0].body
    store.ok("check")
    big = message("Bracket", ASK, msgid="<big@x>")
    big.add_attachment(b"x" * 30000, maintype="application", subtype="octet-stream",
                       filename="scan.bin")
    before = store.snapshot()
    result = send(port, alias, big)
    assert result.code == 1
    assert "the attachment scan.bin is larger than 20 KiB" in mailbox.take()[0].body
    assert store.snapshot() == before


def test_an_oversized_message_is_answered_from_its_headers(
        gateway: tuple[Store, Alias, int], mailbox: Mailbox) -> None:  # noqa: F811
    store, alias, port = gateway
    before = store.snapshot()
    result = send(port, alias, message("Huge", ASK + "x" * 250000))
    assert result.code == 1
    [told] = mailbox.take()
    assert told.to == ("maria@example.com",) and "larger than 195 KiB" in told.body
    assert store.snapshot() == before


@pytest.mark.parametrize("raw", [
    b"Subject: no sender\r\nMessage-ID: <n@x>\r\n\r\nhello\r\n",
    b"From: not an address\r\nSubject: x\r\n\r\nhello\r\n",
    b"From: a@example.com, b@example.com\r\nSubject: x\r\n\r\nhello\r\n",
    b"\xff\xfe garbage without headers",
], ids=["no-from", "bad-from", "two-senders", "garbage"])
def test_malformed_messages_are_refused_without_an_answer(
        gateway: tuple[Store, Alias, int], mailbox: Mailbox, raw: bytes) -> None:  # noqa: F811
    store, alias, port = gateway
    before = store.snapshot()
    result = send(port, alias, raw)
    assert result.code == 1, result.out
    assert result.err.startswith("icsvc: error: mail: ") and "Traceback" not in result.err
    assert mailbox.take() == [] and store.snapshot() == before


def test_missing_information_is_answered_in_the_mail_s_words(
        gateway: tuple[Store, Alias, int], mailbox: Mailbox) -> None:  # noqa: F811
    store, alias, port = gateway
    result = send(port, alias, message("Bracket", "part_number: 7730-C\n"))
    assert result.code == 1
    assert "missing: a 'order_number:' line" in mailbox.take()[0].body
    result = send(port, alias, message("Bracket", "Need it\n", to=GATEWAY, msgid="<s@x>"))
    assert result.code == 1
    assert "missing: a 'Service:' line" in mailbox.take()[0].body


def test_mail_commit_records_the_sender_as_author(gateway: tuple[Store, Alias, int],
                                                  mailbox: Mailbox) -> None:  # noqa: F811
    store, alias, port = gateway
    msg = message("Bracket", ASK)
    msg.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf",
                       filename="drawing.pdf")
    base = store.git("rev-parse", "HEAD").strip()
    result = store.icsvc("mail", "--commit", "--format", "json", input=msg.as_string(),
                         script=True)
    assert result.code == 0, result.err
    assert store.git("log", "-1", "--format=%ae %s").startswith("maria@example.com ")
    assert store.git("status", "--porcelain") == ""
    rid = result.json()["id"]
    assert store.git("show", "--name-only", "--format=", "HEAD").split() == [
        f"attachments/{rid}/drawing.pdf", f"requests/engineering/{rid}.yaml"]
    # what the gateway commits passes the branch check; a hand-made path beside it does not
    store.ok("check", "--base", base)
    assert path_problem(f"attachments/{rid}/drawing.pdf", "100644", "") is None
    for bad in (f"attachments/{rid}/.hidden", f"attachments/{rid.lower()}/a.pdf",
                f"attachments/{rid}/sub/a.pdf", "attachments/notes.txt"):
        assert path_problem(bad, "100644", "") is not None, bad
