"""SELF_APPROVED_CHANGE: a pay or separation change keyed or approved by the person it pays."""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.contract.tables import CONTROLLED_FIELDS
from headcount.engine.dialect import Dialect
from headcount.rules.base import UNCHANGED_BY_PAYROLL, Rule, RuleRow
from headcount.rules.sql import change_struct, finding_head, full_name

FIELDS = "(" + ", ".join(f"'{f}'" for f in CONTROLLED_FIELDS) + ")"


def query(d: Dialect) -> str:
    return f"""
    SELECT * FROM (
        SELECT {finding_head(d, "SELF_APPROVED_CHANGE", "c.change_id", d.array("c.employee_id"))},
               {full_name("r")} AS roster_name,
               coalesce(c.entered_by = c.employee_id, FALSE) AS keyed_by_employee,
               coalesce(c.approved_by = c.employee_id, FALSE) AS approved_by_employee,
               coalesce(c.entered_by = c.approved_by, FALSE) AS keyed_and_approved_by_one_user,
               {change_struct(d, "c")} AS change
        FROM hr_changes c LEFT JOIN roster r ON r.employee_id = c.employee_id
        WHERE c.employee_id IS NOT NULL AND c.field IN {FIELDS}
    ) x
    WHERE keyed_by_employee OR approved_by_employee OR keyed_and_approved_by_one_user
    """


def _who(row: RuleRow) -> str:
    change = row["change"]
    if row["keyed_by_employee"] and row["approved_by_employee"]:
        return "keyed and approved by the employee it concerns"
    if row["keyed_by_employee"]:
        return "keyed by the employee it concerns"
    if row["approved_by_employee"]:
        return "approved by the employee it concerns"
    return f"keyed and approved by one user ({change['entered_by']})"


def summary(row: RuleRow) -> str:
    change = row["change"]
    name = row["roster_name"] or "an employee not in the roster"
    return (
        f"Change {change['change_id']} to the {change['field']} of {name} "
        f"({row['employee_ids'][0]}), from {change['old_value'] or '(empty)'} to "
        f"{change['new_value'] or '(empty)'} effective {change['effective_date']}, was "
        f"{_who(row)}: nobody else checked it."
    )


WHY = (
    "A change to pay (annual_salary, grade, step, pay_plan) or to the separation date needs "
    "a second person: this one was keyed or approved by the employee it concerns, or keyed "
    "and approved by one user."
)


RULE = Rule(
    code="SELF_APPROVED_CHANGE",
    severity=Severity.MEDIUM,
    title="Self-approved pay change",
    flags="A change to annual_salary, grade, step, pay_plan or separation_date keyed or "
    "approved by the employee it concerns, or keyed and approved by one user.",
    amount="0: the rule puts no money at risk.",
    proper=(
        "An employee's own self-service change of bank_account or home_address.",
        "A pay change keyed by one HR user and approved by another.",
        "Changes to other fields, which are kept but not judged.",
    ),
    query=query,
    summary=summary,
    why=WHY,
    needs=frozenset({"roster", "hr_changes"}),
    scope=UNCHANGED_BY_PAYROLL,
)
