"""The baseline: a plain DuckDB SQL pass of the contract rules over the same files.

What an analyst would hand-write: read the CSVs with auto-detection, one query per rule,
counts only — no validation, no evidence, no payees, no reports. `headcount verify` is
measured against this.

Run alone: python benchmarks/plain_sql.py DATASET [--memory-limit 8GB]  (one JSON line)
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb

RULES = {
    "PAID_AFTER_DEATH": """
        SELECT count(DISTINCT r.employee_id), coalesce(sum(p.gross_pay), 0) FROM roster r
        JOIN deaths d ON replace(d.ssn, '-', '') = replace(r.ssn, '-', '')
        JOIN payroll p ON p.employee_id = r.employee_id AND p.payment_type = 'REGULAR'
             AND p.pay_period_end - 13 > TRY_CAST(d.date_of_death AS DATE)
        WHERE (lower(d.last_name) = lower(r.last_name))::INT
            + (lower(d.first_name) = lower(r.first_name))::INT
            + (TRY_CAST(d.date_of_birth AS DATE) = r.date_of_birth)::INT >= 2""",
    "PAID_AFTER_SEPARATION": """
        SELECT count(DISTINCT r.employee_id), coalesce(sum(p.gross_pay), 0) FROM roster r
        JOIN payroll p ON p.employee_id = r.employee_id AND p.payment_type = 'REGULAR'
        WHERE p.pay_period_end - 13 > r.separation_date""",
    "PAYEE_NOT_IN_ROSTER": """
        SELECT count(DISTINCT employee_id), coalesce(sum(gross_pay), 0) FROM payroll
        WHERE employee_id NOT IN (SELECT employee_id FROM roster)""",
    "DUPLICATE_SSN": """
        SELECT count(*), 0 FROM (SELECT replace(ssn, '-', '') s FROM roster GROUP BY s
        HAVING count(DISTINCT employee_id) > 1)""",
    "SHARED_BANK_ACCOUNT": """
        SELECT count(*), 0 FROM (SELECT bank_routing, bank_account FROM payroll
        GROUP BY ALL HAVING count(DISTINCT employee_id) > 1)""",
    "INVALID_SSN": """
        SELECT count(*), 0 FROM roster, (SELECT replace(ssn, '-', '') s) t
        WHERE NOT (length(s) = 9 AND s[1:3] NOT IN ('000', '666') AND s[1:1] <> '9'
                   AND s[4:5] <> '00' AND s[6:9] <> '0000')""",
    "DUPLICATE_PAYMENT": """
        SELECT count(DISTINCT employee_id), coalesce(sum(extra), 0) FROM (
            SELECT employee_id, sum(gross_pay) - max(gross_pay) AS extra FROM payroll
            WHERE payment_type = 'REGULAR' GROUP BY employee_id, pay_period_end
            HAVING count(*) > 1)""",
    "NO_WITHHOLDING": """
        SELECT count(*), 0 FROM (SELECT employee_id FROM payroll WHERE payment_type = 'REGULAR'
        GROUP BY employee_id HAVING count(*) >= 4 AND max(federal_tax) = 0
        AND max(retirement) = 0 AND max(health_benefits) = 0)""",
    "IDENTITY_MISMATCH": """
        SELECT count(DISTINCT p.employee_id), 0 FROM payroll p JOIN roster r USING (employee_id)
        WHERE replace(p.ssn, '-', '') <> replace(r.ssn, '-', '')""",
    "PAY_ABOVE_CAP": """
        SELECT count(DISTINCT p.employee_id), coalesce(sum(p.gross_pay - c.cap), 0)
        FROM payroll p JOIN roster r USING (employee_id),
        (SELECT CASE WHEN r.pay_plan = 'ES' THEN 8680.77 ELSE 7507.69 END AS cap) c
        WHERE p.payment_type = 'REGULAR' AND p.gross_pay > c.cap""",
    "CHECKIN_FROM_INACTIVE": """
        SELECT count(*), 0 FROM checkins c JOIN roster r USING (employee_id)
        JOIN campaigns k ON k.campaign_id = c.campaign_id AND k.agency = r.agency
        WHERE r.separation_date < CAST(k.sent_at AS DATE)""",
    "CHECKIN_TEMPLATE": """
        SELECT count(*), 0 FROM (
            SELECT campaign_id, regexp_replace(lower(text), '[^a-z0-9]+', ' ', 'g') t
            FROM checkins GROUP BY ALL HAVING count(DISTINCT employee_id) >= 5
            AND length(t) >= 60)""",
    # The ghost-employee tests (issue 14), as plainly as an analyst would write them: pay
    # periods as two-week buckets, addresses compared as typed, no coverage subtleties.
    "PAID_WITHOUT_ACTIVITY": """
        SELECT count(DISTINCT employee_id), coalesce(sum(gross_pay), 0) FROM (
            SELECT p.employee_id, p.gross_pay, count(*) OVER (PARTITION BY p.employee_id) AS n
            FROM payroll p WHERE p.payment_type = 'REGULAR' AND NOT EXISTS (
                SELECT 1 FROM activity a WHERE a.employee_id = p.employee_id
                AND a.date BETWEEN p.pay_period_end - 13 AND p.pay_period_end))
        WHERE n >= 3""",
    "ACTIVITY_AFTER_SEPARATION": """
        SELECT count(DISTINCT a.employee_id), 0 FROM activity a JOIN roster r USING (employee_id)
        WHERE a.kind IN ('badge', 'login') AND a.date > r.separation_date""",
    "ADDRESS_CLUSTER": """
        SELECT count(*), 0 FROM (SELECT upper(home_address), zip FROM roster
        WHERE separation_date IS NULL GROUP BY ALL
        HAVING count(*) >= 4 AND count(DISTINCT upper(last_name)) >= 3)""",
    "PO_BOX_ADDRESS": """
        SELECT count(*), 0 FROM roster
        WHERE regexp_matches(upper(home_address), '^(P\\.?\\s*O\\.?\\s*BOX|POST OFFICE BOX|POB)\\b')""",
    "EMPLOYEE_VENDOR_MATCH": """
        SELECT count(DISTINCT employee_id), 0 FROM (
            SELECT r.employee_id FROM roster r JOIN vendors v
              ON replace(v.tin, '-', '') = replace(r.ssn, '-', '')
            UNION SELECT p.employee_id FROM payroll p JOIN vendors v
              ON v.bank_routing = p.bank_routing AND v.bank_account = p.bank_account
            UNION SELECT r.employee_id FROM roster r JOIN vendors v
              ON upper(v.address) = upper(r.home_address) AND v.zip = r.zip)""",
    "BANK_CHANGE_AFTER_EXIT": """
        SELECT count(DISTINCT r.employee_id), coalesce(sum(p.gross_pay), 0)
        FROM hr_changes h JOIN roster r USING (employee_id)
        JOIN payroll p ON p.employee_id = h.employee_id
             AND lpad(p.bank_routing::VARCHAR, 9, '0') || ':' || p.bank_account::VARCHAR
                 = h.new_value
             AND p.pay_date >= CAST(h.entered_at AS DATE)
        WHERE h.field = 'bank_account' AND CAST(h.entered_at AS DATE) > r.separation_date""",
    "SELF_APPROVED_CHANGE": """
        SELECT count(DISTINCT employee_id), 0 FROM hr_changes
        WHERE field IN ('annual_salary', 'grade', 'step', 'pay_plan', 'separation_date')
        AND (entered_by = employee_id OR approved_by = employee_id OR entered_by = approved_by)""",
    "PAY_SPIKE": """
        SELECT count(DISTINCT employee_id), coalesce(sum(gross_pay - 2 * prior), 0) FROM (
            SELECT employee_id, gross_pay, median(gross_pay) OVER (PARTITION BY employee_id
                ORDER BY pay_period_end ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) prior,
                row_number() OVER (PARTITION BY employee_id ORDER BY pay_period_end) AS k
            FROM payroll WHERE payment_type = 'REGULAR')
        WHERE k > 4 AND gross_pay > 2 * prior""",
}
TABLES = (
    "roster", "payroll", "deaths", "campaigns", "checkins", "activity", "hr_changes", "vendors"
)  # fmt: skip
NEEDS = {  # a rule whose input is absent is skipped, as verify skips it
    "PAID_WITHOUT_ACTIVITY": "activity", "ACTIVITY_AFTER_SEPARATION": "activity",
    "EMPLOYEE_VENDOR_MATCH": "vendors", "BANK_CHANGE_AFTER_EXIT": "hr_changes",
    "SELF_APPROVED_CHANGE": "hr_changes",
    "CHECKIN_FROM_INACTIVE": "checkins", "CHECKIN_TEMPLATE": "checkins",
}  # fmt: skip


def run(dataset: Path, memory_limit: str | None = None) -> dict[str, object]:
    start = time.perf_counter()
    con = duckdb.connect()
    if memory_limit:  # the budget verify is compared under; DuckDB's default is 80% of RAM
        con.execute(f"SET memory_limit = '{memory_limit}'")
    present = set()
    for table in TABLES:
        path = dataset / f"{table}.csv"
        if path.exists():
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv('{path}')")
            present.add(table)
    results = {}
    for rule, sql in RULES.items():
        if NEEDS.get(rule, "roster") not in present:
            continue
        count, amount = con.execute(sql).fetchone() or (0, 0)
        results[rule] = {"findings": count, "amount": float(amount)}
    return {"seconds": time.perf_counter() - start, "rules": results}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--memory-limit", help="DuckDB's memory_limit (default: DuckDB's own)")
    args = parser.parse_args()
    print(json.dumps(run(args.dataset, args.memory_limit)))
