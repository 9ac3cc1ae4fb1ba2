"""SQL that scans one input file as text, and turning read failures into DatasetErrors.

A scan yields one VARCHAR column per contract column found in the file, named after the
contract column (the DMF yields a single column `line`). Rows come in file order; the
caller's CREATE TABLE ... AS keeps that order, so the new table's rowid + 1 is the record
number in the file (DuckDB keeps insertion order while preserve_insertion_order is on).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import duckdb

from headcount.contract.tables import Kind
from headcount.ingest.errors import DatasetError
from headcount.ingest.files import Source

# The DMF is read as one text column: a delimiter that never occurs in its records.
_NO_DELIM = "\x1f"
# DuckDB errors that mean "this file is not what it claims to be", not a broken machine.
_READ_ERRORS = (
    duckdb.InvalidInputException,
    duckdb.IOException,
    duckdb.BinderException,
)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def scan_sql(source: Source, rejects: str) -> str:
    """SELECT the file's contract columns as text; CSV errors are noted in `rejects`."""
    path = quote_str(str(source.path))
    if source.fmt == "parquet":
        cols = ", ".join(
            f"{_parquet_text(source, c, i)} AS {quote_ident(c)}" for c, i in source.columns.items()
        )
        # binary_as_string: some writers store text as plain bytes.
        return f"SELECT {cols} FROM read_parquet({path}, binary_as_string=true)"
    if source.fmt == "dmf":
        width, select, header = 1, "c0 AS line", "false"
        # No quoting in the DMF, so the lenient mode is safe; with new_line CRLF it takes
        # LF, CRLF and a mix of both (DuckDB's strict mode rejects mixed line endings).
        options = (
            f"delim={quote_str(_NO_DELIM)}, quote='', escape='', "
            "new_line='\\r\\n', strict_mode=false"
        )
    else:
        width, header = len(source.header), "true"
        select = ", ".join(f"c{i} AS {quote_ident(c)}" for c, i in source.columns.items())
        options = "delim=',', quote='\"', escape='\"'"
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    # store_rejects keeps reading past a bad record and notes exactly where it was (DuckDB's
    # record count stays exact with parallel reading); auto_detect=false so nothing is
    # guessed: RFC 4180 with commas and double quotes, as the contract says.
    return (
        f"SELECT {select} FROM read_csv({path}, header={header}, auto_detect=false, "
        f"columns={columns}, {options}, store_rejects=true, "
        f"rejects_table={quote_str(rejects)}, rejects_scan={quote_str(rejects + '_scans')}, "
        "rejects_limit=100)"
    )


def _parquet_text(source: Source, contract: str, pos: int) -> str:
    """A Parquet value as the text a CSV of the same data would hold."""
    col = quote_ident(source.raw_names[pos])
    typ = source.types[pos]
    kind = source.table.column(contract).kind
    if typ == "timestamp" and kind == Kind.DATE:
        return f"CAST(CAST({col} AS DATE) AS VARCHAR)"
    if typ == "int" and kind == Kind.SSN:
        # An SSN stored as a number has lost its leading zeros; put them back.
        return (
            f"CASE WHEN {col} >= 0 THEN lpad(CAST({col} AS VARCHAR), 9, '0') "
            f"ELSE CAST({col} AS VARCHAR) END"
        )
    if typ == "float" and kind == Kind.MONEY:
        # Binary floating point cannot hold cents exactly: take values within a millionth
        # of a cent of a whole cent as that cent; others stay as they are and fail the check.
        return (
            f"CASE WHEN isfinite({col}) AND abs({col} * 100 - round({col} * 100)) < 1e-6 "
            f"THEN coalesce(CAST(TRY_CAST(round({col}, 2) AS DECIMAL(38, 2)) AS VARCHAR), "
            f"CAST({col} AS VARCHAR)) ELSE CAST({col} AS VARCHAR) END"
        )
    return f"CAST({col} AS VARCHAR)"


def create_from_file(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    target: str,
    build: Callable[[str], str],
    *,
    row_offset: int = 0,
) -> None:
    """Run the CREATE TABLE `build(scan_sql)` for `target`; raise DatasetError if the file
    cannot be read, leaving neither `target` nor the rejects tables behind. Rows named in
    errors count from `row_offset` (the file is the tail of a longer one)."""
    rejects = f"_hc_rejects_{target}"  # temporary; see dataset.HELPER_PREFIX
    first = None
    try:
        con.execute(build(scan_sql(source, rejects)))
        if source.fmt != "parquet":
            first = con.execute(
                f"SELECT line, column_idx, error_type, error_message FROM {rejects} "
                "ORDER BY line, column_idx LIMIT 1"
            ).fetchone()
    except _READ_ERRORS as exc:
        _drop(con, target, rejects, rejects + "_scans")
        raise DatasetError(source.name, _read_failure(source, exc)) from None
    _drop(con, rejects, rejects + "_scans")
    if first is not None:
        _drop(con, target)
        raise _reject_error(
            source, int(first[0]) + row_offset, first[1], str(first[2]), str(first[3])
        )


def _reject_error(
    source: Source, line: int, column_idx: object, error_type: str, message: str
) -> DatasetError:
    # DuckDB counts the header as line 1 (and counts blank lines, which it otherwise skips).
    row = line if source.fmt == "dmf" else line - 1
    column: str | None = None
    if isinstance(column_idx, int) and 1 <= column_idx <= len(source.header):
        column = source.header[column_idx - 1] or None
    kind = error_type.upper()
    if "COLUMNS" in kind:
        m = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
        problem = (
            f"has {m.group(2)} fields but the header has {m.group(1)}"
            if m
            else "has a different number of fields than the header"
        )
        problem += (
            "; every row needs one field per header column "
            "(a value containing a comma must be in double quotes)"
        )
        column = None
    elif "ENCODING" in kind:
        problem = (
            "contains bytes that are not valid UTF-8 text (the file has a different "
            "encoding); save the file as UTF-8"
        )
    elif "QUOTE" in kind:
        problem = (
            "has a double quote that is not properly paired (a quoted value must end with "
            'a quote, and a quote inside a value is written twice: "")'
        )
    elif "LINE SIZE" in kind:
        problem = "is too long (over 2 MB); is a closing double quote missing before it?"
        column = None
    else:
        problem = f"is not valid CSV ({error_type.lower()})"
    return DatasetError(source.name, problem, row=row, column=column)


def _read_failure(source: Source, exc: BaseException) -> str:
    if source.fmt == "parquet":
        if "UTF8" in str(exc) or "UTF-8" in str(exc):
            return "contains text that is not valid UTF-8; write its strings as UTF-8"
        return f"is not a readable Parquet file ({_first_line(exc)})"
    if "invalid state" in str(exc):
        # What DuckDB's strict RFC 4180 parser says about mixed line endings.
        return (
            "could not be read as CSV; this usually means its lines end in a mix of Windows "
            "(CRLF) and Unix (LF) line breaks: save it again with one kind"
        )
    return f"could not be read as CSV ({_first_line(exc)})"


def _first_line(exc: BaseException) -> str:
    """DuckDB's message, made safe to show: only its first line (later lines quote the
    offending record) and with anything in quotes (a value, a path) left out, since a
    value may be personal data."""
    lines = str(exc).strip().splitlines()
    if not lines:
        return type(exc).__name__
    return re.sub(r"\"[^\"]*\"|'[^']*'", "...", lines[0])[:200]


def _drop(con: duckdb.DuckDBPyConnection, *tables: str) -> None:
    for t in tables:
        con.execute(f"DROP TABLE IF EXISTS {t}")
