"""The site in a real browser: Chromium (Debian's) through Playwright, the site served on
localhost. The example store of this repository, with a request whose title is a script,
is built once for the module; one browser opens every kind of page at a phone's, a
laptop's and a wall screen's width.

Checked: every page loads without a console error or a request to another host, nothing is
cut off (the page never scrolls sideways; a wide table or chart scrolls inside its own
box), the search finds a request by ID prefix and by title word, the queue's filters,
links between pages, markup typed by people shown as text, keyboard reach, print styles,
and axe-core's scan (light and dark) with no serious or critical violation."""

from __future__ import annotations

import functools
import os
import re
import shutil
import threading
import urllib.parse
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from browser import find_chromium, find_playwright
from conftest import EXAMPLE, base_env, make_store, run_in_process

NOW = "2026-11-24T15:00:00-05:00"
WIDTHS = (375, 1024, 1920)
XSS = "<script>alert(1)</script>"
LAUNCH = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Site:
    def __init__(self, folder: Path, url: str, xss: str) -> None:
        self.folder = folder
        self.url = url
        self.xss = xss

    def pages(self) -> list[str]:
        """One page of each kind, and every report page (from the served folder)."""
        out = self.folder / "public"
        requests = sorted(p.relative_to(self.folder).as_posix()
                          for p in out.glob("requests/*/*.html"))
        picked = [r for r in requests if any(rid in r for rid in (
            "5AWRC4QD", "4DT5ZT49", "36N7S0QH", self.xss))]
        return ["public/index.html", "public/catalogue.html", "public/search.html",
                "public/map.html", "public/reports/index.html",
                *sorted(p.relative_to(self.folder).as_posix()
                        for p in out.glob("reports/*/*.html")),
                "public/queues/engineering.html", "public/queues/legal.html", *picked,
                "report.html"]

    def kinds(self) -> list[str]:
        """One page of each template (the dark scan: the colours are the same per kind)."""
        picked: dict[str, str] = {}
        for name in self.pages():
            kind = re.sub(r"[0-9A-Z]{8}\.html$|\d{4}Q[1-4]|dept-[^/]+\.html$|queues/\w+",
                          "*", name)
            picked.setdefault(kind, name)
        return list(picked.values())


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The example store (and a request titled with a script) as a site, served on
    localhost; beside it the standalone HTML report of the quarter."""
    tmp = tmp_path_factory.mktemp("site")
    store = make_store(tmp / "store")
    shutil.copy(EXAMPLE / "providers.yaml", store.root / "providers.yaml")
    shutil.copytree(EXAMPLE / "requests", store.root / "requests", dirs_exist_ok=True)
    env = {**base_env(tmp / "home"), "ICSVC_NOW": NOW, "ICSVC_USER": "maria@example.com"}

    def icsvc(*args: str) -> str:
        result = run_in_process(list(args), env, store.root, "")
        assert result.code == 0, result.err
        return result.out

    made = icsvc("new", "-p", "engineering", "-s", "part-clarification", "-t", XSS,
                 "--details", "<img src=x onerror=alert(2)>", "--info", "order_number=SO-1",
                 "--info", "part_number=<b>P-1</b>", "--format", "json")
    xss = re.search(r'"id": "(\w+)"', made)
    assert xss
    served = tmp / "served"
    icsvc("site", str(served / "public"))
    icsvc("report", "--quarter", "2026Q4", "-o", str(served / "report.html"))
    handler = functools.partial(_Quiet, directory=str(served))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Site(served, f"http://127.0.0.1:{server.server_address[1]}/", xss.group(1))
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    chromium = find_chromium()
    find_playwright()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=LAUNCH)
        yield launched
        launched.close()


class Watch:
    """A page's console errors, uncaught errors, dialogs and requests to other hosts."""

    def __init__(self, page: Any) -> None:
        self.problems: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.problems.append(
            f"console: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"error: {e}"))
        page.on("dialog", lambda d: (self.problems.append(f"dialog: {d.message}"),
                                     d.dismiss()))
        page.on("requestfailed", self._failed)
        page.on("request", self._request)

    def _failed(self, request: Any) -> None:
        if request.failure != "net::ERR_ABORTED":  # (a favicon still loading as we move on)
            self.problems.append(f"failed: {request.url} {request.failure}")

    def _request(self, request: Any) -> None:
        url = urllib.parse.urlsplit(request.url)
        if url.scheme in ("data", "blob", "about"):
            return
        if url.hostname != "127.0.0.1":
            self.problems.append(f"request to another host: {request.url}")


CUT_OFF = """() => {
  const bad = [];
  const doc = document.documentElement;
  const width = doc.clientWidth;
  if (doc.scrollWidth > width + 1) bad.push(`the page scrolls sideways (${doc.scrollWidth}px)`);
  for (const el of document.querySelectorAll("table, main svg")) {
    if (el.tagName.toLowerCase() === "svg" && el.parentElement.closest("svg")) continue;
    const r = el.getBoundingClientRect();
    let box = el.parentElement, clip = null;
    while (box && box !== document.body) {
      if (getComputedStyle(box).overflowX !== "visible") { clip = box; break; }
      box = box.parentElement;
    }
    const named = el.closest("[aria-label]") || el;
    const name = el.tagName + " " + (named.getAttribute("aria-label") || "");
    if (clip === null) {
      if (r.left < -1 || r.right > width + 1) bad.push(`${name}: cut at ${r.right}px`);
      continue;
    }
    const overflow = getComputedStyle(clip).overflowX;
    const c = clip.getBoundingClientRect();
    if (c.left < -1 || c.right > width + 1) bad.push(`${name}: its box is cut`);
    if (r.width > c.width + 1 && overflow !== "auto" && overflow !== "scroll")
      bad.push(`${name}: cut by a box that does not scroll`);
    if (clip.scrollWidth + 1 < r.width) bad.push(`${name}: its box cannot scroll to its end`);
  }
  return bad;
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_loads_whole_and_alone(site: Site, browser: Any, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    watch = Watch(page)
    problems = []
    try:
        for name in site.pages():
            page.goto(site.url + name, wait_until="load")
            for problem in page.evaluate(CUT_OFF):
                problems.append(f"{name} at {width}px: {problem}")
            problems.extend(f"{name}: {p}" for p in watch.problems)
            watch.problems.clear()
    finally:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violation(site: Site, browser: Any, scheme: str) -> None:
    """axe-core on every page (in dark mode its contrast rule, on a page of each kind):
    nothing serious or critical."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    width = 1024 if scheme == "light" else 375
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  color_scheme=scheme)
    page = context.new_page()
    options: dict[str, Any] = {"resultTypes": ["violations"]}
    if scheme == "dark":
        options["runOnly"] = ["color-contrast"]
    found = []
    try:
        for name in site.pages() if scheme == "light" else site.kinds():
            page.goto(site.url + name, wait_until="load")
            result = axe.run(page, options=options)
            for v in result.response["violations"]:
                if v["impact"] in ("serious", "critical"):
                    targets = [n["target"] for n in v["nodes"][:3]]
                    found.append(f"{name}: {v['id']} ({v['impact']}): {v['help']} {targets}")
    finally:
        context.close()
    assert not found, "\n".join(found)


