"""Typed tables in one pass over the file, with the bad cells set aside for data_quality.

The typed query has three layers over a text scan:
  1. TEXT columns trimmed ('' -> NULL), other columns as read;
  2. every typed value computed (the layer-1 text stays visible);
  3. the output columns, plus `_problems`: for a row with a suspect cell (text present,
     value NULL), a list of {o: column position, c: column, k: check, r: the text};
     NULL for the (many) good rows.
After the CREATE, `_row` is added from rowid; the suspect cells, usually none, are turned
into problem sentences by a second query with one expression per kind of check (keeping
the big message expressions out of the typed query keeps its planning fast); then the
`_problems` column is dropped (a metadata change in DuckDB).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from headcount.contract import ids
from headcount.contract.tables import SECRET_COLUMNS, Kind, Table
from headcount.ingest.cells import cell_sql, echo_value, sql_str, trimmed
from headcount.ingest.errors import DatasetError

DQ_TABLE = "data_quality"
DQ_DDL = (
    f'CREATE OR REPLACE TABLE {DQ_TABLE} (file VARCHAR, "row" BIGINT, "column" VARCHAR, '
    "problem VARCHAR, employee_id VARCHAR, payment_id VARCHAR)"
)
ID_COLUMNS = ("employee_id", "payment_id")  # copied into data_quality rows when present
PROBLEMS = "_problems"
_EMPTY_PROBLEMS = "CAST(NULL AS STRUCT(o INTEGER, c VARCHAR, k VARCHAR, r VARCHAR)[])"

# Problem SQL for a cell's text `r`: a sentence, or NULL when the cell is fine after all.
ProblemSql = Callable[[str], str]


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Check:
    """How to tell that a cell is bad and what to say about it."""

    key: str  # one per kind of message (e.g. "money" or "date:secret"); groups columns
    suspect: str  # cheap SQL over layer 2 (a value as `_v_<name>`): TRUE when maybe bad
    text: str  # SQL over layer 2 of the text to keep for the message
    problem: ProblemSql
    column: str  # the data_quality "column"


@dataclass(frozen=True)
class OutColumn:
    """One typed column (or, with output=False, a check on the whole record)."""

    name: str
    value: str  # SQL over layer 1
    check: Check | None = None
    output: bool = True


def vname(name: str) -> str:
    return q(f"_v_{name}")


def cell_check(kind: Kind, name: str) -> Check:
    """The check of a contract cell of `kind` in column `name` (layer 1 holds its text)."""
    secret = name in SECRET_COLUMNS

    def problem(r: str) -> str:
        return cell_sql(kind, r, name).problem or "NULL"

    return Check(
        key=f"{kind.value}:secret" if secret else kind.value,
        suspect=f"{q(name)} IS NOT NULL AND {vname(name)} IS NULL",
        text=q(name),
        problem=problem,
        column=name,
    )


def table_columns(table: Table) -> list[OutColumn]:
    """Output columns of a plain contract table (everything but deaths)."""
    out: list[OutColumn] = []
    for col in table.columns:
        if col.kind == Kind.TEXT:  # already trimmed in layer 1
            out.append(OutColumn(col.name, q(col.name)))
        else:
            value = cell_sql(col.kind, q(col.name), col.name).value
            out.append(OutColumn(col.name, value, cell_check(col.kind, col.name)))
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
    values = ", ".join(f"{c.value} AS {vname(c.name)}" for c in columns)
    layer2 = f"SELECT *, {values} FROM ({layer1})"
    outs = [f"{vname(c.name)} AS {q(c.name)}" for c in columns if c.output]
    outs += [q(k) for k in keep]
    checks = [(i, c.check) for i, c in enumerate(columns) if c.check is not None]
    if checks:
        any_suspect = " OR ".join(f"({ck.suspect})" for _, ck in checks)
        items = ", ".join(
            f"CASE WHEN {ck.suspect} THEN {{'o': {i}, 'c': {sql_str(ck.column)}, "
            f"'k': {sql_str(ck.key)}, 'r': CAST({ck.text} AS VARCHAR)}} END"
            for i, ck in checks
        )
        outs.append(
            f"CASE WHEN {any_suspect} THEN list_filter([{items}], lambda x: x IS NOT NULL) "
            f"END AS {PROBLEMS}"
        )
    else:
        outs.append(f"{_EMPTY_PROBLEMS} AS {PROBLEMS}")
    return f"SELECT {', '.join(outs)} FROM ({layer2})"


def add_row_numbers(con: duckdb.DuckDBPyConnection, table: str, offset: int = 0) -> None:
    """`_row` = rowid + 1 (+ offset): the table was filled in file order by one CREATE ... AS.

    Counted from the first rowid: rows created inside a still open transaction (an
    appended tail) have rowids from 2^55 on, not from 0.
    """
    con.execute(f"ALTER TABLE {table} ADD COLUMN _row BIGINT")
    con.execute(
        f"UPDATE {table} SET _row = rowid - (SELECT min(rowid) FROM {table}) + {1 + int(offset)}"
    )


def move_problems(
    con: duckdb.DuckDBPyConnection,
    table: str,
    file_name: str,
    columns: list[OutColumn],
    ids: set[str],
    where: str = "",
) -> int:
    """Write a data_quality row per bad cell of `table` (row, then column order); return
    how many. A suspect cell that is fine after all (e.g. an SSN of only dashes) is not."""
    cond = f"{PROBLEMS} IS NOT NULL" + (f" AND ({where})" if where else "")
    found = con.execute(f"SELECT count(*) FROM {table} WHERE {cond}").fetchone()
    if not found or not found[0]:
        return 0  # the usual case: the message query is not even planned
    problems: dict[str, ProblemSql] = {}
    for c in columns:
        if c.check is not None:
            problems.setdefault(c.check.key, c.check.problem)
    by_key = " ".join(f"WHEN {sql_str(k)} THEN {fn('p.r')}" for k, fn in problems.items())
    id_cols = ", ".join(
        f"CAST({q(c)} AS VARCHAR) AS {c}" if c in ids else f"CAST(NULL AS VARCHAR) AS {c}"
        for c in ID_COLUMNS
    )
    row = con.execute(
        f"INSERT INTO {DQ_TABLE} SELECT {sql_str(file_name)}, _row, p.c, problem, "
        f"{', '.join(ID_COLUMNS)} FROM (SELECT _row, p, {id_cols}, CASE p.k {by_key} END "
        f"AS problem FROM (SELECT *, unnest({PROBLEMS}) AS p FROM {table} WHERE {cond})) "
        "WHERE problem IS NOT NULL ORDER BY _row, p.o"
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
        raise _repeated(table, file_name, dup)


# Ids of plain letters and digits (nearly all of them) skip the slower search for the
# characters contract/ids.py refuses.
_PLAIN_ID = sql_str("[0-9A-Za-z_.-]*")
_REFUSED_IN_ID = sql_str("|".join(check.re2 for check in ids.ID_CHECKS))


def refused_id_sql(expr: str) -> str:
    """SQL: TRUE when the id `expr` is one contract.ids.id_problem refuses (NULL: no id)."""
    return (
        f"(NOT regexp_full_match({expr}, {_PLAIN_ID}) AND regexp_matches({expr}, {_REFUSED_IN_ID}))"
    )


def check_ids(con: duckdb.DuckDBPyConnection, table: Table, target: str, file_name: str) -> None:
    """No id may hold a character that would make it another id once written out (a `;`
    splits it in findings.csv; see contract/ids.py). One pass finds each id column's first
    such row; the earliest is named."""
    columns = [c for c in table.column_names if c in ids.ID_COLUMNS]
    if not columns:
        return
    firsts = ", ".join(f"min(CASE WHEN {refused_id_sql(q(c))} THEN _row END)" for c in columns)
    found = con.execute(f"SELECT {firsts} FROM {target}").fetchone()
    assert found is not None  # an aggregate always returns its row
    hits = sorted((int(row), i) for i, row in enumerate(found) if row is not None)
    if not hits:
        return
    row, i = hits[0]
    column = columns[i]
    [(value,)] = con.execute(f"SELECT {q(column)} FROM {target} WHERE _row = ?", [row]).fetchall()
    problem = ids.id_problem(str(value))
    assert problem is not None, "the SQL and Python id checks are built from the same ranges"
    raise DatasetError(
        file_name,
        f"{column} {echo_value(str(value))} {problem}",
        row=row,
        column=column,
    )


def check_key_new(
    con: duckdb.DuckDBPyConnection, table: Table, target: str, existing: str, file_name: str
) -> None:
    """Rows of `target` (appended to `existing`) must not repeat a key `existing` holds."""
    k = q(table.key or "")
    dup = con.execute(
        f"SELECT t.{k}, e._row, t._row FROM {target} t JOIN {existing} e ON e.{k} = t.{k} "
        "ORDER BY t._row LIMIT 1"
    ).fetchone()
    if dup is not None:
        raise _repeated(table, file_name, dup)


def _repeated(table: Table, file_name: str, dup: tuple[object, ...]) -> DatasetError:
    """(key value, first row, repeating row) as the error that names the repeat."""
    value, first, row = dup
    return DatasetError(
        file_name,
        f"{echo_value(str(value))} appears again (first at row {first}); "
        f"{table.key} must be unique in the {table.name}",
        row=int(str(row)),
        column=table.key,
    )
