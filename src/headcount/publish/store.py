"""The tables the case store gives: cases verified, determined by outcome and by cause,
their dollars (identified, prevented, overpaid), money recovered and dollars waived, each
by rule.

`outcome_records` reads the store through the case store's one reader of outcomes
(cases/outcomes/records.py, which the outcome report counts from too); `store_tables`
turns what it returns into tables.
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
    cause: str = ""  # "" for a proper payment, which has no cause


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
    recovered: Sequence[CaseFigure] = ()  # per debt: "recovered" and "waived" dollars
    as_of: str = ""
    causes: tuple[str, ...] = ()  # the columns of the cause table, in order
    proper: str = "proper"  # the one outcome that has no cause


# A determination's dollars, by the name the publication gives each kind (claims.md).
DOLLAR_KINDS = {"identified": "identified", "prevented": "prevented", "overpayment": "overpaid"}
# The cause table's column for determinations without a cause: proper payments.
NO_CAUSE = "none (proper)"


def _positive(amounts: Mapping[str, Decimal | None]) -> dict[str, Decimal]:
    return {kind: amount for kind, amount in amounts.items() if amount and amount > 0}


def outcome_records(session: Session) -> OutcomeRecords:
    """Cases verified, coded determinations with their dollars, and debts' recoveries, from
    the case store's one reader of outcomes (cases/outcomes/records.py)."""
    from headcount.cases.models import Cause, Outcome
    from headcount.cases.outcomes.records import AFTER_VERIFICATION, Window, read_records

    records = read_records(session)
    ever = Window()
    return OutcomeRecords(
        rules=records.rules,
        verified=[
            CaseFigure(c.rule, _positive({"at risk": c.at_risk}))
            for c in records.cases
            if c.verified_at is not None
        ],
        determined=[
            Determined(
                rule=c.rule,
                outcome=c.outcome,
                cause=c.cause or "",
                dollars=_positive(
                    {name: getattr(c, column) for column, name in DOLLAR_KINDS.items()}
                ),
            )
            for c in records.cases
            if c.outcome is not None
        ],
        outcomes=tuple(o.value for o in Outcome),
        after_verification=AFTER_VERIFICATION,
        recovered=[
            CaseFigure(
                d.rule, _positive({"recovered": d.received_in(ever), "waived": d.waived_in(ever)})
            )
            for d in records.debts
        ],
        as_of=f"{records.as_of:%Y-%m-%d %H:%M} UTC" if records.as_of else "",
        causes=tuple(c.value for c in Cause),
        proper=Outcome.PROPER.value,
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
    causes = _cause_table(records, rules, source)
    tables = [verified, determined, causes]
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
    if any("waived" in f.dollars for f in records.recovered):
        tables.append(_dollar_table(
            "waived_dollars", "Determined: overpaid dollars waived, by rule", Rung.DETERMINED,
            "waived", rules, records.recovered, source,
            "Overpayments forgiven by a waiver decision (5 U.S.C. 5584): determined, never "
            "recovered.",
        ))  # fmt: skip
    if any("recovered" in f.dollars for f in records.recovered):
        tables.append(_dollar_table(
            "recovered_dollars", "Recovered: dollars recovered, by rule", Rung.RECOVERED,
            "recovered", rules, records.recovered, source,
            "Money that came back: repayments, salary offsets, Treasury offsets.",
        ))  # fmt: skip
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
    return tables, relations + _cause_relations(records, determined, causes)


def _cause_table(records: OutcomeRecords, rules: tuple[str, ...], source: str) -> Table:
    return Table(
        name="determined_by_cause", title="Determined: cases by rule and cause",
        rung=Rung.DETERMINED, unit=Unit.COUNT, noun="cases", row_label="rule",
        column_label="cause", rows=rules, columns=(*records.causes, NO_CAUSE),
        values=dict(Counter((d.rule, d.cause or NO_CAUSE) for d in records.determined)),
        sum_rows=True, sum_columns=True, source=source, rows_total="All rules",
        columns_total="All determinations",
        note="Why the payments determined improper (or unknown) were so, in the codes "
        "agencies report to OMB. A proper payment has no cause. Only a determination coded "
        "fraud_referred, approved by two integrity officers, speaks of fraud.",
    )  # fmt: skip


def _cause_relations(records: OutcomeRecords, determined: Table, causes: Table) -> list[Relation]:
    """What an outsider knows joining the cause table to the outcome table: the same
    determinations in both (equal totals, written as two inequalities), and a proper
    payment has no cause, nor (as the codes are checked) any other determination."""
    found = []
    for rule in (*records.rules, TOTAL):
        both = (determined.key(rule, TOTAL), causes.key(rule, TOTAL))
        found += [Relation((both[0],), both[1]), Relation((both[1],), both[0])]
        proper, none = determined.key(rule, records.proper), causes.key(rule, NO_CAUSE)
        found.append(Relation((proper,), none))
        if all(d.cause or d.outcome == records.proper for d in records.determined):
            found.append(Relation((none,), proper))
    return found
