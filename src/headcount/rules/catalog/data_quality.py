"""DATA_QUALITY: one finding per unreadable cell, so nothing bad in the input goes unseen."""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.engine.dialect import Dialect
from headcount.rules.base import Rule, RuleRow


def query(d: Dialect) -> str:
    return f"""
    SELECT 'DATA_QUALITY|' || q.file || '|' || {d.as_text('q."row"')} || '|' || q."column"
               AS finding_key,
           CASE WHEN q.employee_id IS NULL THEN {d.empty_text_list()}
                ELSE {d.array("q.employee_id")} END AS employee_ids,
           CASE WHEN q.payment_id IS NULL THEN {d.empty_text_list()}
                ELSE {d.array("q.payment_id")} END AS payment_ids,
           CAST(0 AS DECIMAL(18,2)) AS amount_at_risk,
           q.file, q."row", q."column", q.problem
    FROM data_quality q
    """


def summary(row: RuleRow) -> str:
    return (
        f"{row['file']}, row {row['row']}, column {row['column']}: {row['problem']}; the value "
        "was counted as missing."
    )


WHY = (
    "The cell could not be read as the contract's type, so the run treated it as a "
    "missing value (use --strict to stop on such cells instead)."
)


RULE = Rule(
    code="DATA_QUALITY",
    severity=Severity.INFO,
    title="Unreadable value",
    flags="A value in one row that cannot be read (an impossible date, a negative or "
    "non-numeric amount, an SSN with letters, an unknown payment type): it counts as missing "
    "and the row stays.",
    amount="0: the rule puts no money at risk.",
    proper=("Unusual but valid data (a 4-digit postcode, an unknown state) is not flagged.",),
    query=query,
    summary=summary,
    why=WHY,
    needs=frozenset(),
)
