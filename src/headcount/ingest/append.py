"""Appending the new rows of payroll.csv to a stored payroll table (`verify --state`).

When payroll.csv has only grown — its old content is an exact prefix of the new file —
only the tail is read. It is read and checked exactly as a whole file is (readers.py,
typed.py), with record numbers continuing from the stored rows, so an error or a
DATA_QUALITY row names the row of payroll.csv itself; payment ids must not repeat any
already stored. Nothing is added to `payroll` unless the whole tail is good.
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from headcount.contract.tables import PAYROLL
from headcount.ingest.dataset import first_bad_cell, keep_insertion_order, load_rows
from headcount.ingest.errors import DatasetError
from headcount.ingest.files import check_no_nul, locate, open_source, read_csv_header
from headcount.ingest.mapping import load_limits, load_mapping
from headcount.ingest.typed import check_key_new
from headcount.scratch import temp_dir

APPENDED = "appended"  # the temporary table of new rows the caller may read afterwards
_COPY_BUFFER = 16 * 1024 * 1024


@dataclass(frozen=True)
class Appended:
    rows: int  # rows added to payroll
    bad_cells: int  # DATA_QUALITY rows added


def append_payroll(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    offset: int,
    old_rows: int,
    *,
    strict: bool = False,
) -> Appended:
    """Add the rows of the folder's payroll.csv from byte `offset` on (a record boundary:
    the file's length when `old_rows` rows were read) to `payroll`, and leave them in the
    temporary table `appended`. Raises DatasetError, having added nothing, on bad input."""
    mapping, limits = load_mapping(folder), load_limits(folder)
    path, fmt = locate(folder)[PAYROLL.name][0]
    if fmt != "csv":
        raise ValueError("only a CSV payroll can be appended to")
    check_no_nul(path, start=offset)  # here, so that a NUL's line is the file's own
    restore_order = keep_insertion_order(con)
    try:
        with temp_dir("headcount-tail-") as tmp:
            # The tail under the file's own name, behind the same header: errors name it.
            tail = Path(tmp) / path.name
            _write_tail(path, offset, tail, read_csv_header(path, limits))
            src = open_source(PAYROLL, tail, "csv", mapping, limits)
            bad = load_rows(con, PAYROLL, src, APPENDED, temp=True, row_offset=old_rows)
        check_key_new(con, PAYROLL, APPENDED, PAYROLL.name, path.name)
        if strict and bad:
            raise first_bad_cell(con, bad)
        con.execute(f"INSERT INTO {PAYROLL.name} BY NAME SELECT * FROM {APPENDED}")
        [(counted,)] = con.execute(f"SELECT count(*) FROM {APPENDED}").fetchall()
    except DatasetError:
        # The caller's transaction is rolled back too; this keeps a reused connection clean.
        con.execute(f"DROP TABLE IF EXISTS temp.{APPENDED}")
        raise
    finally:
        if restore_order:
            con.execute("SET preserve_insertion_order = false")
    return Appended(rows=int(counted), bad_cells=bad)


def _write_tail(path: Path, offset: int, tail: Path, header: tuple[str, ...]) -> None:
    with tail.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerow(header)
    with path.open("rb") as src, tail.open("ab") as dst:
        src.seek(offset)
        shutil.copyfileobj(src, dst, _COPY_BUFFER)
