"""Coded determinations (claims.md): the codes and dollars are checked against each other and
the case, `fraud_referred` needs an integrity officer and a second one's approval, an
overpayment opens a debt, and free-text determinations migrate to `unknown` unchanged."""

from __future__ import annotations

from decimal import Decimal

import pytest
from casekit import case_id, past_the_contest_period
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

from headcount.cases import determinations, workflow
from headcount.cases.access import CaseError, Forbidden
from headcount.cases.debts.models import Debt
from headcount.cases.models import Case
from headcount.cases.money import parse_money
from headcount.migrations import upgrade
from headcount.store import Store


def _determine(db: Store, cid: int, who, **codes):
    with db.begin() as s:
        case = determinations.determine(s, cid, who, reason="documented in the case file", **codes)
        return case.state


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        ({"outcome": "proper", "cause": "failure_to_verify"}, "no cause"),
        ({"outcome": "proper", "prevented": "5"}, "no improper, prevented"),
        ({"outcome": "unknown"}, "needs a cause"),
        ({"outcome": "improper", "cause": "failure_to_verify"}, "not a code"),
        ({"outcome": "unknown", "cause": "sloppiness"}, "not a code"),
        (
            {"outcome": "technically_improper", "cause": "failure_to_verify", "overpayment": "1"},
            "establishes no overpayment",
        ),
        ({"outcome": "improper_overpayment", "cause": "failure_to_verify"}, "needs the overpaid"),
        (
            {
                "outcome": "improper_overpayment",
                "cause": "failure_to_verify",
                "overpayment": "10",
                "identified": "99999999",
            },
            "more than the case's amount at risk",
        ),
        (
            {
                "outcome": "improper_overpayment",
                "cause": "failure_to_verify",
                "overpayment": "10.001",
            },
            "at most two decimals",
        ),
    ],
)
def test_codes_and_dollars_are_validated(imported, users, codes, message):
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    late = past_the_contest_period(imported, cid, users["ana"])
    with pytest.raises(CaseError, match=message):
        _determine(imported, cid, users["bob"], now=late, **codes)
    with imported.begin() as s:
        assert s.get(Case, cid).state == "not_contested"
        assert s.scalars(select(Debt)).all() == []


def test_an_overpayment_opens_a_debt_for_the_person_overpaid(imported, users):
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    late = past_the_contest_period(imported, cid, users["ana"])
    with imported.begin() as s:
        at_risk = s.get(Case, cid).amount_at_risk
    _determine(
        imported, cid, users["bob"], now=late, outcome="improper_overpayment",
        cause="administrative_error_agency", identified=str(at_risk), prevented="250.00",
        overpayment="1,000.50",
    )  # fmt: skip
    with imported.begin() as s:
        case = s.get(Case, cid)
        assert (case.outcome, case.cause) == ("improper_overpayment", "administrative_error_agency")
        assert (case.identified, case.prevented, case.overpayment) == (
            at_risk, Decimal("250.00"), Decimal("1000.50"),
        )  # fmt: skip
        (debt,) = s.scalars(select(Debt)).all()
        assert (debt.case_id, debt.person.employee_id) == (cid, "VA1")
        assert (debt.principal, debt.balance, debt.state) == (
            Decimal("1000.50"), Decimal("1000.50"), "established",
        )  # fmt: skip


def test_no_adverse_outcome_before_the_contest_period_but_proper_any_time(imported, users):
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    with imported.begin() as s:
        workflow.verify(s, cid, users["ana"], source="HR record of separation")
    for outcome in ("improper_underpayment", "technically_improper", "unknown"):
        with pytest.raises(CaseError, match="cannot be recorded yet"):
            _determine(imported, cid, users["bob"], outcome=outcome, cause="failure_to_verify")
    assert _determine(imported, cid, users["bob"], outcome="proper") == "determined"


def test_fraud_needs_an_integrity_officer_and_a_second_ones_approval(imported, users):
    ana, ira, ivy = users["ana"], users["ira"], users["ivy"]
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    late = past_the_contest_period(imported, cid, ana)
    fraud = {"outcome": "improper_overpayment", "cause": "fraud_referred", "overpayment": "10"}
    with pytest.raises(Forbidden, match="analyst may not"):
        _determine(imported, cid, ana, now=late, **fraud)
    with pytest.raises(Forbidden), imported.begin() as s:
        determinations.request_referral(s, cid, ana, justification="forged separation papers")
    with pytest.raises(CaseError, match="approved by a second"):
        _determine(imported, cid, ira, now=late, **fraud)
    with imported.begin() as s:
        referral = determinations.request_referral(
            s, cid, ira, justification="forged separation papers"
        )
        rid = referral.id
    with pytest.raises(CaseError, match="approved by a second"):
        _determine(imported, cid, ira, now=late, **fraud)
    with pytest.raises(Forbidden, match="cannot approve"), imported.begin() as s:
        determinations.approve_referral(s, cid, rid, ira)
    with imported.begin() as s:
        determinations.approve_referral(s, cid, rid, ivy)
    assert _determine(imported, cid, ira, now=late, **fraud) == "determined"
    with imported.begin() as s:
        assert s.get(Case, cid).cause == "fraud_referred"


@given(st.decimals(min_value=0, max_value=Decimal("9999999999999999.99"), places=2))
def test_money_parses_exactly(value):
    assert parse_money(f"{value:,}", "x", zero=True) == value
    assert parse_money(f"${value}", "x", zero=True) == value


@given(st.text(max_size=20) | st.sampled_from(["1E100", "1e16", "9.999E+15", "-0", "1E-3"]))
def test_money_never_parses_to_something_inexact(text_value):
    try:
        value = parse_money(text_value, "the amount", zero=True)
    except CaseError as exc:
        assert "the amount" in str(exc)
    else:
        assert value >= 0 and value == value.quantize(Decimal("0.01"))


def test_free_text_determinations_migrate_to_unknown(database_url):
    db = Store.open(database_url)
    try:
        upgrade(db, "0003")
        with db.engine.begin() as c:
            c.execute(text(
                "INSERT INTO cases (finding_id, rule, severity, amount_at_risk, summary, evidence,"
                " source, state, created_at, updated_at, outcome, determined_amount,"
                " determination_reason) VALUES (:f, 'PAID_AFTER_DEATH', 'high', 100, 's', '{}',"
                " 'r', 'determined', '2025-01-01', '2025-01-01', :o, :a, :r)"
            ), [
                {"f": "HC-1", "o": "confirmed", "a": "55.50", "r": "SSA confirmed the death"},
                {"f": "HC-2", "o": "dismissed", "a": None, "r": "the payment was returned"},
                {"f": "HC-3", "o": None, "a": None, "r": None},
            ])  # fmt: skip
        upgrade(db)
        with db.begin() as s:
            rows = {c.finding_id: c for c in s.scalars(select(Case))}
            got = {
                f: (c.outcome, c.cause, c.legacy_outcome, c.legacy_amount, c.determination_reason)
                for f, c in rows.items()
            }
        assert got == {
            "HC-1": ("unknown", "insufficient_documentation", "confirmed", Decimal("55.50"),
                     "SSA confirmed the death"),
            "HC-2": ("unknown", "insufficient_documentation", "dismissed", None,
                     "the payment was returned"),
            "HC-3": (None, None, None, None, None),
        }  # fmt: skip
    finally:
        db.close()
