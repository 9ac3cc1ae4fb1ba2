"""The tables the case store gives: cases verified, determined by outcome, their dollars
(identified, prevented, overpaid) and money recovered or waived, each by rule.

`outcome_records` is the one function that reads the store (cases/models.py and
cases/debts/models.py); `store_tables` turns what it returns into tables.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from headcount.publish.tables import TOTAL, Number, Relation, Rung, Table, Unit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class CaseFigure:
    """One case as the publication counts it: its rule, and dollars by kind (only amounts
    above zero; a kind absent is no dollars)."""

    rule: str
    dollars: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Determined(CaseFigure):
    outcome: str = ""


@dataclass(frozen=True)
class OutcomeRecords:
    """What the store knows, case by case, with nothing that names anyone."""

    rules: tuple[str, ...]  # every rule a case was opened for
    verified: Sequence[CaseFigure]  # cases independently verified, with dollars at risk
    determined: Sequence[Determined]
    outcomes: tuple[str, ...]  # the columns of the outcome table, in order
    # Outcomes that can only follow an independent verification (an outsider reading the
    # rules knows those counts cannot exceed the verified ones).
    after_verification: frozenset[str]
    recovered: Sequence[CaseFigure] = ()
    as_of: str = ""


# A determination's dollars, by the name the publication gives each kind (claims.md).
DOLLAR_KINDS = {"identified": "identified", "prevented": "prevented", "overpayment": "overpaid"}


def _positive(amounts: Mapping[str, Decimal | None]) -> dict[str, Decimal]:
    return {kind: amount for kind, amount in amounts.items() if amount and amount > 0}


def outcome_records(session: Session) -> OutcomeRecords:
    """Cases verified, coded determinations with their dollars, and debts' recoveries."""
    from sqlalchemy import func, select

    from headcount.cases.debts.models import Debt
    from headcount.cases.models import Case, Outcome

    rules = tuple(session.scalars(select(Case.rule).distinct().order_by(Case.rule)))
    verified = [
        CaseFigure(rule, _positive({"at risk": amount}))
        for rule, amount in session.execute(
            select(Case.rule, Case.amount_at_risk)
            .where(Case.verified_at.is_not(None))
            .order_by(Case.id)
        )
    ]
    determined = [
        Determined(
            rule=row.rule,
            outcome=row.outcome,
            dollars=_positive(
                {name: getattr(row, column) for column, name in DOLLAR_KINDS.items()}
            ),
        )
        for row in session.execute(
            select(Case.rule, Case.outcome, Case.identified, Case.prevented, Case.overpayment)
            .where(Case.outcome.is_not(None))
            .order_by(Case.id)
        )
    ]
    recovered = [
        CaseFigure(rule, _positive({"recovered": received, "waived": waived}))
        for rule, received, waived in session.execute(
            select(Case.rule, Debt.received, Debt.waived)
            .join(Case, Debt.case_id == Case.id)
            .order_by(Debt.id)
        )
    ]
    latest = session.scalar(select(func.max(Case.updated_at)))
    return OutcomeRecords(
        rules=rules,
        verified=verified,
        determined=determined,
        outcomes=tuple(o.value for o in Outcome),
        # Only "proper" may end a case that was never verified (cases/determinations.py).
        after_verification=frozenset(o.value for o in Outcome if o is not Outcome.PROPER),
        recovered=recovered,
        as_of=f"{latest:%Y-%m-%d %H:%M} UTC" if latest else "",
    )


def _dollar_table(
    name: str, title: str, rung: Rung, kind: str, rules: tuple[str, ...],
    figures: Sequence[CaseFigure], source: str, note: str,
) -> Table:  # fmt: skip
    values: dict[tuple[str, str], Number] = {}
    behind: Counter[tuple[str, str]] = Counter()
    for f in figures:
        if kind in f.dollars:
            key = (f.rule, kind)
            values[key] = Decimal(values.get(key, 0)) + f.dollars[kind]
            behind[key] += 1
    return Table(
        name=name, title=title, rung=rung, unit=Unit.DOLLARS, noun="dollars",
        row_label="rule", column_label="dollars", rows=rules, columns=(kind,),
        values=values, behind=dict(behind), source=source, note=note, rows_total="All rules",
    )  # fmt: skip


def _kinds(figures: Sequence[CaseFigure]) -> list[str]:
    return sorted({k for f in figures for k in f.dollars})


def store_tables(records: OutcomeRecords, source: str) -> tuple[list[Table], list[Relation]]:
    rules = records.rules
    verified = Table(
        name="verified_by_rule", title="Verified: cases independently verified, by rule",
        rung=Rung.VERIFIED, unit=Unit.COUNT, noun="cases", row_label="rule",
        column_label="stage", rows=rules, columns=("verified",),
        values=dict(Counter((f.rule, "verified") for f in records.verified)), source=source,
        rows_total="All rules",
        note="An analyst confirmed the facts of the finding from an independent source "
        "(Computer Matching Act, 5 U.S.C. 552a(p)(1)). Still not a determination.",
    )  # fmt: skip
    determined = Table(
        name="determined_by_rule", title="Determined: cases by rule and outcome",
        rung=Rung.DETERMINED, unit=Unit.COUNT, noun="cases", row_label="rule",
        column_label="outcome", rows=rules, columns=records.outcomes,
        values=dict(Counter((d.rule, d.outcome) for d in records.determined)),
        sum_rows=True, sum_columns=True, source=source, rows_total="All rules",
        columns_total="All outcomes",
        note="After notice and the contest period (or an approved exception), a "
        "determination was recorded.",
    )  # fmt: skip
    tables = [verified, determined]
    tables += [
        _dollar_table(
            f"verified_dollars_{i}", f"Verified: dollars {kind}, by rule", Rung.VERIFIED,
            kind, rules, records.verified, source,
            "The leads' dollars at risk for the cases verified; not yet determined.",
        )
        for i, kind in enumerate(_kinds(records.verified), start=1)
    ]  # fmt: skip
    tables += [
        _dollar_table(
            f"determined_dollars_{i}", f"Determined: dollars {kind}, by rule",
            Rung.DETERMINED, kind, rules, records.determined, source,
            "Dollars recorded in determinations.",
        )
        for i, kind in enumerate(_kinds(records.determined), start=1)
    ]  # fmt: skip
    tables += [
        _dollar_table(
            f"recovered_dollars_{i}", f"Recovered: dollars {kind}, by rule", Rung.RECOVERED,
            kind, rules, records.recovered, source, "Money that came back.",
        )
        for i, kind in enumerate(_kinds(records.recovered), start=1)
    ]  # fmt: skip
    relations = [
        Relation(
            tuple(
                determined.key(rule, o) for o in records.outcomes if o in records.after_verification
            ),
            verified.key(rule, "verified"),
        )
        for rule in (*rules, TOTAL)
    ]
    relations = [r for r in relations if r.smaller]
    return tables, relations
