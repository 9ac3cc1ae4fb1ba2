"""Identity rules: death records, SSNs and names on payments."""

from __future__ import annotations

from decimal import Decimal


def _dead(agency, emp, **fields):
    record = {
        "ssn": emp["ssn"],
        "last_name": emp["last_name"].upper(),
        "first_name": emp["first_name"].upper(),
        "date_of_birth": emp["date_of_birth"],
        "date_of_death": "2025-03-15",
    }
    record.update(fields)
    agency.death(**record)


def test_paid_after_death_counts_periods_starting_after_death(agency, run_verify):
    emp = agency.employee("E1", first_name="Robert", last_name="Jackson")
    _dead(agency, emp, first_name="BOB")  # nickname: still agrees
    agency.pay_periods("E1", range(0, 6))  # period 4 (03-09..03-22) holds the death: proper
    late = agency.pay_periods("E1", range(6, 9))
    results = run_verify(agency)
    [f] = results.of("PAID_AFTER_DEATH")
    assert f["severity"] == "high"
    assert f["payment_ids"] == ";".join(sorted(late))
    assert f["amount_at_risk"] == Decimal("11538.45")
    record = f["evidence"]["death_record"]
    assert record["given_name_agrees"] and record["surname_agrees"]
    assert record["date_of_death"] == "2025-03-15"
    assert f["evidence"]["ssn"].startswith("***-**-")
    assert results.payees["E1"]["status"] == "flagged"


def test_final_pay_in_the_period_of_death_is_proper(agency, run_verify):
    emp = agency.employee("E1")
    _dead(agency, emp, date_of_death="2025-03-09")  # the first day of period 4
    agency.pay_periods("E1", range(0, 5))
    assert run_verify(agency).of("PAID_AFTER_DEATH") == []


def test_partial_date_of_death_counts_as_its_last_possible_day(agency, run_verify):
    emp = agency.employee("E1")
    _dead(agency, emp, date_of_death="2025-03-00")  # read as 2025-03-31
    agency.pay_periods("E1", range(0, 8))  # period 6 starts 03-23, period 7 starts 04-06
    [f] = run_verify(agency).of("PAID_AFTER_DEATH")
    assert len(f["payment_ids"].split(";")) == 1
    assert f["evidence"]["death_record"]["date_of_death"] == "2025-03-31"
    assert f["evidence"]["death_record"]["date_of_death_partial"] is True


def test_two_of_three_fields_suffice_with_a_surname_typo(agency, run_verify):
    emp = agency.employee("E1", first_name="Margaret", last_name="Thompson")
    _dead(agency, emp, last_name="THOMSPON", first_name="PEGGY", date_of_birth="1901-01-01")
    agency.pay_periods("E1", range(0, 8))
    [f] = run_verify(agency).of("PAID_AFTER_DEATH")
    record = f["evidence"]["death_record"]
    assert (record["surname_agrees"], record["given_name_agrees"]) == (True, True)
    assert record["date_of_birth_agrees"] is False


def test_mis_keyed_death_record_is_a_low_conflict_not_a_death(agency, run_verify):
    emp = agency.employee("E1", first_name="Alice", last_name="Nguyen")
    _dead(agency, emp, last_name="BROWN", first_name="HENRY", date_of_birth="1931-02-02")
    agency.pay_periods("E1", range(0, 10))
    results = run_verify(agency)
    assert results.of("PAID_AFTER_DEATH") == []
    [f] = results.of("DEATH_RECORD_CONFLICT")
    assert (f["severity"], f["amount_at_risk"]) == ("low", 0)
    assert f["evidence"]["agreements"] == 0
    assert results.payees["E1"]["status"] == "verified"


def test_duplicate_ssn_names_every_record(agency, run_verify):
    a = agency.employee("E1")
    agency.employee("E2", ssn=a["ssn"].replace("-", ""))
    agency.employee("E3", ssn=a["ssn"])
    agency.employee("E4")
    [f] = run_verify(agency).of("DUPLICATE_SSN")
    assert (f["employee_ids"], f["severity"]) == ("E1;E2;E3", "high")
    assert len(f["evidence"]["roster_records"]) == 3


def test_invalid_ssns_each_give_their_reason(agency, run_verify):
    bad = {
        "B1": "000-12-3456",
        "B2": "666-12-3456",
        "B3": "912-12-3456",
        "B4": "123-00-4567",
        "B5": "123-45-0000",
        "B6": "078-05-1120",
        "B7": "987-65-4325",
        "B8": "12345678",
    }
    for employee_id, ssn in bad.items():
        agency.employee(employee_id, ssn=ssn)
    agency.employee("OK1", ssn="899-12-3456")
    found = {f["employee_ids"]: f for f in run_verify(agency).of("INVALID_SSN")}
    assert sorted(found) == sorted(bad)
    assert "area number 000" in found["B1"]["summary"]
    assert "voided" in found["B6"]["summary"]
    assert "8 digits" in found["B8"]["summary"]
    for f in found.values():
        assert f["severity"] == "medium"
        assert "078-05" not in f["evidence"]["ssn"]


def test_payment_ssn_that_differs_is_medium_and_name_change_is_low(agency, run_verify):
    agency.employee("E1", first_name="Dana", last_name="Whitfield")
    agency.pay_periods("E1", range(0, 2))
    wrong = agency.pay("E1", 2, ssn="321-54-9876")
    agency.employee("E2", first_name="Maria", last_name="Lopez")
    agency.pay_periods("E2", range(0, 3), payee_name="Maria Lopez-Garcia")  # proper
    agency.employee("E3", first_name="Susan", last_name="Baker")
    agency.pay_periods("E3", range(0, 3), payee_name="Susan Carter")  # married name
    agency.employee("E4", first_name="William", last_name="Ortiz")
    agency.pay_periods("E4", range(0, 3), payee_name="ORTIZ, BILL", ssn=None)
    results = run_verify(agency)
    found = {f["employee_ids"]: f for f in results.of("IDENTITY_MISMATCH")}
    assert found["E1"]["severity"] == "medium" and found["E1"]["payment_ids"] == wrong
    assert found["E3"]["severity"] == "low"
    assert "E2" not in found and "E4" not in found
    assert results.payees["E3"]["status"] == "verified"


def test_ssn_written_without_dashes_matches(agency, run_verify):
    emp = agency.employee("E1")
    agency.pay_periods("E1", range(0, 3), ssn=emp["ssn"].replace("-", ""))
    results = run_verify(agency)
    assert results.of("IDENTITY_MISMATCH") == []
    assert "ssn_matches_payments" in results.payees["E1"]["evidence_for"]
