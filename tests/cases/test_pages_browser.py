"""Every page the walks in test_walks_browser.py do not reach, as the user who reaches it
(docs/pages.md lists each page, who sees it and which test looks at it): the start page,
the printed-code page, error pages and dead ends (404, 405, 403, a forged or expired notice
link, a check-in page without a session), finance's debts, the identity-review queue, the
staff view of a letter, the auditor's and the admin's audit page, and the letters (PDF,
tagged). Each page: 1280 px and 390 px screenshots (test-artifacts/walk-*.png), no sideways
scroll, axe-core clean; each says where the person stands and whom to contact, and offers
no control the role or state would refuse."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import walking
from casekit import SECRET, case_id, past_the_contest_period
from pdfcheck import is_tagged
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from headcount.cases import determinations, notices, workflow
from headcount.checkins.links import LINK_PATH, Signer, issue_link
from headcount.checkins.models import Recipient
from headcount.linkage.review import ReviewPair
from headcount.store import utcnow

pytestmark = pytest.mark.browser
# The shared fixtures, by name in this module so that pytest finds them.
site, chromium = walking.site, walking.chromium
sqlite_url, database_url = walking.sqlite_url, walking.database_url
look, refused, sign_in, new_page = walking.look, walking.refused, walking.sign_in, walking.new_page
PUBLIC_CONTACT = (
    "Your agency's human resources or payroll office, at the address in your check-in email "
    "or in your letter. Quote the reference printed in it, if there is one."
)


def test_public_pages_and_dead_ends(site, chromium: Browser, users) -> None:
    base, store = site
    page = new_page(chromium)
    page.goto(f"{base}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Accomplishment check-ins and notices"
    )
    look(page, "public-start")
    page.get_by_role("link", name="Staff sign-in").click()
    look(page, "public-login")
    page.goto(f"{base}/")
    page.get_by_role("link", name="Type the code printed in your letter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Reply with the code from your letter"
    )
    look(page, "employee-code")
    page.get_by_role("button", name="Continue to my check-in").click()
    refused(page, "The code was not accepted", {"code": (
        "That code does not work. Check it against your letter: each code works once, until "
        "the deadline. If it still does not work, ask for a new letter."
    )})  # fmt: skip
    expect(page.locator("#contact")).to_have_text(
        "For a new letter or a question, write to the office that sent your letter, at the "
        "address printed on it."
    )
    look(page, "employee-code-refused")
    page.goto(f"{base}/checkin")  # no session on this device
    expect(page.get_by_role("heading", level=1)).to_have_text("You are not signed in")
    look(page, "employee-not-signed-in")
    with store.begin() as s:
        va2 = s.scalars(select(Recipient).where(Recipient.employee_id == "VA2")).one()
        token = issue_link(s, Signer(SECRET), va2.id, utcnow() + timedelta(days=3))
    page.goto(f"{base}{LINK_PATH}{token}")
    page.get_by_role("button", name="Continue to my check-in").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are signed out")
    expect(page.locator("main")).to_contain_text("ask the person or office that sent the")
    expect(page.locator("#deadline")).to_contain_text("Replies can be sent or changed until")
    look(page, "employee-signed-out")

    page.goto(f"{base}/logout")  # a POST-only address opened directly
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This address cannot be opened directly"
    )
    expect(page.locator("#contact")).to_have_text(PUBLIC_CONTACT)
    look(page, "public-405")

    page.goto(f"{base}/notice/not-a-real-link")
    expect(page.get_by_role("heading", level=1)).to_have_text("This request cannot be used")
    expect(page.locator("#error")).to_contain_text("write to the contact named at the end of")
    look(page, "person-link-invalid")

    # A notice sent long ago: its link has expired (60 days after the deadline).
    cid = case_id(store, "PAID_AFTER_SEPARATION", "DOD1")
    with store.begin() as s:
        workflow.verify(s, cid, users["dee"], source="HR record of separation")
        sent = notices.send_notice(
            s, cid, users["dee"], signer=notices.contest_signer(SECRET),
            base_url=base, now=utcnow() - timedelta(days=120),
        )  # fmt: skip
        notice = sent[0]
        token = notices.link_token(notices.contest_signer(SECRET), notice.id, notice.deadline)
    page.goto(f"{base}/notice/{token}")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has expired")
    expect(page.locator("#error")).to_contain_text("To ask about your case, write to the contact")
    look(page, "person-link-expired")


def test_staff_refusals_and_read_only_roles(site, chromium: Browser) -> None:
    base, store = site
    cid = case_id(store, "PAID_AFTER_SEPARATION", "VA1")
    sup = new_page(chromium)
    sign_in(sup, base, "sup")
    response = sup.goto(f"{base}/cases")
    assert response is not None and response.status == 403
    expect(sup.get_by_role("heading", level=1)).to_have_text("Not allowed")
    expect(sup.get_by_role("link", name="Go to your home page")).to_have_attribute("href", "/home")
    expect(sup.locator("#contact")).to_contain_text("write to your headcount administrator")
    expect(
        sup.get_by_role("navigation", name="Staff").get_by_role("link", name="Cases")
    ).to_have_count(0)
    look(sup, "supervisor-403")

    emp = new_page(chromium)
    sign_in(emp, base, "emp")
    expect(emp.locator("main")).to_contain_text("There is nothing here for your role yet.")
    look(emp, "employee-staff-home")

    aud = new_page(chromium)
    sign_in(aud, base, "aud")
    aud.goto(f"{base}/cases")
    look(aud, "auditor-cases")
    aud.goto(f"{base}/cases/{cid}")
    for absent in ("Record verification", "Reveal", "Dismiss the finding", "Ask for an exception"):
        expect(aud.get_by_role("button", name=absent)).to_have_count(0)
    expect(aud.get_by_role("heading", name="Next step")).to_have_count(0)
    aud.goto(f"{base}/audit?since=2026-13-01")
    expect(aud.locator("#error-summary")).to_be_focused()
    look(aud, "auditor-log-refused")

    adm = new_page(chromium)
    sign_in(adm, base, "adm")
    adm.goto(f"{base}/audit")
    expect(adm.get_by_role("button", name="Export these entries as CSV")).to_be_visible()
    expect(adm.get_by_role("button", name="Download page views (CSV)")).to_have_count(0)
    look(adm, "admin-log")


def test_letters_and_the_staff_view_of_them(site, chromium: Browser, users) -> None:
    """The notice (HTML for staff, PDF for everyone), the decision letter and the notice of
    debt: each PDF is tagged (PDF/UA structure)."""
    base, store = site
    cid = case_id(store, "PAID_AFTER_SEPARATION", "VA1")
    late = past_the_contest_period(store, cid, users["ana"])
    with store.begin() as s:
        determinations.determine(
            s, cid, users["ana"], outcome="improper_overpayment",
            cause="administrative_error_agency", overpayment="7692.30",
            reason="Paid after separation on March 1; confirmed with the SF-50.", now=late,
        )  # fmt: skip
    ana = new_page(chromium)
    walking.sign_in(ana, base, "ana")
    ana.goto(f"{base}/cases/{cid}/notices/1")
    # The letter as sent is the letters' own HTML (cases/letters.py, not a page of the app).
    look(ana, "analyst-notice-letter")
    for path in (f"/cases/{cid}/notices/1/pdf", f"/cases/{cid}/notices/1/decision"):
        got = ana.request.get(f"{base}{path}")
        assert got.ok and got.headers["content-type"] == "application/pdf", path
        assert is_tagged(got.body()), path

    fin = new_page(chromium)
    sign_in(fin, base, "fin")
    fin.goto(f"{base}/debts")
    expect(fin.get_by_role("heading", level=1)).to_have_text("Overpayment debts")
    look(fin, "finance-debts")
    fin.get_by_role("link", name="#1", exact=True).click()
    expect(fin.locator("#debt-state")).to_have_text("established")
    for absent in ("Record a payment", "Record a salary offset", "Record a waiver request"):
        expect(fin.get_by_role("button", name=absent)).to_have_count(0)
    look(fin, "finance-debt-established")
    fin.get_by_role("button", name="Send the notice of debt").click()
    expect(fin.locator("#debt-state")).to_have_text("notified")
    got = fin.request.get(f"{base}/debts/1/notice/pdf")
    assert got.ok and is_tagged(got.body())
    fin.get_by_role("button", name="Record a payment").click()
    refused(fin, "Not done", {"amount": "Enter the amount received."})
    look(fin, "finance-debt-refused")

    ana.goto(f"{base}/debts/1")  # analysts read debts; they take no step on them
    expect(ana.get_by_role("heading", name="Next step")).to_have_count(0)
    look(ana, "analyst-debt")


def _pair(store) -> None:
    record = {
        "first_name": "Pat", "middle_name": "", "last_name": "Lee", "ssn": "***-**-1234",
        "agency": "VA", "org_code": "VA-1", "work_email": "pat@va.example",
        "hire_date": "2020-01-01", "separation_date": None,
    }  # fmt: skip
    with store.begin() as s:
        s.add(
            ReviewPair(
                employee_id_a="VA1", employee_id_b="VA3",
                records=json.dumps([{**record, "employee_id": "VA1"},
                                    {**record, "employee_id": "VA3", "first_name": "Patricia"}]),
                agrees=json.dumps({"date_of_birth": True, "home_address": False, "zip": True}),
                comparisons=json.dumps([
                    {"comparison": "first_name", "level": "similar", "log2_weight": 2.5},
                    {"comparison": "last_name", "level": "exact", "log2_weight": 6.1},
                ]),
                prior_weight=-12.0, match_weight=-3.4, match_probability=0.087, reported=False,
                reasons=json.dumps(["The model's probability is below the threshold."]),
            )
        )  # fmt: skip


def test_identity_review_queue(site, chromium: Browser) -> None:
    base, store = site
    _pair(store)
    ana = new_page(chromium)
    sign_in(ana, base, "ana")
    ana.goto(f"{base}/review")
    expect(ana.locator("#waiting")).to_contain_text("1 of 1 pairs wait for a label")
    look(ana, "analyst-review-queue")
    ana.get_by_role("link", name="Start with the next pair waiting").click()
    expect(ana.locator("main")).not_to_contain_text("Match probability")  # blind until labelled
    look(ana, "analyst-review-pair")
    ana.get_by_role("button", name="Two people").click()
    expect(ana.locator("#decision")).to_contain_text("Your label: Two people")
    expect(ana.locator("#next")).to_have_text("No other pair waits for a label.")
    look(ana, "analyst-review-labelled")
