"""A case walked in Debian's Chromium (Playwright): sign in, find the case, record the
verification, send the notice, the person contests through their link, an early adverse
action is refused, then — the contest period over — the overpayment is determined.
axe-core (WCAG 2.1 A/AA) runs on the pages; screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from datetime import timedelta

import browsing
import pytest
from casekit import PASSWORD, case_id, emailed, matched
from playwright.sync_api import Browser, Page, expect

from browser import artifact_path
from headcount.cases.models import Case
from headcount.store import utcnow

pytestmark = pytest.mark.browser
# The shared fixtures, by name in this module so that pytest finds them.
site, chromium = browsing.site, browsing.chromium
sqlite_url, database_url = browsing.sqlite_url, browsing.database_url
_axe = browsing._axe


def _determine(page: Page, reason: str) -> None:
    page.select_option("#outcome-code", "improper_overpayment")
    page.select_option("#cause-code", "administrative_error_agency")
    page.fill("#overpayment", "7692.30")
    page.fill("#determine-reason", reason)
    page.get_by_role("button", name="Record the determination").click()


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
    emailed(store, cid, utcnow())  # the mail server accepts the letter: the period starts

    # The person named opens the link in their letter and contests, without any sign-in.
    letter = page.request.get(f"{base}/cases/{cid}/notices/1").text()
    short = matched(r"http://127\.0\.0\.1:\d+/n/\d+-[a-z2-7]{12}", letter, group=0)
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
    # Before the deadline an adverse determination is not offered at all (it would be refused).
    expect(page.get_by_role("button", name="Record the determination")).to_have_count(0)
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
            notice.delivered_at -= month
    page.goto(f"{base}/cases/{cid}")
    _determine(page, "paid after separation; the contest confirms the separation date")
    expect(page.locator("#state")).to_have_text("determined")
    expect(page.locator("#status")).to_have_text("Decided: improper payment: overpaid")
    expect(page.locator("#outcome")).to_have_text("improper_overpayment")
    page.screenshot(path=str(artifact_path("case-determined.png")), full_page=True)
    context.close()
