"""Checking the chain: every entry's HMAC, every link to its predecessor, no gap in the
sequence, and the head row's MAC over the last entry (so deleting the newest rows shows).

The first problem found is reported with its sequence number; an intact chain reports its
length and head hash, which an operator can write down elsewhere as an outside anchor.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from headcount.audit.chain import GENESIS, HEAD_ID, entry_hash, head_mac
from headcount.audit.models import AuditEntry, AuditHead


@dataclass(frozen=True)
class Verdict:
    entries: int
    head_hash: str
    bad_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.bad_seq is None


def verify_chain(session: Session, key: bytes) -> Verdict:
    expected, prev = 1, GENESIS
    rows = session.scalars(
        select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=5000)
    )
    for entry in rows:
        if entry.seq != expected:
            return Verdict(
                expected - 1, prev, expected,
                f"entry {expected} is missing (deleted?): entry {entry.seq} follows "
                f"entry {expected - 1}",
            )  # fmt: skip
        if entry.prev_hash != prev:
            return Verdict(
                expected - 1, prev, entry.seq,
                f"entry {entry.seq} does not link to entry {entry.seq - 1} "
                "(inserted, replaced or re-chained?)",
            )  # fmt: skip
        if entry_hash(key, entry) != entry.hash:
            return Verdict(
                expected - 1, prev, entry.seq,
                f"entry {entry.seq} does not match its hash (altered, or written without "
                "the audit key?)",
            )  # fmt: skip
        expected, prev = expected + 1, entry.hash
    last = expected - 1
    return _check_head(session, key, last, prev)


def _check_head(session: Session, key: bytes, last: int, last_hash: str) -> Verdict:
    head = session.get(AuditHead, HEAD_ID)
    if head is None:
        return Verdict(last, last_hash, last + 1, "the audit head row is missing (deleted?)")
    if head.seq > last:
        return Verdict(
            last, last_hash, last + 1,
            f"entries {last + 1} to {head.seq} are missing (deleted?): the log ends at "
            f"entry {last}",
        )  # fmt: skip
    if head.seq < last:
        return Verdict(
            last, last_hash, head.seq + 1,
            f"entry {head.seq + 1} is beyond the recorded head (inserted?)",
        )  # fmt: skip
    fresh = last == 0 and head.hash == GENESIS and head.mac is None
    if not fresh and (head.hash != last_hash or head.mac != head_mac(key, last, last_hash)):
        return Verdict(
            last, last_hash, last, f"the audit head row does not match entry {last} (altered?)"
        )
    return Verdict(last, last_hash)
