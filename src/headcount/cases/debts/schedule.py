"""When a debt is delinquent: the rules the referral to Treasury and the pages read.

- No agreement: the notice of debt gives a date to pay in full (`payment_due`, 30 days from
  the notice's delivery, cases/delivery/record.py); after it, with a balance left, the debt is delinquent since that date.
- An agreement in force: its instalments fall due every `interval_days` from `first_due`
  until the balance it was made for is covered (the last one is the remainder). Every
  dollar received or waived after the agreement was made pays the oldest instalment first;
  the debt is delinquent since the due date of the oldest instalment not fully paid, once
  that date has passed.
- A debt is in dispute while a waiver request awaits its decision.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from headcount.cases.debts.models import Agreement, Debt

REFERRAL_DAYS = 120  # 31 U.S.C. 3716(c)(6): delinquent this long, and not in dispute


@dataclass(frozen=True)
class Instalment:
    due: date
    amount: Decimal


def instalments(agreement: Agreement) -> Iterator[Instalment]:
    left, due = agreement.balance_at, agreement.first_due
    while left > 0:
        amount = min(agreement.instalment, left)
        yield Instalment(due, amount)
        left -= amount
        due += timedelta(days=agreement.interval_days)


def agreement_in_force(debt: Debt) -> Agreement | None:
    return debt.agreements[-1] if debt.agreements else None


def paid_since(debt: Debt, agreement: Agreement) -> Decimal:
    """What the agreement's balance has come down by since it was made."""
    return agreement.balance_at - debt.balance


def delinquent_since(debt: Debt, today: date) -> date | None:
    if debt.balance <= 0 or debt.payment_due is None:
        return None
    agreement = agreement_in_force(debt)
    if agreement is None:
        return debt.payment_due if today > debt.payment_due else None
    covered = paid_since(debt, agreement)
    for item in instalments(agreement):
        if covered < item.amount:
            return item.due if today > item.due else None
        covered -= item.amount
    return None


def days_delinquent(debt: Debt, today: date) -> int:
    since = delinquent_since(debt, today)
    return 0 if since is None else (today - since).days


def in_dispute(debt: Debt) -> bool:
    return any(w.decision is None for w in debt.waivers)


def next_due(debt: Debt) -> Instalment | None:
    """The oldest instalment not fully paid, with what is left of it (or, without an
    agreement, the whole balance on the notice's date)."""
    if debt.balance <= 0 or debt.payment_due is None:
        return None
    agreement = agreement_in_force(debt)
    if agreement is None:
        return Instalment(debt.payment_due, debt.balance)
    covered = paid_since(debt, agreement)
    for item in instalments(agreement):
        if covered < item.amount:
            return Instalment(item.due, item.amount - covered)
        covered -= item.amount
    return None
