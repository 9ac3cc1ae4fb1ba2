"""Re-verifying only what appended payroll rows can change (`verify --state`).

Each rule says, in its `Scope` (rules/base.py), what an append can change:
- nothing (roster, deaths and check-in rules): its stored findings are kept;
- the findings of some keys: the keys of the appended rows its `touched` condition picks,
  and of those that already have a finding, are recomputed by the rule's own query over a
  view of `payroll` holding only those keys' rows; their findings replace the stored ones;
- no scope: the whole rule reruns.
The payroll rows already stored stay as they are; the appended ones are in the temporary
table `appended`, the rows before them in the view `previous_payroll`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa

from headcount.engine.duckdb_engine import DuckDBEngine
from headcount.ingest.append import APPENDED
from headcount.pipeline.state import Keyed
from headcount.pipeline.verify import rule_findings, runnable, sorted_keyed
from headcount.rules import Rule, all_rules
from headcount.rules.base import Scope

Progress = Callable[[str, int, int], None]
KEYS = "_hc_keys"
STORED = "_hc_stored_keys"


@dataclass
class Update:
    """The findings after the append, and what was done to get them."""

    findings: list[Keyed]
    rerun: dict[str, str] = field(default_factory=dict)  # rule -> "all" or "N keys"
    reused: list[str] = field(default_factory=list)


def update_findings(
    engine: DuckDBEngine,
    stored: list[Keyed],
    present: frozenset[str],
    old_rows: int,
    progress: Progress,
) -> Update:
    """`stored` (the findings before the append) brought up to date with `appended`."""
    con = engine.con
    payroll = _main_payroll(engine)
    engine.execute(
        f"CREATE OR REPLACE TEMP VIEW previous_payroll AS "
        f"SELECT * FROM {payroll} WHERE _row <= {int(old_rows)}"
    )
    con.register(
        STORED,
        pa.table(
            {"rule": [f.rule for _, f in stored], "finding_key": [k for k, _ in stored]},
            schema=pa.schema([("rule", pa.string()), ("finding_key", pa.string())]),
        ),
    )
    rules = [r for r in all_rules() if runnable(r, present)]
    update = Update(findings=[])
    try:
        for done, rule in enumerate(rules):
            progress(f"rules: {rule.code}", done, len(rules))
            mine = [kf for kf in stored if kf[1].rule == rule.code]
            scope = rule.scope
            if scope is not None and scope.key is None:
                update.reused.append(rule.code)
                update.findings.extend(mine)
            elif scope is None:
                update.rerun[rule.code] = "all"
                update.findings.extend(rule_findings(engine, rule))
            else:
                update.findings.extend(_rescope(engine, rule, scope, payroll, mine, update))
        progress("rules: done", len(rules), len(rules))
    finally:
        con.unregister(STORED)
        engine.execute(f"DROP TABLE IF EXISTS temp.{KEYS}")
    update.findings = sorted_keyed(update.findings)
    return update


def _rescope(
    engine: DuckDBEngine,
    rule: Rule,
    scope: Scope,
    payroll: str,
    mine: list[Keyed],
    update: Update,
) -> list[Keyed]:
    """The rule's findings after the append: recomputed for the affected keys, kept for
    the rest."""
    code, key = rule.code, scope.key
    engine.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {KEYS} AS
        SELECT DISTINCT k FROM (
            SELECT {key} AS k FROM {APPENDED} p WHERE {scope.touched}
            UNION ALL
            SELECT {key} AS k FROM {APPENDED} p
            WHERE '{code}|' || {key} IN (SELECT finding_key FROM {STORED} WHERE rule = '{code}')
        ) affected WHERE k IS NOT NULL
        """
    )
    keys = engine.fetch_arrow(f"SELECT k FROM {KEYS}").column("k").to_pylist()
    affected = {f"{code}|{k}" for k in keys}
    if not affected:
        update.reused.append(code)
        return mine
    update.rerun[code] = f"{len(affected)} keys"
    # The rule's own query, over a `payroll` that holds only the affected keys' rows (a
    # temporary view is found before the table of the same name).
    engine.execute(
        f"CREATE OR REPLACE TEMP VIEW payroll AS SELECT * FROM {payroll} p "
        f"WHERE {key} IN (SELECT k FROM {KEYS})"
    )
    try:
        fresh = rule_findings(
            engine,
            rule,
            f"SELECT * FROM ({rule.query(engine.dialect)}) scoped "
            f"WHERE finding_key IN (SELECT '{code}|' || k FROM {KEYS})",
        )
    finally:
        engine.execute("DROP VIEW IF EXISTS temp.payroll")
    kept = [kf for kf in mine if kf[0] not in affected]
    return kept + fresh


def _main_payroll(engine: DuckDBEngine) -> str:
    """The stored payroll table by its full name, which a temporary view cannot hide."""
    row = engine.con.execute("SELECT current_database()").fetchone()
    assert row is not None
    return f'"{row[0]}".main.payroll'
