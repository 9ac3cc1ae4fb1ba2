"""Appending to the hash-chained audit log.

    from headcount import audit
    audit.record(session, actor="alice", action="pii.reveal", target_type="case",
                 target_id="42", client="10.0.0.7", detail={"reason": "verification"})

The entry is part of the caller's transaction: it is written if and only if the audited
change commits. Appends serialise on the head row (PostgreSQL: SELECT … FOR UPDATE; SQLite:
every store transaction already begins with BEGIN IMMEDIATE), so the chain never forks.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from headcount.audit.keys import audit_key
from headcount.audit.models import AuditEntry, AuditHead
from headcount.matching.sensitive import scan_text
from headcount.store.types import utcnow

GENESIS = "0" * 64
HEAD_ID = 1
ACTION = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
MAX_DETAIL = 4000
PERSONAL_KINDS = frozenset({"ssn", "routing", "account", "card"})
Scalar = str | int | float | bool | None
Detail = Mapping[str, Scalar | Sequence[Scalar]]


class AuditError(ValueError):
    """A malformed entry: a bad action name, a detail too long, or personal data in it."""


def canonical(
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    target_type: str | None,
    target_id: str | None,
    client: str | None,
    detail: str,
    prev_hash: str,
) -> bytes:
    """One unambiguous byte string per entry: a JSON array, fixed order, no whitespace."""
    fields = [seq, at.isoformat(), actor, action, target_type, target_id, client, detail]
    return json.dumps([*fields, prev_hash], ensure_ascii=False, separators=(",", ":")).encode()


def mac(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def entry_hash(key: bytes, entry: AuditEntry) -> str:
    return mac(
        key,
        b"entry\x00"
        + canonical(
            entry.seq, entry.at, entry.actor, entry.action, entry.target_type,
            entry.target_id, entry.client, entry.detail, entry.prev_hash,
        ),
    )  # fmt: skip


def head_mac(key: bytes, seq: int, last_hash: str) -> str:
    return mac(key, b"head\x00" + f"{seq}:{last_hash}".encode())


def encode_detail(detail: Detail | None) -> str:
    """Canonical JSON of a small flat mapping; refuses anything that looks like personal data
    (an SSN, a bank, routing or card number) so the permanent log can never hold one."""
    plain = {k: v if isinstance(v, Scalar) else list(v) for k, v in (detail or {}).items()}
    text = json.dumps(plain, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if len(text) > MAX_DETAIL:
        raise AuditError(f"audit detail is {len(text)} characters; at most {MAX_DETAIL}")
    found = scan_text(text) & PERSONAL_KINDS
    if found:
        raise AuditError(f"audit detail must not hold personal data (found: {sorted(found)})")
    return text


def local_actor() -> str:
    """The operating-system user running a command, as the audit log names them."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    target_type: str | None = None,
    target_id: str | int | None = None,
    client: str | None = None,
    detail: Detail | None = None,
    key: bytes | None = None,
) -> AuditEntry:
    """Append one entry in `session`'s transaction and return it (seq and hash set)."""
    if not ACTION.fullmatch(action):
        raise AuditError(f"audit action {action!r}: lower-case letters, digits, . _ - only")
    detail_text = encode_detail(detail)
    key = key if key is not None else audit_key()
    head = session.scalars(
        select(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    entry = AuditEntry(
        seq=head.seq + 1,
        at=utcnow(),
        actor=actor[:128],
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id)[:128],
        client=client[:64] if client else None,
        detail=detail_text,
        prev_hash=head.hash,
    )
    entry.hash = entry_hash(key, entry)
    session.add(entry)
    head.seq, head.hash, head.mac = entry.seq, entry.hash, head_mac(key, entry.seq, entry.hash)
    session.flush()
    return entry
