"""Real servers for the notification tests: an SMTP server (aiosmtpd) that keeps what it
receives, a free port, and a store whose providers.yaml routes notifications to them."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from conftest import PROVIDERS, Store, make_store

MANAGER = "carol@example.com"
NOTIFY = """\
notify:
  default: "mailto://127.0.0.1:${SMTP_PORT}?from=icsvc@example.com&to={email}"
  providers:
    payroll: "json://127.0.0.1:${HOOK_PORT}/payroll"
"""
NOTIFY_PROVIDERS = PROVIDERS.replace(
    "    members: [maria@example.com, sam@example.com]\n",
    f"    members: [maria@example.com, sam@example.com]\n    manager: {MANAGER}\n") + NOTIFY
"""The test catalogue with a manager for customer-service, mail to everyone by default and
Payroll's notifications to a shared webhook."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Mail:
    sender: str
    to: tuple[str, ...]
    subject: str
    body: str
    content_type: str


class Mailbox:
    """What the SMTP server received, oldest first."""

    def __init__(self) -> None:
        self.mails: list[Mail] = []
        self._lock = threading.Lock()
        self.port = 0
        self.hold_after: int | None = None
        """Hold every mail after this many, without accepting it, until `release()`."""
        self.holding = threading.Event()
        self._released = threading.Event()

    def release(self) -> None:
        self._released.set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.hold_after is not None and len(self.mails) >= self.hold_after:
            self.holding.set()
            while not self._released.is_set():
                await asyncio.sleep(0.05)
            return "451 not now"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        part = message.get_body(("html", "plain"))  # type: ignore[attr-defined]
        mail = Mail(envelope.mail_from, tuple(envelope.rcpt_tos), str(message["subject"]),
                    part.get_content() if part is not None else "",
                    part.get_content_type() if part is not None else "")
        with self._lock:
            self.mails.append(mail)
        return "250 OK"

    def take(self) -> list[Mail]:
        """What arrived since the last call."""
        with self._lock:
            out, self.mails = self.mails, []
        return out

    def heard(self) -> set[tuple[str, str]]:
        """(recipient, subject of each event) of every mail since the last call: a message
        listing several events (`N updates on ...`) names each event on a line of its own."""
        return {(to, subject) for mail in self.take() for to in mail.to
                for subject in event_subjects(mail.subject, mail.body)}


def event_subjects(subject: str, body: str) -> list[str]:
    if re.match(r"^\d+ updates on ", subject):
        return [line for line in body.splitlines() if line and not line.startswith(" ")]
    return [subject]


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    box.port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def notify_store(root: Path, mailbox: Mailbox, hook_port: int,
                 providers: str = NOTIFY_PROVIDERS) -> Store:
    store = make_store(root, providers)
    store.env.update({"SMTP_PORT": str(mailbox.port), "HOOK_PORT": str(hook_port),
                      "CI": "false"})
    return store
