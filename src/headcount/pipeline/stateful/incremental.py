"""Re-verifying only what appended payroll rows can change (`verify --state`).

Each rule says, in its `Scope` (rules/base.py), what an append can change:
- nothing (roster, deaths and check-in rules): its stored findings are kept;
- the findings of some keys: the keys of the appended rows its `touched` condition (or a
  new combination of its `new_combinations` columns) picks, and of those that already have
  a finding, are recomputed by the rule's own query over a view of `payroll` holding only
  those keys' rows; their findings replace the stored ones;
- no key (ADDRESS_CLUSTER: the payroll's last period): kept, or rerun whole when an
  appended row is `touched`;
- no scope: the whole rule reruns.
The appended rows are in the temporary table `appended` (ingest/append.py). Besides the
findings, the state keeps two kinds of tables for this: `hc_seen_*`, the distinct
combinations of `new_combinations` columns; `hc_payee_sums`, payees.py's per-employee
sums, to which a new period's sums are added; and `hc_payee_activity`.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from headcount.contract.progress import Progress
from headcount.engine.duckdb_engine import DuckDBEngine
from headcount.ingest.append import APPENDED
from headcount.pipeline.findings import Keyed, index_table
from headcount.pipeline.payees import activity_sql, paid_sql, payees_sql
from headcount.pipeline.run import Clock, rule_findings, runnable, sorted_keyed
from headcount.pipeline.stateful.state import PAYEES
from headcount.rules import Rule, all_rules
from headcount.rules.base import Scope

KEYS = "_hc_keys"  # (rule, k): the keys each rule recomputes
ROWS = "_hc_rows"  # the stored and appended payroll rows of any of those keys
STORED = "_hc_stored_keys"
PAID = "hc_payee_sums"
ACTIVITY = "hc_payee_activity"  # activity kinds per employee: reference data, kept as is


@dataclass
class Update:
    """The findings after the append, and what was done to get them."""

    findings: list[Keyed]
    rerun: dict[str, str] = field(default_factory=dict)  # rule -> "all" or "N keys"
    reused: list[str] = field(default_factory=list)


def _scoped(rules: Iterable[Rule]) -> list[tuple[Rule, Scope, str]]:
    return [(r, r.scope, r.scope.key) for r in rules if r.scope is not None and r.scope.key]


def _seen_table(columns: tuple[str, ...]) -> str:
    return "hc_seen_" + "__".join(columns)


def _combinations() -> set[tuple[str, ...]]:
    scopes = [r.scope for r in all_rules() if r.scope is not None]
    return {s.new_combinations for s in scopes if s.new_combinations}


def _touched(scope: Scope) -> str:
    """The scope's condition over an appended row `p`, a new combination included."""
    if not scope.new_combinations:
        return scope.touched
    same = " AND ".join(f"s.{c} = p.{c}" for c in scope.new_combinations)
    seen = _seen_table(scope.new_combinations)
    return f"({scope.touched}) OR NOT EXISTS (SELECT 1 FROM {seen} s WHERE {same})"


def build_monitoring(engine: DuckDBEngine) -> None:
    """After a full run: the tables an incremental run updates or reads instead of
    recomputing them."""
    engine.create_table(PAID, paid_sql(engine.dialect))
    engine.create_table(ACTIVITY, activity_sql(engine.dialect))
    for columns in _combinations():
        engine.create_table(
            _seen_table(columns), f"SELECT DISTINCT {', '.join(columns)} FROM payroll"
        )


def update_findings(
    engine: DuckDBEngine,
    stored: list[Keyed],
    present: frozenset[str],
    progress: Progress,
    clock: Clock | None = None,
) -> Update:
    """`stored` (the findings before the append) brought up to date with `appended`; each
    rule's seconds (after the affected keys of all are found) and findings go to `clock`."""
    rules = [r for r in all_rules() if runnable(r, present)]
    update = Update(findings=[])
    progress("rules: keys the new rows touch", 0, len(rules))
    whole = _touched_whole(engine, rules)
    counts = _affected_keys(engine, stored, rules)
    try:
        for done, rule in enumerate(rules):
            progress(f"rules: {rule.code}", done, len(rules))
            start, before = time.perf_counter(), len(update.findings)
            mine = [kf for kf in stored if kf[1].rule == rule.code]
            scope = rule.scope
            if scope is None or rule.code in whole:
                update.rerun[rule.code] = "all"
                update.findings.extend(rule_findings(engine, rule))
            elif scope.key is None or counts[rule.code] == 0:
                update.reused.append(rule.code)
                update.findings.extend(mine)
            else:
                update.rerun[rule.code] = f"{counts[rule.code]} keys"
                update.findings.extend(_rescope(engine, rule, scope, mine))
            if clock is not None:
                seconds = round(time.perf_counter() - start, 3)
                found = len(update.findings) - before
                clock.rules[rule.code] = {"seconds": seconds, "findings": found}
        progress("rules: done", len(rules), len(rules))
    finally:
        engine.execute(f"DROP TABLE IF EXISTS temp.{KEYS}")
        engine.execute(f"DROP TABLE IF EXISTS temp.{ROWS}")
    update.findings = sorted_keyed(update.findings)
    return update


