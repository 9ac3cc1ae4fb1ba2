"""PAY_ABOVE_CAP: basic pay above the statutory cap for the employee's pay plan."""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.engine.dialect import Dialect
from headcount.rules.base import Rule, RuleRow, Scope, money, plural
from headcount.rules.sql import NO_MONEY, REGULAR, finding_head, full_name, payments_list


def query(d: Dialect) -> str:
    return f"""
    WITH priced AS (
        SELECT p.*, c.period_cap, c.plan_group, c.authority,
               p.gross_pay - c.period_cap AS excess
        FROM payroll p
        LEFT JOIN employee_plan ep ON ep.employee_id = p.employee_id
        JOIN pay_caps c ON c.year = {d.year("p.pay_period_end")}
                       AND c.plan_group = coalesce(ep.plan_group, 'DEFAULT')
        WHERE p.payment_type = {REGULAR} AND p.employee_id IS NOT NULL
          AND p.gross_pay > c.period_cap
    ),
    over_paid AS (
        SELECT p.employee_id, {d.sorted_list("p.payment_id")} AS payment_ids,
               sum(p.excess) AS amount_at_risk, max(p.period_cap) AS period_cap,
               {payments_list(d, "p", "p.excess")} AS payments
        FROM priced p GROUP BY p.employee_id
    ),
    over_salary AS (
        SELECT r.employee_id, r.annual_salary, c.annual_cap, c.year AS cap_year
        FROM roster r JOIN employee_plan ep ON ep.employee_id = r.employee_id
        JOIN pay_caps c ON c.plan_group = ep.plan_group
                       AND c.year = (SELECT max(year) FROM pay_caps)
        WHERE r.annual_salary > c.annual_cap
    ),
    flagged AS (
        SELECT coalesce(o.employee_id, s.employee_id) AS employee_id, o.payment_ids,
               o.amount_at_risk, o.period_cap, o.payments
        FROM over_paid o FULL OUTER JOIN over_salary s ON s.employee_id = o.employee_id
    )
    SELECT {finding_head(d, "PAY_ABOVE_CAP", "f.employee_id", d.array("f.employee_id"), payments=f"coalesce(f.payment_ids, {d.empty_text_list()})", amount=f"coalesce(f.amount_at_risk, {NO_MONEY})")},
           {full_name("r")} AS roster_name,
           r.pay_plan, r.grade, r.annual_salary,
           c.year AS cap_year, c.annual_cap, c.period_cap, c.authority,
           f.payments
    FROM flagged f
    LEFT JOIN roster r ON r.employee_id = f.employee_id
    LEFT JOIN employee_plan ep ON ep.employee_id = f.employee_id
    JOIN pay_caps c ON c.plan_group = coalesce(ep.plan_group, 'DEFAULT')
                   AND c.year = (SELECT max(year) FROM pay_caps)
    """


def summary(row: RuleRow) -> str:
    who = f"{row['roster_name'] or 'An unknown payee'} ({row['employee_ids'][0]}, {row['pay_plan'] or 'no pay plan'})"
    n = len(row["payment_ids"])
    if n:
        return (
            f"{who} received {plural(n, 'regular payment')} above the per-period cap of "
            f"{money(row['period_cap'])} ({money(row['annual_cap'])} a year ÷ 26); the excess is "
            f"{money(row['amount_at_risk'])}."
        )
    return (
        f"{who} has a roster salary of {money(row['annual_salary'])}, above the "
        f"{money(row['annual_cap'])} cap for the pay plan; no payment exceeded the per-period cap."
    )


WHY = (
    "Basic pay may not exceed the statutory cap for the pay plan: Executive Schedule "
    "level IV for GS and other plans, level II for the Senior Executive Service. A "
    "biweekly payment may be 1/26 of the annual cap."
)


RULE = Rule(
    code="PAY_ABOVE_CAP",
    severity=Severity.HIGH,
    title="Pay above the statutory cap",
    flags="A regular payment whose gross exceeds 1/26 of the statutory cap for the employee's "
    "pay plan, or a roster annual salary above the cap. Caps are data by year and pay plan "
    "(2025: $195,200 for GS and other plans, $225,700 for ES).",
    amount="The excess of each such payment over 1/26 of the cap (rounded to the cent).",
    proper=("A senior executive (ES) paid above the GS cap but within the ES cap.",),
    query=query,
    summary=summary,
    why=WHY,
    # The lowest cap of the employee's plan over the years is a safe bound; `verify
    # --state` reruns in full when new rows reach a year the pay caps did not cover.
    scope=Scope(
        key="p.employee_id",
        touched=f"p.payment_type = {REGULAR} AND p.gross_pay > (SELECT min(c.period_cap) "
        "FROM pay_caps c WHERE c.plan_group = coalesce((SELECT ep.plan_group FROM "
        "employee_plan ep WHERE ep.employee_id = p.employee_id), 'DEFAULT'))",
    ),
)
