"""Staff sessions, kept on the server: the browser holds a random id (an HttpOnly,
SameSite=Strict cookie, or a Bearer token for the API); the database holds only its SHA-256.

A session ends at logout, after IDLE without a request, or ABSOLUTE after login, whichever
comes first; a role change ends all of that user's sessions.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from headcount.auth.models import User, UserSession
from headcount.auth.roles import Principal, Role
from headcount.secrets import hash_secret
from headcount.store.types import utcnow

COOKIE = "hc_session"
IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=8)
# last_seen_at is written at most this often: not one UPDATE per page view.
TOUCH_EVERY = timedelta(minutes=1)
MAX_SECRET = 128


def open_session(session: Session, user_id: int, now: datetime | None = None) -> str:
    now = now or utcnow()
    secret = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            id_hash=hash_secret(secret), user_id=user_id, created_at=now, last_seen_at=now,
            expires_at=now + ABSOLUTE,
        )
    )  # fmt: skip
    return secret


def principal_for(
    session: Session, secret: str | None, now: datetime | None = None
) -> Principal | None:
    """The user behind a live session id, or None (an expired session is deleted)."""
    if not secret or len(secret) > MAX_SECRET:
        return None
    now = now or utcnow()
    row = session.get(UserSession, hash_secret(secret))
    if row is None:
        return None
    if now >= row.expires_at or now >= row.last_seen_at + IDLE:
        session.delete(row)
        return None
    user = session.get(User, row.user_id)
    assert user is not None  # the foreign key cascades
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return Principal(user.id, user.username, Role(user.role), user.agency, row.id_hash)


def end_session(session: Session, secret: str | None) -> None:
    if secret and len(secret) <= MAX_SECRET:
        row = session.get(UserSession, hash_secret(secret))
        if row is not None:
            session.delete(row)


def end_user_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(UserSession).where(UserSession.user_id == user_id))
