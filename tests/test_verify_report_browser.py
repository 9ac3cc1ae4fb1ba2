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
        assert page.locator("svg[role=img]").count() >= 3
        for label in page.locator("svg[role=img]").all():
            assert label.is_visible()
        summary = result.summary
        flagged = str(summary["payees"]["by_status"]["flagged"])
        assert flagged in page.locator("body").inner_text()
        first = (
            page.locator("details.finding").filter(has_text="the date of death in a death").first
        )
        first.locator("summary").click()
        evidence = first.locator("pre").first.inner_text()
        assert json.loads(evidence)["death_record"]["ssn_matches_roster"] is True
        page.screenshot(path=str(artifact_path("verify-report.png")), full_page=False)
