"""PAY_SPIKE: a regular payment far above the employee's usual pay, with no pay action."""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.contract.tables import PAY_ACTION_FIELDS
from headcount.engine.dialect import Dialect
from headcount.rules.base import Rule, RuleRow, Scope, money
from headcount.rules.sql import REGULAR, finding_head, full_name, payment_struct

FACTOR = 2  # a payment more than this many times the median
MIN_EARLIER = 4  # earlier payments needed before a median means anything
ACTIONS = "(" + ", ".join(f"'{f}'" for f in PAY_ACTION_FIELDS) + ")"


def query(d: Dialect) -> str:
    # Pay is compared in whole cents, so the median (a DOUBLE, at worst half a cent) is
    # exact on every engine and rounds the same way.
    window = (
        "PARTITION BY employee_id, since ORDER BY k "
        "RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
    )
    earlier = d.struct(
        payment_id="e.payment_id", pay_period_end="e.pay_period_end", gross_pay="e.gross_pay"
    )
    return f"""
    WITH periods AS (
        SELECT pay_period_end, row_number() OVER (ORDER BY pay_period_end) AS k
        FROM (SELECT DISTINCT pay_period_end FROM payroll
              WHERE payment_type = {REGULAR} AND pay_period_end IS NOT NULL) x
    ),
    actions AS (
        SELECT employee_id, effective_date FROM hr_changes
        WHERE field IN {ACTIONS} AND employee_id IS NOT NULL AND effective_date IS NOT NULL
    ),
    regular AS (
        SELECT p.employee_id, p.payment_id, p.pay_period_end, p.gross_pay, pr.k,
               CAST(p.gross_pay * 100 AS BIGINT) AS cents
        FROM payroll p JOIN periods pr ON pr.pay_period_end = p.pay_period_end
        WHERE p.payment_type = {REGULAR} AND p.employee_id IS NOT NULL
          AND p.gross_pay IS NOT NULL
    ),
    segments AS (
        SELECT x.employee_id, x.pay_period_end, max(a.effective_date) AS since
        FROM (SELECT DISTINCT employee_id, pay_period_end FROM regular
              WHERE employee_id IN (SELECT employee_id FROM actions)) x
        JOIN actions a ON a.employee_id = x.employee_id AND a.effective_date <= x.pay_period_end
        GROUP BY x.employee_id, x.pay_period_end
    ),
    windowed AS (
        SELECT * FROM (
            SELECT g.*, count(*) OVER ({window}) AS earlier_count,
                   CAST({d.median("cents")} OVER ({window}) AS DOUBLE) AS median_cents
            FROM (
                SELECT r.*, s.since FROM regular r
                LEFT JOIN segments s
                  ON s.employee_id = r.employee_id AND s.pay_period_end = r.pay_period_end
            ) g
        ) w
        WHERE earlier_count >= {MIN_EARLIER} AND cents > {FACTOR} * median_cents
    ),
    spikes AS (
        SELECT w.*, CAST(CAST(CAST(round(median_cents) AS BIGINT) AS DECIMAL(18,0))
                         * CAST(0.01 AS DECIMAL(3,2)) AS DECIMAL(18,2)) AS median_gross
        FROM windowed w
    )
    SELECT {finding_head(d, "PAY_SPIKE", "s.employee_id || '|' || s.payment_id", d.array("s.employee_id"), payments=d.array("s.payment_id"), amount="CAST(s.gross_pay - s.median_gross AS DECIMAL(18,2))")},
           'PAY_SPIKE|' || s.employee_id AS _employee_key,
           {full_name("r")} AS roster_name,
           CAST(s.median_gross AS DECIMAL(18,2)) AS median_gross,
           s.since AS last_pay_action,
           {d.array(payment_struct(d, "p", "p.gross_pay - s.median_gross"))} AS payments,
           {d.ordered_list(earlier, "e.pay_period_end, e.payment_id")} AS earlier_payments
    FROM spikes s
    JOIN payroll p ON p.payment_id = s.payment_id
    JOIN regular e ON e.employee_id = s.employee_id AND e.k < s.k
     AND (s.since IS NULL OR e.pay_period_end >= s.since)
    LEFT JOIN roster r ON r.employee_id = s.employee_id
    GROUP BY s.employee_id, s.payment_id, s.gross_pay, s.median_gross, s.since,
             r.first_name, r.last_name, p.payment_id, p.payment_type, p.pay_period_end,
             p.pay_date, p.gross_pay
    """


def summary(row: RuleRow) -> str:
    payment = row["payments"][0]
    name = row["roster_name"] or "a payee not in the roster"
    since = (
        f"since the pay action effective {row['last_pay_action']}"
        if row["last_pay_action"]
        else "with no pay action on record"
    )
    return (
        f"Regular payment {payment['payment_id']} of {money(payment['gross_pay'])} to {name} "
        f"({row['employee_ids'][0]}) for the period ending {payment['pay_period_end']} is more "
        f"than twice the median {money(row['median_gross'])} of the "
        f"{len(row['earlier_payments'])} earlier regular payments {since}."
    )


WHY = (
    f"The regular payment is more than {FACTOR} times the median gross of the employee's "
    f"earlier regular payments since the most recent pay action (a change of annual_salary, "
    f"grade, step or pay_plan effective on or before the period's end), and there are at "
    f"least {MIN_EARLIER} of them. The excess over the median is at risk."
)


RULE = Rule(
    code="PAY_SPIKE",
    severity=Severity.MEDIUM,
    title="Pay spike",
    flags=f"A regular payment more than {FACTOR} times the median gross of the employee's "
    "earlier regular payments since the most recent pay action (an annual_salary, grade, "
    "step or pay_plan change effective on or before that period's end), counted only with "
    f"at least {MIN_EARLIER} such earlier payments.",
    amount="The payment's excess over that median.",
    proper=(
        "A promotion or other pay action: it restarts the window, so the new pay is "
        "compared only with pay at the new rate.",
        "Award, retro and lump-sum leave payments (not regular pay).",
        "A new hire's first four payments (too few to compare).",
    ),
    query=query,
    summary=summary,
    why=WHY,
    needs=frozenset({"roster", "payroll", "hr_changes"}),
    # A payment's finding reads only its employee's regular payments (the periods are
    # numbered over the payroll, but only their order counts: earlier means an earlier
    # period). A new payment can make a finding appear only as a spike itself, which needs
    # more than FACTOR times the employee's lowest pay and MIN_EARLIER payments before it,
    # or by joining the window of a later payment, when its period is not the latest.
    scope=Scope(
        key="p.employee_id",
        touched=f"""p.payment_type = {REGULAR} AND p.gross_pay IS NOT NULL AND EXISTS (
            SELECT 1 FROM (
                SELECT employee_id, count(*) AS n, min(gross_pay) AS least,
                       max(pay_period_end) AS latest
                FROM payroll
                WHERE payment_type = {REGULAR} AND gross_pay IS NOT NULL
                  AND pay_period_end IS NOT NULL
                  AND employee_id IN (SELECT employee_id FROM appended)
                GROUP BY employee_id
            ) history
            WHERE history.employee_id = p.employee_id AND history.n > {MIN_EARLIER}
              AND (p.gross_pay > {FACTOR} * history.least
                   OR p.pay_period_end < history.latest))""",
        owner="_employee_key",
    ),
)
