"""`icsvc survey send` (who to ask about a quarter), `icsvc survey answer` (one person's
answer about a provider and a quarter), `icsvc survey respond` (the provider's response to
an answer) and `icsvc survey review` (a provider's low ratings and comments, ranked)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from icsvc.commands import open_store
from icsvc.commands.context import Context
from icsvc.domain.answers import RATINGS, Answer, Asked, Quarter, not_started, parse_quarter
from icsvc.domain.catalogue import Provider
from icsvc.errors import IcsvcError, UsageError
from icsvc.reports.survey_results import ReviewItem, load_who_to_ask
from icsvc.store.answer_files import answer_path, load_answer, path_problem
from icsvc.store.store import Store


@dataclass
class ToAsk:
    """Who to ask about a quarter (`survey send`), among the providers `chosen` (none: all)."""

    quarter: Quarter
    chosen: list[str]
    asked: list[Asked]


@dataclass
class Answered:
    """An answer recorded (`survey answer`): the file written, the provider, the notices
    (an answer that replaces an earlier one)."""

    answer: Answer
    rel: str
    provider: Provider
    notices: list[str]


def _providers(store: Store, names: list[str]) -> list[str]:
    cat = store.catalogue
    for name in names:
        if name not in cat.providers:
            raise UsageError(f"--provider: {name!r} is not a provider "
                             f"(accepted: {', '.join(cat.providers)})")
    return list(dict.fromkeys(names))


def _started_somewhere(store: Store, quarter: Quarter, now: datetime,
                       providers: list[str]) -> None:
    """Refuse a quarter that has begun for none of the providers yet."""
    cat = store.catalogue
    names = providers or list(cat.providers)
    if not names:
        return
    first = min(names, key=lambda p: quarter.bounds(cat.providers[p].calendar.tz)[0])
    why = not_started(quarter, cat, first, now)
    if why is not None:
        raise IcsvcError(f"refused: {why}")


def send(ctx: Context, quarter_text: str, providers: list[str]) -> ToAsk:
    """Who to ask about the quarter (sending arrives with notifications)."""
    quarter = parse_quarter(quarter_text)
    store = open_store(ctx)
    chosen = _providers(store, providers)
    _started_somewhere(store, quarter, ctx.now, chosen)
    return ToAsk(quarter, chosen, load_who_to_ask(store, quarter, chosen or None,
                                                         ctx.warn))


def answer(ctx: Context, provider: str, quarter_text: str, rating: int,
           comment: str | None) -> Answered:
    """`icsvc survey answer`: the acting person's answer (a mail gateway calls this too,
    with the sender as the acting person)."""
    quarter = parse_quarter(quarter_text)
    if rating not in RATINGS:
        raise UsageError(f"--rating: {rating} is not a rating (accepted: 1 to 5)")
    store = open_store(ctx)
    if provider not in store.catalogue.providers:
        raise UsageError(f"PROVIDER: {provider!r} is not a provider "
                         f"(accepted: {', '.join(store.catalogue.providers)})")
    return _record(ctx, store, ctx.actor(), provider, quarter, rating, comment)


def _record(ctx: Context, store: Store, actor: str, provider: str, quarter: Quarter,
            rating: int, comment: str | None, *, same_is_none: bool = False) -> Answered:
    """Give the answer by the rules of `workflow/answering.py`; with `same_is_none`, an
    answer equal to the latest one writes nothing (`Answered.notices` says so): a second
    delivery of the same issue event changes nothing."""
    cat = store.catalogue
    path = answer_path(store.root, quarter, provider, actor)
    asked = load_who_to_ask(store, quarter, [provider], ctx.warn)
    mine = next((a for a in asked if a.person == actor), None)
    from icsvc.store import yamlio
    from icsvc.store.files import ANSWER_FILE, store_text
    from icsvc.workflow.answering import give_answer

    with store.writing(f"icsvc survey answer {provider}"):  # read-modify-write of the answer
        existing = _existing(store, path)
        if (same_is_none and existing is not None and existing.rating == rating
                and existing.comment == (comment.strip() if comment else None)):
            existing.path = path
            return Answered(existing, store.rel(path), cat.providers[provider],
                            ["unchanged: the same as your latest answer"])
        result, notices = give_answer(existing, cat, quarter, provider, actor, ctx.now, rating,
                                      comment, mine)
        old_text = path.read_text(encoding="utf-8") if existing is not None else ""
        yamlio.write_atomic(path, store_text(path, result.to_dict(), old_text, ANSWER_FILE))
    result.path = path
    return Answered(result, store.rel(path), cat.providers[provider], notices)


def intake(ctx: Context, event_path: Path) -> dict[str, Any]:
    """`icsvc survey intake --event FILE`: an issue opened (or edited) from the survey's
    issue form, answered by the rules of `survey answer` as the person `people:` maps the
    issue's author to. What the workflow reads: `status` (answered, unchanged, ignored,
    refused), the comment to post, and for an answer its file and who commits it."""
    from icsvc.github import issueform, survey_form

    store = open_store(ctx)
    cat = store.catalogue
    event = issueform.load_event(event_path)
    issue = event.issue
    base: dict[str, Any] = {"issue": issue.number, "login": issue.login}
    if event.name != "issues" or issue.state != "open" or (
            survey_form.LABEL not in issue.labels
            and not issue.title.startswith(survey_form.TITLE.strip())):
        return {**base, "status": "ignored", "comment": None,
                "message": f"nothing to do: issue #{issue.number} is not an open survey "
                           "answer"}

    def refused(reason: str) -> dict[str, Any]:
        return {**base, "status": "refused", "message": reason, "comment": "\n".join([
            f"@{issue.login}, icsvc could not record this survey answer:", "",
            f"> {reason}", "", "Nothing was recorded. Edit the issue to fix it."])}

    person = cat.person_by_github(issue.login)
    if person is None:
        return refused(f"the GitHub login {issue.login} is not under 'people:' in "
                       "providers.yaml (ask the maintainers to add you with your email)")
    try:
        found = survey_form.read(issue.body, cat,
                                 issueform.sections(issue.body, survey_form.LABELS))
        quarter = parse_quarter(found.quarter, f"'{survey_form.QUARTER}'")
        done = _record(ctx, store, person.email, found.provider, quarter, found.rating,
                       found.comment, same_is_none=True)
    except IcsvcError as exc:
        return refused(exc.message)
    a = done.answer
    if done.notices and done.notices[0].startswith("unchanged"):
        return {**base, "status": "unchanged", "path": done.rel, "comment": None,
                "message": f"nothing to do: {person.email}'s answer about {a.provider} for "
                           f"{a.quarter} is already {a.rating}/5"}
    author = (f"{person.github} <{person.github}@users.noreply.github.com>" if person.github
              else person.email)
    return {**base, "status": "answered", "path": done.rel, "person": person.email,
            "author": author, "provider": a.provider, "quarter": a.quarter.label,
            "rating": a.rating,
            "commit_message": f"icsvc: survey answer {a.provider}-{a.quarter.label} "
                              f"(issue #{issue.number})",
            "comment": (f"@{issue.login}, your {a.rating}/5 for {done.provider.name} about "
                        f"{a.quarter} is recorded as {person.email} ({done.rel}). Thank you; "
                        f"{done.provider.name} sees each low rating and comment, and its "
                        "response shows in 'icsvc survey review'.")}


def _existing(store: Store, path: Path) -> Answer | None:
    """The actor's earlier answer, if any; a broken or hand-edited file is refused rather
    than overwritten."""
    if not path.exists():
        return None
    existing = load_answer(path)
    problem = path_problem(store.root, path, existing)
    if problem is not None:
        raise IcsvcError(f"refused: {store.rel(path)}: {problem[1]}; fix it first "
                         "(icsvc check)")
    return existing


@dataclass
class Responded:
    """A response recorded (`survey respond`)."""

    answer: Answer
    rel: str
    provider: Provider


def respond(ctx: Context, provider: str, quarter_text: str, person: str,
            text: str) -> Responded:
    """A provider member's response to one person's answer about a quarter."""
    quarter = parse_quarter(quarter_text)
    store = open_store(ctx)
    cat = store.catalogue
    if provider not in cat.providers:
        raise UsageError(f"PROVIDER: {provider!r} is not a provider "
                         f"(accepted: {', '.join(cat.providers)})")
    from icsvc.domain.checker import is_email
    from icsvc.store import yamlio
    from icsvc.store.files import ANSWER_FILE, store_text
    from icsvc.workflow.answering import give_response

    if not is_email(person.strip()):
        raise UsageError(f"--person: {person!r} is not an email address")
    actor = ctx.actor()
    path = answer_path(store.root, quarter, provider, person.strip().lower())
    with store.writing(f"icsvc survey respond {provider}"):
        existing = _existing(store, path)
        if existing is None:
            raise IcsvcError(f"refused: {person} has not answered {provider}'s {quarter} "
                             f"survey (no {store.rel(path)}); 'icsvc survey review {provider}' "
                             "lists the answers to respond to")
        result = give_response(existing, cat, actor, ctx.now, text)
        yamlio.write_atomic(path, store_text(path, result.to_dict(),
                                             path.read_text(encoding="utf-8"), ANSWER_FILE))
    result.path = path
    return Responded(result, store.rel(path), cat.providers[provider])


@dataclass
class Reviewed:
    """`survey review`: a provider's low ratings and comments, ranked."""

    provider: Provider
    quarters: list[Quarter]
    items: list[ReviewItem]


def review(ctx: Context, provider: str, quarter_texts: list[str]) -> Reviewed:
    store = open_store(ctx)
    cat = store.catalogue
    if provider not in cat.providers:
        raise UsageError(f"PROVIDER: {provider!r} is not a provider "
                         f"(accepted: {', '.join(cat.providers)})")
    held = cat.providers[provider]
    current = Quarter.of(ctx.now.astimezone(held.calendar.tz).date())
    quarters = ([parse_quarter(q) for q in quarter_texts] if quarter_texts
                else [current.previous(), current])
    from icsvc.reports.survey_results import review as review_items
    from icsvc.store.answer_files import load_answers

    wanted = sorted({*quarters, *(q.next() for q in quarters)})
    answers = load_answers(store.root, wanted, ctx.warn)
    return Reviewed(held, sorted(set(quarters)),
                    review_items(answers, provider, quarters, current))
