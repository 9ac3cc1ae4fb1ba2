"""The one reader of outcomes in the case store: each case's rule, agencies, the dates of its
rungs, its coded determination and dollars; each debt's money received and waived, dated.

Nothing here names anyone: no employee id, name, SSN, account or free text leaves this
module. `headcount publish` (publish/store.py) and the outcome report (report.py) both count
from what `read_records` returns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from headcount.cases.models import Outcome

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

ZERO = Decimal(0)
# Only "proper" may end a case that was never verified (cases/determinations.py): every
# other outcome can only follow an independent verification.
AFTER_VERIFICATION = frozenset(o.value for o in Outcome if o is not Outcome.PROPER)


@dataclass(frozen=True)
class Window:
    """From and to (both included, UTC days); None is open at that end."""

    start: date | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"the period starts ({self.start}) after it ends ({self.end})")

    def holds(self, at: datetime | None) -> bool:
        if at is None:
            return False
        day = at.date() if at.tzinfo is None else at.astimezone(UTC).date()
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    @property
    def whole(self) -> bool:
        return self.start is None and self.end is None

    def words(self) -> str:
        if self.whole:
            return "all dates"
        start = self.start.isoformat() if self.start else "the first case"
        end = self.end.isoformat() if self.end else "today"
        return f"{start} to {end} (UTC, both included)"


@dataclass(frozen=True)
class CaseRecord:
    """One case: its rule, the agencies of the people it names, when it reached each rung,
    and its determination's codes and dollars (zero when none)."""

    rule: str
    agencies: tuple[str, ...]
    opened: datetime
    at_risk: Decimal
    verified_at: datetime | None = None
    determined_at: datetime | None = None
    outcome: str | None = None
    cause: str | None = None
    identified: Decimal = ZERO
    prevented: Decimal = ZERO
    overpayment: Decimal = ZERO
    contested: bool = False


@dataclass(frozen=True)
class DebtRecord:
    """One debt: its case's rule, the debtor's agency, and each amount received (repayment,
    salary or Treasury offset) and waived, with its date."""

    rule: str
    agency: str
    received: tuple[tuple[datetime, Decimal], ...] = ()
    waived: tuple[tuple[datetime, Decimal], ...] = ()

    def received_in(self, window: Window) -> Decimal:
        return sum((a for at, a in self.received if window.holds(at)), ZERO)

    def waived_in(self, window: Window) -> Decimal:
        return sum((a for at, a in self.waived if window.holds(at)), ZERO)


@dataclass(frozen=True)
class StoreRecords:
    cases: Sequence[CaseRecord]
    debts: Sequence[DebtRecord]
    rules: tuple[str, ...]  # every rule a case was opened for (whatever the agency)
    as_of: datetime | None = None  # the latest change to a case


def read_records(session: Session, agency: str | None = None) -> StoreRecords:
    """Every case (naming someone of `agency`, when given) and every debt (of a debtor of
    `agency`), in id order."""
    from sqlalchemy import exists, func, select

    from headcount.cases.debts.models import Debt, DebtPayment, Waiver
    from headcount.cases.models import Case, CaseEvent, CasePerson, Person, State

    named: dict[int, set[str]] = defaultdict(set)
    for case_id, person_agency in session.execute(
        select(CasePerson.case_id, Person.agency).join(Person, Person.id == CasePerson.person_id)
    ):
        named[case_id].add(person_agency)
    contested = exists(
        select(CaseEvent.id).where(
            CaseEvent.case_id == Case.id, CaseEvent.to_state == State.CONTESTED.value
        )
    )
    query = select(
        Case.id, Case.rule, Case.created_at, Case.amount_at_risk, Case.verified_at,
        Case.determined_at, Case.outcome, Case.cause, Case.identified, Case.prevented,
        Case.overpayment, contested.label("contested"),
    ).order_by(Case.id)  # fmt: skip
    cases = [
        CaseRecord(
            rule=row.rule,
            agencies=tuple(sorted(named[row.id])),
            opened=row.created_at,
            at_risk=row.amount_at_risk,
            verified_at=row.verified_at,
            determined_at=row.determined_at if row.outcome is not None else None,
            outcome=row.outcome,
            cause=row.cause,
            identified=row.identified or ZERO,
            prevented=row.prevented or ZERO,
            overpayment=row.overpayment or ZERO,
            contested=bool(row.contested),
        )
        for row in session.execute(query)
        if agency is None or agency in named[row.id]
    ]
    received: dict[int, list[tuple[datetime, Decimal]]] = defaultdict(list)
    for debt_id, at, amount in session.execute(
        select(DebtPayment.debt_id, DebtPayment.received_at, DebtPayment.amount).order_by(
            DebtPayment.id
        )
    ):
        received[debt_id].append((at, amount))
    waived: dict[int, list[tuple[datetime, Decimal]]] = defaultdict(list)
    for debt_id, decided, value in session.execute(
        select(Waiver.debt_id, Waiver.decided_at, Waiver.amount)
        .where(Waiver.decided_at.is_not(None), Waiver.amount > 0)
        .order_by(Waiver.id)
    ):
        if decided is not None and value is not None:  # as the query asks
            waived[debt_id].append((decided, value))
    debts_query = (
        select(Debt.id, Case.rule, Person.agency)
        .join(Case, Case.id == Debt.case_id)
        .join(Person, Person.id == Debt.person_id)
        .order_by(Debt.id)
    )
    if agency is not None:
        debts_query = debts_query.where(Person.agency == agency)
    debts = [
        DebtRecord(rule, debtor_agency, tuple(received[i]), tuple(waived[i]))
        for i, rule, debtor_agency in session.execute(debts_query)
    ]
    rules = tuple(session.scalars(select(Case.rule).distinct().order_by(Case.rule)))
    return StoreRecords(
        cases=cases, debts=debts, rules=rules,
        as_of=session.scalar(select(func.max(Case.updated_at))),
    )  # fmt: skip
