"""NO_WITHHOLDING: regular pay with no tax, retirement or health deduction at all."""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.engine.dialect import Dialect
from headcount.rules.base import Rule, RuleRow, Scope, money
from headcount.rules.sql import REGULAR, finding_head, payments_list

MIN_PAYMENTS = 4


def query(d: Dialect) -> str:
    # Find the few employees first; build evidence only for them.
    return f"""
    WITH unwithheld AS (
        SELECT employee_id FROM payroll
        WHERE payment_type = {REGULAR} AND employee_id IS NOT NULL
        GROUP BY employee_id
        HAVING count(*) >= {MIN_PAYMENTS}
           AND max(coalesce(federal_tax, 0)) = 0
           AND max(coalesce(retirement, 0)) = 0
           AND max(coalesce(health_benefits, 0)) = 0
    )
    SELECT {finding_head(d, "NO_WITHHOLDING", "p.employee_id", d.array("p.employee_id"), payments=d.sorted_list("p.payment_id"))},
           count(*) AS regular_payments,
           sum(p.gross_pay) AS gross_paid,
           {payments_list(d, "p", "0")} AS payments
    FROM payroll p JOIN unwithheld u ON u.employee_id = p.employee_id
    WHERE p.payment_type = {REGULAR}
    GROUP BY p.employee_id
    """


def summary(row: RuleRow) -> str:
    return (
        f"{row['employee_ids'][0]} received {row['regular_payments']} regular payments "
        f"({money(row['gross_paid'])} gross) with no federal tax, retirement or health-benefit "
        "deduction on any of them."
    )


WHY = (
    "A real employee's regular pay carries withholding; none of these payments "
    "has federal tax, retirement or health benefits taken."
)


RULE = Rule(
    code="NO_WITHHOLDING",
    severity=Severity.MEDIUM,
    title="No withholding",
    flags=f"An employee_id with at least {MIN_PAYMENTS} regular payments and no federal tax, "
    "retirement or health-benefit deduction on any of them.",
    amount="0: the rule puts no money at risk.",
    proper=("Health benefits alone may be waived: tax or retirement withheld is enough.",),
    query=query,
    summary=summary,
    why=WHY,
    needs=frozenset({"payroll"}),
    # Only a new regular payment with nothing withheld can complete an unwithheld run.
    scope=Scope(
        key="p.employee_id",
        touched=f"p.payment_type = {REGULAR} AND coalesce(p.federal_tax, 0) = 0 "
        "AND coalesce(p.retirement, 0) = 0 AND coalesce(p.health_benefits, 0) = 0",
    ),
)
