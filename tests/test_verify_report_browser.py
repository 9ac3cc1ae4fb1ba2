"""The report of a real `verify` run, opened in headless Chromium as an auditor would."""

from __future__ import annotations

import json

import pytest

from browser import artifact_path, launch_chromium
from headcount.pipeline.verify import verify
from headcount.synth import generate

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_real_report_renders_offline_with_charts_and_evidence(tmp_path):
    generate(tmp_path / "agency", 800, seed=5)
    result = verify(tmp_path / "agency", tmp_path / "results")
    url = result.report.as_uri()
    with launch_chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(url)
        assert requests == [url], "the report must not fetch anything"
        # Waterfalls sit folded inside findings; the page's own charts show at once.
        assert page.locator("svg[role=img]:not(.waterfall)").count() >= 3
        for label in page.locator("svg[role=img]:not(.waterfall)").all():
            assert label.is_visible()
        summary = result.summary
        flagged = str(summary["payees"]["by_status"]["flagged"])
        assert flagged in page.locator("body").inner_text()
        first = (
            page.locator("details.finding").filter(has_text="the date of death in a death").first
        )
        first.locator(":scope > summary").click()
        # The evidence as recorded is one click further, folded: read its text as it stands.
        evidence = first.locator(".evidence-json pre").first.text_content() or ""
        assert json.loads(evidence)["death_record"]["ssn_matches_roster"] is True
        page.screenshot(path=str(artifact_path("verify-report.png")), full_page=False)


def test_duplicate_person_waterfall_renders_inside_its_evidence(synth_dataset, tmp_path):
    result = verify(synth_dataset.out_dir, tmp_path / "results")
    with launch_chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(result.report.as_uri())
        finding = page.locator("tr[data-rule=DUPLICATE_PERSON] details.finding").first
        chart = finding.locator("svg.waterfall").first
        assert not chart.is_visible()  # folded away until the reviewer opens the finding
        finding.locator(":scope > summary").click()
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100
        evidence = json.loads(finding.locator(".evidence-json pre").first.text_content() or "")
        pair = evidence["linked_pairs"][0]
        # One bar for the prior, one per comparison, one for the total.
        assert chart.locator("rect").count() == len(pair["comparisons"]) + 2
        labels = [t.text_content() for t in chart.locator("text.chart-label").all()]
        for c in pair["comparisons"]:
            assert f"{c['comparison']}: {c['level']}" in labels
        assert "match probability" in (chart.locator("desc").text_content() or "")
        chart.screenshot(path=str(artifact_path("duplicate-person-waterfall.png")))
        assert requests == [result.report.as_uri()], "the report must not fetch anything"
