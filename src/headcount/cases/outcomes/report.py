"""The outcome report: per agency and rule, what became of the leads, every figure labelled
with its rung of the evidence ladder (claims.md).

Each figure counts what happened at its own rung within the period: leads opened, cases
verified, determinations recorded, money received or waived between FROM and TO. A lead of
March determined in May is one of March's leads and one of May's determinations.

Dollars are `Dollars`, which carry their rung and refuse to be added to another rung's: a
lead's dollars at risk are never added to determined dollars, here or by any caller.
A case naming people of two agencies counts in both agencies' rows, and once in the totals
over all agencies (which are counted from the cases, never by adding rows).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from headcount.cases.access import VIEWERS, Actor, Forbidden, require
from headcount.cases.models import Cause, Outcome
from headcount.cases.outcomes.records import (
    ZERO,
    CaseRecord,
    DebtRecord,
    StoreRecords,
    Window,
    read_records,
)
from headcount.contract.ladder import Rung, RungMismatch

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

ALL = "(all)"  # the agency or rule of a total row: never an agency or rule code
NO_AGENCY = "(no agency)"


class Unit(StrEnum):
    COUNT = "count"
    DOLLARS = "dollars"
    DAYS = "days"
    SHARE = "share"


@dataclass(frozen=True)
class Dollars:
    """An exact amount on one rung; adding another rung's dollars raises RungMismatch."""

    rung: Rung
    amount: Decimal = ZERO

    def __add__(self, other: object) -> Dollars:
        if not isinstance(other, Dollars):
            return NotImplemented
        if other.rung is not self.rung:
            raise RungMismatch(
                f"{self.rung.value} dollars and {other.rung.value} dollars are never added "
                "together (claims.md: the evidence ladder)"
            )
        return Dollars(self.rung, self.amount + other.amount)

    @classmethod
    def total(cls, rung: Rung, amounts: Iterable[Decimal]) -> Dollars:
        found = cls(rung)
        for amount in amounts:
            found = found + cls(rung, amount)
        return found


Value = int | Decimal | Dollars | None  # None: nothing to measure (no determination yet)


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    rung: Rung
    unit: Unit
    section: str  # the table it is shown in


OUTCOME_LABELS = {
    Outcome.PROPER: "proper",
    Outcome.IMPROPER_OVERPAYMENT: "improper: overpaid",
    Outcome.IMPROPER_UNDERPAYMENT: "improper: underpaid",
    Outcome.TECHNICALLY_IMPROPER: "technically improper",
    Outcome.UNKNOWN: "unknown (could not decide)",
}

SECTIONS = {
    "leads": "Leads: rules fired, evidence attached (at risk, not proven)",
    "verified": "Verified: facts confirmed from an independent source",
    "outcomes": "Determined: determinations by outcome",
    "causes": "Determined: improper or unknown determinations by cause",
    "determined": "Determined: dollars, time taken and contests",
    "recovered": "Recovered: money that came back, and what was waived",
}

MEASURES: tuple[Measure, ...] = (
    Measure("leads", "Leads", Rung.LEAD, Unit.COUNT, "leads"),
    Measure("at_risk", "Dollars at risk", Rung.LEAD, Unit.DOLLARS, "leads"),
    Measure("verified", "Verified", Rung.VERIFIED, Unit.COUNT, "verified"),
    Measure("determined", "Determined", Rung.DETERMINED, Unit.COUNT, "outcomes"),
    *(
        Measure(f"outcome.{o.value}", OUTCOME_LABELS[o], Rung.DETERMINED, Unit.COUNT, "outcomes")
        for o in Outcome
    ),
    *(
        Measure(
            f"cause.{c.value}", c.value.replace("_", " "), Rung.DETERMINED, Unit.COUNT, "causes"
        )
        for c in Cause
    ),
    Measure("identified", "Identified improper", Rung.DETERMINED, Unit.DOLLARS, "determined"),
    Measure("prevented", "Prevented", Rung.DETERMINED, Unit.DOLLARS, "determined"),
    Measure(
        "overpaid", "Overpaid (debts established)", Rung.DETERMINED, Unit.DOLLARS, "determined"
    ),
    Measure(
        "median_days",
        "Median days from lead to determination",
        Rung.DETERMINED,
        Unit.DAYS,
        "determined",
    ),
    Measure("contested", "Determined after a contest", Rung.DETERMINED, Unit.COUNT, "determined"),
    Measure(
        "cleared_after_contest",
        "Share cleared after contest (proper)",
        Rung.DETERMINED,
        Unit.SHARE,
        "determined",
    ),
    Measure("recovered", "Recovered", Rung.RECOVERED, Unit.DOLLARS, "recovered"),
    # Waived dollars were determined overpaid and forgiven (5 U.S.C. 5584): they never came
    # back, so they stay on the determined rung.
    Measure(
        "waived", "Waived (forgiven, not recovered)", Rung.DETERMINED, Unit.DOLLARS, "recovered"
    ),
)
MEASURE = {m.key: m for m in MEASURES}


@dataclass(frozen=True)
class ReportRow:
    agency: str  # ALL on a total over agencies
    rule: str  # ALL on a total over rules
    values: dict[str, Value]

    @property
    def total(self) -> bool:
        return ALL in (self.agency, self.rule)


