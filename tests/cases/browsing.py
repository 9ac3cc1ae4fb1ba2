"""The case browser tests' fixtures and the axe check: a live server over an imported store
(SQLite), Debian's Chromium, and axe-core (WCAG 2.1 A/AA). Test modules import the fixtures
by name (never from conftest)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from casekit import SECRET, set_contacts
from playwright.sync_api import Browser, Page

from browser import artifact_path, launch_chromium
from headcount.store import Store

CHECKINS = Path(__file__).resolve().parents[1] / "checkins"
AXE = (CHECKINS / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hc.db'}"


@pytest.fixture
def site(sqlite_url, world, users, monkeypatch, tmp_path) -> Iterator[tuple[str, Store]]:
    from headcount.cases.importer import import_results
    from headcount.pii import Keyring

    monkeypatch.syspath_prepend(str(CHECKINS))  # the check-in tests' live server
    from live_server import live_server

    # The server finds the keyring as `headcount serve` would: through the environment.
    monkeypatch.setenv("HEADCOUNT_PII_KEYRING_FILE", str(tmp_path / "ring"))
    store = Store.open(sqlite_url)
    import_results(store, world.results, actor="cli:t", keyring=Keyring.load(), data=world.data)
    set_contacts(store)  # every letter must say whom to write to
    with live_server(store, SECRET) as base:
        yield base, store


@pytest.fixture
def database_url(sqlite_url: str) -> str:  # `users` creates its accounts in this store
    return sqlite_url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


def _axe(page: Page) -> None:
    page.add_script_tag(content=AXE)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
    )
    problems = [(v["id"], v["help"]) for v in result["violations"]]
    assert problems == [], problems


def look(page: Page, name: str, widths: tuple[int, ...] = (1280, 390)) -> None:
    """At each width: a screenshot (test-artifacts/NAME-WIDTH.png), no sideways scroll of
    the page (wide tables scroll in their own region), no axe violation."""
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(artifact_path(f"{name}-{width}.png")), full_page=True)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"
        page.add_script_tag(content=AXE)
        found = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
            ".then(r => r.violations.map(v => [v.id, v.nodes.map(n => n.html)]))",
            WCAG,
        )
        assert found == [], (name, width, found)
    page.set_viewport_size({"width": 1280, "height": 900})
