"""Check-ins in Debian's Chromium (Playwright): the emailed link, reply, edit, confirmation;
the guard's refusal; used and expired links; the dashboard's charts; axe-core (WCAG 2.1
A/AA) on every page. Screenshots go to test-artifacts/ for a human to look at."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from live_server import live_server
from playwright.sync_api import Browser, Page, expect
from smtp_sink import smtp_server
from sqlalchemy import select

from browser import artifact_path
from checkins.axe_check import axe, fill
from checkins.conftest import SECRET
from headcount.checkins.campaigns import create_campaign
from headcount.checkins.links import LINK_PATH, Signer, issue_link
from headcount.checkins.mail_out import SmtpSettings, send_invitations
from headcount.checkins.models import Recipient, Reply
from headcount.contract.policy import Policy
from headcount.store import Store, utcnow
from staff import PASSWORD, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def site(sqlite_store: Store, roster: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A running server and the link each employee was emailed (taken from the MIME)."""
    create_campaign(
        sqlite_store, "wk8", roster, deadline=utcnow() + timedelta(days=2),
        policies={"VA": Policy.MANDATORY, "DOD": Policy.EXEMPT}, title="Last week's work",
    )  # fmt: skip
    with live_server(sqlite_store, SECRET) as base:
        with smtp_server() as (sink, port, _):
            settings = SmtpSettings(host="127.0.0.1", port=port)
            send_invitations(sqlite_store, "wk8", settings, Signer(SECRET), base)
        links: dict[str, str] = {}
        for message in sink.messages:
            text = str(message.get_body(("plain",)).get_content())  # type: ignore[union-attr]
            link = next(line for line in text.splitlines() if LINK_PATH in line)
            links[str(message["To"]).split("@")[0].upper()] = link
        yield base, links


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    # bypass_csp lets the test inject axe-core; the pages themselves allow no script.
    context = chromium.new_context(bypass_csp=True)
    yield context.new_page()
    context.close()


def test_open_the_emailed_link_reply_edit_and_confirm(
    site: tuple[str, dict[str, str]], page: Page, sqlite_store: Store
) -> None:
    _, links = site
    page.goto(links["VA1"])
    assert axe(page) == []
    page.get_by_role("button", name="Continue to my check-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Last week's work")
    expect(page.locator(".policy")).to_contain_text("Your agency (VA) has asked all of its staff")
    expect(page.locator(".policy")).to_contain_text("Not replying has no consequence")
    assert axe(page) == []
    page.screenshot(path=artifact_path("checkin-form.png"), full_page=True)
    fill(page, ["Closed 12 tickets", "Reviewed <b>two</b> contracts", "Trained a colleague"])
    page.get_by_role("button", name="Send my reply").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your reply is saved")
    expect(page.locator("ul.reply li")).to_have_text(
        ["Closed 12 tickets", "Reviewed <b>two</b> contracts", "Trained a colleague"]
    )
    assert axe(page) == []
    page.screenshot(path=artifact_path("checkin-done.png"), full_page=True)
    page.get_by_role("link", name="Change my reply").click()
    expect(page.get_by_label("Bullet 2")).to_have_value("Reviewed <b>two</b> contracts")
    page.get_by_label("Bullet 4").fill("Wrote the runbook")
    page.get_by_role("button", name="Save my changes").click()
    expect(page.locator("ul.reply li")).to_have_count(4)
    with sqlite_store.begin() as s:
        (reply,) = s.scalars(select(Reply)).all()
        assert reply.revision == 2 and reply.source == "web"


def test_the_guard_refuses_an_ssn_and_says_why(
    site: tuple[str, dict[str, str]], page: Page, sqlite_store: Store
) -> None:
    _, links = site
    page.goto(links["VA2"])
    page.get_by_role("button", name="Continue to my check-in").click()
    fill(page, ["Closed tickets", "Fixed the record for 219-45-6781", "Met the team"])
    page.get_by_role("button", name="Send my reply").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Your reply was not saved")
    expect(alert).to_contain_text("Bullet 2 appears to contain a Social Security number")
    expect(alert).not_to_contain_text("219-45-6781")
    expect(page.get_by_label("Bullet 2")).to_have_attribute("aria-invalid", "true")
    assert axe(page) == []
    page.screenshot(path=artifact_path("checkin-refused.png"), full_page=True)
    with sqlite_store.begin() as s:
        assert s.scalars(select(Reply)).all() == []


def test_used_and_expired_links_are_refused(
    site: tuple[str, dict[str, str]], chromium: Browser, page: Page, sqlite_store: Store
) -> None:
    base, links = site
    page.goto(links["GSA1"])
    page.get_by_role("button", name="Continue to my check-in").click()
    other = chromium.new_context(bypass_csp=True).new_page()
    other.goto(links["GSA1"])
    expect(other.get_by_role("alert")).to_contain_text("already been used")
    assert axe(other) == []
    other.screenshot(path=artifact_path("checkin-link-used.png"), full_page=True)
    with sqlite_store.begin() as s:
        va3 = s.scalars(select(Recipient).where(Recipient.employee_id == "VA3")).one()
        expired = issue_link(s, Signer(SECRET), va3.id, utcnow() - timedelta(minutes=1))
    other.goto(f"{base}{LINK_PATH}{expired}")
    expect(other.get_by_role("alert")).to_contain_text("expired")
    other.goto(f"{base}/checkin")
    expect(other.get_by_role("heading", level=1)).to_have_text("You are not signed in")


def test_the_dashboard_renders_its_charts(
    site: tuple[str, dict[str, str]], sqlite_store: Store, page: Page
) -> None:
    base, links = site
    for employee in ("VA1", "GSA1"):
        page.goto(links[employee])
        page.get_by_role("button", name="Continue to my check-in").click()
        fill(page, ["One thing", "Another thing", "A third thing"])
        page.get_by_role("button", name="Send my reply").click()
        page.context.clear_cookies()
    make_user(sqlite_store, "ana", "analyst")  # the dashboard is for staff (docs/security.md)
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base}/campaigns/wk8")
    expect(page.locator("svg[role=img]")).to_have_count(3)
    expect(page.locator(".headline")).to_contain_text("50.0% of 4 people reached")
    expect(page.locator(".headline")).to_contain_text("Non-response carries no consequence")
    box = page.locator("svg[role=img]").first.bounding_box()
    assert box is not None and box["width"] > 300
    assert axe(page) == []
    page.screenshot(path=artifact_path("checkin-dashboard.png"), full_page=True)