def _touched_whole(engine: DuckDBEngine, rules: list[Rule]) -> set[str]:
    """The rules without keys that an appended row touches: they rerun whole. Run before
    the new combinations are recorded."""
    whole: set[str] = set()
    for rule in rules:
        scope = rule.scope
        if scope is None or scope.key is not None:
            continue
        if scope.touched.strip().upper() == "FALSE" and not scope.new_combinations:
            continue
        sql = f"SELECT EXISTS (SELECT 1 FROM {APPENDED} p WHERE {_touched(scope)})"
        [(hit,)] = engine.con.execute(sql).fetchall()
        if hit:
            whole.add(rule.code)
    return whole


def _affected_keys(engine: DuckDBEngine, stored: list[Keyed], rules: list[Rule]) -> dict[str, int]:
    """Fill KEYS, then ROWS in one pass over the payroll; record the new combinations.
    Returns the number of keys per scoped rule."""
    con = engine.con
    con.register(
        STORED,
        pa.table(
            {"rule": [f.rule for _, f in stored], "finding_key": [k for k, _ in stored]},
            schema=pa.schema([("rule", pa.string()), ("finding_key", pa.string())]),
        ),
    )
    scoped = _scoped(rules)
    try:
        engine.execute(f"CREATE OR REPLACE TEMP TABLE {KEYS} (rule VARCHAR, k VARCHAR)")
        for rule, scope, key in scoped:
            touched = _touched(scope)
            code = rule.code
            engine.execute(
                f"""
                INSERT INTO {KEYS} SELECT DISTINCT '{code}', k FROM (
                    SELECT {key} AS k FROM {APPENDED} p WHERE {touched}
                    UNION ALL
                    SELECT {key} AS k FROM {APPENDED} p WHERE '{code}|' || {key} IN
                        (SELECT finding_key FROM {STORED} WHERE rule = '{code}')
                ) affected WHERE k IS NOT NULL
                """
            )
    finally:
        con.unregister(STORED)
    for columns in _combinations():
        cols = ", ".join(columns)
        engine.execute(
            f"INSERT INTO {_seen_table(columns)} SELECT DISTINCT {cols} FROM {APPENDED} "
            f"EXCEPT SELECT {cols} FROM {_seen_table(columns)}"
        )
    counted = engine.fetch_arrow(f"SELECT rule, count(*) AS n FROM {KEYS} GROUP BY rule")
    counts = {r["rule"]: int(r["n"]) for r in counted.to_pylist()}
    counts.update({r.code: 0 for r, _, _ in scoped if r.code not in counts})
    # One pass over the payroll for every rule's keys, grouped by key expression, reading
    # only the columns the rules read (the pass is most of an incremental run's work).
    by_key: dict[str, list[str]] = {}
    for rule, _, key in scoped:
        if counts[rule.code]:
            by_key.setdefault(key, []).append(f"'{rule.code}'")
    wanted = " OR ".join(
        f"{key} IN (SELECT k FROM {KEYS} WHERE rule IN ({', '.join(codes)}))"
        for key, codes in by_key.items()
    )
    busy = [(rule, key) for rule, _, key in scoped if counts[rule.code]]
    read = _columns_read(engine, busy)
    engine.execute(
        f"CREATE OR REPLACE TEMP TABLE {ROWS} AS SELECT {', '.join(read)} "
        f"FROM {_main('payroll', engine)} p WHERE {wanted or 'FALSE'}"
    )
    return counts