def test_search_finds_by_id_prefix_and_by_title_word(site: Site, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    watch = Watch(page)
    try:
        # from any page's search box, by the start of an ID
        page.goto(site.url + "public/catalogue.html")
        page.fill("#site-q", "4dt5")
        page.press("#site-q", "Enter")
        page.wait_for_url(re.compile(r"search\.html\?q=4dt5"))
        results = page.locator("[data-results] li")
        assert results.count() == 1
        assert results.first.inner_text().startswith("4DT5ZT49 ")
        # by a word of the title, typed on the search page
        page.fill("#q", "manifolds")
        assert page.locator("[data-results] li").count() == 1
        assert "Routing estimate for 800 custom manifolds" in \
            page.locator("[data-results]").inner_text()
        page.fill("#q", "zzzz-nothing")
        assert page.locator("[data-results] li").count() == 0
        assert "0 found" in page.locator("[data-summary]").inner_text()
        # the title made of markup is found, and shown as text
        page.fill("#q", "script")
        item = page.locator("[data-results] li", has_text=site.xss)
        assert XSS in item.inner_text()
        item.locator("a").click()
        page.wait_for_url(re.compile(rf"{site.xss}\.html$"))
        assert page.locator("h1").inner_text() == XSS
    finally:
        context.close()
    assert not watch.problems, watch.problems


def test_a_title_made_of_script_shows_as_text(site: Site, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    watch = Watch(page)
    try:
        for name in site.pages():
            if site.xss in name or "queues/engineering" in name:
                page.goto(site.url + name)
                assert XSS in page.locator("main").inner_text()
                assert page.locator("main script, main img, main b").count() == 0
            if site.xss in name:
                shown = page.locator("main").inner_text()
                assert "<img src=x onerror=alert(2)>" in shown and "<b>P-1</b>" in shown
    finally:
        context.close()
    assert not watch.problems, watch.problems  # no alert ever ran


def test_queue_filters(site: Site, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1024, "height": 900})
    page = context.new_page()
    try:
        page.goto(site.url + "public/queues/engineering.html")
        rows = page.locator("#queue tbody tr")
        total = rows.count()
        assert total >= 3
        assert page.locator("[data-count]").inner_text() == f"{total} of {total} shown"
        page.select_option("select[data-key=state]", "breached")
        visible = page.locator("#queue tbody tr:visible")
        assert 0 < visible.count() < total
        for i in range(visible.count()):
            assert "breached" in visible.nth(i).locator("td").nth(1).inner_text()
        page.select_option("select[data-key=state]", "")
        page.fill("input[data-key=text]", site.xss.lower()[:6])
        assert page.locator("#queue tbody tr:visible").count() == 1
        page.fill("input[data-key=text]", "")
        assert page.locator("#queue tbody tr:visible").count() == total
    finally:
        context.close()


def test_the_keyboard_reaches_search_links_and_wide_tables(site: Site, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        page.goto(site.url + "public/queues/engineering.html")
        seen = []
        for _ in range(40):
            page.keyboard.press("Tab")
            seen.append(page.evaluate(
                "() => { const e = document.activeElement; return e.tagName + '|' + "
                "(e.id || e.getAttribute('data-key') || e.className || e.textContent).trim() }"))
        assert seen[0] == "A|skip"
        assert "INPUT|site-q" in seen
        assert "SELECT|state" in seen
        assert any(s.startswith("DIV|scroll") for s in seen)  # the wide table scrolls by keys
        assert any(s.startswith("A|") and re.fullmatch(r"A\|[0-9A-Z]{8}", s) for s in seen)
    finally:
        context.close()


def test_print_leaves_out_the_navigation(site: Site, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(site.url + "public/queues/engineering.html")
        page.emulate_media(media="print")
        assert not page.locator("header.top").is_visible()
        assert page.locator("#queue").is_visible()
        overflow = page.evaluate("getComputedStyle(document.querySelector('.scroll')).overflowX")
        assert overflow == "visible"  # printed whole, not in a scroll box
    finally:
        context.close()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        for key in ("href", "src"):
            if found.get(key) and tag in ("a", "link", "script"):
                self.links.append(str(found[key]))


def test_links_between_pages_resolve(site: Site) -> None:
    public = site.folder / "public"
    parsed: dict[Path, _Links] = {}
    for path in public.rglob("*.html"):
        parser = _Links()
        parser.feed(path.read_text())
        parsed[path] = parser
    assert len(parsed) > 40
    broken = []
    for path, parser in parsed.items():
        for link in parser.links:
            url = urllib.parse.urlsplit(link)
            if url.scheme in ("mailto", "https"):
                continue
            assert not url.scheme and not url.netloc, f"{path}: {link}"
            target = (path.parent / urllib.parse.unquote(url.path)).resolve() if url.path \
                else path
            if not target.is_file() or not target.is_relative_to(public.resolve()):
                broken.append(f"{path.relative_to(public)}: {link}")
            elif url.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else set()
                if url.fragment not in ids:
                    broken.append(f"{path.relative_to(public)}: {link} (no such anchor)")
    assert not broken, "\n".join(broken)


def test_every_request_has_its_page(site: Site) -> None:
    ids = {p.stem for p in (site.folder.parent / "store" / "requests").glob("*/*.yaml")}
    pages = {p.stem for p in (site.folder / "public").glob("requests/*/*.html")}
    assert ids == pages and len(ids) == 31
    assert os.path.getsize(site.folder / "public" / "static" / "search-index.js") > 1000


class _Outline(HTMLParser):
    """The headings' levels and, per table, whether it is named (a caption, a label, or the
    labelled scroll box right around it) and has header cells."""

    def __init__(self) -> None:
        super().__init__()
        self.levels: list[int] = []
        self.tables: list[dict[str, bool]] = []
        self._open: list[dict[str, bool]] = []
        self._labelled = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if re.fullmatch(r"h[1-6]", tag):
            self.levels.append(int(tag[1]))
        elif tag == "table":
            self._open.append({"named": self._labelled or any(
                k in ("aria-label", "aria-labelledby") for k, _ in attrs), "th": False})
        elif tag == "caption" and self._open:
            self._open[-1]["named"] = True
        elif tag == "th" and self._open:
            self._open[-1]["th"] = True
        self._labelled = any(k == "aria-label" and v for k, v in attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._open:
            self.tables.append(self._open.pop())


def test_headings_in_order_and_tables_with_header_cells(site: Site) -> None:
    """Every page: one h1, first; no heading skips a level going down; every table is named
    and has header cells."""
    problems = []
    pages = [*(site.folder / "public").rglob("*.html"), site.folder / "report.html"]
    for path in pages:
        outline = _Outline()
        outline.feed(path.read_text())
        name = path.relative_to(site.folder)
        if not outline.levels or outline.levels[0] != 1 or outline.levels.count(1) != 1:
            problems.append(f"{name}: headings {outline.levels}")
        for before, after in zip(outline.levels, outline.levels[1:], strict=False):
            if after > before + 1:
                problems.append(f"{name}: h{before} then h{after}")
        for i, table in enumerate(outline.tables):
            if not table["named"] or not table["th"]:
                problems.append(f"{name}: table {i + 1} {table}")
    assert not problems, "\n".join(problems)
