"""`icsvc mail`: one message on standard input, as a mail server's alias hands it over.

A new message becomes a request (`mail/asking.py`, by the rules of `icsvc new`); a reply
whose subject carries `[ID]` acts on that request as its sender, as a comment on its issue
would (`workflow/replies.py`: the answer to a question, a note, `/rate N`, ...). The sender
is answered by mail through the notification channels (`notify/delivery.py`): the request's
ID and what to expect, what was recorded, or why nothing was. A message a machine sent is
never answered; the same message delivered twice changes nothing (its Message-ID is the
request's source, or the `via` of the entries it made).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

from icsvc.commands import Refused, open_store
from icsvc.commands.context import Context
from icsvc.commands.intake import mirror
from icsvc.commands.new import expectations
from icsvc.errors import IcsvcError, ValidationError
from icsvc.mail import asking
from icsvc.mail.message import Incoming, MailError, headers_only, parse
from icsvc.notify import delivery
from icsvc.notify.events import CUSTOMER, Recipient
from icsvc.store import attachments, gitutil
from icsvc.store.store import Store
from icsvc.workflow import replies
from icsvc.workflow.drafts import build_request
from icsvc.workflow.session import Channel
from icsvc.workflow.views import request_json


def run(ctx: Context, read: Callable[[int], bytes], commit: bool = False) -> dict[str, Any]:
    """What became of the message `read(n)` gives (at most n bytes; `status`: created,
    changed, exists, ignored; refused raises `Refused` with the same, after answering the
    sender)."""
    store = open_store(ctx)
    cat = store.catalogue
    limit = cat.mail.max_bytes
    data = read(limit + 1)
    if len(data) > limit:
        mail = headers_only(data)
        reason = (f"the message is larger than {_size(limit)} (the most icsvc takes); send "
                  "it again without the large attachments, or with a link to them")
        if mail is None:
            raise IcsvcError(f"mail: {reason}; its headers cannot be read, so nobody is "
                             "answered")
        _refuse(store, mail, reason, {})
    try:
        mail = parse(data)
    except MailError as exc:
        raise IcsvcError(f"mail: {exc.message}") from None
    base: dict[str, Any] = {"message_id": mail.message_id, "from": mail.sender,
                            "subject": mail.subject, "reply": None, "paths": []}
    if mail.automatic is not None:
        return {**base, "status": "ignored",
                "message": f"nothing to do: an automatic message ({mail.automatic}); never "
                           "answered"}
    if cat.mail.address and mail.sender == cat.mail.address.lower():
        return {**base, "status": "ignored",
                "message": f"nothing to do: a message from icsvc's own address "
                           f"({mail.sender})"}
    why = cat.may_ask(mail.sender)
    if why is not None:
        _refuse(store, mail, why, base)
    rid = mail.request_id
    if rid is not None:
        return _reply(ctx, store, mail, rid, base, commit)
    return _new(ctx, store, mail, base, commit)


def _size(n: int) -> str:
    return f"{n / (1 << 20):.0f} MiB" if n >= 1 << 20 else f"{n / 1024:.0f} KiB"


def _new(ctx: Context, store: Store, mail: Incoming, base: dict[str, Any],
         commit: bool) -> dict[str, Any]:
    cat = store.catalogue
    existing = store.made_from("mail", mail.message_id)
    if existing is not None:
        return {**base, "status": "exists", "id": existing.stem,
                "message": f"nothing to do: {mail.message_id} is already request "
                           f"{existing.stem} ({store.rel(existing)})"}
    too_big = [a for a in mail.attachments if len(a.data) > cat.mail.attachment_bytes]
    if too_big:
        _refuse(store, mail, f"the attachment {too_big[0].name} is larger than "
                                    f"{_size(cat.mail.attachment_bytes)}; send a link to it "
                                    "instead", base)
    with store.writing("icsvc mail"):
        try:
            draft = asking.draft(mail, cat)
            taken = {p.stem for p in store.request_files()}
            request = build_request(draft, cat, mail.sender, ctx.now, taken, asking.names)
        except IcsvcError as exc:
            _refuse(store, mail, exc.message, base)
        request.source = {"mail": mail.message_id}
        try:
            path = store.save(request, new=True)
        except ValidationError as exc:
            _refuse(store, mail, exc.problem, base)
        paths = [path, *_save_attachments(store, request.id, mail)]
    provider = cat.providers[request.provider]
    data = request_json(request, cat, ctx.now)
    body = "\n".join([
        f"Your request is {request.id}: {provider.name} / {request.service}, priority "
        f"{request.priority}{' (rush)' if request.rush else ''}.", "",
        *(f"- {line}" for line in expectations(request, provider, data)), "",
        f"Reply to this message (keep [{request.id}] in the subject) to add information, "
        "answer a question, or rate it when it is resolved (/rate N).",
        *(f"Saved: {store.rel(p)}" for p in paths[1:]),
    ])
    result = {**base, "status": "created", "id": request.id, "path": store.rel(path),
              "paths": [store.rel(p) for p in paths],
              "message": f"created {request.id} ({store.rel(path)}) from {mail.message_id}"}
    result["reply"] = _answer(store, mail, f"[{request.id}] {request.title}", body,
                              request.customer_department)
    if commit:
        result["commit"] = _commit(ctx, store, paths, mail.sender,
                                   f"{request.id}: {request.title} (by mail)")
    return result


def _reply(ctx: Context, store: Store, mail: Incoming, rid: str, base: dict[str, Any],
           commit: bool) -> dict[str, Any]:
    cat = store.catalogue
    try:
        path = store.find(rid)
    except IcsvcError as exc:
        _refuse(store, mail, f"[{rid}] in the subject: {exc.message}", base)
    via = f"mail {mail.message_id}"
    with store.writing("icsvc mail"):
        request = store.load(path.stem)
        base.update(id=request.id, path=store.rel(path))
        if any(e.via == via for e in request.history):
            return {**base, "status": "exists",
                    "message": f"nothing to do: {mail.message_id} is already in the history "
                               f"of {request.id}"}
        said = replies.read(mail.text)
        first = len(request.history)
        try:
            acted = replies.act(request, cat, ctx.now, mail.sender, said, Channel(via=via))
        except IcsvcError as exc:
            _refuse(store, mail, exc.message, base)
        if acted is None:
            _refuse(store, mail, f"you ({mail.sender}) are neither the customer nor "
                                        f"the provider of {request.id}", base)
        store.save(request, old_path=request.path)
    told = mirror(request, range(first, len(request.history)), cat, quiet_notes=True)
    body = "\n".join([f"Recorded on {request.id}:",
                      *(f"- {e.line()}" for e in request.history[first:]),
                      *(f"- note: {n}" for n in acted.notices),
                      *([""] + told if told else [])])
    result = {**base, "status": "changed", "paths": [store.rel(path)],
              "message": f"{request.id}: {len(request.history) - first} entries from "
                         f"{mail.message_id}"}
    result["reply"] = _answer(store, mail, f"[{request.id}] {request.title}", body,
                              request.customer_department)
    if commit:
        result["commit"] = _commit(ctx, store, [path], mail.sender,
                                   f"{request.id}: by mail from {mail.sender}")
    return result


def _refuse(store: Store, mail: Incoming, reason: str, base: dict[str, Any]) -> NoReturn:
    """Answer the sender why nothing was done, then refuse (nothing written)."""
    body = "\n".join([
        "icsvc could not take your message:", "", f"> {reason}", "",
        "Nothing was recorded. Fix it and send it again (a new request: the service as "
        "'Service: provider.service', the title as the subject, what the service needs as "
        "'key: value' lines; a reply: keep [ID] in the subject)."])
    department = store.catalogue.department_of(mail.sender) or ""
    answered = _answer(store, mail, f"Not recorded: {mail.title or '(no subject)'}", body,
                       department)
    raise Refused(f"mail from {mail.sender}: {reason}",
                  {"message_id": mail.message_id, "from": mail.sender, "subject": mail.subject,
                   "paths": [], **base, "status": "refused", "message": reason,
                   "reply": answered})


def _answer(store: Store, mail: Incoming, subject: str, body: str, department: str
            ) -> dict[str, Any]:
    """Mail the sender through their personal channels (`notify:`), marked as an automatic
    reply (`Auto-Submitted: auto-replied`) so no robot answers it back."""
    cat = store.catalogue
    env = delivery.environment()
    found = [c for c in delivery.channels(cat, Recipient(mail.sender, CUSTOMER, department),
                                          delivery.env_channels(env)) if c.personal]
    out: dict[str, Any] = {"to": mail.sender, "subject": subject, "body": body + "\n",
                           "sent": False, "error": None}
    if not found:
        out["error"] = ("no personal channel to answer by (notify.default or "
                        "notify.departments with {email})")
        return out
    errors = []
    for channel in found:
        url = channel.url
        if url.split("://", 1)[0].lower() in ("mailto", "mailtos"):
            url += ("&" if "?" in url else "?") + "+Auto-Submitted=auto-replied"
        message = delivery.Message(replace(channel, url=url), (mail.sender,), subject,
                                   body + "\n")
        error = delivery.send(message, env)
        if error is None:
            out["sent"] = True
        else:
            errors.append(error)
    out["error"] = "; ".join(errors) or None
    return out


def _save_attachments(store: Store, rid: str, mail: Incoming) -> list[Path]:
    return attachments.save(store.root, rid, [(a.name, a.data) for a in mail.attachments])


def _commit(ctx: Context, store: Store, paths: list[Path], sender: str, message: str
            ) -> str | None:
    """Commit what the message wrote, authored by its sender (`check --base` wants each
    entry committed by the person it names)."""
    top = gitutil.require_repo(store.root)
    rels = [p.resolve().relative_to(top).as_posix() for p in paths]
    date = ctx.now.isoformat() if os.environ.get("ICSVC_NOW") else None
    return gitutil.commit_paths(top, rels, message, sender, sender, date=date)

