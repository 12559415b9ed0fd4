"""The HTML pages' templates (Jinja2, escaping on) and the files they share: the report's
HTML file (`reports/report_render.py`) and the static site (`site/`) draw from the same
templates and the same stylesheet, so a figure looks the same in both.

Every value a template prints is escaped unless the code marks it safe (`Markup`): a title,
note or name holding markup or script shows as text. Jinja2 is imported when a page is
first rendered, never at start-up.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment

STATIC = ("site.css", "site.js", "icon.svg")
"""The site's static files (`templates/static/`), copied to its `static/` folder."""


@cache
def environment() -> Environment:
    """The one template environment: templates from `templates/html/`, every value escaped,
    an undefined name an error (a typo in a template fails the tests, not a reader)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("icsvc", "templates/html"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True, extensions=["jinja2.ext.do"])
    env.globals["stylesheet"] = stylesheet
    return env


def render(name: str, **context: Any) -> str:
    """The template `name` rendered with `context`."""
    return environment().get_template(name).render(**context)


def static(name: str) -> str:
    """A static file's text (`STATIC`)."""
    from importlib.resources import files

    return files("icsvc").joinpath(f"templates/static/{name}").read_text(encoding="utf-8")


def stylesheet() -> str:
    """The stylesheet every page uses (inlined in the report's HTML file)."""
    return static("site.css")


def safe(html: str) -> Any:
    """HTML this code rendered from a template (escaped there), to place in another page
    as it is."""
    from markupsafe import Markup

    return Markup(html)


# -- what the pages' charts and tables are drawn from ---------------------------------------


class Chart:
    """An SVG picture as shapes in pixels, drawn by the `svg` macro (`_parts.html`): rects
    and texts with a CSS class each (the colours follow light and dark), lines and paths.
    `fit`: it shrinks with a narrow screen; otherwise it keeps its size and its box
    scrolls."""

    def __init__(self, width: float, height: float, label: str, fit: bool = True) -> None:
        self.width, self.height, self.label, self.fit = width, height, label, fit
        self.rects: list[tuple[float, float, float, float, str]] = []
        self.texts: list[tuple[float, float, str, str]] = []
        self.lines: list[tuple[float, float, float, float, str]] = []
        self.paths: list[tuple[str, float, str]] = []

    def rect(self, x: float, y: float, w: float, h: float, cls: str) -> None:
        self.rects.append((x, y, w, h, cls))

    def text(self, x: float, y: float, text: str, anchor: str = "start") -> None:
        self.texts.append((x, y, text, anchor))

    def line(self, x1: float, y1: float, x2: float, y2: float, cls: str) -> None:
        self.lines.append((x1, y1, x2, y2, cls))

    def path(self, d: str, width: float, cls: str) -> None:
        self.paths.append((d, width, cls))


class Table:
    """A table as pages show it: a caption, header cells, rows whose first cell is the row's
    header; a cell is text, or (text, link). `numeric`: columns aligned right; `heat`: a
    shade (0-4) per cell, drawn behind its figure (the figure is always written)."""

    def __init__(self, title: str, headers: list[str], rows: list[list[Any]],
                 numeric: list[bool] | None = None, heat: list[list[int]] | None = None,
                 wrap: tuple[int, ...] = ()) -> None:
        self.title, self.headers, self.rows = title, headers, rows
        self.numeric = numeric or [False] * len(headers)
        self.heat = heat
        self.wrap = wrap
        """Columns of free text, wrapped rather than kept on one line."""
