"""`icsvc report --format html`: one self-contained file, rendered in headless Chromium
(Debian's `chromium` package) to check what a reader sees, and screenshotted."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import reportstore as rs
from browser import FLAGS, find_chromium
from conftest import Store
from htmltext import visible_text


@pytest.fixture(scope="session")
def chromium() -> Iterator[str]:
    """The Chromium binary (`browser.find_chromium`)."""
    yield find_chromium()


def run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def html_report(store: Store, tmp_path: Path) -> Path:
    rs.write(store.root)
    target = tmp_path / "report.html"
    store.ok("report", *rs.PERIOD, "--format", "html", "--output", str(target), now=rs.NOW)
    return target


def test_html_is_self_contained(html_report: Path) -> None:
    page = html_report.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    # nothing linked; the icon is an empty data: URL (a browser then asks for no favicon)
    assert re.findall(r"""(?:src|href)\s*=\s*\S+""", page) == ['href="data:,">']
    assert not re.search(r"url\(", page)
    assert re.findall(r"https?://[^\"' ]+", page) == ["http://www.w3.org/2000/svg"] * 3


def test_a_reader_sees_the_figures_and_charts(chromium: str, html_report: Path,
                                              tmp_path: Path) -> None:
    result = run_chromium(chromium, tmp_path / "profile", "--dump-dom",
                          html_report.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    text = visible_text(dom)
    for expected in (
        "Service report 2026-11-02 to 2026-11-29",
        "SLA and need-by dates met per provider", "Satisfaction (average stars)",
        "SLA compliance per week", "Who depends on whom (requests made)",
        "Cost of lapses: 1,500 (0 recorded, 1,500 estimated)", "Requesting departments",
        "Need-by dates met", "Promises kept", "33.3%", "need-by -",
        # summary cards: each request once, even when redirected between providers
        f"{sum(d['requests'] for d in rs.EXPECTED_DEPARTMENTS)} Requests made",
        # chart labels (inline SVG)
        "ack 66.7%", "resolve 60%", "3.33 (3 ratings)", "4.00 (1 rating)", "11-09", "33.3%",
        # tables
        "customer-service", "ENG00003", "A line stop", "1d 3h", "6d 1h",
    ):
        assert expected in text, expected
    assert dom.count("<svg") == 3
    assert dom.count("<table") == 10  # links: none


def test_screenshot(chromium: str, html_report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    result = run_chromium(chromium, tmp_path / "profile", f"--screenshot={shot}",
                          "--window-size=1200,2000", "--hide-scrollbars",
                          html_report.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1200, 2000)
    assert len(data) > 20_000  # not a blank page