@dataclass(frozen=True)
class OutcomeReport:
    window: Window
    agency: str | None  # the one agency asked for (or the user's), None: every agency
    rows: tuple[ReportRow, ...]
    as_of: datetime | None

    def row(self, agency: str, rule: str) -> ReportRow:
        return next(r for r in self.rows if (r.agency, r.rule) == (agency, rule))

    @property
    def total(self) -> ReportRow:
        """The grand total: over every agency, or the one agency's total."""
        return self.rows[-1]


def _days(case: CaseRecord) -> float:
    assert case.determined_at is not None
    return (case.determined_at - case.opened).total_seconds() / 86400


def figures(
    cases: Sequence[CaseRecord], debts: Sequence[DebtRecord], window: Window
) -> dict[str, Value]:
    """Every measure for one group of cases and debts."""
    leads = [c for c in cases if window.holds(c.opened)]
    determined = [c for c in cases if window.holds(c.determined_at)]
    contested = [c for c in determined if c.contested]
    values: dict[str, Value] = {
        "leads": len(leads),
        "at_risk": Dollars.total(Rung.LEAD, (c.at_risk for c in leads)),
        "verified": sum(1 for c in cases if window.holds(c.verified_at)),
        "determined": len(determined),
    }
    outcomes = Counter(c.outcome for c in determined)
    causes = Counter(c.cause for c in determined)
    for o in Outcome:
        values[f"outcome.{o.value}"] = outcomes[o.value]
    for cause in Cause:
        values[f"cause.{cause.value}"] = causes[cause.value]
    for key, attribute in (("identified", "identified"), ("prevented", "prevented"),
                           ("overpaid", "overpayment")):  # fmt: skip
        values[key] = Dollars.total(Rung.DETERMINED, (getattr(c, attribute) for c in determined))
    values["median_days"] = (
        Decimal(f"{statistics.median(_days(c) for c in determined):.1f}") if determined else None
    )
    values["contested"] = len(contested)
    cleared = sum(1 for c in contested if c.outcome == Outcome.PROPER.value)
    values["cleared_after_contest"] = (
        Decimal(cleared) / Decimal(len(contested)) if contested else None
    )
    values["recovered"] = Dollars.total(Rung.RECOVERED, (d.received_in(window) for d in debts))
    values["waived"] = Dollars.total(Rung.DETERMINED, (d.waived_in(window) for d in debts))
    return values


def _agencies(case: CaseRecord) -> tuple[str, ...]:
    return case.agencies or (NO_AGENCY,)


def _active(values: dict[str, Value]) -> bool:
    """Whether a row has anything in the period (rows of nothing are left out)."""
    for v in values.values():
        amount = v.amount if isinstance(v, Dollars) else v
        if amount:
            return True
    return False


def build_report(
    records: StoreRecords, window: Window | None = None, agency: str | None = None
) -> OutcomeReport:
    """Rows per agency and rule with a total per agency; then, when there are several
    agencies (or none), a row per rule over every agency and the grand total."""
    window = window or Window()
    cases, debts = records.cases, records.debts
    if agency is not None:
        cases = [c for c in cases if agency in c.agencies]
        debts = [d for d in debts if d.agency == agency]
    case_groups: dict[tuple[str, str], list[CaseRecord]] = defaultdict(list)
    for c in cases:
        case_groups[(ALL, c.rule)].append(c)
        for a in _agencies(c):
            case_groups[(a, c.rule)].append(c)
            case_groups[(a, ALL)].append(c)
    debt_groups: dict[tuple[str, str], list[DebtRecord]] = defaultdict(list)
    for d in debts:
        for key in ((ALL, d.rule), (d.agency, d.rule), (d.agency, ALL)):
            debt_groups[key].append(d)
    agencies = sorted(({a for a, _ in case_groups} | {a for a, _ in debt_groups}) - {ALL})
    if agency is not None:
        agencies = [agency]
    rules = sorted(({r for _, r in case_groups} | {r for _, r in debt_groups}) - {ALL})
    rows: list[ReportRow] = []

    def add(a: str, r: str) -> None:
        if (a, r) == (ALL, ALL):
            values = figures(cases, debts, window)
        else:
            values = figures(case_groups.get((a, r), []), debt_groups.get((a, r), []), window)
        if _active(values) or r == ALL:
            rows.append(ReportRow(a, r, values))

    for a in agencies:
        for r in rules:
            add(a, r)
        add(a, ALL)
    if len(agencies) != 1:  # one agency's total is the grand total
        if len(agencies) > 1:
            for r in rules:
                add(ALL, r)
        add(ALL, ALL)
    return OutcomeReport(window, agency, tuple(rows), records.as_of)


def outcome_report(
    session: Session, actor: Actor | None = None, *, window: Window | None = None,
    agency: str | None = None,
) -> OutcomeReport:  # fmt: skip
    """The report from the store. With an `actor`, only a role that reads cases may ask, and
    a user of one agency sees that agency only (asking for another's is refused)."""
    if actor is not None:
        require(actor, VIEWERS, "read the outcome report")
        if actor.agency is not None:
            if agency not in (None, actor.agency):
                raise Forbidden(f"a user of agency {actor.agency} sees that agency only")
            agency = actor.agency
    agency = agency.strip() if agency and agency.strip() else None
    return build_report(read_records(session, agency), window, agency)
