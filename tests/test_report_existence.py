"""report.html's non-response section: near the top, with its sentence, chart and tables, in
the page's markup and in Chromium with JavaScript on and off (axe-core on the section); and
the run-specific parts of the page are marked so a re-run can be compared without them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from browser import artifact_path, launch_chromium
from headcount.contract.summary import ExistenceSummary
from headcount.pipeline.existence import summarise
from headcount.provenance.manifest import reproducible_sha256
from headcount.report import render_report, write_report
from test_report_html import RULES, findings_table, parse, sample_summary

AXE = (Path(__file__).parent / "checkins" / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SENT = dt.date(2025, 2, 22)
ALL = frozenset({"roster", "payroll", "deaths", "campaigns", "checkins", "activity"})


def _row(
    agency: str, policy: str, replied: bool, n: int, evidence: int, finding: int
) -> dict[str, Any]:
    return {
        "campaign_id": "C1", "agency": agency, "policy": policy, "sent_on": SENT,
        "replied": replied, "employees": n, "activity": evidence // 2, "regular_pay": evidence,
        "hr_record": evidence - 1, "any_evidence": evidence, "with_finding": finding,
    }  # fmt: skip


def existence_block(present: frozenset[str] = ALL) -> ExistenceSummary:
    rows = [
        _row("VA", "mandatory", True, 700, 699, 3),
        _row("VA", "mandatory", False, 500, 498, 2),
        _row("DOD", "exempt", False, 900, 900, 4),
    ]
    return summarise(rows, present)


def summary_with_existence(present: frozenset[str] = ALL) -> dict[str, Any]:
    return {**sample_summary(), "existence": existence_block(present)}


@pytest.fixture(scope="module")
def html() -> str:
    return render_report(findings_table(), summary_with_existence(), rules=RULES)


def test_the_section_comes_right_after_the_overview(html: str) -> None:
    assert html.index('id="overview"') < html.index('id="existence"') < html.index('id="charts"')
    assert '<a href="#existence">Non-response</a>' in html


def test_the_sentence_and_figures_are_in_the_page(html: str) -> None:
    sentence = existence_block()["campaigns"][0]["all_agencies"]["sentence"]
    assert sentence.startswith("Of 1,400 employees who did not reply, 1,398 (99.86%) have")
    assert sentence in html
    assert "Not replying is never a finding" in " ".join(html.split())
    assert "498 (99.60%)" in html  # VA, did not reply, any evidence
    assert "— (a group is empty)" in html  # DOD: nobody replied


def test_the_chart_is_accessible_svg(html: str) -> None:
    c = parse(html)
    labels = [v for tag, name, v in c.attrs if tag == "svg" and name == "aria-label"]
    assert "Evidence of being a current employee, by reply, campaign C1" in labels
    th_scopes = [v for tag, name, v in c.attrs if tag == "th" and name == "scope"]
    assert c.tags.count("th") == len(th_scopes)


def test_evidence_not_checked_says_so() -> None:
    page = render_report(findings_table(), summary_with_existence(ALL - {"deaths"}), rules=RULES)
    assert "not checked" in page


def test_no_section_without_the_block() -> None:
    page = render_report(findings_table(), sample_summary(), rules=RULES)
    assert 'id="existence"' not in page and "#existence" not in page


def test_only_the_marked_parts_differ_between_runs() -> None:
    a = summary_with_existence()
    b = {**a, "dataset": "/elsewhere/agency", "started_at": "2027-01-01T00:00:00Z",
         "timings_seconds": {"ingest": 9.9, "total": 9.9}}  # fmt: skip
    page_a = render_report(findings_table(), a, rules=RULES).encode()
    page_b = render_report(findings_table(), b, rules=RULES).encode()
    assert page_a != page_b
    assert reproducible_sha256("report.html", page_a) == reproducible_sha256("report.html", page_b)
    c = {**a, "findings": {**a["findings"], "total": 10}}
    page_c = render_report(findings_table(), c, rules=RULES).encode()
    assert reproducible_sha256("report.html", page_a) != reproducible_sha256("report.html", page_c)


# --- in Chromium ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as b:
        yield b


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("existence") / "report.html"
    write_report(path, findings_table(), summary_with_existence(), rules=RULES)
    return path


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_section_renders_in_chromium(browser: Browser, report: Path, javascript: bool) -> None:
    # bypass_csp only so that axe-core can be injected; the page itself loads nothing.
    context = browser.new_context(
        java_script_enabled=javascript, bypass_csp=True, viewport={"width": 1280, "height": 900}
    )
    try:
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(report.as_uri(), wait_until="load")
        section = page.locator("#existence")
        expect(section).to_be_visible()
        chart = section.locator("svg[role=img]")
        expect(chart).to_have_count(1)
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100
        sentence = existence_block()["campaigns"][0]["all_agencies"]["sentence"]
        expect(section.locator("p.sentence")).to_have_text(sentence)
        expect(section.get_by_role("table")).to_have_count(2)
        section.screenshot(
            path=str(artifact_path(f"existence-{'js' if javascript else 'nojs'}.png"))
        )
        assert requests == [report.as_uri()]
        if javascript:  # axe-core is itself a script, so it runs with JavaScript on
            page.add_script_tag(content=AXE)
            violations = page.evaluate(
                "async (tags) => (await axe.run('#existence', {runOnly: {type: 'tag', "
                "values: tags}})).violations.map(v => ({id: v.id, nodes: v.nodes.map(n => n.html)}))",
                WCAG,
            )
            assert violations == []
    finally:
        context.close()
