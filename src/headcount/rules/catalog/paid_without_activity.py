"""PAID_WITHOUT_ACTIVITY: paid period after period with no sign of work, where others show it."""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.engine.dialect import Dialect
from headcount.rules.base import Rule, RuleRow, money, plural
from headcount.rules.sql import REGULAR, finding_head, full_name, payments_list

MIN_PERIODS = 3  # consecutive idle periods
COVERAGE = (4, 5)  # the feed covers an agency's period when 4/5 of its other paid staff show


def query(d: Dialect) -> str:
    num, den = COVERAGE
    period = d.struct(
        pay_period_end="i.pay_period_end",
        agency="i.agency",
        other_staff_paid="i.others",
        other_staff_with_activity="i.others_with_activity",
    )
    return f"""
    WITH periods AS (
        SELECT pay_period_end, row_number() OVER (ORDER BY pay_period_end) AS k
        FROM (SELECT DISTINCT pay_period_end FROM payroll
              WHERE payment_type = {REGULAR} AND pay_period_end IS NOT NULL) x
    ),
    paid AS (
        SELECT DISTINCT p.employee_id, p.pay_period_end, pr.k
        FROM payroll p JOIN periods pr ON pr.pay_period_end = p.pay_period_end
        WHERE p.payment_type = {REGULAR} AND p.employee_id IS NOT NULL
    ),
    active AS (
        SELECT DISTINCT a.employee_id, pr.pay_period_end
        FROM activity a JOIN periods pr
          ON a.date >= {d.days_before("pr.pay_period_end", 13)} AND a.date <= pr.pay_period_end
        WHERE a.kind IS NOT NULL
    ),
    marked AS (
        SELECT pd.employee_id, pd.pay_period_end, pd.k, r.agency,
               x.employee_id IS NOT NULL AS has_activity
        FROM paid pd JOIN roster r ON r.employee_id = pd.employee_id
        LEFT JOIN active x
          ON x.employee_id = pd.employee_id AND x.pay_period_end = pd.pay_period_end
        WHERE r.agency IS NOT NULL
    ),
    coverage AS (
        SELECT agency, pay_period_end, count(*) AS paid_staff,
               CAST(sum(CASE WHEN has_activity THEN 1 ELSE 0 END) AS BIGINT) AS with_activity
        FROM marked GROUP BY agency, pay_period_end
    ),
    idle AS (
        SELECT m.employee_id, m.pay_period_end, m.k, m.agency, c.paid_staff - 1 AS others,
               c.with_activity AS others_with_activity
        FROM marked m JOIN coverage c
          ON c.agency = m.agency AND c.pay_period_end = m.pay_period_end
        WHERE NOT m.has_activity AND c.paid_staff > 1
          AND {den} * c.with_activity >= {num} * (c.paid_staff - 1)
    ),
    runs AS (
        SELECT i.*, i.k - row_number() OVER (PARTITION BY i.employee_id ORDER BY i.k) AS run
        FROM idle i
    ),
    long_runs AS (
        SELECT employee_id, run FROM runs GROUP BY employee_id, run
        HAVING count(*) >= {MIN_PERIODS}
    ),
    flagged AS (
        SELECT i.* FROM runs i
        JOIN long_runs l ON l.employee_id = i.employee_id AND l.run = i.run
    ),
    periods_list AS (
        SELECT i.employee_id, {d.ordered_list(period, "i.pay_period_end")} AS idle_periods
        FROM flagged i GROUP BY i.employee_id
    ),
    last_seen AS (
        SELECT employee_id, max(date) AS last_activity FROM activity
        WHERE employee_id IN (SELECT employee_id FROM flagged) GROUP BY employee_id
    ),
    pays AS (
        SELECT f.employee_id, {d.sorted_list("p.payment_id")} AS payment_ids,
               sum(p.gross_pay) AS amount_at_risk,
               {payments_list(d, "p", "p.gross_pay")} AS payments
        FROM flagged f
        JOIN payroll p ON p.employee_id = f.employee_id
         AND p.pay_period_end = f.pay_period_end AND p.payment_type = {REGULAR}
        GROUP BY f.employee_id
    )
    SELECT {finding_head(d, "PAID_WITHOUT_ACTIVITY", "pays.employee_id", d.array("pays.employee_id"), payments="pays.payment_ids", amount="pays.amount_at_risk")},
           {full_name("r")} AS roster_name,
           ls.last_activity AS last_activity_on_record,
           pl.idle_periods,
           pays.payments
    FROM pays
    JOIN roster r ON r.employee_id = pays.employee_id
    JOIN periods_list pl ON pl.employee_id = pays.employee_id
    LEFT JOIN last_seen ls ON ls.employee_id = pays.employee_id
    """


def summary(row: RuleRow) -> str:
    periods = row["idle_periods"]
    last = row["last_activity_on_record"]
    seen = f"the last activity on record is {last}" if last else "there is no activity on record"
    return (
        f"{row['roster_name']} ({row['employee_ids'][0]}) received "
        f"{plural(len(row['payment_ids']), 'regular payment')} totalling "
        f"{money(row['amount_at_risk'])} for {plural(len(periods), 'pay period')} from "
        f"{periods[0]['pay_period_end']} to {periods[-1]['pay_period_end']} with no badge, "
        f"login, timecard or leave record, while most of the agency's other staff have one; "
        f"{seen}."
    )


WHY = (
    f"Regular pay for {MIN_PERIODS} or more consecutive pay periods in none of which the "
    "employee has any activity record (badge, login, timecard or leave), counting only "
    f"periods where the agency's feed covers its staff: at least {COVERAGE[0]} in "
    f"{COVERAGE[1]} of its other employees paid for the period have a record in it "
    "(idle_periods gives the counts)."
)


RULE = Rule(
    code="PAID_WITHOUT_ACTIVITY",
    severity=Severity.MEDIUM,
    title="Paid without activity",
    flags=f"Regular payments to one employee for {MIN_PERIODS} or more consecutive pay "
    "periods in none of which the employee has any activity record (badge, login, timecard "
    "or leave), counted only in periods where the agency's activity feed covers its staff "
    "(at least 80% of its other employees paid for the period have a record in it).",
    amount="Gross of those payments.",
    proper=(
        "Extended leave recorded as leave (leave is activity).",
        "Periods where the agency's activity feed covers fewer than 80% of its other paid "
        "staff (no feed, or a partial one).",
        "One or two idle periods in a row.",
    ),
    query=query,
    summary=summary,
    why=WHY,
    needs=frozenset({"roster", "payroll", "activity"}),
    # No narrower scope is safe with this query: an employee's finding depends on every
    # employee of the agency (whether the feed covers a period is counted over all of its
    # paid staff, and other_staff_paid is evidence) and on every employee's pay periods
    # (consecutive means consecutive among all the payroll's periods), so the query over
    # some employees' rows alone would count coverage and runs differently. An appended
    # period changes its agencies' coverage for everyone: the rule reruns whole.
    scope=None,
)
