"""Each user's path through the app in Debian's Chromium, as issue 16 asks: the employee,
the supervisor, the analyst, the auditor and the person named in a finding. Every page is
looked at 1280 px and 390 px wide (screenshots in test-artifacts/walk-*.png), must not scroll
sideways, and must be axe-core clean (WCAG 2.1 A/AA); every refused form puts its summary
first, focused, with each message next to its field; and the words each person reads in
each situation are checked exactly."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import walking
from casekit import CONTACTS, SECRET, case_id, emailed, matched
from pdfcheck import is_tagged
from playwright.sync_api import Browser, FilePayload, expect
from sqlalchemy import func, select

from headcount.audit import AuditEntry
from headcount.cases.models import Case
from headcount.checkins.links import LINK_PATH, Signer, issue_link
from headcount.checkins.models import Recipient
from headcount.store import Store, utcnow

pytestmark = pytest.mark.browser
# The shared fixtures, by name in this module so that pytest finds them.
site, chromium = walking.site, walking.chromium
sqlite_url, database_url = walking.sqlite_url, walking.database_url
look, refused, sign_in, new_page = walking.look, walking.refused, walking.sign_in, walking.new_page


def test_employee(site, chromium: Browser) -> None:
    base, store = site
    with store.begin() as s:
        va3 = s.scalars(select(Recipient).where(Recipient.employee_id == "VA3")).one()
        token = issue_link(s, Signer(SECRET), va3.id, utcnow() + timedelta(days=3))
    page = new_page(chromium)
    page.goto(f"{base}{LINK_PATH}{token}")
    look(page, "employee-link")
    page.get_by_role("button", name="Continue to my check-in").click()
    expect(page.locator(".policy")).to_contain_text("Not replying has no consequence")
    look(page, "employee-form")
    page.get_by_role("button", name="Send my reply").click()
    refused(page, "Your reply was not saved",
            {"bullet1": "Please write between 3 and 5 bullets (you wrote 0)."})  # fmt: skip
    look(page, "employee-form-refused")
    assert page.locator("#bullet1").evaluate("e => e.tagName") == "TEXTAREA"
    for i, text in enumerate(["Closed 12 tickets", "Fixed the roster", "Trained Sam"], 1):
        page.fill(f"#bullet{i}", text)
    page.get_by_role("button", name="Send my reply").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your reply is saved")
    look(page, "employee-done")

    other = new_page(chromium)
    other.goto(f"{base}{LINK_PATH}{token}")
    expect(other.get_by_role("alert")).to_contain_text("already been used")
    expect(other.locator("main")).to_contain_text(
        "To get a new link, ask the person or office that sent the check-in email: their "
        "address is the email's sender."
    )
    look(other, "employee-link-used")
    with store.begin() as s:
        va4 = s.scalars(select(Recipient).where(Recipient.employee_id == "VA4")).one()
        expired = issue_link(s, Signer(SECRET), va4.id, utcnow() - timedelta(minutes=1))
    other.goto(f"{base}{LINK_PATH}{expired}")
    expect(other.get_by_role("alert")).to_contain_text("expired")
    expect(other.locator("#next")).to_have_text(
        "The check-in has closed, so nothing more is needed from you. If you replied before "
        "the deadline, your reply is kept."
    )
    expect(other.locator("main")).not_to_contain_text("reply to the check-in email")
    look(other, "employee-link-expired")
    other.goto(f"{base}/c/")
    expect(other.get_by_role("heading", level=1)).to_have_text(
        "This address cannot be opened directly"
    )
    expect(other.locator("#error")).to_have_text(
        "This address is only used by the “Continue to my check-in” button. Open the personal "
        "link from your check-in email again, exactly as it was sent."
    )
    look(other, "employee-c-slash")
    other.goto(f"{base}/no/such/page")
    expect(other.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(other.get_by_role("link", name="Go to the start page")).to_have_attribute("href", "/")
    look(other, "employee-404")


def test_supervisor(site, chromium: Browser) -> None:
    base, _ = site
    page = new_page(chromium)
    page.goto(f"{base}/login")
    page.get_by_role("button", name="Sign in").click()
    refused(page, "You are not signed in",
            {"username": "Enter your user name", "password": "Enter your password"})  # fmt: skip
    look(page, "supervisor-login-refused")
    page.fill("#username", "sup")
    page.fill("#password", "wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error")).to_have_text("That user name and password do not match.")
    sign_in(page, base, "sup")
    nav = page.get_by_role("navigation", name="Staff")
    expect(nav.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    look(page, "supervisor-home")
    page.get_by_role("link", name="Last week's work").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Response rates: Last week's work")
    main = page.locator("main").inner_text()
    assert main.count("no consequence") == 1, main
    assert "consequence" not in page.locator("footer").inner_text()
    look(page, "supervisor-dashboard")
    page.set_viewport_size({"width": 390, "height": 900})
    smallest = page.evaluate(
        "() => Math.min(...[...document.querySelectorAll('svg[role=img] text')]"
        ".map(t => t.getBoundingClientRect().height))"
    )
    assert smallest >= 12, f"chart text {smallest}px high on a phone"
    labels = page.locator("svg[role=img]").first.locator("text").all_text_contents()
    assert all(re.fullmatch(r"\d+\.\d%", t) for t in labels[1::2]), labels
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")


def test_analyst_and_the_person_named(site, chromium: Browser) -> None:
    base, store = site
    cid = case_id(store, "PAID_AFTER_SEPARATION", "VA1")
    ana = new_page(chromium)
    sign_in(ana, base, "ana")
    ana.get_by_role("navigation", name="Staff").get_by_role("link", name="Cases").click()
    ana.fill("#q", "VA1")
    ana.get_by_role("button", name="Filter").click()
    expect(ana.locator("#total")).to_contain_text("case")
    assert "VA1" not in ana.url and "q=" not in ana.url  # a POST: nothing typed in the URL
    look(ana, "analyst-cases")
    ana.get_by_role("link", name=f"#{cid}", exact=True).click()
    expect(ana.locator("#status")).to_have_text("Open: to be verified")
    for absent in ("Record the determination", "Send the notice", "Record: not contested"):
        expect(ana.get_by_role("button", name=absent)).to_have_count(0)
    look(ana, "analyst-case-open")
    reason_id = ana.locator("input[id^='reason-']").first.get_attribute("id") or ""
    ana.locator(f"form:has(#{reason_id})").get_by_role("button", name="Reveal").click()
    refused(ana, "Not done", {reason_id: "Say why you need to see it (at least 10 characters)."})
    look(ana, "analyst-reveal-refused")
    ana.get_by_role("button", name="Record verification").click()
    refused(ana, "Not done", {"source": "Enter where the independent verification came from"})
    look(ana, "analyst-verify-refused")
    ana.fill("#source", "HR separation record (SF-50) checked with the VA payroll office")
    ana.get_by_role("button", name="Record verification").click()
    expect(ana.locator("#done")).to_have_text(
        "The independent verification is recorded. Next: send the notice."
    )
    expect(ana.get_by_role("button", name="Record the determination")).to_have_count(0)
    ana.get_by_role("button", name="Send the notice").click()
    expect(ana.locator("#status")).to_have_text(
        "Notice written: waiting for its delivery to start the contest period"
    )
    for absent in ("Record the determination", "Record: not contested"):
        expect(ana.get_by_role("button", name=absent)).to_have_count(0)
    expect(ana.locator("#waiting")).to_contain_text("Waiting for the letters to be delivered")
    emailed(store, cid, utcnow())  # the mail server accepted the letter: the period starts
    ana.reload()
    expect(ana.locator("#status")).to_have_text("Notice sent: contest period running")
    expect(ana.locator("#waiting")).to_contain_text("Waiting for the person named")
    ana.fill("#justification", "The payee's account is used to divert funds from a clinic.")
    ana.get_by_role("button", name="Ask for an exception").click()
    expect(ana.get_by_role("button", name=re.compile("Approve exception"))).to_have_count(0)
    expect(ana.locator("main")).to_contain_text(
        "You asked for it, so two other users must approve it."
    )
    look(ana, "analyst-case-notice-sent")

    # The person named: the letter's short link, an empty contest refused, then sent.
    letter = ana.request.get(f"{base}/cases/{cid}/notices/1").text()
    short = matched(r'<p class="link">([^<]+)</p>', letter)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/n/1-[a-z2-7]{12}", short)
    assert "VA Payroll Office, 810 Vermont Ave NW" in letter
    person = new_page(chromium)
    person.goto(short)
    expect(person.locator("#standing h2")).to_have_text("This is not a decision")
    look(person, "person-notice")
    person.set_input_files("#attachments", files=[
        FilePayload(name="stub.pdf", mimeType="application/pdf", buffer=b"%PDF-1.4 stub")])  # fmt: skip
    person.get_by_role("button", name="Send my contest").click()
    refused(person, "Your contest was not sent", {"statement": "Your statement is required."})
    # The chosen file is kept on the server and listed: nothing to choose again.
    held = person.get_by_role("list", name="Documents kept for this contest")
    expect(held.locator("li")).to_have_count(1)
    expect(held).to_contain_text("stub.pdf")
    expect(held.get_by_role("button", name="Remove stub.pdf")).to_be_visible()
    expect(person.locator("#error")).to_have_count(0)
    look(person, "person-contest-refused")
    person.fill("#statement", "I left on March 1; the payroll office kept paying me by mistake.")
    person.get_by_role("button", name="Send my contest").click()
    expect(person.locator("#sent")).to_be_focused()
    expect(person.locator("#sent h2")).to_have_text("Your contest was received")
    expect(person.locator("main")).to_contain_text("1 attachment: stub.pdf")
    expect(person.get_by_role("heading", name="Send more information")).to_be_visible()
    look(person, "person-contest-sent")

    # Two other users approve the exception; the analyst confirms before the deadline.
    for approver in ("bob", "adm"):
        other = new_page(chromium)
        sign_in(other, base, approver)
        other.goto(f"{base}/cases/{cid}")
        other.get_by_role("button", name=re.compile("Approve exception")).click()
        expect(other.locator("#done")).to_have_text("Your approval is recorded.")
        other.context.close()
    ana.goto(f"{base}/cases/{cid}")
    ana.select_option("#outcome-code", "improper_overpayment")
    ana.select_option("#cause-code", "administrative_error_agency")
    ana.fill("#overpayment", "7692.30")
    ana.fill("#determine-reason", "Paid after separation on March 1; confirmed with the SF-50.")
    assert ana.locator("#determine-reason").evaluate("e => e.tagName") == "TEXTAREA"
    ana.get_by_role("button", name="Record the determination").click()
    expect(ana.locator("#status")).to_have_text("Decided: improper payment: overpaid")
    look(ana, "analyst-case-decided")

    person.reload()
    expect(person.locator("#standing h2")).to_have_text("Decision: you were overpaid by $7,692.30")
    expect(person.locator("main")).not_to_contain_text("No action will be taken because of")
    expect(person.locator("main")).not_to_contain_text("the contest period has ended")
    expect(person.locator("#contact")).to_have_text(f"{CONTACTS['VA']}. Quote reference "
                                                    f"{_finding(store, cid)}.")  # fmt: skip
    look(person, "person-decided")
    pdf = person.request.get(person.url.split("?")[0] + "/decision")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert is_tagged(pdf.body())

    # A dismissed case says so, unlike a confirmed one.
    dup = case_id(store, "DUPLICATE_PAYMENT", "VA2")
    ana.goto(f"{base}/cases/{dup}")
    ana.fill("#dismiss-reason", "The second payment was a lawful retroactive adjustment.")
    ana.get_by_role("button", name="Dismiss the finding").click()
    expect(ana.locator("#status")).to_have_text("Decided: proper payment: dismissed, no action")


def _finding(store: Store, cid: int) -> str:
    with store.begin() as s:
        return s.get_one(Case, cid).finding_id


def test_auditor(site, chromium: Browser) -> None:
    base, store = site
    cid = case_id(store, "PAID_AFTER_SEPARATION", "VA1")
    aud = new_page(chromium)
    sign_in(aud, base, "aud")
    for _ in range(3):
        aud.goto(f"{base}/cases/{cid}")
    expect(aud.get_by_role("button", name="Record verification")).to_have_count(0)
    look(aud, "auditor-case")
    aud.get_by_role("navigation", name="Staff").get_by_role("link", name="Audit log").click()
    aud.fill("#since", "not a date")
    aud.get_by_role("button", name="Show").click()
    expect(aud.locator("#error-summary")).to_be_focused()
    aud.fill("#since", "")
    aud.get_by_role("button", name="Show").click()
    details = aud.locator("table").first.locator("tbody td:last-child").all_inner_texts()
    assert details and not any("{" in d for d in details), details
    views = aud.get_by_role("region", name="Page views")
    expect(views).to_contain_text(f"case {cid}")
    expect(views.locator("tr", has_text=f"case {cid}").locator("td").nth(4)).to_have_text("3")
    look(aud, "auditor-log")
    with aud.expect_download() as download:
        aud.get_by_role("button", name="Download page views (CSV)").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert exported[0] == "day,actor,action,target_type,target_id,views,first_at,last_at,first_seq"
    assert any(f",aud,case.view,case,{cid},3," in line for line in exported), exported
    with aud.expect_download() as download:
        aud.get_by_role("button", name="Download page views (JSON)").click()
    assert download.value.suggested_filename.endswith(".json")
    with store.begin() as s:
        chained = s.scalar(
            select(func.count()).where(AuditEntry.action == "case.view", AuditEntry.actor == "aud")
        )
    assert chained == 1  # the first view is in the chain; the next two are counted
