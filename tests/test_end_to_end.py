"""End to end on `synth` output: every planted anomaly found, no look-alike flagged."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from headcount.pipeline.verify import verify
from headcount.synth import generate

pytestmark = pytest.mark.slow
SERIOUS = {"high", "medium"}


@pytest.fixture(scope="module", params=["csv", "dmf"])
def run(
    request, tmp_path_factory
) -> tuple[dict[str, Any], list[dict[str, str]], dict[str, dict[str, str]]]:
    base = tmp_path_factory.mktemp(f"e2e-{request.param}")
    generate(base / "agency", 3000, seed=11, deaths_format=request.param)
    verify(base / "agency", base / "results")
    truth = json.loads((base / "agency" / "truth.json").read_text())
    truth["_agency"] = str(base / "agency")
    with (base / "results" / "findings.csv").open(newline="", encoding="utf-8") as fh:
        findings = list(csv.DictReader(fh))
    with (base / "results" / "payees.csv").open(newline="", encoding="utf-8") as fh:
        payees = {row["employee_id"]: row for row in csv.DictReader(fh)}
    return truth, findings, payees


@pytest.fixture(scope="module")
def secrets(run, tmp_path_factory) -> set[str]:
    """Every SSN and bank account in the input files, as digits."""
    folder = Path(run[0]["_agency"])
    values: set[str] = set()
    for name, columns in (("roster", ("ssn",)), ("payroll", ("ssn", "bank_account"))):
        with (folder / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                values.update(row[c].replace("-", "") for c in columns if len(row[c]) >= 6)
    return values


def key(rule: str, ids: list[str] | str) -> tuple[str, str]:
    return rule, ids if isinstance(ids, str) else ";".join(sorted(ids))


def test_serious_findings_are_exactly_the_planted_anomalies(run):
    truth, findings, _ = run
    planted = {
        key(a["rule"], a["employee_ids"]) for a in truth["anomalies"] if a["severity"] in SERIOUS
    }
    found = {key(f["rule"], f["employee_ids"]) for f in findings if f["severity"] in SERIOUS}
    assert found - planted == set(), "flagged something not planted"
    assert planted - found == set(), "missed a planted anomaly"


def test_every_anomaly_has_its_severity_amount_and_payments(run):
    truth, findings, _ = run
    by_key = {(key(f["rule"], f["employee_ids"]), f["severity"]): f for f in findings}
    for anomaly in truth["anomalies"]:
        f = by_key[(key(anomaly["rule"], anomaly["employee_ids"]), anomaly["severity"])]
        assert Decimal(f["amount_at_risk"]) == Decimal(str(anomaly["amount_at_risk"])).quantize(
            Decimal("0.01")
        ), anomaly
        if anomaly["payment_ids"]:
            assert f["payment_ids"] == ";".join(sorted(anomaly["payment_ids"])), anomaly


def test_total_dollars_equal_the_truth(run):
    truth, findings, _ = run
    planted = sum((Decimal(str(a["amount_at_risk"])) for a in truth["anomalies"]), Decimal(0))
    found = sum(Decimal(f["amount_at_risk"]) for f in findings)
    assert found == planted.quantize(Decimal("0.01"))


def test_no_lookalike_is_flagged_high_or_medium(run):
    truth, findings, _ = run
    for lookalike in truth["lookalikes"]:
        ids = set(lookalike["employee_ids"])
        for f in findings:
            if f["severity"] in SERIOUS and f["rule"] in lookalike["must_not_flag"]:
                assert not ids & set(f["employee_ids"].split(";")), (lookalike, f["summary"])


def test_non_responders_are_never_flagged(run):
    truth, findings, payees = run
    planted_ids = {e for a in truth["anomalies"] for e in a["employee_ids"]}
    named = {e for f in findings if f["severity"] != "info" for e in f["employee_ids"].split(";")}
    for lookalike in truth["lookalikes"]:
        if lookalike["kind"] == "non_responder":
            for employee_id in lookalike["employee_ids"]:
                assert employee_id in planted_ids or employee_id not in named
                if employee_id in payees and employee_id not in planted_ids:
                    assert payees[employee_id]["status"] == "verified"
                    assert "checkin_reply" not in payees[employee_id]["evidence_for"]


def test_payees_are_flagged_exactly_where_high_findings_name_them(run):
    _, findings, payees = run
    high = {e for f in findings if f["severity"] == "high" for e in f["employee_ids"].split(";")}
    flagged = {e for e, p in payees.items() if p["status"] == "flagged"}
    assert flagged == high & set(payees)


def test_findings_never_carry_a_full_ssn_or_account(run, secrets):
    _, findings, _ = run
    for f in findings:
        text = f["evidence"] + f["summary"]
        digits = set("".join(ch if ch.isdigit() else " " for ch in text).split())
        assert not digits & secrets, f["summary"]


def test_every_dollar_traces_to_payments(run, tmp_path):
    _, findings, _ = run
    for f in findings:
        if Decimal(f["amount_at_risk"]):
            evidence = json.loads(f["evidence"])
            linked = sum((Decimal(str(p["at_risk"])) for p in evidence["payments"]), Decimal(0))
            assert linked.quantize(Decimal("0.01")) == Decimal(f["amount_at_risk"])
            assert {p["payment_id"] for p in evidence["payments"]} <= set(
                f["payment_ids"].split(";")
            )


def test_results_folder_lists_the_contract_files(tmp_path: Path):
    generate(tmp_path / "a", 1000, seed=2)
    verify(tmp_path / "a", tmp_path / "r")
    names = {p.name for p in (tmp_path / "r").iterdir()}
    assert {
        "findings.csv",
        "findings.parquet",
        "payees.csv",
        "summary.json",
        "report.html",
    } <= names
    with (tmp_path / "r" / "findings.csv").open(encoding="utf-8") as fh:
        header = fh.readline().strip()
    assert (
        header
        == "finding_id,rule,severity,employee_ids,payment_ids,amount_at_risk,summary,evidence"
    )


def test_every_rule_that_ran_is_timed_with_its_findings(run):
    summary = json.loads((Path(run[0]["_agency"]).parent / "results" / "summary.json").read_text())
    timed = summary["rule_timings"]
    assert sorted(timed) == sorted(summary["rules"]["ran"])
    by_rule = summary["findings"]["by_rule"]
    for code, timing in timed.items():
        assert timing["seconds"] >= 0
        assert timing["findings"] == by_rule.get(code, {}).get("findings", 0), code
