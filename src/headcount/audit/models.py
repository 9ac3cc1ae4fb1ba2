"""The audit log's tables: the entries, one head row naming the last entry, and the
summarised page views (audit/views.py).

Each entry carries `hash` = HMAC(key, canonical(entry fields, previous hash)); the head row
carries an HMAC over (last seq, last hash), so removing the newest entries is caught too.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from headcount.store.models import Base


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_actor", "actor"),
        Index("ix_audit_log_action", "action"),
    )

    # Assigned by audit.record (last + 1 under the head lock), never by the database.
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(String(128))
    client: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)  # canonical JSON; never personal data
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """Exactly one row (id 1), created by the migration; locked by every append."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str | None] = mapped_column(String(64))  # None only before the first entry


class AuditView(Base):
    """One row per (user, action, record, UTC day): how many views, first and last."""

    __tablename__ = "audit_views"
    __table_args__ = (
        UniqueConstraint("actor", "action", "target_type", "target_id", "day"),
        Index("ix_audit_views_day", "day"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    # "" rather than NULL where there is no record: NULLs never collide in a unique key.
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str] = mapped_column(String(128))
    day: Mapped[date] = mapped_column(Date)
    views: Mapped[int] = mapped_column(Integer)
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]
    seq: Mapped[int] = mapped_column(BigInteger)  # the chain entry of the first view
