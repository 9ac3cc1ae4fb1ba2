"""Coded determinations (claims.md): an outcome, a cause and the dollars, validated here
whatever the caller, and the fraud referral that alone may use the cause `fraud_referred`.

- `proper`: no cause, no dollars; the lead is dropped, so it may end any open case.
- anything else: a cause; only after the notice and its contest period (or under an
  approved public-health-or-safety exception, workflow.may_take_adverse_step).
- `identified` (the part of the case's leads confirmed improper) is at most the amount at
  risk; `prevented` and `overpayment` are dollars; only `improper_overpayment` establishes
  an overpayment, which opens a debt against the person who was overpaid (cases/debts/).
- `fraud_referred`: recorded only by an integrity officer, on a case whose referral was
  asked by one integrity officer and approved by another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from headcount import audit
from headcount.cases.access import (
    REFERRERS,
    Actor,
    CaseError,
    Forbidden,
    require,
    storable_id,
)
from headcount.cases.debts.ledger import open_debt
from headcount.cases.models import (
    Case,
    CaseEvent,
    Cause,
    FraudReferral,
    Outcome,
    Person,
    State,
)
from headcount.cases.money import parse_money
from headcount.cases.workflow import (
    OPEN_STATES,
    clean_text,
    expect_state,
    may_take_adverse_step,
    transition,
    worked_case,
)
from headcount.store.types import utcnow

Money = str | Decimal | int | None
# What a decision letter says when no agency the case names has a contact yet (a case
# dismissed before any notice was sent).
NO_CONTACT = "the payroll office of your agency"
Code = TypeVar("Code", Outcome, Cause)


@dataclass(frozen=True)
class Coded:
    outcome: Outcome
    cause: Cause | None
    identified: Decimal
    prevented: Decimal
    overpayment: Decimal


def _code(kind: type[Code], value: str, label: str) -> Code:
    try:
        return kind(value.strip().lower())
    except ValueError:
        allowed = ", ".join(v.value for v in kind)
        raise CaseError(f"{label} {value!r} is not a code: use one of {allowed}") from None


def coded(
    case: Case, outcome: str, cause: str | None, *, identified: Money = None,
    prevented: Money = None, overpayment: Money = None,
) -> Coded:  # fmt: skip
    """The determination's codes and dollars, checked against each other and the case."""
    result = _code(Outcome, outcome, "the outcome")
    reason = _code(Cause, cause, "the cause") if cause and cause.strip() else None
    dollars = {
        name: parse_money(value, f"the {name} amount", zero=True)
        for name, value in (
            ("identified", identified), ("prevented", prevented), ("overpayment", overpayment)
        )
    }  # fmt: skip
    if result is Outcome.PROPER:
        if reason is not None:
            raise CaseError("a proper payment has no cause")
        if any(dollars.values()):
            raise CaseError("a proper payment has no improper, prevented or overpaid dollars")
    elif reason is None:
        raise CaseError(f"an outcome of {result.value} needs a cause")
    if dollars["overpayment"] and result is not Outcome.IMPROPER_OVERPAYMENT:
        raise CaseError(f"an outcome of {result.value} establishes no overpayment")
    if result is Outcome.IMPROPER_OVERPAYMENT and not (
        dollars["overpayment"] or dollars["prevented"]
    ):
        raise CaseError("an improper overpayment needs the overpaid or the prevented dollars")
    if dollars["identified"] > case.amount_at_risk:
        raise CaseError(
            f"the identified amount (${dollars['identified']:,.2f}) is more than the case's "
            f"amount at risk (${case.amount_at_risk:,.2f}): identified is the part of the "
            "leads confirmed improper"
        )
    return Coded(result, reason, dollars["identified"], dollars["prevented"],
                 dollars["overpayment"])  # fmt: skip


def determine(
    session: Session, case_id: int, actor: Actor, *, outcome: str, cause: str | None = None,
    identified: Money = None, prevented: Money = None, overpayment: Money = None,
    reason: str, debtor: str | None = None, now: datetime | None = None,
) -> Case:  # fmt: skip
    """Record a coded determination; an overpayment opens a debt against `debtor` (the
    employee_id; needed only when the case names more than one person)."""
    case = worked_case(session, case_id, actor, "record a determination")
    now = now or utcnow()
    codes = coded(case, outcome, cause, identified=identified, prevented=prevented,
                  overpayment=overpayment)  # fmt: skip
    exception = None
    if codes.outcome is Outcome.PROPER:
        expect_state(case, OPEN_STATES, "determine")
    else:
        exception = may_take_adverse_step(session, case, now)
    referral = _referral_for(session, case, actor) if codes.cause is Cause.FRAUD_REFERRED else None
    owes = _debtor(case, debtor) if codes.overpayment else None
    text = clean_text("The reason", reason)
    case.outcome, case.cause = codes.outcome.value, codes.cause.value if codes.cause else None
    case.identified, case.prevented = codes.identified, codes.prevented
    case.overpayment = codes.overpayment
    case.determination_reason, case.determined_by, case.determined_at = text, actor.username, now
    transition(
        session, case, actor.username, "determine", State.DETERMINED, now=now, note=text,
        client=actor.client, detail={
            "outcome": case.outcome, "cause": case.cause, "identified": str(codes.identified),
            "prevented": str(codes.prevented), "overpayment": str(codes.overpayment),
            "exception": exception.id if exception else None,
            "referral": referral.id if referral else None,
        },
    )  # fmt: skip
    if owes is not None:
        open_debt(session, case, owes, codes.overpayment, actor, now=now)
    _store_decision_letters(session, case, now)
    return case


