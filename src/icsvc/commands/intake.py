"""`icsvc intake`: an issue opened from an icsvc form becomes a request file, by the rules of
`icsvc new`; a comment on the request's issue acts on it, by the rules of the commands
(`workflow/replies.py`); closing the issue cancels it. The intake workflow commits what
changed; `--post` then answers on the issue (a comment for each thing the requester would
be told, the issue closed when the request is), and `--mirror REV` does the same for the
changes made since REV on the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

from icsvc.commands import Refused, open_store
from icsvc.commands.context import Context
from icsvc.commands.new import expectations
from icsvc.domain import history
from icsvc.domain.catalogue import Catalogue, Person, noreply_email
from icsvc.domain.history.request import Request
from icsvc.domain.lifecycle import FINAL
from icsvc.errors import IcsvcError, UsageError, ValidationError
from icsvc.github import forms, issueform
from icsvc.github.api import Post
from icsvc.github.issueform import Event, Issue
from icsvc.notify.events import CUSTOMER, entry_events
from icsvc.store.store import Store
from icsvc.workflow import replies
from icsvc.workflow.drafts import build_request
from icsvc.workflow.session import Channel
from icsvc.workflow.views import request_json


def _refuse(base: dict[str, Any], reason: str, comment: str) -> NoReturn:
    """Refuse, having written nothing: the result says why (the comment to post)."""
    raise Refused(f"issue #{base['issue']}: {reason}",
                  {**base, "status": "refused", "message": reason, "comment": comment,
                   "posts": [Post(base["issue"], comment).to_dict()]})


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


def run(ctx: Context, event_path: Path, pull_request: bool = False) -> dict[str, Any]:
    """What became of the issue, as the intake workflow reads it (`status`: created,
    exists, ignored; refused raises `Refused` with the same, nothing written): the comment
    to post, and for a new request its file, commit and pull request. `pull_request`: the
    workflow proposes a new request by a pull request (else it commits it to the default
    branch), which the comment says."""
    store = open_store(ctx)
    event = issueform.load_event(event_path)
    issue = event.issue
    base: dict[str, Any] = {"issue": issue.number, "url": issue.url or None,
                            "login": issue.login, "branch": f"icsvc/issue-{issue.number}",
                            "posts": []}
    if event.on_pull_request:
        return _ignored(base, "a comment on a pull request, not on an issue")
    existing = store.made_from("github_issue", issue.number)
    retry = (event.comment or "").strip().lower().startswith(forms.RETRY)
    if event.name == "issue_comment" and existing is not None and not retry:
        return _comment(store, event, existing, base)
    if event.action in ("closed", "reopened"):
        if existing is None or event.action == "reopened":
            return _ignored(base, f"issue #{issue.number} was {event.action}")
        return _closed(store, event, existing, base)
    ignored = event.asks_for_intake()
    if ignored is not None:
        return _ignored(base, ignored)
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
    fields = issueform.fields_for(cat, provider_id, service_id)
    person = cat.person_by_github(issue.login)
    unverified = person is None
    if person is None:
        claimed = issueform.claimed_email(issue, fields)
        why = cat.unverified_claim(issue.login, claimed)
        if why is not None:
            _refuse(base, why, unknown_person_comment(issue) if not cat.rules.unverified_github
                    else refusal_comment(issue, what, why))
        assert claimed is not None
        person = Person(claimed)
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
        if unverified:
            request.source.update(github_login=issue.login, unverified=True)
        try:
            path = store.save(request, new=True)
        except ValidationError as exc:  # too big to write: the requester shortens it
            _refuse(base, exc.problem, refusal_comment(issue, what, exc.problem))
    provider = cat.providers[request.provider]
    data = request_json(request, cat, event.when)
    rel = store.rel(path)
    rush = " (rush)" if request.rush else ""
    marked = ([f"Your GitHub login is not under `people:` yet: the request is recorded under "
               f"{person.email}, marked unverified until an admin confirms it.", ""]
              if unverified else [])
    comment = "\n".join([
        f"@{issue.login}, this is now request **{request.id}** for {provider.name} / "
        f"{request.service}, priority {request.priority}{rush}:",
        "",
        *(f"- {line}" for line in expectations(request, provider, data)),
        "",
        *marked,
        (f"Its file is `{rel}`, added by the pull request linked to this issue; once that "
         f"is merged, the request is in {provider.name}'s queue (`icsvc show {request.id}`)."
         if pull_request else
         f"It is in {provider.name}'s queue (`{rel}`). Comment here to add information or "
         "answer a question; once it is resolved, rate it with `/rate N` (1 to 5) on a line "
         "of its own."),
    ])
    return {
        **base, "status": "created", "id": request.id, "path": rel,
        "posts": [Post(issue.number, comment).to_dict()],
        "provider": request.provider, "service": request.service, "title": request.title,
        "email": person.email, "author": f"{issue.login} <{noreply_email(issue.login)}>",
        "unverified": unverified,
        "label": request.provider,
        "commit_message": f"{request.id}: {request.title} (from #{issue.number})",
        "pr_title": f"{request.title} ({request.provider}/{request.service}, "
                    f"#{issue.number})",
        "pr_body": f"Request {request.id} from #{issue.number}, asked by @{issue.login} "
                   f"({person.email}).\n\n{comment}",
        "message": f"created {request.id} ({rel}) from issue #{issue.number}",
        "comment": comment,
    }


def _ignored(base: dict[str, Any], why: str) -> dict[str, Any]:
    return {**base, "status": "ignored", "message": f"nothing to do: {why}", "comment": None}


def _person(store: Store, request: Request, login: str) -> str | None:
    """The email of a GitHub login: `people:` maps it, or it is the unverified login that
    opened this request (it acts as the requester it named)."""
    person = store.catalogue.person_by_github(login)
    if person is not None:
        return person.email
    source = request.source or {}
    if str(source.get("github_login") or "").lower() == login.lower():
        return request.customer_email
    return None


def _done_before(request: Request, via: str) -> bool:
    return any(e.via == via for e in request.history)


def _comment(store: Store, event: Event, path: Any, base: dict[str, Any]) -> dict[str, Any]:
    """A comment on a request's issue: what it says, done by the person who wrote it."""
    issue = event.issue
    login = event.commenter or issue.login
    base.update(login=login)
    if event.bot:
        return _ignored(base, f"a comment by {login}, a bot")
    if event.action not in ("created", "edited"):
        return _ignored(base, f"a comment {event.action}")
    said = replies.read(event.comment or "")
    if not said.commands and not said.text:
        return _ignored(base, "a comment with nothing to act on")
    if event.comment_id is None:
        raise UsageError("--event: comment.id is missing (accepted: the JSON GitHub gives an "
                         "'issue_comment' workflow)")
    via = f"github-comment {event.comment_id}"
    request = store.load(path.stem)
    base.update(id=request.id, path=store.rel(path))
    if _done_before(request, via):
        return {**base, "status": "exists", "comment": None,
                "message": f"nothing to do: comment {event.comment_id} is already in the "
                           f"history of {request.id}"}
    actor = _person(store, request, login)
    if actor is None:
        if not said.commands:
            return _ignored(base, f"a comment by {login}, whom 'people:' does not list")
        _refuse(base, f"the GitHub login {login} is not under 'people:' in providers.yaml",
                unknown_person_comment(Issue(**{**issue.__dict__, "login": login})))
    return _act(store, request, actor, said, Channel(via=via), event, base)


