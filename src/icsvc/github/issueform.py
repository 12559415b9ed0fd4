"""A GitHub issue opened from an icsvc form, read back into a draft request.

GitHub gives a workflow the event as JSON (`issues` when an issue is opened or edited,
`issue_comment` for a comment), and renders a form's answers into the issue body as
`### Label` sections, `_No response_` for an optional field left empty. The labels come
from `forms.form_fields`, the same list the form was generated from.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from icsvc.domain import limits
from icsvc.domain.catalogue import Catalogue, Person
from icsvc.errors import IcsvcError, UsageError, ValidationError
from icsvc.github import forms
from icsvc.github.api import MARK
from icsvc.store import jsonio
from icsvc.store.files import FileKind, read_store_file
from icsvc.workflow.drafts import Draft, Names

NO_RESPONSE = "_No response_"


@dataclass(frozen=True)
class Issue:
    number: int
    title: str
    body: str
    login: str
    created_at: datetime
    url: str
    labels: tuple[str, ...] = ()
    state: str = "open"


@dataclass(frozen=True)
class Event:
    """What the workflow was started for: an issue opened or edited, or a comment on it."""

    issue: Issue
    name: str
    """`issues` or `issue_comment`."""
    action: str
    comment: str | None = None
    on_pull_request: bool = False
    commenter: str | None = None
    """Who wrote the comment (its author's login)."""
    comment_id: int | None = None
    sender: str | None = None
    """Who did it: the login that closed the issue, or wrote or edited the comment."""
    bot: bool = False
    """The comment was written by a bot, or is one of icsvc's own answers (`api.MARK`):
    never acted on."""
    at: datetime | None = None
    """When it happened: the issue opened, last edited, or the comment made. A request is
    dated then, so one refused and fixed days later does not start its clocks back when the
    issue was first opened."""

    @property
    def when(self) -> datetime:
        return self.at or self.issue.created_at

    def asks_for_intake(self) -> str | None:
        """None when this event should be read; else why it is ignored."""
        if self.on_pull_request:
            return "a comment on a pull request, not on an issue"
        if self.name == "issue_comment":
            if self.action != "created":
                return f"a comment {self.action}, not a new comment"
            first = (self.comment or "").strip().splitlines()[:1]
            if not first or first[0].strip().lower() != forms.RETRY:
                return f"a comment that is not '{forms.RETRY}'"
        if self.issue.state != "open":
            return f"issue #{self.issue.number} is {self.issue.state}"
        return None


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            raise UsageError(f"--event: no {'.'.join(keys)} in the event (accepted: the JSON "
                             "GitHub gives an 'issues' or 'issue_comment' workflow, "
                             "$GITHUB_EVENT_PATH)")
        data = data[key]
    return data


def _time(value: Any, key: str) -> datetime | None:
    """A time of the event (None when it is not one); one out of range is bad usage: a
    request dated then could not be read back."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    if not limits.date_in_range(parsed) or not limits.date_in_range(parsed.astimezone(UTC)):
        raise UsageError(f"--event: {key} {value!r} is out of range (accepted: "
                         f"{limits.DATE_RANGE})")
    return parsed


def parse_event(data: Any) -> Event:
    """The event payload as GitHub sends it; UsageError naming the first key that is wrong."""
    number = _get(data, "issue", "number")
    if (isinstance(number, bool) or not isinstance(number, int)
            or not 1 <= number <= limits.MAX_ISSUE_NUMBER):
        raise UsageError(f"--event: issue.number {number!r} is not an issue number (accepted: "
                         f"1 to {limits.MAX_ISSUE_NUMBER:,})")
    created_raw = _get(data, "issue", "created_at")
    created = _time(created_raw, "issue.created_at")
    if created is None:
        raise UsageError(f"--event: issue.created_at {created_raw!r} is not an ISO 8601 time "
                         "with an offset")
    login = _get(data, "issue", "user", "login")
    if not isinstance(login, str) or not login.strip():
        raise UsageError(f"--event: issue.user.login {login!r} is not a GitHub login")
    labels = data["issue"].get("labels")
    labels = labels if isinstance(labels, list) else []
    comment = data.get("comment")
    issue = Issue(
        number=number,
        title=str(_get(data, "issue", "title") or ""),
        body=str(data["issue"].get("body") or "").replace("\r\n", "\n"),
        login=login.strip(),
        created_at=created,
        url=str(data["issue"].get("html_url") or ""),
        labels=tuple(str(label.get("name", "")) if isinstance(label, dict) else str(label)
                     for label in labels if label),
        state=str(data["issue"].get("state") or "open"),
    )
    action = str(data.get("action") or "")
    at = None
    commenter = comment_id = None
    bot = False
    if isinstance(comment, dict):
        at = _time(comment.get("updated_at" if action == "edited" else "created_at")
                   or comment.get("created_at"), "comment.created_at")
        user: dict[str, Any] = comment["user"] if isinstance(comment.get("user"), dict) else {}
        commenter = str(user.get("login") or "").strip() or None
        bot = (str(user.get("type") or "") == "Bot" or (commenter or "").endswith("[bot]")
               or MARK in str(comment.get("body") or ""))
        raw_id = comment.get("id")
        comment_id = raw_id if isinstance(raw_id, int) and not isinstance(raw_id, bool) \
            else None
    elif action == "edited":
        at = _time(data["issue"].get("updated_at"), "issue.updated_at")
    elif action in ("closed", "reopened"):
        at = _time(data["issue"].get("closed_at") or data["issue"].get("updated_at"),
                   "issue.closed_at")
    sender: dict[str, Any] = data["sender"] if isinstance(data.get("sender"), dict) else {}
    return Event(
        issue=issue,
        name="issue_comment" if isinstance(comment, dict) else "issues",
        action=action,
        comment=str(comment.get("body") or "") if isinstance(comment, dict) else None,
        on_pull_request=bool(data["issue"].get("pull_request")),
        commenter=commenter, comment_id=comment_id,
        sender=str(sender.get("login") or "").strip() or None, bot=bot,
        at=at if at is not None and at >= created else None,
    )


EVENT_FILE = FileKind("an event file", limits.EVENT_FILE_BYTES, aliases=False)


def load_event(path: Path) -> Event:
    """The event file, bounded in size and nesting before it is parsed (`jsonio`)."""
    if not os.path.lexists(path):
        raise UsageError(f"--event: cannot read {path}: No such file or directory")
    try:
        text = read_store_file(path, EVENT_FILE)
    except ValidationError as exc:
        raise UsageError(f"--event: {exc.message}") from None
    try:
        data = jsonio.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--event: {path} is not JSON ({exc})") from None
    except ValueError as exc:
        raise UsageError(f"--event: {path}: {exc}") from None
    return parse_event(data)


def sections(body: str, labels: Collection[str]) -> dict[str, str | None]:
    """Each `### Label` section of the body, for the known labels only (a `### ` line typed
    inside an answer stays part of it); None for `_No response_` or an empty answer."""
    wanted = set(labels)
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in body.split("\n"):
        heading = line[4:].strip() if line.startswith("### ") else None
        if heading in wanted and heading not in found:
            current = found[heading] = []
        elif current is not None:
            current.append(line)
    out: dict[str, str | None] = {}
    for label, lines in found.items():
        text = "\n".join(lines).strip()
        out[label] = None if not text or text == NO_RESPONSE else text
    return out


def service_of(body: str) -> tuple[str, str] | None:
    """The (provider, service) the body's Service section names, None if it has none (it
    did not come from an icsvc form); `("", text)` when the answer is not `p/s`."""
    lines = body.split("\n")
    start = next((i for i, line in enumerate(lines)
                  if line.startswith("### ") and line[4:].strip() == forms.SERVICE), None)
    if start is None:
        return None
    value = ""
    for line in lines[start + 1:]:
        if line.startswith("### "):
            break
        if line.strip():
            value = line.strip()
            break
    if not value or value == NO_RESPONSE:
        return "", ""
    provider, sep, service = value.partition("/")
    if not sep or not provider.strip() or not service.strip():
        return "", value
    return provider.strip(), service.strip()


def parse_cost(text: str, label: str) -> float:
    """A cost as people type it: `1200`, `1,200`, `$1,200.50`, `€ 900`."""
    cleaned = re.sub(r"[\s,_]", "", text).lstrip("$€£¥")
    try:
        value = float(cleaned)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise IcsvcError(f"'{label}': {text!r} is not a number (accepted: a number such as "
                         "1200 or 1,200.50)")
    return value


def fields_for(cat: Catalogue, provider_id: str, service_id: str) -> list[forms.FormField]:
    """The fields of the service's form; only the fixed ones when the catalogue no longer
    has that service (the core then says so)."""
    provider = cat.providers.get(provider_id)
    if provider is not None and service_id in provider.services:
        return forms.form_fields(provider.services[service_id])
    return forms.fixed_fields()


def form_names(fields: list[forms.FormField], prefix: str) -> Names:
    """How a refusal names each field: by its label in the form, as the requester saw it."""
    labels = {f.field: f.label for f in fields}

    def names(field_: str) -> str:
        if field_ == "title":
            return f"a title (the issue's title after '{prefix.strip()}')"
        if field_ == "actor":
            return "your email under 'people:' in providers.yaml"
        if field_ == "provider":
            field_ = "service"
        return f"'{labels[field_]}'" if field_ in labels else field_

    return names


def claimed_email(issue: Issue, fields: list[forms.FormField]) -> str | None:
    """The answer to 'Your email' (a login `people:` does not map asks with it)."""
    found = sections(issue.body, [*(f.label for f in fields), forms.EMAIL]).get(forms.EMAIL)
    return found.strip().lower() if found else None


def draft(issue: Issue, cat: Catalogue, person: Person,
          fields: list[forms.FormField], provider_id: str, service_id: str) -> Draft:
    """The draft the issue's answers make. Only the form's own reading is checked here (a
    cost that is not a number); every rule is `intake.build_request`'s."""
    answers = sections(issue.body, [*(f.label for f in fields), forms.EMAIL])
    by_field = {f.field: answers.get(f.label) for f in fields}
    title = issue.title.strip()
    prefix = forms.title_prefix(provider_id, service_id).strip()
    if title.startswith(prefix):
        title = title[len(prefix):].strip()
    cost_text = by_field.get("cost")
    return Draft(
        provider=provider_id or None,
        service=service_id or None,
        title=title or None,
        details=by_field.get("details"),
        priority=(by_field.get("priority") or "normal").strip(),
        needed_by=by_field.get("needed_by"),
        info={f.field[5:]: (by_field.get(f.field) or "") for f in fields
              if f.field.startswith("info.")},
        justification=by_field.get("justification"),
        department=(by_field.get("department") or "").strip()
        or cat.department_of(person.email),
        cost=parse_cost(cost_text, forms.COST) if cost_text is not None else None,
        impact_note=by_field.get("impact_note"),
    )
