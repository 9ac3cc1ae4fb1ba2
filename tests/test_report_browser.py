"""report.html in a real browser: offline, charts visible, evidence expands with or without JS."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from browser import artifact_path, launch_chromium
from headcount.report import write_report
from test_report_html import RULES, findings_table, sample_rows, sample_summary

pytestmark = pytest.mark.browser

CHART_LABELS = (
    "Findings by rule, stacked by severity",
    "Dollars at risk by rule",
    "Payees by status",
)


@dataclass
class Opened:
    page: Page
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as b:
        yield b


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(path, findings_table(), sample_summary(), rules=RULES)
    return path


@contextmanager
def opened(
    browser: Browser, path: Path, *, javascript: bool = True, width: int = 1280
) -> Iterator[Opened]:
    context = browser.new_context(
        java_script_enabled=javascript, viewport={"width": width, "height": 900}
    )
    try:
        page = context.new_page()
        o = Opened(page)
        page.on("request", lambda r: o.requests.append(r.url))
        # CSP violations (a style or script the policy refuses) are reported as console errors.
        page.on("console", lambda m: o.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: o.errors.append(str(e)))
        page.on("dialog", o.on_dialog)
        page.goto(path.as_uri(), wait_until="load")
        yield o
    finally:
        context.close()


def test_no_request_leaves_the_page(browser: Browser, report: Path) -> None:
    with opened(browser, report) as o:
        o.page.wait_for_timeout(300)  # let any late fetch (favicon, fonts) show itself
        assert o.requests == [report.as_uri()]
        assert o.errors == []
        # The inline style and script ran under the page's own Content-Security-Policy.
        banner = o.page.locator("header.banner")
        assert banner.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(22, 46, 81)"
        expect(o.page.locator("#finding-filters")).to_be_visible()


def test_charts_present_and_visible(browser: Browser, report: Path) -> None:
    with opened(browser, report) as o:
        for label in CHART_LABELS:
            chart = o.page.locator(f'svg[role="img"][aria-label="{label}"]')
            expect(chart).to_have_count(1)
            expect(chart).to_be_visible()
            box = chart.bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 60
        assert o.page.locator("svg.chart rect").count() > 10


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_finding_expands_to_evidence(browser: Browser, report: Path, javascript: bool) -> None:
    with opened(browser, report, javascript=javascript) as o:
        details = o.page.locator("#finding-F-0001")
        evidence = details.locator("pre.evidence")
        expect(evidence).to_be_hidden()
        details.locator("summary").first.click()
        # Readable first: the facts and tables, with human labels; the JSON one click away.
        expect(details.locator(".evidence-facts, .evidence-table").first).to_be_visible()
        expect(details.locator(".evidence-body")).to_contain_text("Date of death")
        expect(evidence).to_be_hidden()
        details.locator("details.evidence-json > summary").click()
        expect(evidence).to_be_visible()
        expect(evidence).to_contain_text('"date_of_death": "2025-02-11"')
        expect(details.locator(".evidence-body")).to_contain_text("P000101, P000102, P000103")
        # Without JavaScript the filters stay hidden and every row is shown.
        filters = expect(o.page.locator("#finding-filters"))
        if javascript:
            filters.to_be_visible()
        else:
            filters.to_be_hidden()
        expect(o.page.locator("#findings-table > tbody > tr:visible")).to_have_count(
            len(sample_rows())
        )
        path = artifact_path(f"report-{'js' if javascript else 'nojs'}.png")
        o.page.screenshot(path=str(path), full_page=True)


def test_filters_narrow_the_table(browser: Browser, report: Path) -> None:
    with opened(browser, report) as o:
        rows = o.page.locator("#findings-table > tbody > tr:visible")
        o.page.select_option("#filter-rule", "PAID_AFTER_DEATH")
        expect(rows).to_have_count(1)
        o.page.select_option("#filter-rule", "")
        o.page.select_option("#filter-severity", "high")
        expect(rows).to_have_count(4)
        o.page.select_option("#filter-severity", "")
        o.page.fill("#filter-text", "p000803")  # matches a payment id inside collapsed evidence
        expect(rows).to_have_count(0)
        o.page.fill("#filter-text", "P000801")
        expect(rows).to_have_count(1)
        expect(o.page.locator("#filter-status")).to_have_text(
            "Showing 1 of 9 findings in this table."
        )
        o.page.click("#expand-all")
        expect(o.page.locator("details.finding[open]")).to_have_count(1)


def test_hostile_data_stays_text(browser: Browser, tmp_path: Path) -> None:
    rows = sample_rows()
    rows[0]["summary"] = "<script>alert('summary')</script><img src=http://example.invalid/x.png>"
    rows[1]["evidence"] = '{"x": "</pre><link rel=stylesheet href=https://example.invalid/s.css>"}'
    rows[2]["rule"] = "<svg onload=alert('rule')>"
    summary = sample_summary()
    summary["dataset"] = "<iframe src=//example.invalid/></iframe>"
    path = tmp_path / "report.html"
    write_report(path, findings_table(rows), summary, rules=RULES)
    with opened(browser, path) as o:
        o.page.wait_for_timeout(300)
        assert o.requests == [path.as_uri()]
        assert o.dialogs == []
        assert o.errors == []
        expect(o.page.locator("#finding-F-0001 > summary")).to_contain_text("<script>alert(")


def test_screenshots_for_review(browser: Browser, report: Path) -> None:
    """Pictures for a person to look at: wide, narrow and print layouts."""
    with opened(browser, report) as o:
        o.page.locator("#finding-F-0003 > summary").click()
        o.page.screenshot(path=str(artifact_path("report.png")), full_page=True)
        o.page.emulate_media(media="print")
        o.page.screenshot(path=str(artifact_path("report-print.png")), full_page=True)
    with opened(browser, report, width=400) as o:
        o.page.screenshot(path=str(artifact_path("report-narrow.png")), full_page=True)
        # Nothing but wide tables and charts may scroll sideways on a phone.
        overflow = o.page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 400 + 1


def test_large_report_stays_usable(browser: Browser, tmp_path: Path) -> None:
    base = sample_rows()
    rows = [dict(base[i % len(base)], finding_id=f"F-{i:06d}") for i in range(20_000)]
    path = tmp_path / "report.html"
    write_report(path, findings_table(rows), {}, rules=RULES)
    with opened(browser, path) as o:
        expect(o.page.locator("#findings-table > tbody > tr")).to_have_count(2000)
        expect(o.page.locator(".truncation")).to_contain_text("2,000 of 20,000 findings")
        # The 2,000 most important are all PAYEE_NOT_IN_ROSTER ($12,000 each, high).
        expect(o.page.locator("#filter-rule option")).to_have_count(2)
        o.page.fill("#filter-text", "F-000011")
        expect(o.page.locator("#findings-table > tbody > tr:visible")).to_have_count(1)
