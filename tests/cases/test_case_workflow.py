"""The due-process state machine, in the library, on SQLite and PostgreSQL: every step is
tried out of order, the notice period is enforced, exceptions need two other users."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from casekit import SECRET, World, case_id, emailed
from sqlalchemy import select

from headcount.audit import AuditEntry, audit_key, verify_chain
from headcount.cases import determinations, notices, workflow
from headcount.cases.access import Actor, CaseError, CaseNotFound, Forbidden
from headcount.cases.contests import submit_contest
from headcount.cases.delivery.periods import period_end
from headcount.cases.models import Case, Notice
from headcount.store import Store, utcnow

BASE = "https://hc.example.gov"


def _notice(store: Store, cid: int, who: Actor, now=None) -> list[int]:
    with store.begin() as s:
        sent = notices.send_notice(
            s, cid, who, signer=notices.contest_signer(SECRET), base_url=BASE, now=now
        )
        return [n.id for n in sent]


def _overpaid(s, cid: int, who: Actor, amount: str, reason: str, now=None):
    return determinations.determine(
        s, cid, who, outcome="improper_overpayment", cause="administrative_error_agency",
        overpayment=amount, reason=reason, now=now,
    )  # fmt: skip


def _state(store: Store, cid: int) -> str:
    with store.begin() as s:
        return s.get_one(Case, cid).state


def test_walk_to_determination_after_the_notice_period(imported, users):
    ana, bob = users["ana"], users["bob"]
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    with imported.begin() as s:
        workflow.verify(s, cid, ana, source="HR separation SF-50 on file", note="confirmed")
    sent_at = utcnow() - timedelta(days=2)
    (notice_id,) = _notice(imported, cid, ana, now=sent_at)
    with imported.begin() as s:
        notice = s.get(Notice, notice_id)
        # Until it is delivered, the earliest the period can end: what the letter prints.
        assert notice.deadline == period_end(sent_at, 30)
        assert notice.pdf.startswith(b"%PDF-") and "How to contest" in notice.html
        assert re.search(rf"{BASE}/n/{notice_id}-[a-z2-7]{{12}}<", notice.html)
        assert s.get_one(Case, cid).contest_deadline is None
    # Not delivered: no period has started, so nothing adverse however late.
    with pytest.raises(CaseError, match="not been delivered"), imported.begin() as s:
        _overpaid(s, cid, bob, "100", "overpaid", now=sent_at + timedelta(days=90))
    # Emailed a day after it was made: the period counts from then.
    delivered = sent_at + timedelta(days=1)
    emailed(imported, cid, delivered)
    with imported.begin() as s:
        assert s.get_one(Case, cid).contest_deadline == period_end(delivered, 30)
    # One second before the deadline: neither "not contested" nor the adverse action.
    early = period_end(delivered, 30) - timedelta(seconds=1)
    with pytest.raises(CaseError, match="only be recorded after"), imported.begin() as s:
        workflow.record_no_contest(s, cid, bob, now=early)
    with pytest.raises(CaseError, match="cannot be recorded yet"), imported.begin() as s:
        _overpaid(s, cid, bob, "100", "overpaid", now=early)
    late = period_end(delivered, 30)
    with imported.begin() as s:
        workflow.record_no_contest(s, cid, bob, now=late)
        _overpaid(s, cid, bob, "7692.30", "paid after separation", now=late)
    with imported.begin() as s:
        case = s.get_one(Case, cid)
        assert (case.state, case.outcome, case.overpayment) == (
            "determined", "improper_overpayment", Decimal("7692.30"),
        )  # fmt: skip
        workflow.close(s, cid, ana)
        actions = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
        assert verify_chain(s, audit_key()).ok
    assert [a for a in actions if a.startswith("case.")] == [
        "case.verify", "case.send_notice", "case.no_contest", "case.determine", "case.close",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ("send_notice", "independent verification first"),  # notice before verification
        ("no_contest", "record no contest"),
        ("confirm", "independent verification"),
        ("close", "cannot close"),
    ],
)
def test_no_step_can_be_skipped_from_open(imported, users, step, expected):
    ana = users["ana"]
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    far = utcnow() + timedelta(days=400)
    with pytest.raises(CaseError, match=expected), imported.begin() as s:
        if step == "send_notice":
            notices.send_notice(s, cid, ana, signer=notices.contest_signer(SECRET), base_url=BASE)
        elif step == "no_contest":
            workflow.record_no_contest(s, cid, ana, now=far)
        elif step == "confirm":
            _overpaid(s, cid, ana, "1", "x" * 20, now=far)
        else:
            workflow.close(s, cid, ana)
    assert _state(imported, cid) == "open"


def test_verified_case_cannot_be_confirmed_or_closed_without_notice(imported, users):
    ana = users["ana"]
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    with imported.begin() as s:
        workflow.verify(s, cid, ana, source="payroll office")
    far = utcnow() + timedelta(days=400)
    with pytest.raises(CaseError, match="send the notice first"), imported.begin() as s:
        _overpaid(s, cid, ana, "1", "paid after separation", now=far)
    with pytest.raises(CaseError), imported.begin() as s:
        workflow.verify(s, cid, ana, source="again")
    assert _state(imported, cid) == "verified"


def test_a_contest_keeps_the_wait_and_the_case_contested(imported, users):
    ana = users["ana"]
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    with imported.begin() as s:
        workflow.verify(s, cid, ana, source="HR")
    sent_at = utcnow()
    (notice_id,) = _notice(imported, cid, ana, now=sent_at)
    emailed(imported, cid, sent_at)
    with imported.begin() as s:
        submit_contest(s, s.get(Notice, notice_id), "I was on approved leave.", [])
    assert _state(imported, cid) == "contested"
    with pytest.raises(CaseError, match="has until"), imported.begin() as s:
        _overpaid(s, cid, ana, "10", "r" * 12, now=sent_at + timedelta(days=29))
    with pytest.raises(CaseError, match="period has ended"), imported.begin() as s:
        submit_contest(s, s.get(Notice, notice_id), "late", [], now=sent_at + timedelta(days=32))
    with imported.begin() as s:
        _overpaid(s, cid, ana, "10", "r" * 12, now=period_end(sent_at, 30))


def test_exception_needs_two_approvers_other_than_the_requester(imported, users):
    ana, bob, adm, dee = users["ana"], users["bob"], users["adm"], users["dee"]
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    with imported.begin() as s:
        workflow.verify(s, cid, ana, source="HR")
        exc = workflow.request_exception(
            s, cid, ana, justification="payee is impersonating a nurse"
        )
        exc_id = exc.id
    with pytest.raises(Forbidden, match="cannot approve"), imported.begin() as s:
        workflow.approve_exception(s, cid, exc_id, ana)  # self-approval
    with imported.begin() as s:
        workflow.approve_exception(s, cid, exc_id, bob)
    with pytest.raises(Forbidden, match="different user"), imported.begin() as s:
        workflow.approve_exception(s, cid, exc_id, bob)  # the same approver twice
    with pytest.raises(CaseError, match="cannot be recorded yet"), imported.begin() as s:
        _overpaid(s, cid, ana, "50", "threat to patients")
    with pytest.raises(CaseNotFound), imported.begin() as s:
        workflow.approve_exception(s, cid, exc_id, dee)  # another agency's analyst
    with imported.begin() as s:
        workflow.approve_exception(s, cid, exc_id, adm)
        _overpaid(s, cid, ana, "50", "threat to patients")
    assert _state(imported, cid) == "determined"


def test_roles_and_agencies_are_enforced_in_the_library(imported, users):
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "DOD1")
    for name in ("aud", "sup", "emp"):
        with pytest.raises(Forbidden), imported.begin() as s:
            workflow.verify(s, cid, users[name], source="HR")
    with pytest.raises(CaseNotFound), imported.begin() as s:
        workflow.verify(s, cid, users["ana"], source="HR")  # VA analyst, DOD case
    with imported.begin() as s:
        workflow.verify(s, cid, users["dee"], source="HR")


def test_free_text_never_stores_an_ssn(imported, users, world: World):
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    with pytest.raises(CaseError, match="personal data"), imported.begin() as s:
        workflow.verify(s, cid, users["ana"], source=f"SSA says {world.ssns['VA1']}")
    assert _state(imported, cid) == "open"


def test_dismissal_is_possible_from_any_open_state_and_is_final(imported, users):
    cid = case_id(imported, "DUPLICATE_PAYMENT", "VA2")
    with imported.begin() as s:
        determinations.dismiss(s, cid, users["ana"], reason="the second payment was returned")
    with pytest.raises(CaseError), imported.begin() as s:
        workflow.verify(s, cid, users["ana"], source="HR")
    with imported.begin() as s:
        assert s.get_one(Case, cid).outcome == "proper"
