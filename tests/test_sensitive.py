"""The sensitive-data guard: what it refuses, what it lets through, and that it says why
without repeating what it found."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headcount.matching.sensitive import aba_ok, check, luhn_ok, scan_text

REFUSED = {
    "My SSN is 219-45-6781 for the record": "ssn",
    "ssn 219 45 6781": "ssn",
    "fixed record 219456781 today": "ssn",  # undelimited but issuable
    "Social security 900456781": "ssn",  # never issued, but named as one
    "Direct deposit to routing 021000021": "routing",  # ABA-valid
    "Card 4111 1111 1111 1111 was charged": "card",  # Luhn-valid
    "card 4111-1111-1111-1111": "card",
    "paid to account number 12345678": "account",
    "acct #: 9876 5432 10": "account",
    "SECRET//NOFORN briefing prepared": "marking",
    "TOP SECRET//SI//REL TO USA, FVEY": "marking",
    "(TS) program status reviewed": "marking",
    "Drafted memo (S//NF) on logistics": "marking",
    "CUI//SP-PRVCY records reviewed": "marking",
    "(CUI) vendor list cleaned up": "marking",
    "Reviewed NOFORN annex": "marking",
    "CUI": "marking",  # a banner line on its own
}
ALLOWED = [
    "Closed 42 tickets and reviewed 3 contracts",
    "Completed annual CUI training",  # a word, not a marking
    "Learned the secret to faster builds",
    "Processed 1,234,567 records",
    "Called 555-123-4567 about the printer",  # a phone number, not an SSN
    "Ticket 912345678 resolved",  # never-issued area, not ABA-valid, no SSN words
    "Order 4111111111111112 shipped",  # fails Luhn
    "Updated file(s) for the team (see notes)",
    "Met with the U.S. team on 2025-02-20",
    "Invoice INV-2025-000123 approved",
]


@pytest.mark.parametrize(("text", "kind"), REFUSED.items())
def test_sensitive_text_is_found(text: str, kind: str) -> None:
    assert kind in scan_text(text)


@pytest.mark.parametrize("text", ALLOWED)
def test_ordinary_work_text_passes(text: str) -> None:
    assert scan_text(text) == set()


def test_findings_name_the_bullet_and_kind_never_the_text() -> None:
    findings = check(["Closed tickets", "SSN 219-45-6781", "(S//NF) review"])
    assert [(f.bullet, f.kind) for f in findings] == [(2, "ssn"), (3, "marking")]
    for finding in findings:
        assert "219" not in finding.explanation and "S//NF" not in finding.explanation
    assert findings[0].explanation == "Bullet 2 appears to contain a Social Security number."


def test_checksums() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert aba_ok("021000021") and aba_ok("011000015")
    assert not aba_ok("021000022") and not aba_ok("991000021")


@given(st.text(alphabet=st.characters(blacklist_categories=["Nd"]), max_size=200))
def test_text_without_digits_or_capitals_markings_is_never_a_number(text: str) -> None:
    assert not scan_text(text) & {"ssn", "routing", "card", "account"}
