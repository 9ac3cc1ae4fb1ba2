"""PAYEE_NOT_IN_ROSTER: money paid to an employee number the HR system does not know."""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.engine.dialect import Dialect
from headcount.rules.base import Rule, RuleRow, Scope, money, plural
from headcount.rules.sql import masked_ssn, payments_list

# A payment with no employee id at all is grouped by the payee name on it.
GROUP_KEY = "coalesce({p}.employee_id, 'name:' || coalesce({p}.payee_name, ''))"


def query(d: Dialect) -> str:
    return f"""
    SELECT 'PAYEE_NOT_IN_ROSTER|' || p.group_key AS finding_key,
           CASE WHEN p.employee_id IS NULL THEN {d.empty_text_list()}
                ELSE {d.array("p.employee_id")} END AS employee_ids,
           {d.sorted_list("p.payment_id")} AS payment_ids,
           coalesce(sum(p.gross_pay), 0) AS amount_at_risk,
           {d.sorted_list("p.payee_name")} AS payee_names,
           {d.sorted_list(masked_ssn("p.ssn"))} AS payment_ssns,
           {payments_list(d, "p", "coalesce(p.gross_pay, 0)")} AS payments
    FROM (
        SELECT pay.*, {GROUP_KEY.format(p="pay")} AS group_key
        FROM payroll pay
        -- Written as a LEFT JOIN, which every engine hashes; Spark runs "IS NULL OR NOT IN
        -- (subquery)" as a nested loop over payroll x roster.
        LEFT JOIN roster r ON r.employee_id = pay.employee_id
        WHERE r.employee_id IS NULL
    ) p
    GROUP BY p.group_key, p.employee_id
    """


def summary(row: RuleRow) -> str:
    who = row["employee_ids"][0] if row["employee_ids"] else "a payment with no employee id"
    names = ", ".join(row["payee_names"] or []) or "no name"  # NULL when every name is blank
    return (
        f"{plural(len(row['payment_ids']), 'payment')} totalling {money(row['amount_at_risk'])} "
        f"went to {who} (payee name: {names}), which has no record in the HR roster."
    )


WHY = "No roster record has this employee_id, so no HR record stands behind the pay."


RULE = Rule(
    code="PAYEE_NOT_IN_ROSTER",
    severity=Severity.HIGH,
    title="Payee not in roster",
    flags="Payments to an employee_id with no roster record.",
    amount="Gross of all its payments.",
    query=query,
    summary=summary,
    why=WHY,
    scope=Scope(
        key=GROUP_KEY.format(p="p"),
        touched="NOT EXISTS (SELECT 1 FROM roster r WHERE r.employee_id = p.employee_id)",
    ),
)
