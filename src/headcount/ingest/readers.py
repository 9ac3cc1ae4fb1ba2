"""SQL that scans one input file as text, and turning read failures into DatasetErrors.

A scan yields one VARCHAR column per contract column found in the file, named after the
contract column (the DMF yields a single column `line`). Rows come in file order; the
caller's CREATE TABLE ... AS keeps that order, so the new table's rowid + 1 is the record
number in the file (DuckDB keeps insertion order while preserve_insertion_order is on).

A CSV is read in parallel and the read stops at the first unreadable record. DuckDB's
alternative, collecting every bad record in a rejects table, holds some 20 KB per bad
record however low its limit is set: a file whose every line has one field too many
would take the machine. Only when a read fails is the file read again, on one thread as
far as its first bad record, to say exactly which record that is (csv_errors.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import duckdb

from headcount.contract.tables import Kind
from headcount.ingest.csv_errors import (
    CsvFailure,
    bad_quote_field,
    bad_utf8_field,
    line_ending_change,
    parse_failure,
)
from headcount.ingest.errors import DatasetError
from headcount.ingest.files import InputSource
from headcount.ingest.mapping import CONFIG_FILE

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


def scan_sql(source: InputSource, *, serial: bool = False) -> str:
    """SELECT the file's contract columns as text (on one thread with `serial`)."""
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
    # auto_detect=false so nothing is guessed: RFC 4180 with commas and double quotes, as
    # the contract says. max_line_size bounds a record, so also a value (limits.py).
    parallel = ", parallel=false" if serial else ""
    return (
        f"SELECT {select} FROM read_csv({path}, header={header}, auto_detect=false, "
        f"columns={columns}, {options}, "
        f"max_line_size={source.limits.max_record_bytes}{parallel})"
    )


def _parquet_text(source: InputSource, contract: str, pos: int) -> str:
    """A Parquet value as the text a CSV of the same data would hold."""
    col = quote_ident(source.raw_names[pos])
    typ = source.types[pos]
    kind = source.table.column(contract).kind
    if typ == "timestamp" and kind == Kind.DATE:
        return f"CAST(CAST({col} AS DATE) AS VARCHAR)"
    if typ == "int" and kind in (Kind.SSN, Kind.TIN):
        # A nine-digit number stored as a number has lost its leading zeros; put them back.
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
    source: InputSource,
    target: str,
    build: Callable[[str], str],
    *,
    row_offset: int = 0,
) -> None:
    """Run the CREATE TABLE `build(scan_sql)` for `target`; raise DatasetError if the file
    cannot be read, leaving no `target` behind. Rows named in errors count from
    `row_offset` (the file is the tail of a longer one)."""
    try:
        con.execute(build(scan_sql(source)))
    except duckdb.Error as exc:
        if not _unreadable(source, exc):
            raise
        _drop(con, target)
        if source.fmt == "parquet":
            raise DatasetError(source.name, _parquet_failure(exc)) from None
        message = _first_bad_record(con, source, target, build) or str(exc)
        raise _csv_error(source, parse_failure(message), row_offset, exc) from None


def _unreadable(source: InputSource, exc: duckdb.Error) -> bool:
    # A corrupt Parquet file (a damaged footer or page) raises Thrift's errors as DuckDB's
    # unclassified base Error ("TProtocolException: Invalid data", "Out of buffer").
    return isinstance(exc, _READ_ERRORS) or (source.fmt == "parquet" and type(exc) is duckdb.Error)


def _first_bad_record(
    con: duckdb.DuckDBPyConnection, source: InputSource, target: str, build: Callable[[str], str]
) -> str | None:
    """DuckDB's message for the file's first bad record, from a read on one thread that
    stops there (threads reading in parallel may each stop at a record of their own, and
    DuckDB's parallel reader can take a record far over the size limit for an unclosed
    quote). None if that read passes: DuckDB's one-thread reader misses an unclosed quote
    at the very end of a file, which the parallel read reported."""
    try:
        con.execute(build(scan_sql(source, serial=True)))
    except _READ_ERRORS as exc:
        return str(exc) if _is_csv_error(exc) else None
    finally:
        _drop(con, target)
    return None


def _is_csv_error(exc: BaseException) -> bool:
    head = str(exc).split("\n", 1)[0]
    return "CSV Error on Line" in head or "invalid state" in head


def _csv_error(
    source: InputSource, failure: CsvFailure, row_offset: int, exc: BaseException
) -> DatasetError:
    if failure.kind in ("state", "quote", "columns") and source.fmt == "csv":
        mixed = _mixed_line_endings(source, failure.line)
        if mixed:
            return DatasetError(source.name, mixed)
    if failure.line is None or failure.kind in ("state", "other"):
        return DatasetError(source.name, f"could not be read as CSV ({_first_line(exc)})")
    # DuckDB counts the header as line 1 (and counts blank lines, which it otherwise skips).
    record = failure.line if source.fmt == "dmf" else failure.line - 1
    row, column = record + row_offset, None
    if failure.kind == "columns":
        expected, found = failure.numbers
        problem = (
            f"has {found} fields but the header has {expected}; every row needs one field "
            "per header column (a value containing a comma must be in double quotes)"
        )
    elif failure.kind == "encoding":
        problem = (
            "contains bytes that are not valid UTF-8 text (the file has a different "
            "encoding); save the file as UTF-8"
        )
        if source.fmt == "csv":
            column = _column(source, bad_utf8_field(source.path, record))
    elif failure.kind == "quote":
        problem = (
            "has a double quote that is not properly paired (a quoted value must end with "
            'a quote, and a quote inside a value is written twice: "")'
        )
        if failure.record is not None:
            column = _column(source, bad_quote_field(failure.record))
    else:  # line size
        limit = source.limits.max_record_bytes
        problem = (
            f"is longer than {limit:,} bytes, the limit for one record (and so for one "
            "value); is a closing double quote missing before it? If the file really holds "
            f"records this long, raise max_record_bytes under [limits] in {CONFIG_FILE}"
        )
    return DatasetError(source.name, problem, row=row, column=column)


def _mixed_line_endings(source: InputSource, line: int | None) -> str | None:
    """The message for a file whose lines end in both CRLF and LF, when that is what broke
    the read: the first line ending the other way is DuckDB's bad line or next to it (a
    change well before it is a line break inside a quoted value, which is fine)."""
    change = line_ending_change(source.path, None if line is None else line + 1)
    if change is None or (line is not None and change[1] < line - 1):
        return None
    header_crlf, at = change
    mine, other = (
        ("Windows (CRLF)", "Unix (LF)") if header_crlf else ("Unix (LF)", "Windows (CRLF)")
    )
    return (
        f"its lines end in a mix of Windows (CRLF) and Unix (LF) line breaks: the header "
        f"ends with a {mine} line break, line {at:,} with a {other} one. A CSV file is read "
        "with one kind throughout; save it again with one kind of line break"
    )


def _column(source: InputSource, field: int | None) -> str | None:
    if field is None or not 0 <= field < len(source.header):
        return None
    return source.header[field] or None


def _parquet_failure(exc: BaseException) -> str:
    if "UTF8" in str(exc) or "UTF-8" in str(exc):
        return "contains text that is not valid UTF-8; write its strings as UTF-8"
    return f"is not a readable Parquet file ({_first_line(exc)})"


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
