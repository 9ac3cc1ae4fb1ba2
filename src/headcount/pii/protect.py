"""Tokens, ciphertext, masks: the only code that sees an SSN, account number or address in
clear.

    # 987-65-4321: SSA's range kept for advertisements, never issued to anyone
    row = protect(session, keyring, "person:17", PiiKind.SSN, "987-65-4321")
    masked(keyring, row)        # '***-**-4321'
    reveal(keyring, row)        # '987-65-4321' - callers check the role and audit first

Errors never quote the value.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from cryptography.exceptions import InvalidTag
from sqlalchemy import select
from sqlalchemy.orm import Session

from headcount.pii.keyring import Key, Keyring, KeyringError
from headcount.pii.models import PiiKind, PiiValue

NONCE_BYTES = 12
_SEPARATORS = re.compile(r"[\s-]")


class PiiError(ValueError):
    """A value that cannot be protected (not an SSN, not an account); never quotes it."""


def normalise(kind: PiiKind, value: str) -> str:
    """The canonical form tokens and ciphertext are made from. An SSN is its digits; a bank
    account is `ROUTING:ACCOUNT` with spaces and dashes removed (routing may be empty); an
    address is its words, single-spaced and upper-cased."""
    if kind is PiiKind.ADDRESS:
        words = " ".join(value.split()).upper()
        if not words:
            raise PiiError("an address must not be empty")
        return words
    if kind is PiiKind.SSN:
        # Rosters hold mis-keyed SSNs too (INVALID_SSN: 8 digits, say): protected all the same.
        digits = _SEPARATORS.sub("", value)
        if not (4 <= len(digits) <= 12 and digits.isdigit()):
            raise PiiError("an SSN must be digits (9, with or without dashes)")
        return digits
    routing, sep, account = value.partition(":")
    if not sep:
        raise PiiError("a bank account must be given as ROUTING:ACCOUNT")
    routing, account = _SEPARATORS.sub("", routing), _SEPARATORS.sub("", account)
    if not account.isalnum() or (routing and not routing.isalnum()):
        raise PiiError("a bank account number must be letters and digits")
    return f"{routing}:{account}"


def token(key: Key, kind: PiiKind, normalised: str) -> str:
    return hmac.new(key.mac, f"{kind.value}\0{normalised}".encode(), hashlib.sha256).hexdigest()


def _aad(subject: str, kind: str, key_id: str) -> bytes:
    return f"headcount.pii|{subject}|{kind}|{key_id}".encode()


def seal(key: Key, subject: str, kind: PiiKind, normalised: str) -> tuple[str, bytes]:
    """(token, nonce + ciphertext) of a normalised value under `key`."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = key.aead.encrypt(nonce, normalised.encode(), _aad(subject, kind.value, key.id))
    return token(key, kind, normalised), nonce + sealed


def open_value(keyring: Keyring, row: PiiValue) -> str:
    """The normalised clear value of a row (raises KeyringError if its key is gone or the
    ciphertext was altered or moved to another row)."""
    key = keyring.get(row.key_id)
    blob = row.ciphertext
    try:
        plain = key.aead.decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(row.subject, row.kind, row.key_id)
        )
    except InvalidTag:
        raise KeyringError(f"protected value {row.id} does not decrypt: altered or moved") from None
    return plain.decode()


def protect(
    session: Session, keyring: Keyring, subject: str, kind: PiiKind, value: str
) -> PiiValue:
    """Store a value for a subject, once: the same value again returns the existing row."""
    normalised = normalise(kind, value)
    existing = _rows_matching(session, keyring, kind, normalised, subject)
    if existing:
        return existing[0]
    key = keyring.current
    tok, sealed = seal(key, subject, kind, normalised)
    row = PiiValue(subject=subject, kind=kind.value, key_id=key.id, token=tok, ciphertext=sealed)
    session.add(row)
    session.flush()
    return row


def subjects_with(session: Session, keyring: Keyring, kind: PiiKind, value: str) -> list[str]:
    """Every subject holding this value, found by token (the value itself is never queried)."""
    rows = _rows_matching(session, keyring, kind, normalise(kind, value), None)
    return sorted({r.subject for r in rows})


def _rows_matching(
    session: Session, keyring: Keyring, kind: PiiKind, normalised: str, subject: str | None
) -> list[PiiValue]:
    # Every key still held: during a rotation some rows carry the old key's tokens.
    tokens = [token(k, kind, normalised) for k in keyring.keys]
    query = select(PiiValue).where(PiiValue.kind == kind.value, PiiValue.token.in_(tokens))
    if subject is not None:
        query = query.where(PiiValue.subject == subject)
    return list(session.scalars(query.order_by(PiiValue.id)))


def values_of(session: Session, subjects: list[str]) -> list[PiiValue]:
    query = select(PiiValue).where(PiiValue.subject.in_(subjects))
    return list(session.scalars(query.order_by(PiiValue.subject, PiiValue.kind, PiiValue.id)))


def mask(kind: PiiKind | str, normalised: str) -> str:
    if PiiKind(kind) is PiiKind.SSN:
        return f"***-**-{normalised[-4:]}"
    if PiiKind(kind) is PiiKind.ADDRESS:
        return "withheld"
    return f"****{normalised.partition(':')[2][-4:]}"


def display(kind: PiiKind | str, normalised: str) -> str:
    """The clear form shown after a reveal."""
    if PiiKind(kind) is PiiKind.ADDRESS:
        return normalised
    if PiiKind(kind) is PiiKind.SSN:
        if len(normalised) != 9:
            return normalised
        return f"{normalised[:3]}-{normalised[3:5]}-{normalised[5:]}"
    routing, _, account = normalised.partition(":")
    return f"routing {routing}, account {account}" if routing else f"account {account}"


def masked(keyring: Keyring, row: PiiValue) -> str:
    return mask(row.kind, open_value(keyring, row))


def reveal(keyring: Keyring, row: PiiValue) -> str:
    """The clear value, for display to a person allowed to see it; callers check the role,
    take the reason and write the audit entry before calling this."""
    return display(row.kind, open_value(keyring, row))
