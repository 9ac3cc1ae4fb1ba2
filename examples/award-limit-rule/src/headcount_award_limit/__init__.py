"""AWARD_ABOVE_LIMIT: a cash award above what an agency head may grant alone.

Under 5 U.S.C. 4502 an agency may pay an employee a cash award of up to $10,000; above that
the Office of Personnel Management must approve it, and above $25,000 the President. An
award above $10,000 is therefore a lead: it is proper only with that approval on file.

This package is the worked example of docs/architecture.md ("Adding a rule from your own
package"): one Rule, registered through the `headcount.rules` entry point in pyproject.toml.
"""

from __future__ import annotations

from headcount.engine.dialect import Dialect
from headcount.rules import Rule, RuleRow, Scope, Severity, money, plural
from headcount.rules.sql import finding_head, payments_list

AGENCY_LIMIT = 10_000
OPM_LIMIT = 25_000


def query(d: Dialect) -> str:
    # One finding per employee, listing every award above the agency's own limit.
    return f"""
    SELECT {finding_head(d, "AWARD_ABOVE_LIMIT", "p.employee_id", d.array("p.employee_id"), payments=d.sorted_list("p.payment_id"))},
           max(p.gross_pay) AS largest_award,
           CASE WHEN max(p.gross_pay) > {OPM_LIMIT} THEN 'the President'
                ELSE 'the Office of Personnel Management' END AS approval_needed_from,
           {payments_list(d, "p")} AS payments
    FROM payroll p
    WHERE p.payment_type = 'AWARD' AND p.gross_pay > {AGENCY_LIMIT}
      AND p.employee_id IS NOT NULL
    GROUP BY p.employee_id
    """


def summary(row: RuleRow) -> str:
    return (
        f"{row['employee_ids'][0]} received {plural(len(row['payment_ids']), 'cash award')} "
        f"above {money(AGENCY_LIMIT)} (the largest {money(row['largest_award'])}), which needs "
        f"the approval of {row['approval_needed_from']}."
    )


RULE = Rule(
    code="AWARD_ABOVE_LIMIT",
    severity=Severity.LOW,
    title="Cash award above the agency's limit",
    flags=(
        f"An AWARD payment above {money(AGENCY_LIMIT)}, which 5 U.S.C. 4502 lets an agency "
        "pay only with OPM's (above $25,000, the President's) approval."
    ),
    amount="0: the award may be proper; the approval on file decides.",
    proper=(f"Awards of {money(AGENCY_LIMIT)} or less.", "Regular, retro and lump-sum payments."),
    query=query,
    summary=summary,
    why=(
        f"Cash awards above {money(AGENCY_LIMIT)} need approval beyond the agency "
        "(5 U.S.C. 4502(b)); check that it is on file."
    ),
    needs=frozenset({"payroll"}),
    scope=Scope(key="p.employee_id", touched="p.payment_type = 'AWARD'"),
)
