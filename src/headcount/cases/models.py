"""Cases: one per finding imported from a verify run, the people it names, the notice each
was sent, their contests, the public-health-or-safety exceptions, and the case history.

No SSN or bank account is kept here: those live only in `pii_values` (headcount.pii), as a
token and a ciphertext, under the subject `person:<people.id>`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from headcount.store.models import Base
from headcount.store.types import BigId, utcnow

MONEY = Numeric(18, 2)


class State(StrEnum):
    OPEN = "open"
    VERIFIED = "verified"
    NOTICE_SENT = "notice_sent"
    CONTESTED = "contested"
    NOT_CONTESTED = "not_contested"
    DETERMINED = "determined"
    CLOSED = "closed"


class Outcome(StrEnum):
    """A determination's outcome, in the codes agencies report to OMB (claims.md)."""

    PROPER = "proper"
    IMPROPER_OVERPAYMENT = "improper_overpayment"
    IMPROPER_UNDERPAYMENT = "improper_underpayment"
    TECHNICALLY_IMPROPER = "technically_improper"  # right person and amount, a step missed
    UNKNOWN = "unknown"  # documentation insufficient to decide


class Cause(StrEnum):
    """Why a payment was not proper (claims.md); `fraud_referred` is the only route to the
    word "fraud"."""

    DEATH_DATA_NOT_TIMELY = "death_data_not_timely"
    FAILURE_TO_VERIFY = "failure_to_verify"
    ADMINISTRATIVE_ERROR_AGENCY = "administrative_error_agency"
    ADMINISTRATIVE_ERROR_OTHER_PARTY = "administrative_error_other_party"
    INSUFFICIENT_DOCUMENTATION = "insufficient_documentation"
    DATA_DOES_NOT_EXIST = "data_does_not_exist"
    STATUTORY_REQUIREMENT_NOT_MET = "statutory_requirement_not_met"
    FRAUD_REFERRED = "fraud_referred"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v.value}'" for v in values) + ")"


class Person(Base):
    """Someone a finding names, by the agency's employee_id; `subject` keys their PII."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    employee_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(400), default="")
    agency: Mapped[str] = mapped_column(String(64), index=True)
    # From the latest payees.csv imported: the status and the positive evidence only (what
    # weakens the claim is the findings themselves; not replying to a check-in is neither).
    payee_status: Mapped[str | None] = mapped_column(String(16))
    evidence_for: Mapped[str] = mapped_column(Text, default="")
    # Where letters go (cases/delivery/): the work email from the roster (`cases import
    # --data`, `cases recipient`), or by post when there is none or `by_post` is chosen.
    email: Mapped[str | None] = mapped_column(String(320))
    by_post: Mapped[bool] = mapped_column(default=False)

    @property
    def subject(self) -> str:
        return f"person:{self.id}"


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(_in("state", State), name="state"),
        CheckConstraint(f"outcome IS NULL OR {_in('outcome', Outcome)}", name="outcome"),
        CheckConstraint(f"cause IS NULL OR {_in('cause', Cause)}", name="cause"),
        Index("ix_cases_state", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    finding_id: Mapped[str] = mapped_column(String(32), unique=True)
    rule: Mapped[str] = mapped_column(String(64), index=True)
    severity: Mapped[str] = mapped_column(String(8))
    amount_at_risk: Mapped[Decimal] = mapped_column(MONEY)
    summary: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)  # the finding's evidence JSON (masked ids)
    source: Mapped[str] = mapped_column(String(500))  # the results folder it came from
    state: Mapped[str] = mapped_column(String(16), default=State.OPEN.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    verified_by: Mapped[str | None] = mapped_column(String(64))
    verified_at: Mapped[datetime | None]
    verification_source: Mapped[str | None] = mapped_column(String(500))
    verification_note: Mapped[str | None] = mapped_column(Text)
    notice_sent_at: Mapped[datetime | None]
    contest_deadline: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(32))
    cause: Mapped[str | None] = mapped_column(String(40))
    # The determination's dollars (claims.md): of the leads, the part confirmed improper;
    # payments stopped before they went out; the debt established.
    identified: Mapped[Decimal | None] = mapped_column(MONEY)
    prevented: Mapped[Decimal | None] = mapped_column(MONEY)
    overpayment: Mapped[Decimal | None] = mapped_column(MONEY)
    # A free-text-era determination (before coded outcomes, revision 0004): its word
    # (confirmed/dismissed) and amount, kept as they were; its outcome became `unknown`.
    legacy_outcome: Mapped[str | None] = mapped_column(String(16))
    legacy_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    determination_reason: Mapped[str | None] = mapped_column(Text)
    determined_by: Mapped[str | None] = mapped_column(String(64))
    determined_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    people: Mapped[list[Person]] = relationship(
        secondary="case_people", order_by=Person.employee_id
    )
    payments: Mapped[list[CasePayment]] = relationship(
        cascade="all, delete-orphan", order_by="CasePayment.payment_id"
    )
    events: Mapped[list[CaseEvent]] = relationship(
        cascade="all, delete-orphan", order_by="CaseEvent.id"
    )
    notices: Mapped[list[Notice]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Notice.id"
    )


class CasePerson(Base):
    __tablename__ = "case_people"

    case_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CasePayment(Base):
    """A payment the finding names (finding_payments.csv: the dollars it calls at risk)."""

    __tablename__ = "case_payments"

    case_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    payment_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    at_risk: Mapped[Decimal] = mapped_column(MONEY)


class CaseEvent(Base):
    """The case's own history, shown on its page (the audit log keeps the same facts,
    tamper-evidently)."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")


