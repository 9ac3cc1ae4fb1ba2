"""publication.html in headless Chromium: it loads nothing, its inline style runs under its
own Content-Security-Policy, axe-core finds no WCAG 2.1 AA violation, and the tables read
as tables (captions, header cells, withheld figures said in words)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from typer.testing import CliRunner

from browser import artifact_path, launch_chromium
from headcount.cli.app import app

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parents[1] / "checkins" / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as b:
        yield b


@pytest.fixture(scope="module")
def page_path(verified_agency, case_store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "publication"
    result = CliRunner().invoke(
        app,
        ["publish", "--results", str(verified_agency.results), "--database", case_store.url,
         "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out / "publication.html"


def test_offline_styled_and_accessible(browser: Browser, page_path: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(page_path.as_uri(), wait_until="load")
        page.wait_for_timeout(200)  # let any late fetch show itself
        assert requests == [page_path.as_uri()]
        assert errors == []  # a style the policy refused would be reported here
        banner = page.locator("header.banner")
        assert banner.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(22, 46, 81)"
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Published figures: payroll verification and due process"
        )
        table = page.get_by_role("table", name="Leads: findings by rule and severity")
        expect(table).to_be_visible()
        expect(table.get_by_role("columnheader", name="All severities")).to_be_visible()
        expect(table.get_by_role("rowheader", name="All rules")).to_be_visible()
        expect(
            page.get_by_role("table", name="Determined: cases by rule and outcome")
        ).to_be_visible()
        causes = page.get_by_role("table", name="Determined: cases by rule and cause")
        expect(causes).to_be_visible()
        expect(causes.get_by_role("columnheader", name="none (proper)")).to_be_visible()
        assert page.locator("td.withheld").first.inner_text() == "withheld"
        page.screenshot(path=artifact_path("publication.png"), full_page=True)
    finally:
        context.close()


def test_axe_finds_nothing(browser: Browser, page_path: Path) -> None:
    # bypass_csp lets the test inject axe-core; the page itself allows no script.
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(page_path.as_uri())
        page.add_script_tag(content=AXE)
        violations: list[dict[str, Any]] = page.evaluate(
            "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
            ".violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.html)}))",
            WCAG,
        )
        assert violations == []
        # Narrow screens: the tables scroll inside their own box, the page does not.
        page.set_viewport_size({"width": 375, "height": 800})
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375
        page.screenshot(path=artifact_path("publication-narrow.png"), full_page=True)
    finally:
        context.close()
