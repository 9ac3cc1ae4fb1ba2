"""Login throttling, per account and per client address, counted in the database so every
uvicorn worker (and every server behind one database) sees the same failures.

After ACCOUNT_LIMIT failures for one name, or CLIENT_LIMIT from one address, within WINDOW,
further attempts are refused without checking the password (even a right one) until the
oldest failure leaves the window. A refused attempt is not itself counted, so the lock ends.

The address is the connection's peer, or what a configured proxy forwarded (web/app.py);
an X-Forwarded-For from anyone else is ignored, so rotating it does not reset the count.
"""

from __future__ import annotations

import hashlib
import ipaddress
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from headcount.auth.models import LoginFailure

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5
CLIENT_LIMIT = 20


def account_hash(username: str) -> str:
    return hashlib.sha256(username.strip().casefold().encode("utf-8")).hexdigest()


def client_key(client: str) -> str:
    """The address failures are counted against: an IPv6 client by its /64, as one host
    commonly holds a whole /64 and could otherwise walk through it, a fresh address a try."""
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return client[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def lock_account(session: Session, username: str) -> None:
    """PostgreSQL: attempts on one account wait for each other, so concurrent guesses cannot
    all read the count before any is written. (SQLite already runs one writer at a time.)"""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(bytes.fromhex(account_hash(username))[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def refusal(session: Session, username: str, client: str, now: datetime) -> str | None:
    """Why this attempt is refused unheard ("account" or "client"), or None."""
    since = now - WINDOW
    by_account = session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.account_hash == account_hash(username), LoginFailure.at > since)
    )
    if (by_account or 0) >= ACCOUNT_LIMIT:
        return "account"
    by_client = session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.client == client_key(client), LoginFailure.at > since)
    )
    return "client" if (by_client or 0) >= CLIENT_LIMIT else None


def note_failure(session: Session, username: str, client: str, now: datetime) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.at <= now - WINDOW))
    session.add(
        LoginFailure(account_hash=account_hash(username), client=client_key(client), at=now)
    )


def forget_account(session: Session, username: str) -> None:
    """A successful login clears the account's failures (not the address's)."""
    session.execute(delete(LoginFailure).where(LoginFailure.account_hash == account_hash(username)))
