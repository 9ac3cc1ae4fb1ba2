"""The letters a case sends, each kept exactly as sent (HTML and PDF), and how each went out.

One row per letter and person: a notice of findings (`notice`), a decision letter
(`decision`, stored when the determination is recorded) or a notice of debt
(`debt_notice`). Its delivery state:

    queued -> sent (SMTP accepted it) -> delivered | bounced
    queued | bounced -> printed (in a print batch) -> mailed -> delivered

The moment that starts a period (the contest period of a notice, the payment period of a
notice of debt) is `provided_at`: when the server accepted the email, or the start of the
day the letter was mailed (5 U.S.C. 552a(p)(1)(C)(ii): "mailed or otherwise provided").
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from headcount.cases.models import Case, Person
from headcount.store.models import Base
from headcount.store.types import BigId, utcnow


class LetterKind(StrEnum):
    NOTICE = "notice"  # notice of findings and of the right to contest
    DECISION = "decision"  # the determination, for each person named
    DEBT_NOTICE = "debt_notice"  # notice of debt (5 U.S.C. 5514)


class LetterState(StrEnum):
    QUEUED = "queued"
    SENT = "sent"  # the SMTP server accepted it
    DELIVERED = "delivered"
    BOUNCED = "bounced"
    PRINTED = "printed"  # in a print batch, not yet recorded as mailed
    MAILED = "mailed"


class Channel(StrEnum):
    EMAIL = "email"
    POST = "post"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v.value}'" for v in values) + ")"


class Letter(Base):
    __tablename__ = "letters"
    __table_args__ = (
        CheckConstraint(_in("kind", LetterKind), name="kind"),
        CheckConstraint(_in("state", LetterState), name="state"),
        CheckConstraint(f"channel IS NULL OR {_in('channel', Channel)}", name="channel"),
        Index("ix_letters_state", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(BigId, ForeignKey("people.id", ondelete="CASCADE"))
    notice_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("notices.id", ondelete="CASCADE")
    )
    debt_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("debts.id", ondelete="CASCADE"))
    reference: Mapped[str] = mapped_column(String(80))  # what a subject line may say: no PII
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    html: Mapped[str] = mapped_column(Text)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(16), default=LetterState.QUEUED.value)
    state_at: Mapped[datetime] = mapped_column(default=utcnow)
    channel: Mapped[str | None] = mapped_column(String(8))  # how it went (or is going) out
    sent_at: Mapped[datetime | None]  # the SMTP server accepted it
    printed_at: Mapped[datetime | None]
    batch: Mapped[str | None] = mapped_column(String(64))  # the print batch's name
    mailed_on: Mapped[date | None]
    delivered_at: Mapped[datetime | None]
    provided_at: Mapped[datetime | None]  # what the letter's period counts from
    failure: Mapped[str] = mapped_column(String(200), default="")  # SMTP error class and code

    case: Mapped[Case] = relationship()
    person: Mapped[Person] = relationship()
