"""One mail message, as `icsvc mail` reads it (the standard library's `email` package):
who sent it, what it answers, its text, its attachments, and whether a machine sent it.

- The sender is the `From` address (`Reply-To` is where answers go, never who acts).
- An automatic message (`Auto-Submitted` other than `no`, `Precedence: bulk`, `junk`,
  `list` or `auto_reply`, `X-Autoreply`, `X-Autorespond`, an empty `Return-Path`, or a
  mailer daemon's address) is never answered, so two robots never loop.
- The text is the `text/plain` part; an HTML-only message is turned into text. Any charset
  Python knows is decoded, an unknown one read as UTF-8 with replacements.
- The request the message is about is `[ID]` in its subject; the service, a `+tag` of an
  address it was sent to (`requests+engineering.part-clarification@...`).
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import getaddresses
from html.parser import HTMLParser

from icsvc.domain import ids
from icsvc.domain.checker import is_email
from icsvc.errors import IcsvcError

_ROBOTS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)"
                     r"([+@-]|$)", re.IGNORECASE)
_ID_IN_SUBJECT = re.compile(rf"\[(?:icsvc\s+)?#?([{ids.ALPHABET}{ids.ALPHABET.lower()}]"
                            rf"{{{ids.LENGTH}}})\]")
HEADER_BYTES = 64 << 10
"""Of an oversized message, only its headers are read (to answer it)."""


class MailError(IcsvcError):
    """A message icsvc cannot read: nobody to answer (a malformed From), or a broken mail."""


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    data: bytes


@dataclass
class Incoming:
    message_id: str
    sender: str
    """The From address, lower-case."""
    subject: str
    text: str
    attachments: list[Attachment] = field(default_factory=list)
    automatic: str | None = None
    """Why a machine sent it (never answered); None for a person's message."""
    tags: list[str] = field(default_factory=list)
    """The `+tag`s of the addresses it was sent to."""
    html_only: bool = False

    @property
    def request_id(self) -> str | None:
        match = _ID_IN_SUBJECT.search(self.subject)
        return match.group(1).upper() if match else None

    @property
    def title(self) -> str:
        """The subject without `Re:`/`Fwd:` and the `[ID]`."""
        text = _ID_IN_SUBJECT.sub("", self.subject)
        text = re.sub(r"^\s*((re|fwd?|aw|sv)\s*:\s*)+", "", text, flags=re.IGNORECASE)
        return " ".join(text.split())


def _header(msg: Message, name: str) -> str:
    """A header's text; a header the parser cannot decode is read raw."""
    try:
        value = msg.get(name)
    except (ValueError, IndexError, TypeError, LookupError):
        raw = msg.get_all(name, failobj=[])
        value = str(raw[0]) if raw else None
    return " ".join(str(value).split()) if value is not None else ""


def automatic(msg: Message, sender: str) -> str | None:
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = _header(msg, "Precedence").lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        if _header(msg, name) and name != "X-Auto-Response-Suppress":
            return f"{name}: {_header(msg, name)}"
    if msg.get("Return-Path") is not None and _header(msg, "Return-Path") in ("<>", ""):
        return "an empty Return-Path (a bounce)"
    if _ROBOTS.match(sender):
        return f"from {sender}, a mailer"
    if msg.get_content_type() == "multipart/report":
        return "a delivery report"
    return None


def parse(data: bytes) -> Incoming:
    """The message; MailError when it has no sender to answer."""
    msg = email.message_from_bytes(data, policy=email.policy.default)
    from_text = _header(msg, "From")
    found = [addr for _, addr in getaddresses([from_text]) if addr]
    address = found[0].strip().lower() if len(found) == 1 else ""
    if not from_text or not is_email(address):
        raise MailError(f"the message has no sender icsvc can answer (From: "
                        f"{from_text[:80]!r}; accepted: one address, name <you@example.com>)")
    message_id = _header(msg, "Message-ID").strip()
    if not message_id or len(message_id) > 500:
        message_id = "<sha256-" + hashlib.sha256(data).hexdigest()[:32] + "@icsvc>"
    tags = []
    for header in ("To", "Cc", "Delivered-To", "X-Original-To"):
        for _, addr in getaddresses([_header(msg, header)]):
            local = addr.partition("@")[0]
            if "+" in local:
                tags.append(local.split("+", 1)[1].lower())
    text, html_only = body_text(msg)
    return Incoming(message_id=message_id, sender=address,
                    subject=_header(msg, "Subject"), text=text,
                    attachments=attachments(msg), automatic=automatic(msg, address),
                    tags=list(dict.fromkeys(tags)), html_only=html_only)


def headers_only(data: bytes) -> Incoming | None:
    """An oversized message's sender and subject (its headers only), to answer it; None
    when even those cannot be read."""
    head = data[:HEADER_BYTES]
    end = head.find(b"\r\n\r\n")
    end = end if end >= 0 else head.find(b"\n\n")
    if end < 0:
        return None
    try:
        found = parse(head[:end] + b"\n\n")
    except (MailError, ValueError):
        return None
    found.text = ""
    return found


def _decoded(part: Message) -> str:
    try:
        content = part.get_content() if isinstance(part, EmailMessage) else None
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeDecodeError, ValueError, AssertionError):
        pass
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload() or "")
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except LookupError:
        return payload.decode("utf-8", "replace")


def body_text(msg: Message) -> tuple[str, bool]:
    """The message's text, and whether it came from HTML alone."""
    body: Message | None = (msg.get_body(("plain", "html"))
                            if isinstance(msg, EmailMessage) else None)
    if body is None:
        if msg.is_multipart() or msg.get_content_maintype() != "text":
            return "", False
        body = msg
    text = _decoded(body)
    if body.get_content_subtype() == "html":
        return html_text(text), True
    return text.replace("\r\n", "\n").strip(), False


class _Text(HTMLParser):
    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote",
                        "pre", "table", "ul", "ol"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.quote = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self.skip += 1
        if tag == "blockquote":
            self.quote += 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self.skip = max(0, self.skip - 1)
        if tag == "blockquote":
            self.quote = max(0, self.quote - 1)
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip and not self.quote:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The text of an HTML mail: block elements as lines, quoted replies left out."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def attachments(msg: Message) -> list[Attachment]:
    out: list[Attachment] = []
    if not isinstance(msg, EmailMessage):
        return out
    for part in msg.iter_attachments():
        name = part.get_filename() or ""
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or (not name and part.get_content_maintype() == "text"
                                           and part.get_content_disposition() != "attachment"):
            continue
        out.append(Attachment(name or f"attachment.{part.get_content_subtype()}",
                              part.get_content_type(), data))
    return out
