"""Recording a postal mailing on the case page in Debian's Chromium (Playwright): a notice
printed in a batch shows as printed with no contest period; the analyst records the day it
was mailed and the contest deadline appears, counted from that day. A finance user reads the
page without the form. axe-core (WCAG 2.1 A/AA) at 1280 px and 390 px; screenshots in
test-artifacts/delivery-*.png."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import browsing
import pytest
from casekit import PASSWORD, SECRET, case_id
from playwright.sync_api import Browser, Page, expect

from browser import artifact_path
from headcount.cases import notices, workflow
from headcount.cases.delivery.printing import print_batch
from headcount.cases.delivery.queue import set_recipient
from headcount.store import utcnow

pytestmark = pytest.mark.browser
site, chromium = browsing.site, browsing.chromium
sqlite_url, database_url = browsing.sqlite_url, browsing.database_url
_axe = browsing._axe


def _sign_in(chromium: Browser, base: str, username: str) -> Page:
    context = chromium.new_context(bypass_csp=True)  # bypass only so axe can run
    context.set_default_timeout(180_000)  # a busy machine: never a threshold
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    return page


def _look(page: Page, name: str) -> None:
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(artifact_path(f"delivery-{name}-{width}.png")), full_page=True)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"
        _axe(page)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_record_a_postal_mailing_on_the_case_page(site, users, chromium, tmp_path: Path):
    base, store = site
    ana = users["ana"]
    cid = case_id(store, "PAID_AFTER_SEPARATION", "VA1")
    with store.begin() as s:
        set_recipient(s, ana, "VA1", by_post=True)
        workflow.verify(s, cid, ana, source="HR separation SF-50 on file")
        notices.send_notice(s, cid, ana, signer=notices.contest_signer(SECRET), base_url=base)
    with store.begin() as s:
        printed = print_batch(s, ana, tmp_path / "batch.pdf")
    assert printed is not None

    page = _sign_in(chromium, base, "ana")
    page.goto(f"{base}/cases/{cid}")
    expect(page.locator("#undelivered")).to_contain_text("not yet delivered")
    expect(page.locator("#letters .letter-state")).to_have_text("printed")
    _look(page, "printed")
    today = utcnow().date()
    future = (utcnow() + timedelta(days=2)).date()
    date_box = page.get_by_label(re.compile(r"Day letter \d+ \(notice to VA1\) was mailed"))
    date_box.fill(future.isoformat())
    page.get_by_role("button", name=re.compile(r"Record mailing of letter \d+")).click()
    expect(page.locator(".usa-error-message")).to_contain_text("is in the future")
    _look(page, "refused")
    page.get_by_label(re.compile(r"Day letter \d+ \(notice to VA1\) was mailed")).fill(
        today.isoformat()
    )
    page.get_by_role("button", name=re.compile(r"Record mailing of letter \d+")).click()
    expect(page.locator("#done")).to_contain_text("mailing date is recorded")
    expect(page.locator("#letters .letter-state")).to_have_text("mailed")
    deadline = f"{today + timedelta(days=31):%Y-%m-%d} 00:00 UTC"
    expect(page.locator("main")).to_contain_text(f"contest deadline {deadline}")
    assert page.get_by_role("button", name=re.compile("Record mailing")).count() == 0
    _look(page, "mailed")

    finance = _sign_in(chromium, base, "fin")
    finance.goto(f"{base}/cases/{cid}")
    expect(finance.locator("#letters")).to_be_visible()
    assert finance.get_by_role("button", name=re.compile("Record mailing")).count() == 0
