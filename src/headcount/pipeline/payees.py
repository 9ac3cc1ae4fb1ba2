"""payees.csv: for every employee_id that was paid, what supports and what weakens it.

Non-response to a check-in is only ever the absence of `checkin_reply` here: it never
counts against anyone and never changes a status.
"""

from __future__ import annotations

import pyarrow as pa

from headcount.engine.base import Engine
from headcount.engine.dialect import Dialect
from headcount.matching.ssn import issuable_sql
from headcount.rules.checkins_sql import attributed_checkins
from headcount.rules.sql import REGULAR, period_start

# Each item of evidence_for, in the order it is listed, with the test that earns it.
EVIDENCE_FOR = (
    ("roster_record", "r.employee_id IS NOT NULL"),
    ("employed_when_paid", "r.employee_id IS NOT NULL AND pd.outside_employment = 0"),
    ("ssn_issuable", "r.ssn IS NOT NULL AND {issuable}"),
    ("ssn_matches_payments", "pd.ssn_seen > 0 AND pd.ssn_differs = 0"),
    ("withholding", "pd.withheld > 0"),
    (
        "no_death_record",
        "{deaths_supplied} AND r.employee_id IS NOT NULL AND dm.employee_id IS NULL",
    ),
    ("checkin_reply", "ci.eid IS NOT NULL"),
)
EVIDENCE_DESCRIPTIONS = {
    "roster_record": "an HR roster record with this employee_id",
    "employed_when_paid": "every regular payment falls within the roster's employment dates",
    "ssn_issuable": "the roster SSN is one SSA issues",
    "ssn_matches_payments": "the SSN on the payments is the roster SSN",
    "withholding": "tax, retirement or health deductions are taken from the pay",
    "no_death_record": "no matching death record",
    "checkin_reply": "replied to a check-in campaign (not replying is never held against anyone)",
    "activity:KIND": "badge, login, timecard or leave records",
}
# The first item of evidence_against for a payee with a PAID_AFTER_DEATH-grade death record:
# a death another source confirms (or SSA's V/P proof code) weighs more than a lone record.
DEATH_AGAINST = {
    "death_record:corroborated": "a death record, confirmed by a second source or SSA's proof code",
    "death_record:uncorroborated": "a death record from one source only: a lead that SSA "
    "must confirm",
}


def paid_sql(d: Dialect) -> str:
    """Per paid employee_id, sums over its payments. Every column is a sum, so the sums over
    two sets of payments add up: `verify --state` keeps them and adds a new period's."""
    return f"""
        SELECT p.employee_id, sum(coalesce(p.gross_pay, 0)) AS total_paid,
               sum(CASE WHEN p.payment_type = {REGULAR} AND r.employee_id IS NOT NULL AND (
                        p.pay_period_end < r.hire_date
                        OR {period_start(d)} > r.separation_date) THEN 1 ELSE 0 END)
                   AS outside_employment,
               sum(CASE WHEN p.ssn IS NOT NULL THEN 1 ELSE 0 END) AS ssn_seen,
               sum(CASE WHEN p.ssn IS NOT NULL AND p.ssn <> r.ssn THEN 1 ELSE 0 END)
                   AS ssn_differs,
               sum(CASE WHEN coalesce(p.federal_tax, 0) > 0 OR coalesce(p.retirement, 0) > 0
                         OR coalesce(p.health_benefits, 0) > 0 THEN 1 ELSE 0 END) AS withheld
        FROM payroll p LEFT JOIN roster r ON r.employee_id = p.employee_id
        WHERE p.employee_id IS NOT NULL
        GROUP BY p.employee_id
    """


def activity_sql(d: Dialect) -> str:
    """Per employee_id, the kinds of activity on record (from the activity table alone)."""
    return f"""
        SELECT employee_id, {d.sorted_list("'activity:' || kind")} AS kinds
        FROM activity WHERE kind IS NOT NULL GROUP BY employee_id
    """


def payees_sql(
    engine: Engine, deaths_supplied: bool, paid: str | None = None, activity: str | None = None
) -> str:
    """The payees query; `paid` and `activity` are queries giving paid_sql's and
    activity_sql's rows (by default those queries themselves)."""
    d = engine.dialect
    items = [
        f"CASE WHEN {test.format(issuable=issuable_sql('r.ssn'), deaths_supplied=str(deaths_supplied).upper())}"
        f" THEN '{name}' END"
        for name, test in EVIDENCE_FOR
    ]
    evidence_for = d.join_present(";", items, [f"coalesce(act.kinds, {d.empty_text_list()})"])
    death = (
        "CASE WHEN dm.corroborated = 1 THEN 'death_record:corroborated' "
        "WHEN dm.corroborated = 0 THEN 'death_record:uncorroborated' END"
    )
    return f"""
    WITH pd AS ({paid or paid_sql(d)}),
    dm AS (
        SELECT employee_id, max(CASE WHEN corroborated THEN 1 ELSE 0 END) AS corroborated
        FROM death_matches WHERE agreements >= 2 GROUP BY employee_id
    ),
    ci AS (SELECT DISTINCT eid FROM ({attributed_checkins(d)}) a WHERE eid IS NOT NULL),
    act AS ({activity or activity_sql(d)}),
    named AS (
        SELECT employee_id, rule, severity FROM (
            SELECT {d.explode("employee_ids")} AS employee_id, rule, severity FROM findings_index
        ) x WHERE severity <> 'info'
    ),
    against AS (
        SELECT employee_id, {d.sorted_list("rule")} AS rules,
               max(CASE WHEN severity = 'high' THEN 1 ELSE 0 END) AS any_high,
               max(CASE WHEN severity = 'medium' THEN 1 ELSE 0 END) AS any_medium
        FROM named GROUP BY employee_id
    )
    SELECT pd.employee_id,
           CASE WHEN coalesce(ag.any_high, 0) = 1 THEN 'flagged'
                WHEN coalesce(ag.any_medium, 0) = 1 OR r.employee_id IS NULL THEN 'review'
                ELSE 'verified' END AS status,
           CAST(pd.total_paid AS DECIMAL(18,2)) AS total_paid,
           {evidence_for} AS evidence_for,
           {d.join_present(";", [death], [f"coalesce(ag.rules, {d.empty_text_list()})"])}
               AS evidence_against
    FROM pd
    LEFT JOIN roster r ON r.employee_id = pd.employee_id
    LEFT JOIN dm ON dm.employee_id = pd.employee_id
    LEFT JOIN ci ON ci.eid = pd.employee_id
    LEFT JOIN act ON act.employee_id = pd.employee_id
    LEFT JOIN against ag ON ag.employee_id = pd.employee_id
    ORDER BY pd.employee_id
    """


def payees_table(engine: Engine, deaths_supplied: bool) -> pa.Table:
    return engine.fetch_arrow(payees_sql(engine, deaths_supplied))
