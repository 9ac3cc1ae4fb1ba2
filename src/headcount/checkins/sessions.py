"""Check-in sessions: opened by a link's first use, valid until the campaign deadline.

The browser holds a random secret; the database holds only its SHA-256, so reading the
database is not enough to act as an employee.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from headcount.checkins.links import Claims, Signer, redeem
from headcount.checkins.models import Campaign, CheckinSession, Recipient
from headcount.secrets import hash_secret
from headcount.store import utcnow


def open_session(session: Session, recipient_id: int, expires_at: datetime) -> str:
    secret = secrets.token_urlsafe(32)
    session.add(
        CheckinSession(
            id_hash=hash_secret(secret), recipient_id=recipient_id, expires_at=expires_at
        )
    )
    return secret


def redeem_link(session: Session, signer: Signer, token: str) -> tuple[Claims, str]:
    """Spend the link and open a session for its employee: (claims, session secret)."""
    claims = redeem(session, signer, token)
    return claims, open_session(session, claims.recipient_id, claims.expires_at)


def recipient_for(session: Session, secret: str | None, now: datetime | None = None) -> int | None:
    """The recipient id behind a live session secret, or None."""
    if not secret or len(secret) > 128:
        return None
    row = session.scalars(
        select(CheckinSession).where(CheckinSession.id_hash == hash_secret(secret))
    ).first()
    if row is None or row.expires_at <= (now or utcnow()):
        return None
    return row.recipient_id


def end_session(session: Session, secret: str | None) -> tuple[Recipient, Campaign] | None:
    """End the session behind `secret`; whose it was and its campaign, so the page can say,
    in the person's language, until when a reply may still change (None: no session)."""
    row = session.get(CheckinSession, hash_secret(secret)) if secret else None
    if row is None:
        return None
    whose = context_for(session, row.recipient_id)
    session.delete(row)
    return whose


def context_for(session: Session, recipient_id: int) -> tuple[Recipient, Campaign]:
    recipient = session.get(Recipient, recipient_id)
    assert recipient is not None
    campaign = session.get(Campaign, recipient.campaign_id)
    assert campaign is not None
    return recipient, campaign


def language_of(session: Session, recipient_id: int) -> str | None:
    """The roster's preferred language of a recipient (None if not given)."""
    return session.scalar(select(Recipient.language).where(Recipient.id == recipient_id))