def _store_decision_letters(session: Session, case: Case, now: datetime) -> None:
    """Each person named gets the decision letter, stored now and queued for delivery."""
    from headcount.cases.delivery.queue import queue_decision_letters
    from headcount.cases.notices import agency_terms

    contact = agency_terms(session, {p.agency for p in case.people}).contact
    queue_decision_letters(session, case, contact=contact or NO_CONTACT, now=now)


def dismiss(
    session: Session, case_id: int, actor: Actor, *, reason: str, now: datetime | None = None
) -> Case:
    """Drop the lead: a determination that the payments were proper."""
    return determine(session, case_id, actor, outcome=Outcome.PROPER.value, reason=reason, now=now)


def _debtor(case: Case, employee_id: str | None) -> Person:
    people = list(case.people)
    if employee_id is None or not employee_id.strip():
        if len(people) != 1:
            raise CaseError(
                "this case names several people: say which one was overpaid (the debtor)"
            )
        return people[0]
    found = next((p for p in people if p.employee_id == employee_id.strip()), None)
    if found is None:
        raise CaseError("the debtor must be one of the people the case names")
    return found


def _referral_for(session: Session, case: Case, actor: Actor) -> FraudReferral:
    require(actor, REFERRERS, "determine a case as fraud referred to the inspector general")
    for referral in referrals(session, case):
        if referral.approved_by is not None:
            return referral
    raise CaseError(
        "a fraud referral must first be asked for and approved by a second integrity officer"
    )


def referrals(session: Session, case: Case) -> list[FraudReferral]:
    query = select(FraudReferral).where(FraudReferral.case_id == case.id)
    return list(session.scalars(query.order_by(FraudReferral.id)))


def _note(session: Session, case: Case, actor: Actor, action: str, note: str, now: datetime,
          detail: audit.Detail) -> None:  # fmt: skip
    """A step that leaves the state as it is: a history line and the audit entry."""
    case.events.append(CaseEvent(at=now, actor=actor.username, action=action,
                                 from_state=case.state, to_state=case.state, note=note))  # fmt: skip
    audit.record(session, actor=actor.username, action=f"case.{action}", target_type="case",
                 target_id=case.id, client=actor.client, detail=detail)  # fmt: skip


def request_referral(
    session: Session, case_id: int, actor: Actor, *, justification: str,
    now: datetime | None = None,
) -> FraudReferral:  # fmt: skip
    case = worked_case(session, case_id, actor, "ask for a fraud referral")
    require(actor, REFERRERS, "ask for a referral to the inspector general")
    expect_state(case, OPEN_STATES, "ask for a fraud referral on")
    now = now or utcnow()
    referral = FraudReferral(case_id=case.id, requested_by=actor.username, requested_at=now,
                             justification=clean_text("The justification", justification))  # fmt: skip
    session.add(referral)
    session.flush()
    _note(session, case, actor, "referral_request", referral.justification, now,
          {"referral": referral.id})  # fmt: skip
    return referral


def approve_referral(
    session: Session, case_id: int, referral_id: int, actor: Actor, *,
    now: datetime | None = None,
) -> FraudReferral:  # fmt: skip
    case = worked_case(session, case_id, actor, "approve a fraud referral")
    require(actor, REFERRERS, "approve a referral to the inspector general")
    referral = session.get(FraudReferral, referral_id) if storable_id(referral_id) else None
    if referral is None or referral.case_id != case.id:
        raise CaseError(f"case {case.id} has no referral {referral_id}")
    if referral.requested_by == actor.username:
        raise Forbidden("the user who asked for a referral cannot approve it")
    if referral.approved_by is not None:
        raise CaseError(f"referral {referral.id} is already approved by {referral.approved_by}")
    now = now or utcnow()
    referral.approved_by, referral.approved_at = actor.username, now
    _note(session, case, actor, "referral_approve", f"referral {referral.id} approved", now,
          {"referral": referral.id})  # fmt: skip
    return referral
