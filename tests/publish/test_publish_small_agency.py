"""A hand-built agency with twelve payees paid after separation and three duplicate SSN
pairs, and no check-in campaign: the twelve are published with their dollars, the three
are withheld with enough beside them, and the page says the non-response question is not
answered."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from publish_attack import attack, read_figures
from typer.testing import CliRunner

from builders import Agency
from headcount.cli.app import app


def test_published_and_withheld_leads(agency: Agency, run_verify, tmp_path: Path) -> None:
    for n in range(12):
        agency.employee(f"S{n:02d}", separation_date="2025-03-01")
        agency.pay_periods(f"S{n:02d}", range(0, 8))  # periods after March are improper
    for n in range(3):
        ssn = f"123-45-{6000 + n}"
        agency.employee(f"D{n}a", ssn=ssn)
        agency.employee(f"D{n}b", ssn=ssn)
        agency.pay_periods(f"D{n}a", range(0, 2))
    for n in range(20):
        agency.employee(f"OK{n:02d}")
        agency.pay_periods(f"OK{n:02d}", range(0, 8))
    results = run_verify(agency)
    out = tmp_path / "publication"
    result = CliRunner().invoke(app, ["publish", "--results", str(results.out), "--out", str(out)])
    assert result.exit_code == 0, result.output
    with (out / "figures.csv").open(encoding="utf-8", newline="") as f:
        rows = {(r["table"], r["row"], r["column"]): r for r in csv.DictReader(f)}
    separated = rows[("leads_by_rule", "PAID_AFTER_SEPARATION", "high")]
    assert separated["value"] == "12"
    findings = results.of("PAID_AFTER_SEPARATION")
    dollars = sum(Decimal(f["amount_at_risk"]) for f in findings)
    assert rows[("lead_dollars_by_rule", "PAID_AFTER_SEPARATION", "at risk")]["value"] == (
        f"{dollars:.2f}"
    )
    assert rows[("leads_by_rule", "DUPLICATE_SSN", "high")]["status"] == "withheld"
    # 12 + 3 high findings: the 3 could be had from the high total, so something more is
    # withheld, and the attack on the CSV gets nowhere.
    found = attack(read_figures(out / "figures.csv"))
    assert found and all(not f.fixed_by_equations and f.high - f.low >= 2 for f in found.values())
    page = (out / "publication.html").read_text(encoding="utf-8")
    assert "The results hold no check-in campaign" in page
    assert not any(t.startswith("nonresponse_") for t, _, _ in rows)
