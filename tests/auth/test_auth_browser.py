"""Staff sign-in in Debian's Chromium against a real uvicorn: log in, see the pages the role
allows, be refused the others, log out; axe-core on the new pages. Screenshots go to a tmp
dir (and test-artifacts/) for a human to look at."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from live_server import live_server
from playwright.sync_api import Page, expect

from auth.conftest import SECRET
from browser import artifact_path, launch_chromium
from checkins.axe_check import axe
from headcount.checkins.campaigns import create_campaign
from headcount.contract.policy import Policy
from headcount.migrations import upgrade
from headcount.store import Store, utcnow
from staff import PASSWORD, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def site(tmp_path: Path, roster: Path) -> Iterator[tuple[str, Store]]:
    store = Store.open(f"sqlite:///{tmp_path / 'hc.db'}")
    upgrade(store)
    create_campaign(
        store, "wk8", roster, deadline=utcnow() + timedelta(days=2),
        policies={"VA": Policy.MANDATORY}, title="Last week's work",
    )  # fmt: skip
    make_user(store, "sam", "supervisor", "VA")
    make_user(store, "aud", "auditor")
    with live_server(store, SECRET) as base:
        yield base, store
    store.close()


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    with launch_chromium() as browser:
        context = browser.new_context(bypass_csp=True)  # only to inject axe-core
        yield context.new_page()
        context.close()


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {username}")


def _shot(page: Page, tmp_path: Path, name: str) -> None:
    for path in (tmp_path / name, artifact_path(name)):
        page.screenshot(path=path, full_page=True)


def test_supervisor_sees_the_dashboard_not_the_audit_log(
    site: tuple[str, Store], page: Page, tmp_path: Path
) -> None:
    base, _ = site
    page.goto(f"{base}/campaigns/wk8")
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff sign-in")  # redirected
    _sign_in(page, base, "sam")
    assert axe(page) == []
    _shot(page, tmp_path, "auth-home-supervisor.png")
    expect(page.get_by_role("link", name="Findings under review")).to_have_count(0)
    page.get_by_role("link", name="Last week's work").click()
    expect(page.locator(".headline")).to_contain_text("people reached")
    expect(page.locator("table").first).not_to_contain_text("GSA")  # scoped to VA
    response = page.goto(f"{base}/audit")
    assert response is not None and response.status == 403
    expect(page.get_by_role("main")).to_contain_text("Your role does not allow this.")
    page.goto(f"{base}/home")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    page.goto(f"{base}/home")
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff sign-in")


def test_auditor_browses_and_is_refused_the_dashboard(
    site: tuple[str, Store], page: Page, tmp_path: Path
) -> None:
    base, _ = site
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill("aud")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    _sign_in(page, base, "aud")
    expect(page.get_by_role("link", name="Findings under review")).to_have_attribute(
        "href", "/cases"
    )
    page.get_by_role("link", name="Browse and export the audit log").click()
    page.get_by_label("Action", exact=True).fill("login")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#count")).to_contain_text("2 entries")  # the failure and the success
    assert axe(page) == []
    _shot(page, tmp_path, "auth-audit-log.png")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export these entries as CSV").click()
    assert download.value.suggested_filename.startswith("audit-log-")
    response = page.goto(f"{base}/campaigns/wk8")
    assert response is not None and response.status == 403
