"""The per-user browser walks' shared parts (test_walks_browser.py, test_pages_browser.py):
a live server over an imported store (SQLite) with a check-in campaign, Debian's Chromium,
`look` (both widths: screenshot, no sideways scroll, axe-core clean), `refused` (the USWDS
error pattern), `sign_in`. Test modules bind the fixtures by name (never from conftest)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import browsing
import pytest
from casekit import PASSWORD, SECRET, set_contacts
from playwright.sync_api import Browser, Page, expect

from browser import launch_chromium
from headcount.checkins.campaigns import create_campaign
from headcount.contract.policy import Policy
from headcount.store import Store, utcnow

WIDTHS = (1280, 390)
CHECKINS = Path(__file__).resolve().parents[1] / "checkins"
expect.set_options(timeout=60_000)  # waits for a page on a busy machine, not a threshold


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hc.db'}"


@pytest.fixture
def database_url(sqlite_url: str) -> str:  # `users` creates its accounts in this store
    return sqlite_url


@pytest.fixture
def site(sqlite_url, world, users, monkeypatch, tmp_path) -> Iterator[tuple[str, Store]]:
    from headcount.cases.importer import import_results
    from headcount.pii import Keyring

    monkeypatch.syspath_prepend(str(CHECKINS))
    from live_server import live_server

    monkeypatch.setenv("HEADCOUNT_PII_KEYRING_FILE", str(tmp_path / "ring"))
    store = Store.open(sqlite_url)
    import_results(store, world.results, actor="cli:t", keyring=Keyring.load(), data=world.data)
    set_contacts(store)
    create_campaign(
        store, "wk9", world.data / "roster.csv", deadline=utcnow() + timedelta(days=3),
        policies={"VA": Policy.MANDATORY}, title="Last week's work",
    )  # fmt: skip
    with live_server(store, SECRET) as base:
        yield base, store


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


def new_page(chromium: Browser) -> Page:
    context = chromium.new_context(bypass_csp=True)  # bypass: only to inject axe
    # Sending a notice writes its PDF letters: give a busy machine time (never a threshold).
    context.set_default_timeout(180_000)
    return context.new_page()


def look(page: Page, name: str, widths: tuple[int, ...] = WIDTHS) -> None:
    """Both widths: a screenshot, no sideways scroll, no axe violation."""
    browsing.look(page, f"walk-{name}", widths)


def refused(page: Page, heading: str, errors: dict[str, str]) -> None:
    """The summary is first in <main>, has focus (so it is announced and scrolled to), links
    to each field, and each message sits by its field and is in its description."""
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary.locator("h2")).to_have_text(heading)
    first = page.evaluate("() => document.querySelector('main').firstElementChild.id")
    assert first == "error-summary" or page.locator("main > #error-summary").count() == 1
    for field, message in errors.items():
        expect(summary.get_by_role("link", name=message)).to_have_attribute("href", f"#{field}")
        expect(page.locator(f"#{field}-error")).to_have_text(message)
        described = page.locator(f"#{field}").get_attribute("aria-describedby") or ""
        assert f"{field}-error" in described.split()
        expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {username}")