def _closed(store: Store, event: Event, path: Any, base: dict[str, Any]) -> dict[str, Any]:
    """The issue closed: by the customer, the request is cancelled; by anyone else while the
    request is open, the issue is reopened with a comment saying how to end the request."""
    issue = event.issue
    request = store.load(path.stem)
    login = event.sender or issue.login
    base.update(id=request.id, path=store.rel(path), login=login)
    if request.status in FINAL:
        return _ignored(base, f"{request.id} is {request.status}")
    actor = _person(store, request, login)
    roles = history.roles_of(actor, history.replay(request, store.catalogue),
                             store.catalogue) if actor else frozenset()
    if not roles & history.CUSTOMER:
        comment = (f"@{login}, closing the issue does not end request {request.id}: it is "
                   f"{request.status}. The requester closes it to cancel it; "
                   f"{store.catalogue.providers[request.provider].name} ends it with "
                   "`/resolve NOTE` or `/decline REASON` in a comment.")
        return {**base, "status": "reopened", "comment": comment,
                "message": f"issue #{issue.number} reopened: {request.id} is still "
                           f"{request.status}",
                "posts": [Post(issue.number, comment, reopen=True).to_dict()]}
    assert actor is not None
    said = replies.Said([("cancel", f"closed issue #{issue.number}")])
    via = f"github-issue-closed {issue.number}"
    return _act(store, request, actor, said, Channel(via=via), event, base)


