"""`icsvc feedback` shown: the stars given, and the file to commit."""

from __future__ import annotations

from icsvc.commands.feedback import Rated
from icsvc.output.ui import console, next_step, print_json


def render(rated: Rated, fmt: str) -> None:
    if fmt == "json":
        print_json(rated.data)
        return
    request, stars = rated.request, rated.stars
    con = console()
    again = "".join(f" ({n})" for n in rated.notices)
    con.print(f"Rated {request.id} {stars}/5 {'★' * stars}{'☆' * (5 - stars)}{again}.",
              markup=False)
    con.print(f"  {rated.rel}: commit it to share it with {request.provider}.",
              markup=False)
    next_step(rated.next_step)
