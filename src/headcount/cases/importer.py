"""`headcount cases import RESULTS_DIR`: a verify run's findings become cases.

Idempotent: cases are keyed by finding_id, so a re-import adds the new findings and leaves
existing cases exactly where they are (never back to open). All or nothing: the files are
read and checked in full first, then written in one transaction. Findings of severity `info`
(DATA_QUALITY: an unreadable cell) are about files, not people, and open no case.

With `data=DATASET`, the named people's SSN and bank accounts are read from the original
dataset (headcount.ingest) and stored only through headcount.pii; their name, agency and work
email (where letters are emailed) come from the roster (the payroll's payee name for someone
not in it). An address the evidence names is withheld from the stored evidence and protected
the same way (cases/withheld.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import product
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from headcount import audit
from headcount.cases.models import Case, CaseEvent, CasePayment, Person, State
from headcount.cases.results import ImportedFinding, ImportFileError, Results, read_results
from headcount.cases.withheld import withhold_addresses, withhold_from_summary
from headcount.pii import Keyring, PiiKind, PiiValue, protect
from headcount.store import Store
from headcount.store.types import utcnow

if TYPE_CHECKING:
    # The dataset reader (DuckDB) is imported only when an import reads a dataset.
    from headcount.cases.dataset import PersonFacts

__all__ = ["ImportFileError", "Imported", "import_results"]


@dataclass(frozen=True)
class Imported:
    new_cases: int
    existing_cases: int
    skipped_info: int
    people: int
    protected_values: int  # identifiers newly stored


def import_results(
    store: Store,
    results_dir: Path,
    *,
    actor: str,
    keyring: Keyring,
    data: Path | None = None,
    agency: str | None = None,
    client: str | None = None,
) -> Imported:
    results = read_results(results_dir)
    facts = _dataset_facts(data, results.employee_ids) if data is not None else {}
    with store.begin() as session:
        return _write(session, results, facts, actor, keyring, agency, client)


def _dataset_facts(data: Path, employee_ids: set[str]) -> dict[str, PersonFacts]:
    from headcount.cases.dataset import read_people

    return read_people(data, employee_ids)


def _write(
    session: Session,
    results: Results,
    facts: dict[str, PersonFacts],
    actor: str,
    keyring: Keyring,
    default_agency: str | None,
    client: str | None,
) -> Imported:
    now = utcnow()
    existing = set(session.scalars(select(Case.finding_id)))
    values_before = _value_count(session)
    people: dict[str, Person] = {}
    new = skipped = 0
    for row in results.findings:
        if row.severity == "info":
            skipped += 1
            continue
        # People of findings imported before are still read: a re-import with --data adds
        # the identifiers a first import without it could not (protect() is idempotent).
        for employee_id in row.employee_ids:
            if employee_id not in people:
                people[employee_id] = _person(
                    session, keyring, employee_id, row, facts, default_agency
                )
        if row.finding_id in existing:
            continue
        case = _case(row, results, now)
        case.people = [people[e] for e in row.employee_ids]
        case.evidence, addresses = withhold_addresses(row.evidence)
        case.summary = withhold_from_summary(row.summary, addresses)
        for person, address in product(case.people, addresses):
            protect(session, keyring, person.subject, PiiKind.ADDRESS, address)
        session.add(case)
        existing.add(row.finding_id)
        new += 1
    for employee_id, person in people.items():
        payee = results.payees.get(employee_id)
        if payee is not None:
            person.payee_status, person.evidence_for = payee
    session.flush()
    audit.record(
        session, actor=actor, action="cases.import", target_type="results",
        target_id=results.folder.name, client=client,
        detail={"new": new, "findings": len(results.findings), "people": len(people)},
    )  # fmt: skip
    protected = _value_count(session) - values_before
    return Imported(new, len(results.findings) - new - skipped, skipped, len(people), protected)


def _value_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(PiiValue)) or 0


def _case(row: ImportedFinding, results: Results, now: datetime) -> Case:
    case = Case(
        finding_id=row.finding_id, rule=row.rule, severity=row.severity,
        amount_at_risk=row.amount_at_risk, summary=row.summary, evidence=row.evidence,
        source=str(results.folder)[:500], state=State.OPEN.value, created_at=now, updated_at=now,
    )  # fmt: skip
    case.payments = [
        CasePayment(payment_id=pid, at_risk=amount)
        for pid, amount in sorted(results.payments.get(row.finding_id, {}).items())
    ]
    case.events = [
        CaseEvent(at=now, actor="import", action="import", from_state=None, to_state="open",
                  note=f"from {results.folder.name}")
    ]  # fmt: skip
    return case


def _person(
    session: Session,
    keyring: Keyring,
    employee_id: str,
    row: ImportedFinding,
    facts: dict[str, PersonFacts],
    default_agency: str | None,
) -> Person:
    known = facts.get(employee_id)
    person = session.scalars(select(Person).where(Person.employee_id == employee_id)).one_or_none()
    if person is None:
        agency = (
            (known.agency if known else None) or row.agencies.get(employee_id) or default_agency
        )
        if not agency:
            raise ImportFileError(
                f"findings row {row.line}: no agency is known for {employee_id} (not in the "
                "roster given with --data, nor in the evidence): pass --agency"
            )
        name = (known.name if known else "") or row.names.get(employee_id, "")
        person = Person(employee_id=employee_id, name=name[:400], agency=agency)
        session.add(person)
        session.flush()
    if known is not None:
        if known.email and not person.email:
            person.email = known.email
        for ssn in known.ssns:
            protect(session, keyring, person.subject, PiiKind.SSN, ssn)
        for account in known.accounts:
            protect(session, keyring, person.subject, PiiKind.BANK_ACCOUNT, account)
    return person
