"""`icsvc survey send`, `answer`, `respond` and `review` shown: who to ask (a table, CSV or
JSON), the answer or response recorded, and a provider's review list."""

from __future__ import annotations

from icsvc.commands.survey import Answered, Responded, Reviewed, ToAsk
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


def responded(done: Responded, fmt: str) -> None:
    result = done.answer
    if fmt == "json":
        print_json({**result.to_json(), "path": done.rel})
        return
    con = console()
    latest = result.responses[-1]
    con.print(f"Recorded {latest.by}'s response for {done.provider.name} to "
              f"{result.person}'s {result.rating}/5 about {result.quarter}.", markup=False)
    con.print(f"  {done.rel}: commit it (icsvc commit); their answer about "
              f"{result.quarter.next()} will show whether they saw progress.", markup=False)


def review(found: Reviewed, fmt: str) -> None:
    quarters = ", ".join(q.label for q in found.quarters)
    if fmt == "json":
        print_json({"provider": found.provider.id, "quarters": [q.label for q in
                                                                found.quarters],
                    "items": [i.to_dict() for i in found.items]})
        return
    rows = []
    for item in found.items:
        c = item.comment
        last = item.responses[-1] if item.responses else None
        rows.append({"quarter": c.quarter.label, "rating": f"{c.rating}/5",
                     "department": c.department, "person": c.person,
                     "comment": c.comment or "",
                     "response": (f"{last['response']} ({last['by']})" if last else "none yet"),
                     "progress": (f"{item.progress} ({item.next_rating}/5)"
                                  if item.next_rating is not None else item.progress)})
    print_rows(rows, [("quarter", "Quarter"), ("rating", "Rating"), ("department", "Department"),
                      ("person", "Person"), ("comment", "Comment"), ("response", "Response"),
                      ("progress", "Next quarter")], fmt,
               title=f"{found.provider.name}: low ratings and comments, {quarters}",
               flex=("comment", "response"),
               empty=f"no low rating or comment about {found.provider.id} in {quarters}")
    if rows and fmt == "table":
        console().print(f"Respond with: icsvc survey respond {found.provider.id} --quarter "
                        "QUARTER --person EMAIL --response TEXT", markup=False)
