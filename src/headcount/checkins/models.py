"""The check-in tables: campaigns, the roster snapshot of recipients, deliveries, signed
links, the employee's check-in sessions and replies, and inbound mail. Names are specific on
purpose: the employee's check-in session is `checkin_sessions`, leaving `sessions` for
staff logins.

Personal data kept: only what a check-in needs (employee_id, name, work email, agency and
organisation) in the roster snapshot — never SSNs, birth dates, addresses or pay.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from headcount.contract.policy import Policy
from headcount.store.models import Base
from headcount.store.types import BigId, utcnow


class DeliveryKind(StrEnum):
    INVITATION = "invitation"
    REMINDER = "reminder"


class DeliveryStatus(StrEnum):
    """One email's state, from the SMTP conversation and then from bounces read back in."""

    QUEUED = "queued"  # to be sent by this or the next run
    # Committed before the message's final dot is written: a run killed after this point
    # may have handed the message over, so it is never sent again (at most one message).
    SENDING = "sending"
    SENT = "sent"  # the relay accepted it (250 after the final dot)
    DEFERRED = "deferred"  # a temporary failure (4xx, a dropped connection): tried again
    BOUNCED_HARD = "bounced_hard"  # refused for good (5xx, or a DSN saying so): suppressed
    BOUNCED_SOFT = "bounced_soft"  # given up on for a passing reason (mailbox full, …)
    COMPLAINED = "complained"  # the person reported it as spam (an ARF report): suppressed


# A recipient in one of these states is never emailed again in the campaign.
SUPPRESSED = (DeliveryStatus.BOUNCED_HARD.value, DeliveryStatus.COMPLAINED.value)
# Email reached the person: accepted and not bounced (a complaint proves it arrived).
REACHED = (DeliveryStatus.SENT.value, DeliveryStatus.COMPLAINED.value)


class ReplySource(StrEnum):
    WEB = "web"
    EMAIL = "email"


def _enum_check(name: str, column: str, values: type[StrEnum]) -> CheckConstraint:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name)


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the invitations are first sent: the contract's `sent_at`.
    sent_at: Mapped[datetime | None]
    deadline: Mapped[datetime]
    roster_source: Mapped[str] = mapped_column(String(500))
    contact_email: Mapped[str] = mapped_column(String(320))
    # Days after the deadline that reply text is kept; None: the default (headcount.cases.
    # retention, docs/cases.md). `headcount purge` then empties the text, keeping the row.
    retention_days: Mapped[int | None]
    # When the reminder round under way began; None between rounds. A `campaign remind`
    # killed midway leaves it set, and the next one finishes that round (retrying what was
    # queued) instead of starting another: nobody gets a second reminder from a crash.
    reminding_since: Mapped[datetime | None]

    agencies: Mapped[list[CampaignAgency]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="CampaignAgency.agency"
    )


class CampaignAgency(Base):
    """One row per agency a campaign went to, with that agency's policy (contract `campaigns`)."""

    __tablename__ = "campaign_agencies"
    __table_args__ = (_enum_check("policy", "policy", Policy),)

    campaign_id: Mapped[str] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    agency: Mapped[str] = mapped_column(String(64), primary_key=True)
    policy: Mapped[str] = mapped_column(String(16))

    campaign: Mapped[Campaign] = relationship(back_populates="agencies")


class Recipient(Base):
    """The roster snapshot a campaign went to: one row per employee, contacted or not."""

    __tablename__ = "recipients"
    __table_args__ = (
        UniqueConstraint("campaign_id", "employee_id"),
        Index("ix_recipients_campaign_email", "campaign_id", "work_email"),
        Index("ix_recipients_campaign_agency_org", "campaign_id", "agency", "org_code"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    employee_id: Mapped[str] = mapped_column(String(64))
    first_name: Mapped[str] = mapped_column(String(200), default="")
    last_name: Mapped[str] = mapped_column(String(200), default="")
    work_email: Mapped[str | None] = mapped_column(String(320))
    agency: Mapped[str] = mapped_column(String(64))
    org_code: Mapped[str] = mapped_column(String(64), default="")
    # The state of the latest email to this person (a DeliveryStatus), None before any;
    # kept here so reach is counted without reading every delivery.
    reach: Mapped[str | None] = mapped_column(String(16))
    # The language asked for in the roster's optional `preferred_language` column (a BCP 47
    # tag such as `es`), None if not given; headcount.i18n picks the catalogue from it.
    language: Mapped[str | None] = mapped_column(String(16))


class Delivery(Base):
    """One email to one recipient: an invitation or a reminder, with its send attempts."""

    __tablename__ = "deliveries"
    __table_args__ = (
        _enum_check("kind", "kind", DeliveryKind),
        _enum_check("status", "status", DeliveryStatus),
        Index("ix_deliveries_recipient_kind", "recipient_id", "kind"),
        Index("ix_deliveries_status", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    recipient_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("recipients.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0)
    # The SMTP error class and code only: never the message or the address.
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    bounced_at: Mapped[datetime | None]  # when a bounce or complaint about it was read


class Link(Base):
    """A signed check-in link. The signature proves who it is for; this row makes it
    single-use (`used_at`) and lets a new email supersede nothing: each link stands alone."""

    __tablename__ = "links"

    jti: Mapped[str] = mapped_column(String(32), primary_key=True)
    recipient_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("recipients.id", ondelete="CASCADE"), index=True
    )
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class CheckinSession(Base):
    """A session opened by a link's first use: lets that employee edit until the deadline.
    Only a SHA-256 of the session secret is stored, so a database reader cannot ride it."""

    __tablename__ = "checkin_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    recipient_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("recipients.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class Reply(Base):
    """At most one reply per recipient (the unique key makes a duplicate impossible); edits
    replace the text and bump `revision`. `submission_id` makes a retried submit a no-op."""

    __tablename__ = "replies"
    __table_args__ = (_enum_check("source", "source", ReplySource),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    recipient_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("recipients.id", ondelete="CASCADE"), unique=True
    )
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(8))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    revision: Mapped[int] = mapped_column(default=1)
    submission_id: Mapped[str | None] = mapped_column(String(64))
    purged_at: Mapped[datetime | None]  # set when `headcount purge` removed the text


class InboundMessage(Base):
    """An email reply seen by `campaign ingest-mail`, so a second run skips it. Keeps the
    outcome only (no body, no sender): a refused reply leaves nothing of its text behind."""

    __tablename__ = "inbound_messages"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the Message-ID
    recipient_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("recipients.id", ondelete="SET NULL")
    )
    outcome: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class LetterCode(Base):
    """A printed letter's short code, for staff without a work email. Only a keyed hash of
    the code is kept (a database reader cannot type one in); spending it is one conditional
    UPDATE, like a link."""

    __tablename__ = "letter_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    recipient_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("recipients.id", ondelete="CASCADE"), index=True
    )
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class CodeAttempt(Base):
    """One wrong code typed on the public page, counted per client (a hash of its address)
    so guessing is slowed on every worker alike."""

    __tablename__ = "code_attempts"
    __table_args__ = (Index("ix_code_attempts_client_at", "client", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
