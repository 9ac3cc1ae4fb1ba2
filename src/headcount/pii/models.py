"""The one table that holds SSNs, bank accounts and addresses: as a keyed token and a ciphertext
only."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from headcount.store.models import Base
from headcount.store.types import BigId, utcnow


class PiiKind(StrEnum):
    SSN = "ssn"
    BANK_ACCOUNT = "bank_account"
    ADDRESS = "address"  # an address a finding's evidence names (a home address, or one like it)


class PiiValue(Base):
    """One protected value of one subject (`person:17`). `token` is HMAC-SHA256 of the
    normalised value under key `key_id` (equal values, equal tokens: matching without the
    value); `ciphertext` is nonce + AES-256-GCM of it under the same key, bound to the
    subject, kind and key id as associated data so it cannot be moved to another row."""

    __tablename__ = "pii_values"
    __table_args__ = (
        CheckConstraint("kind IN ('ssn', 'bank_account', 'address')", name="kind"),
        UniqueConstraint("subject", "kind", "token", name="uq_pii_values_subject_kind_token"),
        Index("ix_pii_values_token", "token"),
        Index("ix_pii_values_key_id", "key_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(80), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    key_id: Mapped[str] = mapped_column(String(12))
    token: Mapped[str] = mapped_column(String(64))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
