"""Check-in rules, and the promise that not replying is never held against anyone."""

from __future__ import annotations

TEMPLATE = "Attended weekly staff meeting; processed pending veteran claims; updated case files."


def test_checkin_from_separated_employee(agency, run_verify):
    agency.campaign()
    agency.employee("E1", separation_date="2025-01-31")
    agency.pay_periods("E1", range(0, 2))
    agency.checkin("E1", "Reviewed files.\nAnswered email.")
    agency.employee("E2", separation_date="2025-02-22")  # separated on the day: still active
    agency.pay_periods("E2", range(0, 2))
    agency.checkin("E2", "Handed over my cases.")
    results = run_verify(agency)
    [f] = results.of("CHECKIN_FROM_INACTIVE")
    assert (f["employee_ids"], f["severity"]) == ("E1", "medium")
    assert f["evidence"]["reason"] == "separated"
    assert "death_record" not in f["evidence"]


def test_checkin_from_dead_employee_matched_by_email(agency, run_verify):
    agency.campaign()
    emp = agency.employee("E1")
    agency.death(
        ssn=emp["ssn"],
        last_name=emp["last_name"],
        first_name=emp["first_name"],
        date_of_birth=emp["date_of_birth"],
        date_of_death="2025-02-01",
    )
    agency.pay_periods("E1", range(0, 2))
    agency.checkin("", "Worked on the budget.", work_email=emp["work_email"].upper())
    [f] = run_verify(agency).of("CHECKIN_FROM_INACTIVE")
    assert f["employee_ids"] == "E1"
    assert f["evidence"]["reason"] == "died"
    assert f["evidence"]["death_record"]["date_of_death"] == "2025-02-01"


def test_template_needs_five_people_and_sixty_characters(agency, run_verify):
    agency.campaign()
    for i in range(6):
        agency.employee(f"T{i}")
        agency.pay_periods(f"T{i}", range(0, 2))
        text = TEMPLATE.upper() if i % 2 else TEMPLATE.replace(";", " -- ")
        agency.checkin(f"T{i}", text)
    for i in range(6):
        agency.employee(f"S{i}")
        agency.pay_periods(f"S{i}", range(0, 2))
        agency.checkin(f"S{i}", "Worked on assigned tasks.")
    for i in range(4):
        agency.employee(f"F{i}")
        agency.pay_periods(f"F{i}", range(0, 2))
        agency.checkin(f"F{i}", TEMPLATE + " And trained two new hires on the claims system.")
    results = run_verify(agency)
    [f] = results.of("CHECKIN_TEMPLATE")
    assert f["employee_ids"] == ";".join(f"T{i}" for i in range(6))
    assert f["evidence"]["senders"] == 6


def test_non_response_is_never_a_finding_whatever_the_policy(agency, run_verify):
    agency.campaign("C1", "VA", policy="mandatory")
    agency.campaign("C1", "DOI", policy="voluntary")
    agency.campaign("C1", "FBI", policy="exempt")
    for agency_code in ("VA", "DOI", "FBI"):
        for i in range(3):
            employee_id = f"{agency_code}{i}"
            agency.employee(employee_id, agency=agency_code)
            agency.pay_periods(employee_id, range(0, 4))
    agency.checkin("VA0", "Closed two claims.")
    results = run_verify(agency)
    assert results.findings == []
    for employee_id, payee in results.payees.items():
        assert payee["status"] == "verified", employee_id
        assert payee["evidence_against"] == ""
    assert "checkin_reply" in results.payees["VA0"]["evidence_for"]
    rates = {c["agency"]: c for c in results.summary["checkins"]["campaigns"]}
    assert rates["VA"]["replied"] == 1 and rates["VA"]["roster"] == 3
    assert rates["FBI"]["policy"] == "exempt" and rates["FBI"]["replied"] == 0
