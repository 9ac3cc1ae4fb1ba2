"""The baseline: a plain DuckDB SQL pass of the contract rules over the same files.

What an analyst would hand-write: read the CSVs with auto-detection, one query per rule,
counts only — no validation, no evidence, no payees, no reports. `headcount verify` is
measured against this.

Run alone: python benchmarks/plain_sql.py DATASET  (prints one JSON line)
"""

from __future__ import annotations

import json
import sys
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
}
TABLES = ("roster", "payroll", "deaths", "campaigns", "checkins")


def run(dataset: Path) -> dict[str, object]:
    start = time.perf_counter()
    con = duckdb.connect()
    for table in TABLES:
        path = dataset / f"{table}.csv"
        if path.exists():
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv('{path}')")
    results = {}
    for rule, sql in RULES.items():
        count, amount = con.execute(sql).fetchone() or (0, 0)
        results[rule] = {"findings": count, "amount": float(amount)}
    return {"seconds": time.perf_counter() - start, "rules": results}


if __name__ == "__main__":
    print(json.dumps(run(Path(sys.argv[1]))))
