"""Coded determination and debt recovery in Debian's Chromium (Playwright): an analyst
records a coded determination; a finance user opens the debt it created, sends the notice
of debt, records a repayment agreement and two payments, a waiver request, and a second
finance user decides it; the outcome report shows those figures, each on its rung, and its
CSV download gives the same. axe-core (WCAG 2.1 A/AA) runs on every page; screenshots go to
test-artifacts/ (the outcome page at 1280 and 390 px)."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import browsing
import pytest
from casekit import PASSWORD, case_id, past_the_contest_period
from playwright.sync_api import Browser, Page, expect

from browser import artifact_path

pytestmark = pytest.mark.browser
# The shared fixtures, by name in this module so that pytest finds them.
site, chromium = browsing.site, browsing.chromium
sqlite_url, database_url = browsing.sqlite_url, browsing.database_url
_axe = browsing._axe
look = browsing.look


def _sign_in(chromium: Browser, base: str, username: str) -> Page:
    page = chromium.new_context(bypass_csp=True).new_page()  # bypass only so axe can run
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    return page


def _money(page: Page, cell: str) -> str:
    return page.locator(cell).inner_text().strip()


def test_determination_then_recovery_in_the_browser(site, users, chromium: Browser) -> None:
    base, store = site
    cid = case_id(store, "PAID_AFTER_SEPARATION", "VA1")
    past_the_contest_period(store, cid, users["ana"])

    analyst = _sign_in(chromium, base, "ana")
    analyst.goto(f"{base}/cases/{cid}")
    expect(analyst.locator("#state")).to_have_text("not_contested")
    analyst.select_option("#outcome-code", "proper")
    analyst.select_option("#cause-code", "failure_to_verify")
    analyst.fill("#determine-reason", "the separation was keyed late")
    analyst.get_by_role("button", name="Record the determination").click()
    expect(analyst.locator("#error")).to_contain_text("A proper payment has no cause")
    analyst.select_option("#outcome-code", "improper_overpayment")
    analyst.select_option("#cause-code", "administrative_error_agency")
    analyst.fill("#identified", "1000.00")
    analyst.fill("#prevented", "250.00")
    analyst.fill("#overpayment", "1000.00")
    analyst.fill("#determine-reason", "regular pay continued after the separation date")
    analyst.get_by_role("button", name="Record the determination").click()
    expect(analyst.locator("#outcome")).to_have_text("improper_overpayment")
    expect(analyst.locator("#cause")).to_have_text("administrative_error_agency")
    _axe(analyst)
    analyst.screenshot(path=str(artifact_path("debt-1-coded-determination.png")), full_page=True)
    assert analyst.get_by_role("button", name="Send the notice of debt").count() == 0

    finance = _sign_in(chromium, base, "fin")
    finance.goto(f"{base}/debts")
    _axe(finance)
    finance.get_by_role("link", name="#1", exact=True).click()
    expect(finance.locator("#debt-state")).to_have_text("established")
    _axe(finance)
    finance.get_by_role("button", name="Send the notice of debt").click()
    expect(finance.locator("#debt-state")).to_have_text("notified")
    pdf = finance.request.get(f"{base}/debts/1/notice/pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF-")

    finance.fill("#instalment", "100.00")
    finance.fill("#first_due", date.today().replace(year=date.today().year + 1).isoformat())
    finance.get_by_role("button", name="Record the repayment agreement").click()
    expect(finance.locator("#debt-state")).to_have_text("repaying")
    for receipt in ("R-1001", "R-1002"):
        finance.fill("#amount", "100.00")
        finance.fill("#reference", receipt)
        finance.get_by_role("button", name="Record a payment").click()
        expect(finance.locator("#payments")).to_contain_text(receipt)
    assert _money(finance, "#received") == "$200.00"
    finance.fill("#waiver-reason", "the agency's keying error; repaying would be a hardship")
    finance.get_by_role("button", name="Record a waiver request").click()
    expect(finance.get_by_text("in dispute", exact=True)).to_be_visible()
    _axe(finance)
    finance.screenshot(path=str(artifact_path("debt-2-waiver-pending.png")), full_page=True)

    # The one who recorded the request is not offered its decision; a second user decides.
    expect(finance.get_by_role("button", name="Record the waiver decision")).to_have_count(0)
    expect(finance.locator("#waiver-other")).to_have_text(
        "You recorded the waiver request, so another finance officer must decide it."
    )
    second = _sign_in(chromium, base, "fay")
    second.goto(f"{base}/debts/1")
    second.fill("#waived-amount", "300.00")
    second.fill("#decision-reason", "no fault; waived in part")
    second.get_by_role("button", name="Record the waiver decision").click()
    expect(second.locator("#balance")).to_have_text("$500.00")
    assert (_money(second, "#received"), _money(second, "#waived")) == ("$200.00", "$300.00")
    _axe(second)
    second.screenshot(path=str(artifact_path("debt-3-after-waiver.png")), full_page=True)

    # The outcome report: the same figures, each column naming its rung.
    outcomes_of(analyst, base)


def _figure(page: Page, table: str, measure: str, agency: str = "VA") -> str:
    row = page.locator(f'#{table} tr[data-agency="{agency}"][data-rule="PAID_AFTER_SEPARATION"]')
    return row.locator(f'td[data-measure="{measure}"]').inner_text().strip()


def outcomes_of(page: Page, base: str) -> None:
    page.goto(f"{base}/home")
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Outcomes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcomes")
    expect(page.locator("#period")).to_contain_text("VA, all dates")
    assert _figure(page, "outcomes", "outcome.improper_overpayment") == "1"
    assert _figure(page, "causes", "cause.administrative_error_agency") == "1"
    assert _figure(page, "determined", "identified") == "$1,000.00"
    assert _figure(page, "determined", "prevented") == "$250.00"
    assert _figure(page, "determined", "overpaid") == "$1,000.00"
    assert _figure(page, "recovered", "recovered") == "$200.00"
    assert _figure(page, "recovered", "waived") == "$300.00"
    assert _figure(page, "verified", "verified") == "1"
    for table, measure, rung in (("leads", "at_risk", "lead"), ("recovered", "recovered",
                                 "recovered"), ("recovered", "waived", "determined")):  # fmt: skip
        header = page.locator(f'#{table} th[data-measure="{measure}"] .usa-tag')
        expect(header).to_have_text(rung)
    look(page, "outcomes")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    path = download.value.path()
    with Path(path).open(encoding="utf-8", newline="") as f:
        rows = {(r["agency"], r["rule"], r["measure"]): r for r in csv.DictReader(f)}
    waived = rows[("VA", "PAID_AFTER_SEPARATION", "waived")]
    assert (waived["rung"], waived["value"]) == ("determined", "300.00")
    recovered = rows[("VA", "(all)", "recovered")]  # VA's total: the analyst's whole report
    assert (recovered["rung"], recovered["value"]) == ("recovered", "200.00")