class Notice(Base):
    """The letter one person was sent, exactly as sent (HTML and PDF)."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("case_id", "person_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(BigId, ForeignKey("people.id", ondelete="CASCADE"))
    sent_at: Mapped[datetime]
    # Until the letter's delivery is recorded, the earliest the deadline can be (sent_at +
    # the period); delivery moves it to the recorded delivery + the period (delivery/).
    deadline: Mapped[datetime]
    html: Mapped[str] = mapped_column(Text)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    link: Mapped[str | None] = mapped_column(String(300))  # the short link the letter prints
    delivered_at: Mapped[datetime | None]  # the recorded delivery the deadline counts from

    case: Mapped[Case] = relationship(back_populates="notices")
    person: Mapped[Person] = relationship()
    contests: Mapped[list[Contest]] = relationship(
        back_populates="notice", cascade="all, delete-orphan", order_by="Contest.id"
    )


class Contest(Base):
    """A statement the person sent through their link (kept as typed; escaped when shown)."""

    __tablename__ = "contests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    notice_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("notices.id", ondelete="CASCADE"), index=True
    )
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    statement: Mapped[str] = mapped_column(Text)

    notice: Mapped[Notice] = relationship(back_populates="contests")
    attachments: Mapped[list[Attachment]] = relationship(
        cascade="all, delete-orphan", order_by="Attachment.id"
    )


class Attachment(Base):
    """A file sent with a contest: kept in the database (never a path on disk a name could
    steer), type checked by its first bytes, always served as a download."""

    __tablename__ = "contest_attachments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    contest_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("contests.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class HeldUpload(Base):
    """A file chosen on a contest form that was refused for another reason: kept (bound to
    the notice) so the person need not choose it again, until the contest is stored, they
    remove it, or `expires_at` passes (cases/held.py). Never reachable by a URL."""

    __tablename__ = "contest_held_uploads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    notice_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("notices.id", ondelete="CASCADE"), index=True
    )
    held_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class SafetyException(Base):
    """A public-health-or-safety exception (5 U.S.C. 552a(p)(3)): lets an improper payment be
    confirmed before notice + the contest period, once two users other than the requester
    have approved it."""

    __tablename__ = "case_exceptions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    justification: Mapped[str] = mapped_column(Text)

    approvals: Mapped[list[ExceptionApproval]] = relationship(
        cascade="all, delete-orphan", order_by="ExceptionApproval.approved_at"
    )


class ExceptionApproval(Base):
    __tablename__ = "case_exception_approvals"

    exception_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("case_exceptions.id", ondelete="CASCADE"), primary_key=True
    )
    approver: Mapped[str] = mapped_column(String(64), primary_key=True)
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)


class FraudReferral(Base):
    """A request to determine a case as fraud and refer it to the inspector general: asked
    by an integrity officer, approved by a second one (never the same user)."""

    __tablename__ = "case_referrals"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    justification: Mapped[str] = mapped_column(Text)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None]


class AgencySetting(Base):
    """An agency's contest period (30 days unless its rules set more) and the address its
    letters give for contesting by mail or email."""

    __tablename__ = "agency_settings"
    __table_args__ = (CheckConstraint("contest_days >= 30", name="contest_days"),)

    agency: Mapped[str] = mapped_column(String(64), primary_key=True)
    contest_days: Mapped[int] = mapped_column(default=30)
    contact: Mapped[str] = mapped_column(String(500), default="")
