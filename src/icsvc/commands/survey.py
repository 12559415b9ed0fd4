"""`icsvc survey send` (who to ask about a quarter), `icsvc survey answer` (one person's
answer about a provider and a quarter), `icsvc survey respond` (the provider's response to
an answer) and `icsvc survey review` (a provider's low ratings and comments, ranked)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

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
    quarter = parse_quarter(quarter_text)
    if rating not in RATINGS:
        raise UsageError(f"--rating: {rating} is not a rating (accepted: 1 to 5)")
    store = open_store(ctx)
    cat = store.catalogue
    if provider not in cat.providers:
        raise UsageError(f"PROVIDER: {provider!r} is not a provider "
                         f"(accepted: {', '.join(cat.providers)})")
    actor = ctx.actor()
    path = answer_path(store.root, quarter, provider, actor)
    asked = load_who_to_ask(store, quarter, [provider], ctx.warn)
    mine = next((a for a in asked if a.person == actor), None)
    from icsvc.store import yamlio
    from icsvc.store.files import ANSWER_FILE, store_text
    from icsvc.workflow.answering import give_answer

    with store.writing(f"icsvc survey answer {provider}"):  # read-modify-write of the answer
        existing = _existing(store, path)
        result, notices = give_answer(existing, cat, quarter, provider, actor, ctx.now, rating,
                                      comment, mine)
        old_text = path.read_text(encoding="utf-8") if existing is not None else ""
        yamlio.write_atomic(path, store_text(path, result.to_dict(), old_text, ANSWER_FILE))
    result.path = path
    return Answered(result, store.rel(path), cat.providers[provider], notices)


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