def _act(store: Store, request: Request, actor: str, said: replies.Said, channel: Channel,
         event: Event, base: dict[str, Any]) -> dict[str, Any]:
    issue = event.issue
    login = base["login"]
    cat = store.catalogue
    with store.writing(f"icsvc intake #{issue.number}"):
        request = store.load(request.id)
        first = len(request.history)
        try:
            acted = replies.act(request, cat, event.when, actor, said, channel)
        except IcsvcError as exc:
            reason = exc.message
            comment = "\n".join([
                f"@{login}, icsvc could not do that on request {request.id}:", "",
                f"> {reason}", "",
                "Nothing was recorded. Commands go on a line of their own: "
                + ", ".join(f"`{c}`" for c in replies.COMMANDS.values()) + "."])
            _refuse(base, reason, comment)
        if acted is None:
            return _ignored(base, f"a comment by {login}, who is neither the customer nor "
                                  f"the provider of {request.id}")
        path = store.save(request, old_path=request.path)
    comments = mirror(request, range(first, len(request.history)), cat, issue.login,
                      quiet_notes=True)
    if not comments:
        lines = [f"@{login}, recorded on request {request.id}:",
                 *(f"- {e.line()}" for e in request.history[first:]),
                 *(f"- note: {n}" for n in acted.notices)]
        comments = ["\n".join(lines)]
    posts = [Post(issue.number, c).to_dict() for c in comments]
    close = closing(request)
    if close:
        posts[-1]["close"] = close
    verbs = ", ".join(dict.fromkeys(e.type for e in request.history[first:]))
    return {**base, "status": "changed", "id": request.id, "path": store.rel(path),
            "email": actor, "author": f"{login} <{noreply_email(login)}>",
            "commit_message": f"{request.id}: {verbs} (from #{issue.number})",
            "message": f"{request.id}: {verbs} from issue #{issue.number}",
            "comment": "\n\n".join(comments), "posts": posts, "close": close}


def closing(request: Request) -> str | None:
    """How the issue closes with its request: completed when delivered and closed, not
    planned when declined or cancelled; None while the request goes on."""
    if request.status == "closed":
        return "completed"
    if request.status in FINAL:
        return "not_planned"
    return None


def mirror(request: Request, new: range, cat: Catalogue, mention: str | None = None,
           quiet_notes: bool = False) -> list[str]:
    """A comment for each notice the customer gets of the entries at `new` (what `notify`
    sends them: acknowledged with the timeframe, information asked, promise moved, resolved
    with how to rate, declined with the alternate...). With `quiet_notes`, a plain note
    written from a comment is not told again (the comment is already on the issue)."""
    out: list[str] = []
    for event in entry_events(request, set(new), cat):
        if not any(r.side == CUSTOMER for r in event.to):
            continue
        if quiet_notes and event.kind in ("progress", "customer-update"):
            continue
        head = f"@{mention}, " if mention and not out else ""
        out.append("\n".join([f"{head}**{event.subject}**", "",
                               *(replies.told(line) for line in event.lines)]))
    return out


def mirror_since(ctx: Context, rev: str) -> dict[str, Any]:
    """`--mirror REV`: for each request made from an issue and changed since REV, the
    comments its issue gets (entries written from a comment were answered then) and
    whether it closes."""
    from icsvc.store import files, gitutil

    store = open_store(ctx)
    cat = store.catalogue
    top = gitutil.toplevel(store.root)
    if top is None or gitutil.run(top, "rev-parse", "--verify", "--quiet",
                                  f"{rev}^{{commit}}", check=False).code != 0:
        raise UsageError(f"--mirror: {rev!r} is not a commit of the store's repository")
    posts: list[dict[str, Any]] = []
    for path in store.request_files():
        request = store.load(path.stem)
        number = (request.source or {}).get("github_issue")
        if not isinstance(number, int):
            continue
        rel = path.resolve().relative_to(top).as_posix()
        before = gitutil.show(top, rev, rel)
        try:
            old_count = len(files.request_from_text(path, before).history) if before else 0
        except IcsvcError:
            old_count = 0
        fresh = [i for i in range(old_count, len(request.history))
                 if not (request.history[i].via or "").startswith("github-")]
        if not fresh:
            continue
        comments = mirror(request, range(fresh[0], len(request.history)), cat)
        close = closing(request)
        for i, comment in enumerate(comments):
            last = i == len(comments) - 1
            posts.append(Post(number, comment, close if last else None).to_dict())
        if close and not comments:
            posts.append(Post(number, None, close).to_dict())
    return {"status": "mirrored", "since": rev, "posts": posts,
            "message": f"{len(posts)} post(s) for issues of requests changed since {rev}",
            "comment": None}


def post(ctx: Context, result_path: Any) -> dict[str, Any]:
    """`--post FILE`: make the posts of an earlier run's JSON result on GitHub."""
    import json
    import os

    from icsvc.github.api import GitHub

    try:
        data = json.loads(open(result_path, encoding="utf-8").read())
    except (OSError, ValueError) as exc:
        raise UsageError(f"--post: cannot read {result_path}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("posts"), list):
        raise UsageError(f"--post: {result_path} is not the JSON 'icsvc intake --format "
                         "json' prints (no 'posts')")
    posts = [Post.from_dict(p) for p in data["posts"]]
    hub = GitHub.from_env(os.environ)
    for one in posts:
        hub.post(one)
    return {"status": "posted", "posts": [p.to_dict() for p in posts], "comment": None,
            "message": f"posted {len(posts)} update(s) on GitHub"}
