"""`icsvc survey send` and `survey answer` shown: who to ask (a table, CSV or JSON) and the
answer recorded."""

from __future__ import annotations

from icsvc.commands.survey import Answered, ToAsk
from icsvc.output.ui import console, print_json, print_rows


def who_to_ask(found: ToAsk, fmt: str) -> None:
    from icsvc.output import plain

    quarter, asked, chosen = found.quarter, found.asked, found.chosen
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
        plain.para(f"{len(asked)} to ask ({people}, {held}); {answered} answered.")
        plain.para(f"Each answers with: icsvc survey answer PROVIDER --quarter {quarter} "
                   "--rating 1-5 [--comment TEXT]", indent=2)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def answered(done: Answered, fmt: str) -> None:
    result = done.answer
    if fmt == "json":
        print_json({**result.to_json(), "path": done.rel})
        return
    con = console()
    again = "".join(f" ({n})" for n in done.notices)
    rating, actor, provider = result.rating, result.person, done.provider
    stars = "★" * rating + "☆" * (5 - rating)
    con.print(f"Recorded {actor}'s answer about {provider.name} ({provider.id}) "
              f"for {result.quarter}: {rating}/5 {stars}{again}.", markup=False)
    con.print(f"  Commit {done.rel} and open a pull request;\n"
              f"  only you ({actor}) may commit your answer.", markup=False)
