"""`icsvc intake`: an issue opened from an icsvc form becomes a request file, by the rules of
`icsvc new`; the intake workflow commits it, opens a pull request and posts the comment."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

from icsvc.commands import Refused, open_store
from icsvc.commands.context import Context
from icsvc.commands.new import expectations
from icsvc.domain.catalogue import noreply_email
from icsvc.errors import IcsvcError, ValidationError
from icsvc.github import forms, issueform
from icsvc.github.issueform import Issue
from icsvc.workflow.drafts import build_request
from icsvc.workflow.views import request_json


def _refuse(base: dict[str, Any], reason: str, comment: str) -> NoReturn:
    """Refuse, having written nothing: the result says why (the comment to post)."""
    raise Refused(f"issue #{base['issue']}: {reason}",
                  {**base, "status": "refused", "message": reason, "comment": comment})


def refusal_comment(issue: Issue, what: str, reason: str) -> str:
    return "\n".join([
        f"@{issue.login}, icsvc could not turn this issue into a request{what}:",
        "",
        f"> {reason}",
        "",
        "Nothing was filed. Edit the issue to fix it (each answer is a `### ` section of its "
        f"description), or comment `{forms.RETRY}` once it is fixed elsewhere; icsvc then "
        "reads it again.",
    ])


def unknown_person_comment(issue: Issue) -> str:
    return "\n".join([
        f"@{issue.login}, icsvc does not know who you are yet: no one under `people:` in "
        f"providers.yaml has the GitHub login `{issue.login}`, and a request records its "
        "requester by email. Ask the maintainers of this repository to add you (a pull "
        "request to providers.yaml), with the email your requests should be recorded under:",
        "",
        "```yaml",
        "people:",
        "  you@example.com:",
        f"    github: {issue.login}",
        "```",
        "",
        f"Then comment `{forms.RETRY}` here. Nothing was filed.",
    ])


def run(ctx: Context, event_path: Path) -> dict[str, Any]:
    """What became of the issue, as the intake workflow reads it (`status`: created,
    exists, ignored; refused raises `Refused` with the same, nothing written): the comment
    to post, and for a new request its file, commit and pull request."""
    store = open_store(ctx)
    event = issueform.load_event(event_path)
    issue = event.issue
    base: dict[str, Any] = {"issue": issue.number, "url": issue.url or None,
                            "login": issue.login, "branch": f"icsvc/issue-{issue.number}"}
    ignored = event.asks_for_intake()
    if ignored is not None:
        return {**base, "status": "ignored", "message": f"nothing to do: {ignored}",
                "comment": None}
    existing = issueform.request_for_issue(store, issue.number)
    if existing is not None:
        return {**base, "status": "exists", "id": existing.stem,
                "path": store.rel(existing), "comment": None,
                "message": f"nothing to do: issue #{issue.number} is already request "
                           f"{existing.stem} ({store.rel(existing)})"}
    ref = issueform.service_of(issue.body)
    if ref is None:
        if forms.LABEL not in issue.labels:
            return {**base, "status": "ignored", "comment": None,
                    "message": f"nothing to do: issue #{issue.number} was not opened from "
                               f"an icsvc form (no '### {forms.SERVICE}' section)"}
        reason = (f"it has no '### {forms.SERVICE}' section; open the issue with one of the "
                  "request forms (New issue, then the service)")
        _refuse(base, reason, refusal_comment(issue, "", reason))
    provider_id, service_id = ref
    what = f" for {provider_id}/{service_id}" if provider_id else ""
    base.update(provider=provider_id or None, service=service_id or None)
    cat = store.catalogue
    person = cat.person_by_github(issue.login)
    if person is None:
        _refuse(base, f"the GitHub login {issue.login} is not under 'people:' in "
                           "providers.yaml", unknown_person_comment(issue))
    fields = issueform.fields_for(cat, provider_id, service_id)
    names = issueform.form_names(fields, forms.title_prefix(provider_id, service_id))
    with store.writing(f"icsvc intake #{issue.number}"):
        try:
            draft = issueform.draft(issue, cat, person, fields, provider_id, service_id)
            taken = {p.stem for p in store.request_files()}
            request = build_request(draft, cat, person.email, event.when, taken, names)
        except IcsvcError as exc:
            _refuse(base, exc.message, refusal_comment(issue, what, exc.message))
        request.source = {"github_issue": issue.number, "url": issue.url or None}
        if request.source["url"] is None:
            del request.source["url"]
        try:
            path = store.save(request, new=True)
        except ValidationError as exc:  # too big to write: the requester shortens it
            _refuse(base, exc.problem, refusal_comment(issue, what, exc.problem))
    provider = cat.providers[request.provider]
    data = request_json(request, cat, event.when)
    rel = store.rel(path)
    rush = " (rush)" if request.rush else ""
    comment = "\n".join([
        f"@{issue.login}, this is now request **{request.id}** for {provider.name} / "
        f"{request.service}, priority {request.priority}{rush}:",
        "",
        *(f"- {line}" for line in expectations(request, provider, data)),
        "",
        f"Its file is `{rel}`, added by the pull request linked to this issue; once that is "
        f"merged, the request is in {provider.name}'s queue (`icsvc show {request.id}`).",
    ])
    return {
        **base, "status": "created", "id": request.id, "path": rel,
        "provider": request.provider, "service": request.service, "title": request.title,
        "email": person.email, "author": f"{issue.login} <{noreply_email(issue.login)}>",
        "label": request.provider,
        "commit_message": f"{request.id}: {request.title} (from #{issue.number})",
        "pr_title": f"{request.title} ({request.provider}/{request.service}, "
                    f"#{issue.number})",
        "pr_body": f"Request {request.id} from #{issue.number}, asked by @{issue.login} "
                   f"({person.email}).\n\n{comment}",
        "message": f"created {request.id} ({rel}) from issue #{issue.number}",
        "comment": comment,
    }
