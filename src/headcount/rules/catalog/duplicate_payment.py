"""DUPLICATE_PAYMENT: two or more regular payments to one employee for one pay period."""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.engine.dialect import Dialect
from headcount.rules.base import Rule, RuleRow, Scope, money, plural
from headcount.rules.sql import REGULAR, finding_head, payments_list


def query(d: Dialect) -> str:
    # In each doubled period the largest payment (then the earliest, then the lowest id) is
    # taken as the proper one, so the amount at risk is never overstated.
    return f"""
    WITH periods AS (
        SELECT employee_id, pay_period_end FROM payroll
        WHERE payment_type = {REGULAR} AND employee_id IS NOT NULL AND pay_period_end IS NOT NULL
        GROUP BY employee_id, pay_period_end HAVING count(*) >= 2
    ),
    ranked AS (
        SELECT p.*, row_number() OVER (
                   PARTITION BY p.employee_id, p.pay_period_end
                   ORDER BY p.gross_pay DESC NULLS LAST, p.pay_date, p.payment_id) AS rank_in_period
        FROM payroll p
        JOIN periods d ON d.employee_id = p.employee_id AND d.pay_period_end = p.pay_period_end
        WHERE p.payment_type = {REGULAR}
    ),
    doubled AS (
        SELECT *, CASE WHEN rank_in_period = 1 THEN 0 ELSE coalesce(gross_pay, 0) END AS at_risk
        FROM ranked
    )
    SELECT {finding_head(d, "DUPLICATE_PAYMENT", "p.employee_id", d.array("p.employee_id"), payments=d.sorted_list("p.payment_id"), amount="sum(p.at_risk)")},
           count(DISTINCT p.pay_period_end) AS periods,
           {payments_list(d, "p", "p.at_risk")} AS payments
    FROM doubled p
    GROUP BY p.employee_id
    """


def summary(row: RuleRow) -> str:
    return (
        f"{row['employee_ids'][0]} received {plural(len(row['payment_ids']), 'regular payment')} "
        f"for {plural(row['periods'], 'pay period')} that each allow one; the extra payments "
        f"total {money(row['amount_at_risk'])}."
    )


WHY = (
    "Only one regular payment is due per employee per pay period. In each period "
    "the largest payment is taken as proper (at_risk 0) and the others as at risk."
)


RULE = Rule(
    code="DUPLICATE_PAYMENT",
    severity=Severity.HIGH,
    title="Duplicate payment",
    flags="Two or more regular payments to one employee for the same pay period.",
    amount="All but one of those payments (the largest in each period is taken as proper).",
    proper=("An award, retro or other payment beside the regular one in the same period.",),
    query=query,
    summary=summary,
    why=WHY,
    needs=frozenset({"payroll"}),
    # A period becomes doubled only through a new regular payment in it.
    scope=Scope(
        key="p.employee_id",
        touched=f"""p.payment_type = {REGULAR} AND EXISTS (
            SELECT 1 FROM (
                SELECT employee_id, pay_period_end FROM payroll
                WHERE payment_type = {REGULAR}
                  AND pay_period_end IN (SELECT pay_period_end FROM appended)
                GROUP BY employee_id, pay_period_end HAVING count(*) >= 2
            ) doubled
            WHERE doubled.employee_id = p.employee_id
              AND doubled.pay_period_end = p.pay_period_end)""",
    ),
)
