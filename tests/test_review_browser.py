"""The identity-resolution review queue, used with the keyboard alone in Chromium: an analyst
signs in, opens the first pair waiting, labels it, moves to the next pair and labels that
one, with Tab and Enter only, and the labels are stored, audited and counted on the queue;
the model's score is hidden until a label is given; axe-core finds nothing at 1280 and
390 px, and nothing scrolls sideways. The buttons' access keys (Alt+M/N/U/J) are checked as
attributes: headless Chromium does not act on access keys sent through Playwright."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from browser import ARTIFACTS
from builders import Agency, linkage_agency
from headcount.audit.models import AuditEntry
from headcount.auth.roles import Role
from headcount.auth.users import add_user
from headcount.linkage import review
from headcount.migrations import upgrade
from headcount.store import Store

pytestmark = pytest.mark.slow
CHECKINS = Path(__file__).resolve().parent / "checkins"
SECRET = b"review-browser-secret-of-32-bytes-or-more!"
PASSWORD = "correct horse battery staple 42"
AXE = (CHECKINS / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def queued(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A store whose queue holds the agency's candidate pairs: a nickname duplicate, twins,
    namesakes who moved apart."""
    root = tmp_path_factory.mktemp("review")
    data = linkage_agency(Agency(root / "agency"))
    store = Store.open(f"sqlite:///{root / 'hc.db'}")
    upgrade(store)
    assert review.queue_pairs(store, data) >= 2
    with store.begin() as s:
        add_user(s, "ana", Role.ANALYST, PASSWORD, agency=None, actor="cli:test")
    return store


@pytest.fixture(scope="module")
def site(queued: Store) -> Iterator[str]:
    sys.path.insert(0, str(CHECKINS))  # the check-in tests' live server
    try:
        from live_server import live_server
    finally:
        sys.path.remove(str(CHECKINS))
    with live_server(queued, SECRET) as base:
        yield base


def _checked(page: Page, name: str) -> None:
    page.add_script_tag(content=AXE)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
    )
    assert [(v["id"], v["help"]) for v in result["violations"]] == [], name
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{name} scrolls sideways by {wide}px"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"review-{name}.png"), full_page=True)


def _tab_to(page: Page, text: str, limit: int = 60) -> None:
    """Press Tab until the focused element's text contains `text` (never the mouse)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement && document.activeElement.innerText")
        if focused and text in focused:
            return
    raise AssertionError(f"Tab never reached {text!r}")


@pytest.mark.parametrize("width", [1280, 390])
def test_an_analyst_labels_pairs_with_the_keyboard_alone(
    chromium: Browser, site: str, queued: Store, width: int
) -> None:
    with queued.begin() as s:
        s.query(review.PairLabel).delete()
    # bypass_csp only so axe can be injected.
    context = chromium.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{site}/login")
    page.keyboard.press("Tab")
    _tab_to_field(page, "username")
    page.keyboard.type("ana")
    _tab_to_field(page, "password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: not url.endswith("/login"))
    page.goto(f"{site}/review")
    waiting = len(review.queue(queued))
    expect(page.locator("#waiting")).to_contain_text(f"{waiting} of {waiting} pairs wait")
    _checked(page, f"queue-{width}")

    _tab_to(page, "Start with the next pair waiting")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site}/review/*")
    first = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_text("Match probability")).to_have_count(0)  # blind until labelled
    _checked(page, f"pair-{width}")
    for key, name in (("m", "One person"), ("n", "Two people"), ("u", "Unsure")):
        expect(page.get_by_role("button", name=name)).to_have_attribute("accesskey", key)
    _tab_to(page, "Two people")
    page.keyboard.press("Enter")
    expect(page.locator("#decision")).to_contain_text("Two people")
    expect(page.get_by_text("Match probability").first).to_be_visible()
    _checked(page, f"labelled-{width}")

    expect(page.locator("#next")).to_have_attribute("accesskey", "j")
    _tab_to(page, "Next pair waiting")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: not url.endswith(f"/review/{first}"))
    second = int(page.url.rsplit("/", 1)[1])
    _tab_to(page, "One person")
    page.keyboard.press("Enter")
    expect(page.locator("#decision")).to_contain_text("One person")

    labels = {(p.id, label.decision) for p, label in review.queue(queued) if label is not None}
    assert labels == {(first, "non_match"), (second, "match")}
    with queued.begin() as s:
        actions = s.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == "linkage.label")
        ).all()
    assert len(actions) >= 2
    page.goto(f"{site}/review")
    expect(page.locator("#waiting")).to_contain_text(f"{waiting - 2} of {waiting} pairs wait")
    context.close()


def _tab_to_field(page: Page, name: str, limit: int = 30) -> None:
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.name") == name:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached the {name} field")
