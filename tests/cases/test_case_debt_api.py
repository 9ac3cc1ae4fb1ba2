"""The case and debt JSON API, signed in with a Bearer token: a determination opens a debt
that finance takes through its notice, an agreement, payments and a waiver; roles and
agencies are refused as on the pages; every step lands in the audit log."""

from __future__ import annotations

from decimal import Decimal

import pytest
from casekit import SECRET, case_id, emailed, past_the_contest_period
from fastapi.testclient import TestClient
from sqlalchemy import select

from headcount.audit import AuditEntry
from headcount.store import Store, utcnow
from headcount.web import create_app
from staff import token_for


def _client(store: Store, role: str, agency: str | None) -> TestClient:
    client = TestClient(create_app(store, SECRET), base_url="https://testserver")
    client.headers["Authorization"] = f"Bearer {token_for(store, role, agency)}"
    return client


def test_a_case_and_its_debt_driven_through_the_api(imported, users, keyring):
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    past_the_contest_period(imported, cid, users["ana"])
    analyst, finance = _client(imported, "analyst", "VA"), _client(imported, "finance", "VA")
    listed = analyst.get("/api/v1/cases", params={"state": "not_contested"}).json()
    assert [c["id"] for c in listed["cases"]] == [cid]
    refused = analyst.post(f"/api/v1/cases/{cid}/determination", json={
        "outcome": "improper_overpayment", "cause": "fraud_referred", "overpayment": "10",
        "reason": "forged papers"})  # fmt: skip
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    body = {"outcome": "improper_overpayment", "cause": "administrative_error_agency",
            "identified": "100.00", "overpayment": "1,200.00", "reason": "paid after separation"}  # fmt: skip
    case = analyst.post(f"/api/v1/cases/{cid}/determination", json=body)
    assert case.status_code == 200, case.text
    case = case.json()
    assert (case["state"], case["outcome"], case["overpayment"]) == (
        "determined", "improper_overpayment", "1200.00",
    )  # fmt: skip
    debt_id = case["debt_id"]
    again = analyst.post(f"/api/v1/cases/{cid}/determination", json=body)
    assert again.status_code == 409 and "already determined" in again.json()["message"]
    # An analyst reads the debt but may not act on it; another agency's finance cannot see it.
    assert analyst.get(f"/api/v1/debts/{debt_id}").status_code == 200
    assert analyst.post(f"/api/v1/debts/{debt_id}/notice", json={}).status_code == 403
    assert _client(imported, "finance", "DOD").get(f"/api/v1/debts/{debt_id}").status_code == 404
    early = finance.post(f"/api/v1/debts/{debt_id}/payment", json={"amount": "5000"})
    assert early.status_code == 409 and "more than the balance" in early.json()["message"]
    assert finance.post(f"/api/v1/debts/{debt_id}/notice", json={}).json()["state"] == "notified"
    plan = finance.post(f"/api/v1/debts/{debt_id}/agreement", json={
        "instalment": "100.00", "first_due": "2099-01-02", "interval_days": 14})  # fmt: skip
    assert plan.json()["agreement"]["instalment"] == "100.00"
    for amount in ("100.00", "100.00"):
        paid = finance.post(f"/api/v1/debts/{debt_id}/payment", json={"amount": amount})
        assert paid.status_code == 200, paid.text
    asked = finance.post(f"/api/v1/debts/{debt_id}/waiver-request",
                         json={"reason": "no fault: the agency keyed the wrong date"})  # fmt: skip
    assert asked.json()["in_dispute"] is True
    self_decided = finance.post(f"/api/v1/debts/{debt_id}/waiver-decision",
                                json={"amount": "500", "reason": "partly"})  # fmt: skip
    assert self_decided.status_code == 403
    other = _client(imported, "admin", None)
    decided = other.post(f"/api/v1/debts/{debt_id}/waiver-decision",
                         json={"amount": "500", "reason": "no fault for half"}).json()  # fmt: skip
    assert (decided["received"], decided["waived"], decided["balance"]) == (
        "200.00", "500.00", "500.00",
    )  # fmt: skip
    assert Decimal(decided["principal"]) - Decimal("700.00") == Decimal(decided["balance"])
    refer = finance.post(f"/api/v1/debts/{debt_id}/referral", json={})
    assert refer.status_code == 409 and "not been delivered" in refer.json()["message"]
    # The case's letters: the notice emailed, the decision and the notice of debt queued.
    letters = analyst.get(f"/api/v1/cases/{cid}/letters").json()
    assert [(x["kind"], x["state"]) for x in letters] == [
        ("notice", "sent"), ("decision", "queued"), ("debt_notice", "queued"),
    ]  # fmt: skip
    assert (
        _client(imported, "analyst", "DOD").get(f"/api/v1/cases/{cid}/letters").status_code == 404
    )
    debt_letter = letters[2]["id"]
    today = {"on": utcnow().date().isoformat()}
    assert analyst.post(f"/api/v1/letters/{debt_letter}/mailed", json=today).status_code == 403
    unprinted = finance.post(f"/api/v1/letters/{debt_letter}/mailed", json=today)
    assert unprinted.status_code == 409 and "only a printed letter" in unprinted.json()["message"]
    emailed(imported, cid, utcnow(), kind="debt_notice")
    refer = finance.post(f"/api/v1/debts/{debt_id}/referral", json={})
    assert refer.status_code == 409 and "120" in refer.json()["message"]
    with imported.begin() as s:
        actions = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert [a for a in actions if a.startswith("debt.")] == [
        "debt.open", "debt.notice", "debt.agreement", "debt.payment", "debt.payment",
        "debt.waiver_request", "debt.waiver_decision",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/api/v1/debts/1/agreement", {"instalment": "1.001", "first_due": "2099-01-01"}, None),
        ("/api/v1/debts/1/payment", {"amount": "-5"}, None),
        ("/api/v1/cases/1/determination", {"outcome": "proper"}, None),
    ],
)
def test_malformed_bodies_are_refused_without_echo(imported, path, body, message):
    answer = _client(imported, "admin", None).post(path, json=body)
    assert answer.status_code == 422
    assert "1.001" not in answer.text and "-5" not in answer.text
