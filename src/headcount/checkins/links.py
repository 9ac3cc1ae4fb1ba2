"""Signed, single-use, expiring check-in links.

A token is `itsdangerous`-signed `[recipient_id, jti, expiry]`: the signature proves it was
issued here for that employee, the expiry ends it at the campaign deadline, and the `links`
row with that jti makes it single-use — redeeming sets `used_at` in one conditional UPDATE,
so of two simultaneous clicks exactly one wins.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from itsdangerous import BadData, URLSafeSerializer
from itsdangerous.encoding import base64_decode
from sqlalchemy import insert, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from headcount.checkins.models import Link
from headcount.i18n import N_, translations
from headcount.store import utcnow

LINK_PATH = "/c/"
# itsdangerous' JSON (compact, not ASCII-escaped), made once rather than per token.
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class LinkError(Exception):
    """A link that cannot be used. `reason` is invalid, expired or used."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "invalid": N_("This link is not valid. Use the link from your email exactly as sent."),
        "expired": N_("This link has expired: the deadline for this check-in has passed."),
        "used": N_(
            "This link has already been used. A link works once: it signed you in on the "
            "device where it was first opened. To reply from here, ask for a new link."
        ),
    }

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(self.MESSAGES[reason])

    def text(self, lang: str | None = None) -> str:
        return translations(lang).gettext(self.MESSAGES[self.reason])


@dataclass(frozen=True)
class Claims:
    recipient_id: int
    jti: str
    expires_at: datetime


class Signer:
    def __init__(self, secret: bytes, purpose: str = "checkin-link") -> None:
        self.secret = secret
        self._serializer = URLSafeSerializer(secret, salt=f"headcount.{purpose}")
        # itsdangerous derives the key and keys a new HMAC for every token it checks; this
        # keeps one keyed HMAC and copies it: the same check for a fraction of the CPU, which
        # every reply of a burst pays.
        signer = self._serializer.make_signer()
        self._mac = hmac.new(signer.derive_key(), digestmod=signer.digest_method)

    def dumps(self, value: object) -> str:
        """What itsdangerous' `dumps` gives for a payload too short for its zlib to shrink
        (every token here): compact JSON, base64url, "." and the HMAC. Written out because
        itsdangerous tries zlib on every token and keys a new HMAC each time, the larger
        part of a sent message's CPU; `loads` reads either."""
        payload = base64.urlsafe_b64encode(_COMPACT.encode(value).encode()).rstrip(b"=")
        mac = self._mac.copy()
        mac.update(payload)
        signature = base64.urlsafe_b64encode(mac.digest()).rstrip(b"=")
        return (payload + b"." + signature).decode("ascii")

    def loads(self, token: str) -> object:
        """The signed value (as itsdangerous' `loads` gives it). Raises LinkError."""
        payload, _, signature = token.encode("utf-8", "replace").rpartition(b".")
        mac = self._mac.copy()
        mac.update(payload)
        try:
            valid = bool(payload) and hmac.compare_digest(mac.digest(), base64_decode(signature))
        except BadData:  # the signature is not base64
            valid = False
        if not valid:
            raise LinkError("invalid")
        return self._serializer.load_payload(payload)


def issue_link(session: Session, signer: Signer, recipient_id: int, expires_at: datetime) -> str:
    """Record a new link for the recipient and return its token."""
    jti = secrets.token_urlsafe(12)
    session.add(Link(jti=jti, recipient_id=recipient_id, expires_at=expires_at))
    return signer.dumps([recipient_id, jti, int(expires_at.timestamp())])


def issue_links(
    connection: Connection, signer: Signer, recipient_ids: Sequence[int], expires_at: datetime
) -> list[str]:
    """`issue_link` for many recipients in one statement (the send loop's: one ORM object a
    link cost more than the rest of the message); the caller commits."""
    if not recipient_ids:
        return []
    jtis = [secrets.token_urlsafe(12) for _ in recipient_ids]
    now, expiry = utcnow(), int(expires_at.timestamp())
    connection.execute(
        insert(Link),
        [
            {"jti": j, "recipient_id": r, "issued_at": now, "expires_at": expires_at}
            for j, r in zip(jtis, recipient_ids, strict=True)
        ],
    )
    return [signer.dumps([r, j, expiry]) for j, r in zip(jtis, recipient_ids, strict=True)]


def read_token(signer: Signer, token: str, now: datetime | None = None) -> Claims:
    """Check signature and expiry (no database): raises LinkError invalid/expired."""
    value = signer.loads(token)
    if not (
        isinstance(value, list)
        and len(value) == 3
        and isinstance(value[0], int)
        and isinstance(value[1], str)
        and isinstance(value[2], int)
    ):
        raise LinkError("invalid")
    claims = Claims(value[0], value[1], datetime.fromtimestamp(value[2], UTC))
    if (now or utcnow()) >= claims.expires_at:
        raise LinkError("expired")
    return claims


def redeem(session: Session, signer: Signer, token: str, now: datetime | None = None) -> Claims:
    """Spend the link: exactly one caller ever succeeds. Raises LinkError."""
    now = now or utcnow()
    claims = read_token(signer, token, now)
    spent = session.execute(
        update(Link)
        .where(
            Link.jti == claims.jti,
            Link.recipient_id == claims.recipient_id,
            Link.used_at.is_(None),
            Link.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkError("used" if session.get(Link, claims.jti) is not None else "invalid")
    return claims


def check_unused(session: Session, signer: Signer, token: str) -> Claims:
    """Signature, expiry and not yet spent, without spending it (the page before the button)."""
    claims = read_token(signer, token)
    link = session.get(Link, claims.jti)
    if link is None or link.recipient_id != claims.recipient_id:
        raise LinkError("invalid")
    if link.used_at is not None:
        raise LinkError("used")
    return claims
