"""Chromium for the tests that look at pages: Debian's `chromium` (installed with apt-get
when it is missing and the tests run as root), driven headless from the command line or
through Playwright's Python package (`executable_path`: Playwright's own browser builds are
never downloaded). Without Chromium, or without the Playwright package for
the tests that drive it, the browser tests are skipped, saying why; in CI (`CI` set) they
fail instead."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
"""Without the background-networking flags Chromium tries to reach Google's hosts."""


def _find() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def find_playwright() -> None:
    """Playwright's Python package (in the `[test]` extra), or the test is skipped (failed
    in CI) with the reason."""
    try:
        import axe_playwright_python.sync_playwright  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        _missing(f"{exc.name} is not installed (pip install -e '.[test]')")


def find_chromium() -> str:
    """The Chromium binary, or the test is skipped (failed in CI) with the reason."""
    found = _find()
    if found is None and hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=False)
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
                       env=env, capture_output=True, check=False)
        found = _find()
    if found is None:
        _missing("chromium is not installed (apt-get install chromium)")
        raise AssertionError  # (not reached: skipped or failed)
    return found
