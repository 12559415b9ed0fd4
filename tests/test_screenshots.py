"""The manual's screenshots (`scripts/screenshots.py`) show what the current code draws:
each picture is kept with the HTML it was taken from, and that HTML is rendered again here.
When the code now renders a pictured page differently, or a picture or its page was changed
without the script, this fails and says to run the script."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("screenshots",
                                                  ROOT / "scripts" / "screenshots.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("screenshots", module)  # (its dataclass looks itself up)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def shots() -> tuple[ModuleType, dict[str, str]]:
    script = _script()
    return script, script.rendered()


def test_every_picture_shows_what_the_code_renders_now(
        shots: tuple[ModuleType, dict[str, str]]) -> None:
    script, now = shots
    stale = script.out_of_date(now)
    assert not stale, ("the manual's screenshots are out of date; remake them with "
                       "`python scripts/screenshots.py`:\n" + "\n".join(stale))


def test_a_change_not_pictured_is_found(shots: tuple[ModuleType, dict[str, str]],
                                        tmp_path: Path) -> None:
    """The check itself: a page drawn differently, a picture replaced by hand, a picture
    missing."""
    script, now = shots
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "docs", root / "docs")
    assert script.out_of_date(now, root) == []
    changed = dict(now, **{"site-queue": now["site-queue"].replace("breached", "late")})
    assert script.out_of_date(changed, root) == [
        "site-queue: the code now renders site/queues/engineering.html differently from "
        "docs/screenshots/site-queue.html"]
    (root / "docs/screenshots/site-map.png").write_bytes(b"\x89PNG by hand")
    assert script.out_of_date(now, root) == [
        "site-map: docs/screenshots/site-map.png was not taken from "
        "docs/screenshots/site-map.html (its digests are not those in shots.json)"]
    (root / "docs/report.png").unlink()
    assert "report: no picture yet" in script.out_of_date(now, root)


def test_the_pictures_are_of_self_contained_pages(
        shots: tuple[ModuleType, dict[str, str]]) -> None:
    """What a picture was taken from needs no other file: its style and scripts are in it."""
    _, now = shots
    for name, html in now.items():
        assert 'href="static/' not in html and 'src="' not in html.replace('src="data:', ""), \
            name
        assert "<style>" in html, name
