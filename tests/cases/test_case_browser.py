"""A case walked in Debian's Chromium (Playwright): sign in, find the case, record the
verification, send the notice, the person contests through their link, an early adverse
action is refused, then — the contest period over — the improper payment is confirmed.
axe-core (WCAG 2.1 A/AA) runs on the pages; screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from casekit import PASSWORD, SECRET, case_id, set_contacts
from playwright.sync_api import Browser, Page, expect

from browser import artifact_path, launch_chromium
from headcount.cases.models import Case
from headcount.store import Store

pytestmark = pytest.mark.browser
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
    set_contacts(store)
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


def test_walk_a_case_and_be_refused_an_early_adverse_action(site, chromium: Browser) -> None:
    base, store = site
    cid = case_id(store, "PAID_AFTER_SEPARATION", "VA1")
    context = chromium.new_context(bypass_csp=True)  # only so axe can be injected
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", "ana")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.goto(f"{base}/cases")
    page.fill("#q", "VA1")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#total")).to_contain_text("case")
    _axe(page)
    page.get_by_role("link", name=f"#{cid}", exact=True).click()
    expect(page.locator("#state")).to_have_text("open")
    assert "***-**-" in page.content()
    _axe(page)

    page.fill("#source", "HR separation record (SF-50) checked with the VA payroll office")
    page.fill("#note", "separated 2025-03-01; regular pay continued")
    page.get_by_role("button", name="Record verification").click()
    expect(page.locator("#state")).to_have_text("verified")
    page.get_by_role("button", name="Send the notice").click()
    expect(page.locator("#state")).to_have_text("notice_sent")

    # The person named opens the link in their letter and contests, without any sign-in.
    letter = page.request.get(f"{base}/cases/{cid}/notices/1").text()
    short = re.search(r"http://127\.0\.0\.1:\d+/n/\d+-[a-z2-7]{12}", letter).group(0)
    person = chromium.new_context(bypass_csp=True).new_page()
    person.goto(short)
    link = person.url  # the short link opens the notice's own link
    _axe(person)
    person.fill("#statement", "I left on March 1; the payroll office kept paying me by mistake.")
    person.get_by_role("button", name="Send my contest").click()
    expect(person.locator(".statement")).to_contain_text("kept paying me by mistake")
    person.screenshot(path=str(artifact_path("case-contest-page.png")), full_page=True)
    page.goto(f"{base}/cases/{cid}/notices/1")
    page.screenshot(path=str(artifact_path("case-notice-letter.png")), full_page=True)
    page.goto(f"{base}/cases/{cid}")
    pdf = person.request.get(f"{link}/pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF-")

    page.reload()
    expect(page.locator("#state")).to_have_text("contested")
    # Before the deadline an adverse action is not offered at all (it would be refused).
    expect(page.get_by_role("button", name="Confirm improper payment")).to_have_count(0)
    expect(page.locator("#confirm-later")).to_contain_text("after the contest deadline")
    expect(page.locator("#state")).to_have_text("contested")
    page.screenshot(path=str(artifact_path("case-adverse-action-refused.png")), full_page=True)

    # Thirty days pass (the notice's dates are moved back; nothing else is touched).
    month = timedelta(days=31)
    with store.begin() as s:
        case = s.get(Case, cid)
        case.notice_sent_at -= month
        case.contest_deadline -= month
        for notice in case.notices:
            notice.sent_at -= month
            notice.deadline -= month
    page.goto(f"{base}/cases/{cid}")
    page.fill("#amount", "7692.30")
    page.fill("#confirm-reason", "paid after separation; the contest confirms the separation date")
    page.get_by_role("button", name="Confirm improper payment").click()
    expect(page.locator("#state")).to_have_text("determined")
    expect(page.locator("#status")).to_have_text("Decided: improper payment confirmed")
    page.screenshot(path=str(artifact_path("case-determined.png")), full_page=True)
    context.close()
