"""PAID_AFTER_SEPARATION: regular pay for periods that start after the separation date."""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.engine.dialect import Dialect
from headcount.rules.base import Rule, RuleRow, Scope, money, plural
from headcount.rules.sql import REGULAR, finding_head, full_name, payments_list, period_start


def query(d: Dialect) -> str:
    return f"""
    SELECT {finding_head(d, "PAID_AFTER_SEPARATION", "r.employee_id", d.array("r.employee_id"), payments=d.sorted_list("p.payment_id"), amount="sum(p.gross_pay)")},
           {full_name("r")} AS roster_name,
           r.separation_date,
           {payments_list(d, "p", "p.gross_pay")} AS payments
    FROM roster r JOIN payroll p ON p.employee_id = r.employee_id
    WHERE r.separation_date IS NOT NULL AND p.payment_type = {REGULAR}
      AND {period_start(d)} > r.separation_date
    GROUP BY r.employee_id, r.first_name, r.last_name, r.separation_date
    """


def summary(row: RuleRow) -> str:
    return (
        f"{row['roster_name']} ({row['employee_ids'][0]}) separated on "
        f"{row['separation_date']} but received {plural(len(row['payment_ids']), 'regular payment')}"
        f" totalling {money(row['amount_at_risk'])} for pay periods starting after that day."
    )


WHY = (
    "The roster's separation date is the last day in service; these regular "
    "payments are for periods that start after it. A lump-sum leave payout is proper and "
    "is not counted."
)


RULE = Rule(
    code="PAID_AFTER_SEPARATION",
    severity=Severity.HIGH,
    title="Paid after separation",
    flags="Regular payments for pay periods that start after the roster separation date.",
    amount="Gross of those payments.",
    proper=(
        "A lump-sum payout of annual leave (LUMP_SUM_LEAVE) after separation.",
        "Final regular pay for the period that contains the separation date (the employee is "
        "active on that day).",
    ),
    query=query,
    summary=summary,
    why=WHY,
    scope=Scope(
        key="p.employee_id",
        touched=f"p.payment_type = {REGULAR} AND p.employee_id IN "
        "(SELECT employee_id FROM roster WHERE separation_date IS NOT NULL)",
    ),
)
