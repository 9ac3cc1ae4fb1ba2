"""DUPLICATE_SSN: one Social Security number on several employee records."""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.engine.dialect import Dialect
from headcount.rules.base import UNCHANGED_BY_PAYROLL, Rule, RuleRow
from headcount.rules.sql import finding_head, full_name, masked_ssn


def query(d: Dialect) -> str:
    record = d.struct(
        employee_id="r.employee_id",
        name=full_name("r"),
        agency="r.agency",
        hire_date="r.hire_date",
        separation_date="r.separation_date",
        row="r._row",
    )
    return f"""
    SELECT {finding_head(d, "DUPLICATE_SSN", "r.ssn", d.sorted_list("r.employee_id"))},
           {masked_ssn("r.ssn")} AS ssn,
           {d.ordered_list(record, "r.employee_id")} AS roster_records
    FROM roster r
    WHERE r.ssn IN (
        SELECT ssn FROM roster WHERE ssn IS NOT NULL
        GROUP BY ssn HAVING count(DISTINCT employee_id) >= 2
    )
    GROUP BY r.ssn
    """


def summary(row: RuleRow) -> str:
    ids = ", ".join(row["employee_ids"])
    return f"The same SSN ({row['ssn']}) is on {len(row['employee_ids'])} roster records: {ids}."


WHY = "An SSN belongs to one person, yet several employee records carry it."


RULE = Rule(
    code="DUPLICATE_SSN",
    severity=Severity.HIGH,
    title="Duplicate SSN",
    flags="One SSN on roster records with different employee_ids.",
    amount="0: the rule puts no money at risk.",
    query=query,
    summary=summary,
    why=WHY,
    needs=frozenset({"roster"}),
    scope=UNCHANGED_BY_PAYROLL,
)
