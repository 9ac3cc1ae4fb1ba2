"""Masked identifiers on a case, and revealing one: a role that may (analyst or admin), a
stated reason, someone of the user's own agency, and an audit entry with the reason — never
the value — written in the same transaction before the value is returned."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from headcount import audit
from headcount.cases.access import WORKERS, Actor, CaseError, CaseNotFound, get_case, require
from headcount.cases.models import Case, Person
from headcount.cases.workflow import clean_text
from headcount.pii import Keyring, PiiKind, PiiValue, masked, reveal, values_of

MIN_REASON = 10
KIND_LABELS = {
    PiiKind.SSN.value: "SSN",
    PiiKind.BANK_ACCOUNT.value: "Bank account",
    PiiKind.ADDRESS.value: "Address in the evidence",
}


@dataclass(frozen=True)
class Identifier:
    value_id: int
    employee_id: str
    kind: str  # a label: SSN, Bank account
    masked: str
    revealable: bool  # the user's role and agency allow a reveal


def identifiers(session: Session, keyring: Keyring, case: Case, actor: Actor) -> list[Identifier]:
    by_subject = {p.subject: p for p in case.people}
    may = actor.role in WORKERS
    return [
        Identifier(row.id, by_subject[row.subject].employee_id, KIND_LABELS[row.kind],
                   masked(keyring, row), may and actor.sees(by_subject[row.subject].agency))
        for row in values_of(session, list(by_subject))
    ]  # fmt: skip


def reveal_identifier(
    session: Session, keyring: Keyring, case_id: int, value_id: int, actor: Actor, reason: str
) -> tuple[Person, str, str]:
    """(person, label, clear value). Raises Forbidden, CaseNotFound or CaseError."""
    require(actor, WORKERS, "reveal an SSN, bank account or address")
    case = get_case(session, case_id, actor)
    row = session.get(PiiValue, value_id)
    person = next((p for p in case.people if row is not None and p.subject == row.subject), None)
    if row is None or person is None or not actor.sees(person.agency):
        raise CaseNotFound(f"case {case_id} has no such identifier")
    text = clean_text("The reason", reason, limit=500)
    if len(text) < MIN_REASON:
        raise CaseError(f"say why you need to see it (at least {MIN_REASON} characters)")
    audit.record(
        session, actor=actor.username, action="pii.reveal", target_type="person",
        target_id=person.employee_id, client=actor.client,
        detail={"case": case.id, "kind": row.kind, "reason": text},
    )  # fmt: skip
    return person, KIND_LABELS[row.kind], reveal(keyring, row)
