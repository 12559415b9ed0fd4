"""`icsvc survey send` (who to ask about a quarter) and `icsvc survey answer` (one person's
answer about a provider and a quarter)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from icsvc.commands import open_store
from icsvc.commands.context import Context
from icsvc.errors import IcsvcError, UsageError
from icsvc.output.ui import console, print_json, print_rows, warn
from icsvc.reports import survey
from icsvc.reports.survey import Answer, Quarter
from icsvc.store.store import Store


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
    why = survey.not_started(quarter, cat, first, now)
    if why is not None:
        raise IcsvcError(f"refused: {why}")


def send(ctx: Context, quarter_text: str, providers: list[str], fmt: str) -> None:
    """List who to ask about the quarter (sending arrives with notifications)."""
    quarter = survey.parse_quarter(quarter_text)
    store = open_store(ctx)
    chosen = _providers(store, providers)
    _started_somewhere(store, quarter, ctx.now, chosen)
    asked = survey.load_who_to_ask(store, quarter, chosen or None, warn)
    if fmt == "json":
        print_json({"quarter": quarter.label, "people": [a.to_dict() for a in asked]})
        return
    rows = [{**a.to_dict(), "answered": (f"{a.answer.rating}/5 on "
                                         f"{a.answer.answered_at.strftime('%Y-%m-%d')}"
                                         if a.answer else "no")} for a in asked]
    if fmt == "csv":
        print_rows([a.to_dict() for a in asked],
                   [(k, k) for k in ("quarter", "provider", "person", "department", "requests",
                                     "answered", "rating", "answered_at")], "csv")
        return
    con = console()
    print_rows(rows, [("provider", "Provider"), ("person", "Person"),
                      ("department", "Department"), ("requests", "Requests"),
                      ("answered", "Answered")], fmt,
               title=f"Who to ask about {quarter}", flex=("person",),
               empty=f"nobody made a request in {quarter}"
                     + (f" to {', '.join(chosen)}" if chosen else ""))
    if asked:
        answered = sum(1 for a in asked if a.answer is not None)
        people = _count(len({a.person for a in asked}), "person", "people")
        held = _count(len({a.provider for a in asked}), "provider", "providers")
        con.print(f"{len(asked)} to ask ({people}, {held}); {answered} answered.",
                  markup=False)
        con.print(f"Each answers with: icsvc survey answer PROVIDER --quarter {quarter} "
                  "--rating 1-5 [--comment TEXT]", markup=False)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def answer(ctx: Context, provider: str, quarter_text: str, rating: int, comment: str | None,
           fmt: str) -> None:
    quarter = survey.parse_quarter(quarter_text)
    if rating not in survey.RATINGS:
        raise UsageError(f"--rating: {rating} is not a rating (accepted: 1 to 5)")
    store = open_store(ctx)
    cat = store.catalogue
    if provider not in cat.providers:
        raise UsageError(f"PROVIDER: {provider!r} is not a provider "
                         f"(accepted: {', '.join(cat.providers)})")
    actor = ctx.actor()
    path = survey.answer_path(store.root, quarter, provider, actor)
    asked = survey.load_who_to_ask(store, quarter, [provider], warn)
    mine = next((a for a in asked if a.person == actor), None)
    from icsvc.store import yamlio
    from icsvc.store.files import ANSWER_FILE, store_text

    with store.writing(f"icsvc survey answer {provider}"):  # read-modify-write of the answer
        existing = _existing(store, path)
        result, notices = survey.give_answer(existing, cat, quarter, provider, actor, ctx.now,
                                             rating, comment, mine)
        old_text = path.read_text(encoding="utf-8") if existing is not None else ""
        yamlio.write_atomic(path, store_text(path, result.to_dict(), old_text, ANSWER_FILE))
    result.path = path
    if fmt == "json":
        print_json({**result.to_json(), "path": store.rel(path)})
        return
    con = console()
    again = "".join(f" ({n})" for n in notices)
    stars = "★" * rating + "☆" * (5 - rating)
    con.print(f"Recorded {actor}'s answer about {cat.providers[provider].name} ({provider}) "
              f"for {quarter}: {rating}/5 {stars}{again}.", markup=False)
    con.print(f"  Commit {store.rel(path)} and open a pull request;\n"
              f"  only you ({actor}) may commit your answer.", markup=False)


def _existing(store: Store, path: Path) -> Answer | None:
    """The actor's earlier answer, if any; a broken or hand-edited file is refused rather
    than overwritten."""
    if not path.exists():
        return None
    existing = survey.load_answer(path)
    problem = survey.path_problem(store.root, path, existing)
    if problem is not None:
        raise IcsvcError(f"refused: {store.rel(path)}: {problem[1]}; fix it first "
                         "(icsvc check)")
    return existing
