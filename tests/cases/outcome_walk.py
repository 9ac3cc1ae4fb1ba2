"""A small history of cases for the outcome report's tests: every lead opened 40 days ago;
VA1 determined an overpayment (a debt: two payments and a partial waiver); XSS1 contested
and then cleared (proper); DOD1 dismissed by DOD's analyst without verification; the other
cases stay leads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from casekit import SECRET, case_id, past_the_contest_period

from headcount.store import Store, utcnow


@dataclass(frozen=True)
class Walked:
    va1: int
    xss1: int
    dod1: int
    va1_at_risk: Decimal
    leads: int
    at_risk: Decimal


def walk(db: Store, users: dict) -> Walked:  # type: ignore[type-arg]
    from sqlalchemy import select, update

    from headcount.cases import determinations, notices, workflow
    from headcount.cases.contests import submit_contest
    from headcount.cases.debts import ledger
    from headcount.cases.models import Case, Notice

    ana, fin, fay, dee = users["ana"], users["fin"], users["fay"], users["dee"]
    with db.begin() as s:
        s.execute(update(Case).values(created_at=utcnow() - timedelta(days=40)))
        at_risk = {c.id: c.amount_at_risk for c in s.scalars(select(Case))}
    va1 = case_id(db, "PAID_AFTER_SEPARATION", "VA1")
    xss1 = case_id(db, "PAID_AFTER_SEPARATION", "XSS1")
    dod1 = case_id(db, "PAID_AFTER_SEPARATION", "DOD1")
    late = past_the_contest_period(db, va1, ana)
    with db.begin() as s:
        case = determinations.determine(
            s, va1, ana, outcome="improper_overpayment", cause="administrative_error_agency",
            identified=at_risk[va1], prevented="250.00", overpayment="1000.00",
            reason="regular pay continued after the separation date", now=late,
        )  # fmt: skip
        from headcount.cases.debts.models import Debt

        debt_id = s.scalars(select(Debt.id).where(Debt.case_id == case.id)).one()
    with db.begin() as s:
        ledger.send_notice(s, debt_id, fin)
        ledger.pay(s, debt_id, fin, amount="100.00", reference="R-1")
        ledger.pay(s, debt_id, fin, amount="100.00", reference="R-2")
        ledger.request_waiver(s, debt_id, fin, reason="no fault; hardship")
    with db.begin() as s:
        ledger.decide_waiver(s, debt_id, fay, amount="300.00", reason="waived in part")
    with db.begin() as s:
        workflow.verify(s, xss1, ana, source="HR record")
        notices.send_notice(s, xss1, ana, signer=notices.contest_signer(SECRET),
                            base_url="https://hc.example.gov")  # fmt: skip
    with db.begin() as s:
        notice = s.scalars(select(Notice).where(Notice.case_id == xss1)).one()
        submit_contest(s, notice, "I left on the date HR has; the last payment was leave.", [])
    with db.begin() as s:
        determinations.dismiss(s, xss1, ana, reason="the last payment was lump-sum leave")
    with db.begin() as s:
        determinations.dismiss(s, dod1, dee, reason="explained by DOD's HR")
    return Walked(va1, xss1, dod1, at_risk[va1], len(at_risk), sum(at_risk.values(), Decimal(0)))
