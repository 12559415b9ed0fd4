"""Where each page of the site lives, and the links between them: every link is relative,
so the site works from any folder, any host path (GitHub Pages serves it under the
repository's name) and straight from the disk."""

from __future__ import annotations

import posixpath
import re
from datetime import UTC, datetime

HOME = "index.html"
CATALOGUE = "catalogue.html"
SEARCH = "search.html"
MAP = "map.html"
REPORTS = "reports/index.html"
SEARCH_INDEX = "static/search-index.js"
MANIFEST = ".icsvc-site.json"
"""What the last build wrote, and what each request's page was made from (`build.py`)."""

PAGE_PATTERNS = (
    re.compile(r"requests/\d{4}-\d{2}/[A-Z0-9]+\.html"),
    re.compile(r"queues/[a-z0-9_-]+\.html"),
    re.compile(r"reports/\d{4}Q[1-4]/[a-z0-9_.%-]+\.html"),
    re.compile(r"(index|catalogue|search|map)\.html|reports/index\.html"),
    re.compile(r"static/[a-z-]+\.(css|js|svg)"),
)
"""Every file a build writes: a file named in the manifest is removed by a later build only
when it matches one of these (a manifest edited by hand cannot make a build delete
anything else)."""


def is_page(rel: str) -> bool:
    return any(p.fullmatch(rel) for p in PAGE_PATTERNS)


def month(created: float) -> str:
    """A request page's folder: the month it was made in (UTC), which never changes."""
    return datetime.fromtimestamp(created, UTC).strftime("%Y-%m")


def request_page(rid: str, created: float) -> str:
    return f"requests/{month(created)}/{rid}.html"


def queue_page(provider: str) -> str:
    return f"queues/{provider}.html"


def slug(name: str) -> str:
    """A department's name as a file name: lower case letters, digits, `-` and `_` kept, any
    other character written as `.XX` (its UTF-8 bytes), so two names never share a file."""
    out = []
    for ch in name:
        if re.fullmatch(r"[a-z0-9_-]", ch):
            out.append(ch)
        else:
            out.extend(f".{b:02x}" for b in ch.encode("utf-8"))
    return "".join(out) or ".empty"


def report_page(quarter: str) -> str:
    return f"reports/{quarter}/index.html"


def department_file(department: str) -> str:
    """A requesting department's page, beside its quarter's report page."""
    return f"dept-{slug(department)}.html"


def department_page(quarter: str, department: str) -> str:
    return f"reports/{quarter}/{department_file(department)}"


def link(page: str, target: str) -> str:
    """The relative link from `page` to `target` (both from the site's root)."""
    return posixpath.relpath(target, posixpath.dirname(page) or ".")


def root_of(page: str) -> str:
    """The link from `page` to the site's root folder (`""` at the root, else `../`...)."""
    return "../" * page.count("/")
