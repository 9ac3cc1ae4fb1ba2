"""ACTIVITY_AFTER_SEPARATION: a badge or login after the last day in service."""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.engine.dialect import Dialect
from headcount.rules.base import UNCHANGED_BY_PAYROLL, Rule, RuleRow, plural
from headcount.rules.sql import finding_head, full_name

ACCESS_KINDS = "('badge', 'login')"


def query(d: Dialect) -> str:
    record = d.struct(date="a.date", kind="a.kind", row="a._row")
    return f"""
    SELECT {finding_head(d, "ACTIVITY_AFTER_SEPARATION", "r.employee_id", d.array("r.employee_id"))},
           {full_name("r")} AS roster_name,
           r.separation_date,
           min(a.date) AS first_after, max(a.date) AS last_after,
           {d.ordered_list(record, "a.date, a.kind, a._row")} AS activity
    FROM roster r JOIN activity a ON a.employee_id = r.employee_id
    WHERE r.separation_date IS NOT NULL AND a.kind IN {ACCESS_KINDS}
      AND a.date > r.separation_date
    GROUP BY r.employee_id, r.first_name, r.last_name, r.separation_date
    """


def summary(row: RuleRow) -> str:
    return (
        f"{row['roster_name']} ({row['employee_ids'][0]}) separated on "
        f"{row['separation_date']}, but {plural(len(row['activity']), 'badge or login record')} "
        f"from {row['first_after']} to {row['last_after']} show access that outlived the job."
    )


WHY = (
    "The roster's separation date is the last day in service; these badge or login records "
    "are dated after it, so the person's access (or someone using it) outlived the job."
)


RULE = Rule(
    code="ACTIVITY_AFTER_SEPARATION",
    severity=Severity.MEDIUM,
    title="Activity after separation",
    flags="A badge or login activity record dated after the employee's separation date "
    "(access that outlived the job).",
    amount="0: the rule puts no money at risk.",
    proper=(
        "Activity on the separation date itself (the employee is active that day).",
        "Timecard or leave records after separation (paperwork, not access).",
    ),
    query=query,
    summary=summary,
    why=WHY,
    needs=frozenset({"roster", "activity"}),
    scope=UNCHANGED_BY_PAYROLL,
)
