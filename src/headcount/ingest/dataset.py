"""load_dataset: read a dataset folder into typed DuckDB tables plus data_quality.

Order of work: headcount.toml, the folder listing and every file's header are checked
first (cheap, and most bad datasets fail there); then table by table, each file is read
and typed in one DuckDB query (typed.py), its record numbers added, its key and ids
checked and its bad cells written to data_quality.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import duckdb

from headcount.contract.progress import Progress
from headcount.contract.tables import DEATHS, TABLES, TABLES_BY_NAME, Table
from headcount.ingest.deaths import DEATHS_COLUMNS, SKIP, csv_layer, deaths_columns, dmf_layer
from headcount.ingest.errors import DatasetError
from headcount.ingest.files import InputSource, locate, open_source
from headcount.ingest.mapping import load_limits, load_mapping
from headcount.ingest.readers import create_from_file
from headcount.ingest.typed import (
    DQ_DDL,
    DQ_TABLE,
    add_row_numbers,
    check_ids,
    check_key,
    drop_problems,
    move_problems,
    q,
    table_columns,
    text_layer,
    typed_query,
)

# Helper tables (deaths parts) are temporary and carry this prefix.
HELPER_PREFIX = "_hc_"


@dataclass(frozen=True)
class Dataset:
    """What load_dataset read.

    files: table -> file name(s) read ("deaths.csv+deaths.dmf" when both);
    rows: typed row count per table present; present: the tables that had a file;
    data_quality: number of bad cells recorded; mapping: table -> {contract column ->
    the file's header it was read from} for CSV and Parquet files.
    """

    folder: Path
    files: dict[str, str]
    rows: dict[str, int]
    present: frozenset[str]
    data_quality: int
    mapping: dict[str, dict[str, str]]


def load_dataset(
    folder: Path,
    con: duckdb.DuckDBPyConnection,
    *,
    strict: bool = False,
    progress: Progress | None = None,
) -> Dataset:
    """Read `folder` into `con`: typed tables roster, payroll, deaths, campaigns, checkins,
    activity (absent optional ones empty) and data_quality.

    Raises DatasetError when the dataset cannot be read as a whole, or, with strict=True,
    when any cell is bad. `progress(table, done, total)` is called as each table starts
    (done = tables finished so far, total = all tables) and once more at the end.
    """
    folder = Path(folder)
    # Every check that needs only the folder listing, headcount.toml and the headers runs
    # before any data is loaded.
    mapping, limits = load_mapping(folder), load_limits(folder)
    located = locate(folder)
    sources: dict[str, list[InputSource]] = {
        name: [open_source(TABLES_BY_NAME[name], path, fmt, mapping, limits) for path, fmt in files]
        for name, files in located.items()
    }
    restore_order = keep_insertion_order(con)
    try:
        con.execute(DQ_DDL)
        bad = 0
        for done, table in enumerate(TABLES):
            if progress is not None:
                progress(table.name, done, len(TABLES))
            bad += _load_table(con, table, sources.get(table.name, []))
        if progress is not None:
            progress(TABLES[-1].name, len(TABLES), len(TABLES))
        if strict and bad:
            raise first_bad_cell(con, bad)
        rows = {name: _count(con, name) for name in (t.name for t in TABLES) if name in sources}
    finally:
        _drop_helpers(con)
        if restore_order:
            con.execute("SET preserve_insertion_order = false")
    return Dataset(
        folder=folder,
        files={name: "+".join(s.name for s in srcs) for name, srcs in sources.items()},
        rows=rows,
        present=frozenset(sources),
        data_quality=bad,
        mapping={
            name: {c: s.header[i] for c, i in s.columns.items()}
            for name, srcs in sources.items()
            for s in srcs
            if s.fmt != "dmf"
        },
    )


def _load_table(con: duckdb.DuckDBPyConnection, table: Table, sources: list[InputSource]) -> int:
    """Load, check and type one table; return its number of bad cells."""
    if table is DEATHS:
        return _load_deaths(con, sources)
    name = table.name  # contract names are plain identifiers
    if not sources:
        # An absent optional table: the same query over no rows gives the typed schema.
        nulls = ", ".join(f"CAST(NULL AS VARCHAR) AS {q(c)}" for c in table.column_names)
        columns = table_columns(table)
        con.execute(
            f"CREATE OR REPLACE TABLE {name} AS {typed_query(f'SELECT {nulls} LIMIT 0', columns)}"
        )
        add_row_numbers(con, name)
        drop_problems(con, name)
        return 0
    return load_rows(con, table, sources[0], name)


def load_rows(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    src: InputSource,
    target: str,
    *,
    temp: bool = False,
    row_offset: int = 0,
) -> int:
    """Read, type and check one file of `table` (not deaths) into `target`; return its bad
    cells. Record numbers start after `row_offset` (a file's tail, see append.py)."""
    columns = table_columns(table)
    layer1 = partial(text_layer, table=table, present=set(src.columns))
    create = "CREATE OR REPLACE TEMP TABLE" if temp else "CREATE OR REPLACE TABLE"
    create_from_file(
        con,
        src,
        target,
        lambda scan: f"{create} {target} AS {typed_query(layer1(scan), columns)}",
        row_offset=row_offset,
    )
    add_row_numbers(con, target, row_offset)
    try:
        check_key(con, table, target, src.name)
        check_ids(con, table, target, src.name)
    except DatasetError:
        con.execute(f"DROP TABLE IF EXISTS {target}")
        raise
    bad = move_problems(con, target, src.name, columns, set(src.columns))
    drop_problems(con, target)
    return bad


def _deaths_part(
    con: duckdb.DuckDBPyConnection, src: InputSource | None, target: str, temp: bool
) -> int:
    """One deaths file typed into table `target` (no file: no rows); return bad cells."""
    dmf = src is not None and src.fmt == "dmf"
    columns = deaths_columns(src.name if src else "deaths.csv", dmf)
    create = "CREATE OR REPLACE TEMP TABLE" if temp else "CREATE OR REPLACE TABLE"

    def build(scan: str) -> str:
        layer1 = dmf_layer(scan) if dmf else csv_layer(scan, set(src.columns) if src else set())
        return f"{create} {target} AS {typed_query(layer1, columns, (SKIP,))}"

    if src is None:
        con.execute(build("SELECT 1 LIMIT 0"))
        add_row_numbers(con, target)
        return 0
    create_from_file(con, src, target, build)
    add_row_numbers(con, target)
    return move_problems(con, target, src.name, columns, set(), where=f"NOT {SKIP}")


def _load_deaths(con: duckdb.DuckDBPyConnection, sources: list[InputSource]) -> int:
    """deaths from deaths.csv/.parquet and/or deaths.dmf, in that order: the first file
    straight into the table, a second through a temporary one; the DMF lines that are not
    death records are then removed."""
    bad = _deaths_part(con, sources[0] if sources else None, DEATHS.name, temp=False)
    cols = ", ".join(q(c) for c in DEATHS_COLUMNS) + ", _row"
    for i, src in enumerate(sources[1:]):
        part = f"{HELPER_PREFIX}deaths_{i}"
        bad += _deaths_part(con, src, part, temp=True)
        con.execute(f"INSERT INTO {DEATHS.name} BY NAME SELECT {cols}, {SKIP} FROM {part}")
        con.execute(f"DROP TABLE IF EXISTS {part}")
    con.execute(f"DELETE FROM {DEATHS.name} WHERE {SKIP}")
    con.execute(f"ALTER TABLE {DEATHS.name} DROP COLUMN {SKIP}")
    drop_problems(con, DEATHS.name)
    return bad


def first_bad_cell(con: duckdb.DuckDBPyConnection, bad: int) -> DatasetError:
    # data_quality is filled table by table in row and column order, so rowid is that order.
    first = con.execute(
        f'SELECT file, "row", "column", problem FROM {DQ_TABLE} ORDER BY rowid LIMIT 1'
    ).fetchone()
    assert first is not None
    more = (
        f" (and {bad - 1} more bad cell{'s' if bad > 2 else ''} in the dataset)" if bad > 1 else ""
    )
    return DatasetError(
        str(first[0]),
        f"{first[3]}{more}; strict mode stops at any bad value",
        row=int(first[1]),
        column=None if first[2] is None else str(first[2]),
    )


def _count(con: duckdb.DuckDBPyConnection, name: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {q(name)}").fetchone()
    return int(row[0]) if row else 0


def keep_insertion_order(con: duckdb.DuckDBPyConnection) -> bool:
    """Record numbers come from rowid, which follows the file only with insertion order kept.

    Returns True when the setting was off (and has been turned on) so it can be restored.
    """
    row = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()
    if row is not None and row[0] in (False, "false"):
        con.execute("SET preserve_insertion_order = true")
        return True
    return False


def _drop_helpers(con: duckdb.DuckDBPyConnection) -> None:
    """Leave the connection clean even after an error: no helper tables behind."""
    names = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, ?)",
        [HELPER_PREFIX],
    ).fetchall()
    for (name,) in names:
        con.execute(f"DROP TABLE IF EXISTS temp.{q(str(name))}")
