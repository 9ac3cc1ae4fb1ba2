"""Launch Debian's Chromium through Playwright for the browser tests.

Playwright's own browser download is blocked here, so the tests drive the system Chromium
(`/usr/bin/chromium`, or $HEADCOUNT_CHROMIUM). Use as a context manager::

    from browser import launch_chromium

    with launch_chromium() as browser:
        page = browser.new_page()

or wrap it in a fixture (`with launch_chromium() as b: yield b`). Tests are skipped, not
failed, when no Chromium is installed, except under CI=true.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = os.environ.get("HEADCOUNT_CHROMIUM", "/usr/bin/chromium")
# Quiet, offline Chromium: no sandbox (containers), no GPU, no background calls home.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def chromium_available() -> bool:
    return Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)


@contextmanager
def launch_chromium(**launch_options: Any) -> Iterator[Browser]:
    """A headless Chromium Browser, closed (with Playwright) on exit. Skips if not installed."""
    if not chromium_available():
        # In CI a missing browser is a broken set-up, not a reason to skip.
        message = f"no Chromium at {CHROMIUM} (run `make browser`)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    options: dict[str, Any] = {"headless": True, "args": list(CHROMIUM_ARGS)}
    options.update(launch_options)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, **options)
        try:
            yield browser
        finally:
            browser.close()


def artifact_path(name: str) -> Path:
    """Where a test writes a screenshot or similar for a human to look at (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
