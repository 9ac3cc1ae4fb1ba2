"""Signing in and out: throttle, check the password, open a fresh session, audit it all.

Every attempt is audited. A failed attempt names the account only if it exists, so a
password typed into the name field is never written to the permanent log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from headcount import audit
from headcount.auth import throttle
from headcount.auth.passwords import password_matches
from headcount.auth.roles import Principal
from headcount.auth.sessions import end_session, open_session, principal_for
from headcount.auth.users import USERNAME, find_user
from headcount.store.types import utcnow

UNKNOWN_ACTOR = "(unknown user)"


@dataclass(frozen=True)
class LoginResult:
    secret: str | None  # the new session id, when the login succeeded
    refused: str | None = None  # "throttled" or "invalid"


def login(
    session: Session,
    username: str,
    password: str,
    client: str,
    *,
    previous: str | None = None,
    now: datetime | None = None,
) -> LoginResult:
    """Run in one transaction that the caller commits whatever the outcome, so failures are
    counted and audited. `previous` is any session id the browser already held: it is ended,
    never adopted (session fixation)."""
    now = now or utcnow()
    username = username.strip()[:64]
    end_session(session, previous)
    throttle.lock_account(session, username)
    user = find_user(session, username) if USERNAME.fullmatch(username) else None
    actor = user.username if user else UNKNOWN_ACTOR
    why = throttle.refusal(session, username, client, now)
    if why is not None:
        audit.record(
            session, actor=actor, action="login.throttled", target_type="user",
            target_id=user.username if user else None, client=client, detail={"by": why},
        )  # fmt: skip
        return LoginResult(None, "throttled")
    if not password_matches(user.password_hash if user else None, password):
        throttle.note_failure(session, username, client, now)
        audit.record(
            session, actor=actor, action="login.failure", target_type="user",
            target_id=user.username if user else None, client=client,
        )  # fmt: skip
        return LoginResult(None, "invalid")
    assert user is not None  # password_matches is False without a stored hash
    throttle.forget_account(session, username)
    secret = open_session(session, user.id, now)
    audit.record(
        session, actor=user.username, action="login.success", target_type="user",
        target_id=user.username, client=client,
    )  # fmt: skip
    return LoginResult(secret)


def logout(session: Session, secret: str | None, client: str) -> Principal | None:
    principal = principal_for(session, secret)
    end_session(session, secret)
    if principal is not None:
        audit.record(
            session, actor=principal.username, action="logout", target_type="user",
            target_id=principal.username, client=client,
        )  # fmt: skip
    return principal
