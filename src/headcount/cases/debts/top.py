"""The Treasury Offset Program referral file: every debt referred (31 U.S.C. 3716) that the
user may see, one CSV row each. The layout is headcount's own, documented in docs/cases.md;
it is not Treasury's format (an agency maps it onto the one its Cross-Servicing or TOP
submission channel asks for).

The file must carry the debtor's taxpayer identification number (the SSN) for Treasury to
match: it is decrypted from the PII store here, written only into a new file readable by
its owner alone, and the export is audited (the count, never a value).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from headcount import audit
from headcount.cases.access import DEBT_WORKERS, Actor, require
from headcount.cases.debts.ledger import list_debts
from headcount.cases.debts.letters import reference
from headcount.cases.debts.models import Debt, DebtState
from headcount.cases.debts.schedule import delinquent_since
from headcount.contract.csvout import Cell, write_rows
from headcount.pii import Keyring, PiiKind, values_of
from headcount.pii.protect import open_value
from headcount.store.types import utcnow

COLUMNS = (
    "record_type", "debt_id", "reference", "agency", "debtor_tin", "debtor_name",
    "original_amount", "balance", "delinquent_since", "notice_sent_on", "referred_on",
)  # fmt: skip
RECORD_TYPE = "D"  # one debt; the type column leaves room for adjustments later


def referral_rows(session: Session, keyring: Keyring, debts: list[Debt]) -> Iterator[list[Cell]]:
    today = utcnow().date()
    for debt in debts:
        person = debt.person
        tins = [open_value(keyring, row) for row in values_of(session, [person.subject])
                if row.kind == PiiKind.SSN.value]  # fmt: skip
        since = delinquent_since(debt, today)
        yield [
            RECORD_TYPE, debt.id, reference(debt), person.agency, tins[0] if tins else "",
            person.name, debt.principal, debt.balance, since.isoformat() if since else "",
            debt.notice_sent_at.date().isoformat() if debt.notice_sent_at else "",
            debt.referred_at.date().isoformat() if debt.referred_at else "",
        ]  # fmt: skip


def write_referrals(session: Session, actor: Actor, keyring: Keyring, out: Path) -> int:
    """Write `out` (a new file, mode 0600, complete or not at all); return the row count."""
    require(actor, DEBT_WORKERS, "export referrals to Treasury")
    debts = list_debts(session, actor, DebtState.REFERRED.value)
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            count = write_rows(fh, COLUMNS, referral_rows(session, keyring, debts), "\r\n")
        os.link(temporary, out)  # fails if `out` appeared meanwhile: never overwritten
    finally:
        temporary.unlink(missing_ok=True)
    audit.record(session, actor=actor.username, action="debt.top_export", target_type="debt",
                 client=actor.client, detail={"debts": count})  # fmt: skip
    return count
