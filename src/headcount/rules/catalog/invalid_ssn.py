"""INVALID_SSN: a roster SSN that the Social Security Administration never issues."""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.engine.dialect import Dialect
from headcount.matching.ssn import issuable_sql, never_issued_reason
from headcount.rules.base import UNCHANGED_BY_PAYROLL, Rule, RuleRow
from headcount.rules.sql import finding_head, full_name, masked_ssn


def query(d: Dialect) -> str:
    # The reason is worked out in Python from the digits, which never leave this query
    # except as the masked form and the structural parts that make it invalid.
    return f"""
    SELECT {finding_head(d, "INVALID_SSN", "r.employee_id", d.array("r.employee_id"))},
           {full_name("r")} AS roster_name,
           {masked_ssn("r.ssn")} AS ssn,
           r.ssn AS _digits,
           r._row AS roster_row
    FROM roster r
    WHERE r.ssn IS NOT NULL AND NOT {issuable_sql("r.ssn")}
    """


def _reason(row: RuleRow) -> str:
    return never_issued_reason(str(row["_digits"])) or "it is never issued"


def summary(row: RuleRow) -> str:
    return (
        f"The roster SSN of {row['roster_name']} ({row['employee_ids'][0]}) cannot be valid: "
        f"{_reason(row)}."
    )


def why(row: RuleRow) -> str:
    return f"SSA never issues this number: {_reason(row)}."


RULE = Rule(
    code="INVALID_SSN",
    severity=Severity.MEDIUM,
    title="SSN never issued",
    flags="A roster SSN that is never issued: not 9 digits, area 000, 666 or 900-999, group "
    "00, serial 0000, or a voided number (078-05-1120, 219-09-9999, 987-65-4320 to "
    "987-65-4329).",
    amount="0: the rule puts no money at risk.",
    proper=("An SSN with letters is a data-quality problem (DATA_QUALITY), not this rule.",),
    query=query,
    summary=summary,
    why=why,
    needs=frozenset({"roster"}),
    scope=UNCHANGED_BY_PAYROLL,
)
