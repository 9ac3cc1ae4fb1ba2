"""Pay rules on hand-written agencies: what each must flag, and the look-alikes it must not."""

from __future__ import annotations

from decimal import Decimal

from builders import period_end


def test_paid_after_separation_counts_only_periods_starting_after_separation(agency, run_verify):
    # Period 5 runs 2025-03-09..2025-03-22: separation on 03-14 falls inside it, so its pay
    # is proper; periods 6 and 7 start after the separation and are not.
    agency.employee("E1", separation_date="2025-03-14")
    agency.pay_periods("E1", range(0, 6))
    late = agency.pay_periods("E1", range(6, 8), gross_pay="4000.01")
    agency.pay("E1", 7, payment_type="LUMP_SUM_LEAVE", gross_pay="9000.00")
    results = run_verify(agency)
    [f] = results.of("PAID_AFTER_SEPARATION")
    assert f["severity"] == "high"
    assert f["employee_ids"] == "E1"
    assert f["payment_ids"] == ";".join(sorted(late))
    assert f["amount_at_risk"] == Decimal("8000.02")
    assert f["evidence"]["separation_date"] == "2025-03-14"
    assert [p["payment_id"] for p in f["evidence"]["payments"]] == late


def test_final_pay_and_lump_sum_after_separation_are_proper(agency, run_verify):
    agency.employee("E1", separation_date="2025-03-22")  # the last day of period 5
    agency.pay_periods("E1", range(0, 6))
    agency.pay("E1", 6, payment_type="LUMP_SUM_LEAVE", gross_pay="12000.00")
    results = run_verify(agency)
    assert results.of("PAID_AFTER_SEPARATION") == []
    assert results.payees["E1"]["status"] == "verified"


def test_payee_not_in_roster_counts_every_payment(agency, run_verify):
    agency.employee("E1")
    agency.pay_periods("E1", range(0, 3))
    ghost = agency.pay_periods("GHOST9", range(0, 3), gross_pay="2500.50")
    ghost.append(agency.pay("GHOST9", 2, payment_type="AWARD", gross_pay="100.00"))
    results = run_verify(agency)
    [f] = results.of("PAYEE_NOT_IN_ROSTER")
    assert (f["employee_ids"], f["severity"]) == ("GHOST9", "high")
    assert f["payment_ids"] == ";".join(sorted(ghost))
    assert f["amount_at_risk"] == Decimal("7601.50")
    assert results.payees["GHOST9"]["status"] == "flagged"
    assert results.payees["GHOST9"]["evidence_against"] == "PAYEE_NOT_IN_ROSTER"


def test_duplicate_payment_keeps_the_largest_and_ignores_awards(agency, run_verify):
    agency.employee("E1")
    agency.pay_periods("E1", range(0, 4))
    extra = agency.pay("E1", 2, gross_pay="1000.00")
    agency.pay("E1", 3, payment_type="AWARD", gross_pay="500.00")
    agency.pay("E1", 1, payment_type="RETRO", gross_pay="120.00")
    results = run_verify(agency)
    [f] = results.of("DUPLICATE_PAYMENT")
    assert f["amount_at_risk"] == Decimal("1000.00")
    assert len(f["payment_ids"].split(";")) == 2 and extra in f["payment_ids"]
    at_risk = {p["payment_id"]: p["at_risk"] for p in f["evidence"]["payments"]}
    assert at_risk[extra] == 1000.0 and sorted(at_risk.values()) == [0.0, 1000.0]


def test_award_and_retro_beside_regular_pay_are_proper(agency, run_verify):
    agency.employee("E1")
    agency.pay_periods("E1", range(0, 4))
    agency.pay("E1", 2, payment_type="AWARD", gross_pay="1500.00")
    agency.pay("E1", 2, payment_type="RETRO", gross_pay="300.00")
    assert run_verify(agency).of("DUPLICATE_PAYMENT") == []


