"""The debt tables: one debt per overpayment determination, its payments (repayments,
salary and Treasury offsets), repayment agreements, waiver requests and its history.

A debt's `received` and `waived` are the sums of its payment rows and granted waivers, and
`balance` is always `principal - received - waived`, kept in the same transaction as the
row that changes it (ledger.py) and checked by the tests after every step. (Not as a CHECK
constraint: SQLite does that arithmetic in floating point.)
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from headcount.cases.models import MONEY, Case, Person
from headcount.store.models import Base
from headcount.store.types import BigId, utcnow


class DebtState(StrEnum):
    ESTABLISHED = "established"  # opened by the determination; no notice of debt yet
    NOTIFIED = "notified"  # the notice of debt was sent
    REPAYING = "repaying"  # a repayment agreement is in force
    REFERRED = "referred"  # referred to the Treasury Offset Program
    SATISFIED = "satisfied"  # nothing left to recover (paid and/or waived)


class Method(StrEnum):
    REPAYMENT = "repayment"  # paid by the person (cheque, transfer, pay.gov)
    SALARY_OFFSET = "salary_offset"  # deducted from pay (5 U.S.C. 5514)
    TREASURY_OFFSET = "treasury_offset"  # collected by Treasury after referral


class WaiverDecision(StrEnum):
    GRANTED = "granted"
    PARTIAL = "partial"
    DENIED = "denied"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v.value}'" for v in values) + ")"


class Debt(Base):
    __tablename__ = "debts"
    __table_args__ = (
        CheckConstraint(_in("state", DebtState), name="state"),
        CheckConstraint("balance >= 0 AND received >= 0 AND waived >= 0", name="not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("cases.id", ondelete="CASCADE"), unique=True
    )
    person_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), default=DebtState.ESTABLISHED.value)
    principal: Mapped[Decimal] = mapped_column(MONEY)
    received: Mapped[Decimal] = mapped_column(MONEY)
    waived: Mapped[Decimal] = mapped_column(MONEY)
    balance: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str] = mapped_column(Text)  # the determination's reason, for the letter
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    employed: Mapped[bool] = mapped_column(default=True)  # salary offset only while employed
    notice_sent_at: Mapped[datetime | None]
    payment_due: Mapped[date | None]  # the notice's date to pay in full or agree a schedule
    # When the notice of debt was emailed (accepted) or mailed (cases/delivery/): the
    # payment period and the 30 days before a salary offset count from it.
    notice_provided_at: Mapped[datetime | None]
    notice_html: Mapped[str] = mapped_column(Text, default="")
    notice_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    referred_at: Mapped[datetime | None]

    case: Mapped[Case] = relationship()
    person: Mapped[Person] = relationship()
    payments: Mapped[list[DebtPayment]] = relationship(
        cascade="all, delete-orphan", order_by="DebtPayment.id"
    )
    agreements: Mapped[list[Agreement]] = relationship(
        cascade="all, delete-orphan", order_by="Agreement.id"
    )
    waivers: Mapped[list[Waiver]] = relationship(cascade="all, delete-orphan", order_by="Waiver.id")
    events: Mapped[list[DebtEvent]] = relationship(
        cascade="all, delete-orphan", order_by="DebtEvent.id"
    )


class DebtPayment(Base):
    __tablename__ = "debt_payments"
    __table_args__ = (
        CheckConstraint(_in("method", Method), name="method"),
        CheckConstraint("amount > 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    debt_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("debts.id", ondelete="CASCADE"), index=True
    )
    received_at: Mapped[datetime]
    amount: Mapped[Decimal] = mapped_column(MONEY)
    method: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(200), default="")
    # A salary offset: the pay period it came from and that period's disposable pay.
    pay_period_end: Mapped[date | None]
    disposable_pay: Mapped[Decimal | None] = mapped_column(MONEY)
    recorded_by: Mapped[str] = mapped_column(String(64))


class Agreement(Base):
    """A repayment schedule: `instalment` every `interval_days` from `first_due` until the
    balance at the time it was made is paid (the last instalment is what remains). The
    latest agreement is the one in force."""

    __tablename__ = "debt_agreements"
    __table_args__ = (
        CheckConstraint("instalment > 0", name="instalment"),
        CheckConstraint("interval_days >= 1", name="interval_days"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    debt_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("debts.id", ondelete="CASCADE"), index=True
    )
    made_at: Mapped[datetime]
    balance_at: Mapped[Decimal] = mapped_column(MONEY)  # what the schedule repays
    instalment: Mapped[Decimal] = mapped_column(MONEY)
    first_due: Mapped[date]
    interval_days: Mapped[int]
    recorded_by: Mapped[str] = mapped_column(String(64))


class Waiver(Base):
    """A request to waive the debt (5 U.S.C. 5584) and its decision; pending, it puts the
    debt in dispute (no salary offset, no Treasury referral)."""

    __tablename__ = "debt_waivers"
    __table_args__ = (
        CheckConstraint(f"decision IS NULL OR {_in('decision', WaiverDecision)}", name="decision"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    debt_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("debts.id", ondelete="CASCADE"), index=True
    )
    requested_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str | None] = mapped_column(String(16))
    amount: Mapped[Decimal | None] = mapped_column(MONEY)  # waived
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decision_reason: Mapped[str | None] = mapped_column(Text)


class DebtEvent(Base):
    """The debt's own history, shown on its page (the audit log keeps the same facts)."""

    __tablename__ = "debt_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    debt_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("debts.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    balance: Mapped[Decimal] = mapped_column(MONEY)  # after the step
    note: Mapped[str] = mapped_column(Text, default="")
