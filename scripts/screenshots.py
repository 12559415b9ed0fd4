"""The manual's screenshots, made from the current code.

    python scripts/screenshots.py [--check]

Builds the example organisation's site (`icsvc site`) and its HTML report of 2026Q4
(`icsvc report --format html`) as of 2026-11-24 15:00 New York, then, for each picture in
`SHOTS`, writes the page as one self-contained file (its stylesheet, scripts and icon put
inside it) to `docs/screenshots/NAME.html` and takes the picture of that very file in
headless Chromium (Debian: apt-get install chromium). `docs/screenshots/shots.json` records
each picture's page and the digests of both files.

The HTML kept beside each picture is what a test (`tests/test_screenshots.py`) renders
again from the current code: when the code now draws that page differently and the picture
was not remade, the test fails and says to run this script. `--check` does the same here:
it says which pictures are out of date (exit 1) and takes none.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOTS_DIR = ROOT / "docs" / "screenshots"
RECORD = SHOTS_DIR / "shots.json"
NOW = "2026-11-24T15:00:00-05:00"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--force-device-scale-factor=1"]


@dataclass(frozen=True)
class Shot:
    name: str
    page: str
    """The page, from the build folder: `site/...` a page of the site, `report.html` the
    report file."""
    width: int
    height: int
    png: str
    """Where the picture goes, from the repository's root."""


SHOTS = (
    Shot("report", "report.html", 1200, 2000, "docs/report.png"),
    Shot("site-queue", "site/queues/engineering.html", 1280, 900,
         "docs/screenshots/site-queue.png"),
    Shot("site-request-phone", "site/requests/2026-11/4DT5ZT49.html", 375, 1300,
         "docs/screenshots/site-request-phone.png"),
    Shot("site-map", "site/map.html", 1024, 1100, "docs/screenshots/site-map.png"),
)


def example_store() -> Path:
    """The example organisation (`examples/acme/`, or the repository's root before it
    moved there)."""
    moved = ROOT / "examples" / "acme"
    return moved if (moved / "providers.yaml").is_file() else ROOT


def icsvc_script() -> str:
    beside = Path(sys.executable).parent / "icsvc"
    found = str(beside) if beside.is_file() else shutil.which("icsvc")
    if found is None:
        sys.exit("screenshots: the icsvc script is not installed (pip install -e .)")
    return found


def build(work: Path) -> Path:
    """The example store copied into `work`, its site and report built; the build folder."""
    store = work / "store"
    source = example_store()
    store.mkdir(parents=True)
    shutil.copy(source / "providers.yaml", store / "providers.yaml")
    shutil.copytree(source / "requests", store / "requests")
    out = work / "built"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work / "home"),
           "TZ": "UTC", "LANG": "C.UTF-8", "ICSVC_NOW": NOW,
           "ICSVC_USER": "maria@example.com"}
    for args in (["site", str(out / "site")],
                 ["report", "--quarter", "2026Q4", "--format", "html", "--output",
                  str(out / "report.html")]):
        done = subprocess.run([icsvc_script(), args[0], "--store", str(store), *args[1:]], env=env,
                              capture_output=True, text=True, timeout=600, check=False)
        if done.returncode != 0:
            sys.exit(f"screenshots: icsvc {args[0]} failed:\n{done.stderr}")
    return out


_LINKED = re.compile(r'<link rel="(stylesheet|icon)" href="([^"]+)"[^>]*>'
                     r'|<script src="([^"]+)"( defer)?></script>')


def self_contained(built: Path, page: str) -> str:
    """The page with the files it links to from the site put inside it: the stylesheet as
    a <style>, a script as an inline <script> (the site's scripts wait for the page to
    load), the icon as a data: URL."""
    path = built / page
    html = path.read_text(encoding="utf-8")

    def inline(m: re.Match[str]) -> str:
        href = m.group(2) or m.group(3)
        if href.startswith("data:"):
            return m.group(0)
        text = (path.parent / href).resolve().read_text(encoding="utf-8")
        if m.group(1) == "stylesheet":
            return f"<style>\n{text}</style>"
        if m.group(1) == "icon":
            return ('<link rel="icon" href="data:image/svg+xml;base64,'
                    f'{base64.b64encode(text.encode()).decode()}">')
        return f"<script>\n{text}</script>"

    return _LINKED.sub(inline, html)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rendered() -> dict[str, str]:
    """Each picture's page as the current code renders it (self-contained)."""
    with tempfile.TemporaryDirectory(prefix="icsvc-shots-") as tmp:
        built = build(Path(tmp))
        return {shot.name: self_contained(built, shot.page) for shot in SHOTS}


def out_of_date(now: dict[str, str], root: Path = ROOT) -> list[str]:
    """The pictures (under `root`) whose kept page differs from `now`, or that are missing
    or do not match the record (a page or a picture changed by hand), each with why."""
    shots = root / SHOTS_DIR.relative_to(ROOT)
    try:
        record = json.loads((shots / RECORD.name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {}
    stale = []
    for shot in SHOTS:
        kept = shots / f"{shot.name}.html"
        shown = kept.relative_to(root)
        png = root / shot.png
        if not kept.is_file() or not png.is_file():
            stale.append(f"{shot.name}: no picture yet")
        elif kept.read_text(encoding="utf-8") != now[shot.name]:
            stale.append(f"{shot.name}: the code now renders {shot.page} differently from "
                         f"{shown}")
        elif record.get(shot.name) != _recorded(shot, kept, png):
            stale.append(f"{shot.name}: {shot.png} was not taken from {shown} (its "
                         f"digests are not those in {RECORD.name})")
    return stale


def _recorded(shot: Shot, kept: Path, png: Path) -> dict[str, object]:
    return {"page": shot.page, "png": shot.png, "width": shot.width, "height": shot.height,
            "html_sha256": digest(kept), "png_sha256": digest(png)}


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        sys.exit("screenshots: chromium not found (Debian: apt-get install chromium)")
    return found


def take(now: dict[str, str]) -> None:
    browser = chromium()
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    record = {}
    with tempfile.TemporaryDirectory(prefix="icsvc-shots-") as tmp:
        for shot in SHOTS:
            kept = SHOTS_DIR / f"{shot.name}.html"
            kept.write_text(now[shot.name], encoding="utf-8")
            png = ROOT / shot.png
            png.parent.mkdir(parents=True, exist_ok=True)
            taken = Path(tmp) / f"{shot.name}.png"
            subprocess.run([browser, *FLAGS, f"--user-data-dir={tmp}/profile",
                            f"--window-size={shot.width},{shot.height}",
                            f"--screenshot={taken}", kept.as_uri()],
                           capture_output=True, timeout=120, check=False)
            if not taken.is_file():
                sys.exit(f"screenshots: chromium took no picture of {kept}")
            os.replace(taken, png)
            record[shot.name] = _recorded(shot, kept, png)
            print(f"wrote {shot.png} (from {kept.relative_to(ROOT)})")
    RECORD.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="say which pictures are out of date; take none")
    args = parser.parse_args()
    now = rendered()
    if args.check:
        stale = out_of_date(now)
        for line in stale:
            print(line, file=sys.stderr)
        sys.exit(1 if stale else 0)
    take(now)


if __name__ == "__main__":
    main()
