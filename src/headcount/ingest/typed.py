"""Typed tables in one pass: parse every cell, and keep the problems of bad cells beside.

The query has three layers over a text scan:
  1. every text column trimmed ('' -> NULL);
  2. every typed value computed (the trimmed text stays visible);
  3. the output columns, plus `_problems`: for a row with a bad cell, a list of
     {o: column position, c: column, p: problem text}; NULL for the (many) good rows, so
     the problem texts are only ever built for bad cells.
After the CREATE, `_row` is added from rowid, the problems are copied into data_quality
and the `_problems` column is dropped (a metadata change in DuckDB).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from headcount.contract.tables import Kind, Table
from headcount.ingest.cells import cell_sql, echo_value, sql_str, trimmed
from headcount.ingest.errors import DatasetError

DQ_TABLE = "data_quality"
DQ_DDL = (
    f'CREATE OR REPLACE TABLE {DQ_TABLE} (file VARCHAR, "row" BIGINT, "column" VARCHAR, '
    "problem VARCHAR, employee_id VARCHAR, payment_id VARCHAR)"
)
ID_COLUMNS = ("employee_id", "payment_id")  # copied into data_quality rows when present
PROBLEMS = "_problems"


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class OutColumn:
    """One output column: its value over layer 1 and, if it can be bad, how to tell."""

    name: str
    value: str  # SQL over the trimmed text columns
    suspect: str | None = None  # cheap SQL over layer 2 (value as `_v_<name>`): maybe bad
    problem: str | None = None  # SQL over layer 1 giving the problem text, or NULL
    dq_column: str | None = None  # the data_quality "column" (None for a whole record)
    output: bool = True  # False for a check on the whole record with no column of its own


def vname(name: str) -> str:
    return q(f"_v_{name}")


def table_columns(table: Table) -> list[OutColumn]:
    """Output columns of a plain contract table (everything but deaths)."""
    out: list[OutColumn] = []
    for col in table.columns:
        if col.kind == Kind.TEXT:  # already trimmed in layer 1
            out.append(OutColumn(col.name, q(col.name)))
            continue
        cell = cell_sql(col.kind, q(col.name), col.name)
        suspect = None
        if cell.problem is not None:
            suspect = f"{q(col.name)} IS NOT NULL AND {vname(col.name)} IS NULL"
        out.append(OutColumn(col.name, cell.value, suspect, cell.problem, col.name))
    return out


def text_layer(scan: str, table: Table, present: set[str]) -> str:
    """Layer 1 for a file scan: TEXT columns trimmed, typed ones as read (their value
    expressions trim only when needed), absent columns NULL."""
    cols = []
    for c in table.columns:
        if c.name not in present:
            cols.append(f"CAST(NULL AS VARCHAR) AS {q(c.name)}")
        elif c.kind == Kind.TEXT:
            cols.append(f"{trimmed(q(c.name))} AS {q(c.name)}")
        else:
            cols.append(q(c.name))
    return f"SELECT {', '.join(cols)} FROM ({scan})"


def typed_query(layer1: str, columns: list[OutColumn], keep: tuple[str, ...] = ()) -> str:
    """Layers 2 and 3 over `layer1`; `keep` names layer-1 columns passed through as is."""
    layer2 = (
        f"SELECT *, {', '.join(f'{c.value} AS {vname(c.name)}' for c in columns)} FROM ({layer1})"
    )
    checked = [(i, c) for i, c in enumerate(columns) if c.suspect and c.problem]
    outs = [f"{vname(c.name)} AS {q(c.name)}" for c in columns if c.output]
    outs += [q(k) for k in keep]
    if checked:
        any_suspect = " OR ".join(f"({c.suspect})" for _, c in checked)
        items = ", ".join(
            f"{{'o': {i}, 'c': {sql_str(c.dq_column) if c.dq_column else 'CAST(NULL AS VARCHAR)'}, "
            f"'p': {c.problem}}}"
            for i, c in checked
        )
        outs.append(
            f"CASE WHEN {any_suspect} THEN list_filter([{items}], lambda x: x.p IS NOT NULL) "
            f"END AS {PROBLEMS}"
        )
    else:
        outs.append(f"CAST(NULL AS STRUCT(o INTEGER, c VARCHAR, p VARCHAR)[]) AS {PROBLEMS}")
    return f"SELECT {', '.join(outs)} FROM ({layer2})"


def add_row_numbers(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """`_row` = rowid + 1: the table was filled in file order by one CREATE ... AS."""
    con.execute(f"ALTER TABLE {table} ADD COLUMN _row BIGINT")
    con.execute(f"UPDATE {table} SET _row = rowid + 1")


def move_problems(
    con: duckdb.DuckDBPyConnection, table: str, file_name: str, ids: set[str], where: str = ""
) -> int:
    """Copy `_problems` into data_quality (row, then column order); return how many."""
    id_cols = ", ".join(
        f"CAST({q(c)} AS VARCHAR)" if c in ids else "CAST(NULL AS VARCHAR)" for c in ID_COLUMNS
    )
    cond = f"{PROBLEMS} IS NOT NULL" + (f" AND ({where})" if where else "")
    row = con.execute(
        f"INSERT INTO {DQ_TABLE} SELECT {sql_str(file_name)}, _row, p.c, p.p, {id_cols} "
        f"FROM (SELECT *, unnest({PROBLEMS}) AS p FROM {table} WHERE {cond}) "
        "ORDER BY _row, p.o"
    ).fetchone()
    return int(row[0]) if row else 0


def drop_problems(con: duckdb.DuckDBPyConnection, table: str) -> None:
    con.execute(f"ALTER TABLE {table} DROP COLUMN {PROBLEMS}")


def check_key(con: duckdb.DuckDBPyConnection, table: Table, target: str, file_name: str) -> None:
    """The table's key must be present in every row and unique; raise naming the rows."""
    key = table.key
    if key is None:
        return
    k = q(key)
    empty = con.execute(f"SELECT min(_row) FROM {target} WHERE {k} IS NULL").fetchone()
    if empty is not None and empty[0] is not None:
        raise DatasetError(
            file_name,
            f"{key} is empty; every {table.name} row needs a {key}",
            row=int(empty[0]),
            column=key,
        )
    # One hash aggregate finds repeated keys; their rows are looked up only if there are any.
    dup = con.execute(
        f"SELECT {k}, rows[1], rows[2] FROM (SELECT {k}, min(_row, 2) AS rows FROM {target} "
        f"WHERE {k} IN (SELECT {k} FROM {target} GROUP BY 1 HAVING count(*) > 1) GROUP BY 1) "
        "ORDER BY rows[2] LIMIT 1"
    ).fetchone()
    if dup is not None:
        raise DatasetError(
            file_name,
            f"{echo_value(str(dup[0]))} appears again (first at row {dup[1]}); "
            f"{key} must be unique in the {table.name}",
            row=int(dup[2]),
            column=key,
        )