def test_no_withholding_needs_four_regular_payments_without_any_deduction(agency, run_verify):
    agency.employee("E1")
    agency.employee("E2")
    agency.employee("E3")
    none = {"federal_tax": "0.00", "retirement": "", "health_benefits": "0"}
    agency.pay_periods("E1", range(0, 4), **none)
    agency.pay_periods("E2", range(0, 3), **none)  # too few to judge
    agency.pay_periods("E3", range(0, 5), health_benefits="0.00")  # waived health only
    results = run_verify(agency)
    [f] = results.of("NO_WITHHOLDING")
    assert (f["employee_ids"], f["severity"], f["amount_at_risk"]) == ("E1", "medium", 0)
    assert f["evidence"]["regular_payments"] == 4


def test_pay_above_cap_for_gs_counts_the_excess_to_the_cent(agency, run_verify):
    agency.employee("E1", annual_salary="210000.00")
    agency.pay_periods("E1", range(0, 2), gross_pay="8076.92")
    agency.employee("E2", annual_salary="195200.00")
    agency.pay_periods("E2", range(0, 2), gross_pay="7507.69")  # exactly at the cap
    results = run_verify(agency)
    [f] = results.of("PAY_ABOVE_CAP")
    assert f["employee_ids"] == "E1"
    assert f["amount_at_risk"] == Decimal("1138.46")  # 2 x (8076.92 - 7507.69)
    assert f["evidence"]["period_cap"] == 7507.69
    assert f["evidence"]["annual_cap"] == 195200.0


def test_senior_executive_above_gs_cap_within_es_cap_is_proper(agency, run_verify):
    agency.employee("SES1", pay_plan="ES", grade="", step="", annual_salary="221000.00")
    agency.pay_periods("SES1", range(0, 3), gross_pay="8500.00")
    agency.employee("SES2", pay_plan="ES", grade="", step="", annual_salary="230000.00")
    agency.pay_periods("SES2", range(0, 1), gross_pay="8846.15")
    results = run_verify(agency)
    [f] = results.of("PAY_ABOVE_CAP")
    assert f["employee_ids"] == "SES2"
    assert f["amount_at_risk"] == Decimal("165.38")  # 8846.15 - 225700/26 (8680.77)


def test_salary_above_cap_without_overpayment_is_flagged_with_no_dollars(agency, run_verify):
    agency.employee("E1", annual_salary="199000.00")
    agency.pay_periods("E1", range(0, 2), gross_pay="7500.00")
    [f] = run_verify(agency).of("PAY_ABOVE_CAP")
    assert f["amount_at_risk"] == 0 and f["payment_ids"] == ""
    assert "roster salary" in f["summary"]


def test_shared_account_between_strangers_is_medium_and_household_is_low(agency, run_verify):
    agency.employee("E1", last_name="Rivera", home_address="1 Oak Ave", _account="777")
    agency.employee("E2", last_name="Chen", home_address="9 Pine Rd", _account="777")
    agency.employee("E3", last_name="Okafor", home_address="5 Bay Ct", _account="888")
    # A spouse: own SSN (far from E3's: an SSN one digit apart is what a duplicate keeps).
    agency.employee(
        "E4", last_name="OKAFOR ", home_address="5 bay ct.", _account="888", ssn="287-65-4321"
    )
    for emp in ("E1", "E2", "E3", "E4"):
        agency.pay_periods(emp, range(0, 2))
    results = run_verify(agency)
    by_ids = {f["employee_ids"]: f for f in results.of("SHARED_BANK_ACCOUNT")}
    assert by_ids["E1;E2"]["severity"] == "medium"
    assert by_ids["E3;E4"]["severity"] == "low"
    assert by_ids["E1;E2"]["evidence"]["bank_account"] == "****777"
    assert "777" not in by_ids["E1;E2"]["evidence"]["bank_routing"]
    assert results.payees["E3"]["status"] == "verified"
    assert results.payees["E1"]["status"] == "review"


def test_period_end_helper_matches_2025_calendar():
    assert period_end(0) == "2025-01-11" and period_end(25) == "2025-12-27"
