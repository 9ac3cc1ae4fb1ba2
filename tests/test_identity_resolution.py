"""DUPLICATE_PERSON (Splink identity resolution) and POSSIBLE_DEATH_MATCH, end to end."""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

import febrl
from headcount.linkage import model
from headcount.linkage.train import reference_model
from headcount.pipeline.verify import verify

pytestmark = pytest.mark.slow
SSN_DIGITS = 9
# Exact birth date plus name similarity reaches about 0.77 pairwise F1 on FEBRL3.
FEBRL_F1_FLOOR = 0.97


@pytest.fixture(scope="module")
def synth_run(synth_dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("identity") / "results"
    verify(synth_dataset.out_dir, out)
    truth = json.loads(synth_dataset.truth_path.read_text())
    with (out / "findings.csv").open(newline="", encoding="utf-8") as fh:
        findings = list(csv.DictReader(fh))
    return truth, findings


def _groups(findings, rule):
    return {f["employee_ids"]: f for f in findings if f["rule"] == rule}


def test_every_kind_of_planted_duplicate_is_found(synth_run):
    truth, findings = synth_run
    found = _groups(findings, "DUPLICATE_PERSON")
    planted = {
        ";".join(a["employee_ids"]): a["variant"]
        for a in truth["anomalies"]
        if a["rule"] == "DUPLICATE_PERSON"
    }
    assert set(planted.values()) == {
        "nickname", "surname_typo", "transposed_birth_date", "different_ssn",
        "moved_same_work_email", "moved_same_supervisor", "moved_ssn_one_digit",
        "moved_ssn_transposed",
    }  # fmt: skip
    assert set(found) == set(planted)
    for f in found.values():
        assert f["severity"] == "medium" and f["amount_at_risk"] == "0.00"


def test_twins_spouses_and_common_name_strangers_stay_apart(synth_run):
    truth, findings = synth_run
    named = {e for ids in _groups(findings, "DUPLICATE_PERSON") for e in ids.split(";")}
    kinds = set()
    for look in truth["lookalikes"]:
        if "DUPLICATE_PERSON" in look["must_not_flag"]:
            kinds.add(look["kind"])
            assert not named & set(look["employee_ids"]), look
    assert {"twins", "spouses", "common_name_strangers", "namesakes"} <= kinds


def test_evidence_carries_probability_and_weights_without_secrets(synth_run):
    _, findings = synth_run
    for f in _groups(findings, "DUPLICATE_PERSON").values():
        evidence = json.loads(f["evidence"])
        assert evidence["why"].startswith("A probabilistic record-linkage model")
        assert evidence["model"]["threshold"] == model.THRESHOLD
        assert evidence["model"]["trained_on_this_roster"] is True
        for record in evidence["roster_records"]:
            assert record["ssn"].startswith("***-**-") and len(record["ssn"]) == 11
            assert "date_of_birth" not in record and "home_address" not in record
        for pair in evidence["linked_pairs"]:
            assert pair["match_probability"] >= model.THRESHOLD
            assert pair["ssn_agrees"] is False
            assert isinstance(pair["date_of_birth_agrees"], bool)
            names = [c["comparison"] for c in pair["comparisons"]]
            assert names == [
                "given_name", "middle_name", "surname", "date_of_birth", "address", "ssn",
                "work_email", "supervisor",
            ]  # fmt: skip
            for c in pair["comparisons"]:
                assert c["bayes_factor"] == pytest.approx(2 ** c["log2_weight"], rel=1e-6)
            # The match weight is the prior plus the comparisons' weights.
            total = pair["prior_weight"] + sum(c["log2_weight"] for c in pair["comparisons"])
            assert total == pytest.approx(pair["match_weight"], abs=0.01)
            odds = 2**total
            assert odds / (1 + odds) == pytest.approx(pair["match_probability"], abs=1e-4)
        digits = set("".join(ch if ch.isdigit() else " " for ch in f["evidence"]).split())
        assert not any(len(d) == SSN_DIGITS for d in digits)


def test_planted_possible_death_matches_are_low_leads(synth_run):
    truth, findings = synth_run
    found = _groups(findings, "POSSIBLE_DEATH_MATCH")
    for a in truth["anomalies"]:
        if a["rule"] == "POSSIBLE_DEATH_MATCH":
            f = found[";".join(a["employee_ids"])]
            assert f["severity"] == "low" and f["amount_at_risk"] == "0.00"
            assert f["payment_ids"] == ";".join(a["payment_ids"])
            record = json.loads(f["evidence"])["death_record"]
            assert record["ssn_matches_roster"] is False and record["ssn"].startswith("***")


# --------------------------------------------------------------- hand-built agencies


def _person(agency, employee_id, **fields):
    base = {
        "first_name": "Robert",
        "middle_name": "Allen",
        "last_name": "Kowalczyk",
        "date_of_birth": "1971-04-09",
        "home_address": "14 Juniper Lane",
        "city": "Falls Church",
        "zip": "22042",
    }
    base.update(fields)
    agency.employee(employee_id, **base)
    agency.pay_periods(employee_id, range(0, 2))


def _strangers(agency, n=8):
    for i in range(n):
        agency.employee(f"S{i}")


def test_a_nickname_duplicate_is_found_and_twins_are_not(agency, run_verify):
    _person(agency, "E1")
    _person(agency, "E2", first_name="Bob", date_of_birth="1971-09-04")  # nickname, transposed
    _person(agency, "T1", first_name="Helena", middle_name="Rose", last_name="Marchetti",
            date_of_birth="1990-02-17", home_address="3 Birch Court", zip="22150")  # fmt: skip
    _person(agency, "T2", first_name="Vivian", middle_name="Rose", last_name="Marchetti",
            date_of_birth="1990-02-17", home_address="3 Birch Court", zip="22150")  # fmt: skip
    _strangers(agency)
    results = run_verify(agency)
    [f] = results.of("DUPLICATE_PERSON")
    assert f["employee_ids"] == "E1;E2"
    [pair] = f["evidence"]["linked_pairs"]
    levels = {c["comparison"]: c["level"] for c in pair["comparisons"]}
    assert levels["given_name"] == "nickname"
    assert levels["date_of_birth"] == "day and month transposed"
    assert f["evidence"]["model"]["trained_on_this_roster"] is False  # too small to train
    assert results.payees["E1"]["status"] == "review"


def test_records_sharing_an_ssn_are_duplicate_ssn_not_duplicate_person(agency, run_verify):
    _person(agency, "E1", ssn="219-44-7788")
    _person(agency, "E2", ssn="219447788")
    _strangers(agency)
    results = run_verify(agency)
    assert results.of("DUPLICATE_PERSON") == []
    [f] = results.of("DUPLICATE_SSN")
    assert f["employee_ids"] == "E1;E2"


def test_spouses_and_namesakes_are_not_linked(agency, run_verify):
    _person(agency, "H1", first_name="Daniel", middle_name="", date_of_birth="1968-11-30")
    _person(agency, "W1", first_name="Teresa", middle_name="", date_of_birth="1972-06-02")
    _person(agency, "N1", first_name="James", middle_name="", last_name="Smith",
            date_of_birth="1985-03-14", home_address="77 Cedar Road", city="Reston", zip="20190")  # fmt: skip
    _person(agency, "N2", first_name="James", middle_name="", last_name="Smith",
            date_of_birth="1962-08-25", home_address="5 Oak Street", city="Dayton", zip="45402")  # fmt: skip
    _strangers(agency)
    assert run_verify(agency).of("DUPLICATE_PERSON") == []


def test_possible_death_match_needs_a_different_ssn_and_later_pay(agency, run_verify):
    agency.employee("E1", first_name="Marian", last_name="Oduya", date_of_birth="1958-12-01")
    agency.pay_periods("E1", range(0, 10))
    agency.death(ssn="999-99-9999", last_name="ODUYA", first_name="MARIAN",
                 date_of_birth="1958-12-01", date_of_death="2025-03-15")  # fmt: skip
    agency.employee("E2", first_name="Peter", middle_name="John", last_name="Ng",
                    date_of_birth="1960-01-02")  # fmt: skip
    agency.pay_periods("E2", range(0, 10))
    agency.death(ssn="999-99-9998", last_name="NG", first_name="PETER", middle_name="WALTER",
                 date_of_birth="1960-01-02", date_of_death="2025-03-15")  # fmt: skip
    emp = agency.employee("E3", first_name="Rosa", last_name="Ibarra", date_of_birth="1963-05-05")
    agency.pay_periods("E3", range(0, 10))
    agency.death(ssn=emp["ssn"], last_name="IBARRA", first_name="ROSA",
                 date_of_birth="1963-05-05", date_of_death="2025-03-15")  # fmt: skip
    results = run_verify(agency)
    [f] = results.of("POSSIBLE_DEATH_MATCH")
    assert (f["employee_ids"], f["severity"], f["amount_at_risk"]) == ("E1", "low", 0)
    assert len(f["payment_ids"].split(";")) == 4  # periods 6-9 start after 2025-03-15
    assert "different SSN" in f["summary"]
    # Same SSN: the exact rule's business, not a fuzzy lead.
    assert [x["employee_ids"] for x in results.of("PAID_AFTER_DEATH")] == ["E3"]


# --------------------------------------------------------------- FEBRL


def test_febrl3_subset_through_the_cli(tmp_path):
    """About 1,000 FEBRL3 records (every record of persons 0-399), scored pairwise."""
    records = [r for r in febrl.load("febrl3") if int(febrl.person(r["rec_id"])) < 400]
    data = febrl.write_dataset(records, tmp_path / "febrl3")
    out = tmp_path / "results"
    headcount = Path(sys.executable).parent / "headcount"
    subprocess.run([str(headcount), "verify", str(data), "--out", str(out), "-q"], check=True)
    with (out / "findings.csv").open(newline="", encoding="utf-8") as fh:
        groups = [
            f["employee_ids"].split(";")
            for f in csv.DictReader(fh)
            if f["rule"] in ("DUPLICATE_PERSON", "DUPLICATE_SSN")
        ]
    score = febrl.score(febrl.group_pairs(groups), febrl.true_pairs(r["rec_id"] for r in records))
    assert score["f1"] >= FEBRL_F1_FLOOR, score
    assert score["precision"] >= 0.99, score


def test_reference_model_matches_the_model_definition():
    """reference_model.json must be regenerated (python tools/linkage_reference.py)
    whenever model.py changes its comparisons or levels."""
    ref = reference_model()
    saved = [
        (c["output_column_name"], [lv.get("label_for_charts") for lv in c["comparison_levels"]])
        for c in ref["comparisons"]
    ]
    current = model.settings().get_settings("duckdb").as_dict()["comparisons"]
    expected = [
        (c["output_column_name"], [lv.get("label_for_charts") for lv in c["comparison_levels"]])
        for c in current
    ]
    assert saved == expected
    assert 0 < ref["headcount_duplicates_per_record"] < 1
    for c in ref["comparisons"]:
        for lv in c["comparison_levels"]:
            if not lv.get("is_null_level"):
                assert 0 < lv["m_probability"] <= 1 and 0 < lv["u_probability"] <= 1
                assert math.isfinite(math.log2(lv["m_probability"] / lv["u_probability"]))