def _columns_read(engine: DuckDBEngine, rules: list[tuple[Rule, str]]) -> list[str]:
    """The payroll columns that the rules' queries and keys read, as DuckDB's planner
    prunes them (every column, should a plan show no scan of the payroll)."""
    names = [name for name, _ in _payroll_columns(engine)]
    text = " ".join(key for _, key in rules)
    for rule, _ in rules:
        [(_, plan)] = engine.con.execute(
            "EXPLAIN (FORMAT json) " + rule.query(engine.dialect)
        ).fetchall()
        scans = [info for info in _scans(json.loads(plan)) if _is_payroll(info)]
        if not scans:
            return names
        text += " " + json.dumps(scans)
    return [c for c in names if re.search(rf"\b{re.escape(c)}\b", text)]


def _scans(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        info = node.get("extra_info")
        if isinstance(info, dict) and "Table" in info:
            yield info
        yield from _scans(node.get("children") or [])


def _is_payroll(info: dict[str, Any]) -> bool:
    table = str(info.get("Table", ""))
    return table == "payroll" or table.endswith(".payroll")


def _rescope(engine: DuckDBEngine, rule: Rule, scope: Scope, mine: list[Keyed]) -> list[Keyed]:
    """The rule's findings after the append: recomputed for its affected keys by its own
    query over a `payroll` holding only their rows, kept for the rest."""
    code, key = rule.code, scope.key
    keys = f"(SELECT k FROM {KEYS} WHERE rule = '{code}')"
    # A temporary view is found before the stored table of the same name. Columns no rule
    # reads are NULL, so that `*` still means every column.
    kept = set(engine.fetch_arrow(f"SELECT * FROM {ROWS} LIMIT 0").column_names)
    columns = ", ".join(
        name if name in kept else f"CAST(NULL AS {sql_type}) AS {name}"
        for name, sql_type in _payroll_columns(engine)
    )
    engine.execute(
        f"CREATE OR REPLACE TEMP VIEW payroll AS SELECT {columns} FROM {ROWS} p "
        f"WHERE {key} IN {keys}"
    )
    try:
        fresh = rule_findings(
            engine,
            rule,
            f"SELECT * FROM ({rule.query(engine.dialect)}) scoped "
            f"WHERE {scope.owner} IN (SELECT '{code}|' || k FROM {keys} affected)",
        )
        affected = {
            f"{code}|{k}"
            for k in engine.fetch_arrow(f"SELECT k FROM {keys} affected").column("k").to_pylist()
        }
    finally:
        engine.execute("DROP VIEW IF EXISTS temp.payroll")
    return [kf for kf in mine if kf[0] not in affected] + fresh


def update_payees(engine: DuckDBEngine, findings: list[Keyed], deaths_supplied: bool) -> None:
    """The stored per-employee sums plus the new rows' sums; then the payees from them."""
    columns = [
        str(c)
        for c in engine.fetch_arrow(f"SELECT * FROM {PAID} LIMIT 0").column_names
        if c != "employee_id"
    ]
    sums = ", ".join(f"sum({c}) AS {c}" for c in columns)
    engine.execute(f"CREATE OR REPLACE TEMP VIEW payroll AS SELECT * FROM {APPENDED}")
    try:
        engine.execute(
            f"CREATE OR REPLACE TEMP TABLE _hc_sums AS SELECT employee_id, {sums} FROM ("
            f"SELECT * FROM {PAID} UNION ALL BY NAME {paid_sql(engine.dialect)}) both_sets "
            "GROUP BY employee_id"
        )
    finally:
        engine.execute("DROP VIEW IF EXISTS temp.payroll")
    engine.create_table(PAID, "SELECT * FROM temp._hc_sums")
    engine.execute("DROP TABLE temp._hc_sums")
    engine.register_arrow("findings_index", index_table(f for _, f in findings))
    sql = payees_sql(
        engine, deaths_supplied, paid=f"SELECT * FROM {PAID}", activity=f"SELECT * FROM {ACTIVITY}"
    )
    engine.create_table(PAYEES, sql)


def _payroll_columns(engine: DuckDBEngine) -> list[tuple[str, str]]:
    """(name, SQL type) of every stored payroll column, in order."""
    rows = engine.con.execute(f"DESCRIBE {_main('payroll', engine)}").fetchall()
    return [(str(r[0]), str(r[1])) for r in rows]


def _main(table: str, engine: DuckDBEngine) -> str:
    """A stored table by its full name, which a temporary view cannot hide."""
    [(name,)] = engine.con.execute("SELECT current_database()").fetchall()
    return f'"{name}".main.{table}'
