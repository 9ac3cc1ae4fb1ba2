"""Ingest: the typed shape of a valid dataset, and every input that stops the run.

Each bad-input case of the data contract raises DatasetError naming the file, row, column
and problem in plain words; the connection stays usable.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from headcount.contract.tables import TABLES
from headcount.ingest import Dataset, DatasetError
from test_ingest_support import (
    ROSTER,
    column_types,
    copy_fixture,
    edit_text,
    load,
    make_dataset,
    refused,
    rows,
    write_csv,
    write_table,
)

TYPED = {
    "roster": {
        "ssn": "VARCHAR",
        "date_of_birth": "DATE",
        "hire_date": "DATE",
        "separation_date": "DATE",
        "annual_salary": "DECIMAL(18,2)",
        "employee_id": "VARCHAR",
    },
    "payroll": {
        "pay_period_end": "DATE",
        "gross_pay": "DECIMAL(18,2)",
        "payment_type": "VARCHAR",
    },
    "deaths": {
        "date_of_death": "DATE",
        "date_of_birth": "DATE",
        "date_of_birth_lo": "DATE",
        "date_of_birth_hi": "DATE",
        "date_of_death_partial": "BOOLEAN",
        "source": "VARCHAR",
    },
    "campaigns": {"sent_at": "TIMESTAMP", "deadline": "TIMESTAMP", "policy": "VARCHAR"},
    "checkins": {"submitted_at": "TIMESTAMP", "source": "VARCHAR"},
    "activity": {"date": "DATE", "kind": "VARCHAR"},
    "hr_changes": {"entered_at": "TIMESTAMP", "effective_date": "DATE", "field": "VARCHAR"},
    "vendors": {"tin": "VARCHAR", "bank_account": "VARCHAR"},
}


# --- a valid dataset -------------------------------------------------------------------


def test_valid_fixture_loads_every_table(tmp_path: Path) -> None:
    con, ds = load(copy_fixture("valid", tmp_path / "ds"))
    assert isinstance(ds, Dataset)
    assert ds.present == frozenset(t.name for t in TABLES)
    assert ds.rows == {
        "roster": 4,
        "payroll": 5,
        "deaths": 13,
        "campaigns": 2,
        "checkins": 2,
        "activity": 4,
        "hr_changes": 3,
        "vendors": 2,
    }
    assert ds.files["deaths"] == "deaths.csv+deaths.dmf"
    assert ds.files["roster"] == "roster.csv"
    assert ds.folder == tmp_path / "ds"
    for table, expected in TYPED.items():
        types = column_types(con, table)
        assert types["_row"] == "BIGINT"
        for column, sql_type in expected.items():
            assert types[column] == sql_type, (table, column)
    # The contract's columns in contract order, then deaths' extras, then _row.
    for spec in TABLES:
        names = list(column_types(con, spec.name))
        assert names[: len(spec.column_names)] == list(spec.column_names)
        assert names[-1] == "_row"
    assert list(column_types(con, "data_quality")) == [
        "file",
        "row",
        "column",
        "problem",
        "employee_id",
        "payment_id",
    ]


def test_values_are_normalised(tmp_path: Path) -> None:
    con, ds = load(copy_fixture("valid", tmp_path / "ds"))
    roster = {r["employee_id"]: r for r in rows(con, "SELECT * FROM roster")}
    assert roster["E0001"]["ssn"] == "900000001"  # dashes removed
    assert roster["E0003"]["ssn"] == "900000003"  # inner spaces removed, trimmed
    assert roster["E0003"]["first_name"] == "Carol"  # trimmed
    assert roster["E0001"]["middle_name"] is None  # empty is missing
    assert roster["E0002"]["annual_salary"] == Decimal("72000.00")  # "$72,000"
    assert roster["E0004"]["annual_salary"] == Decimal("45000.50")
    assert roster["E0004"]["home_address"] == '400 Fictional Blvd, Apt "B"'
    assert roster["E0003"]["zip"] == "2321"  # unusual values are data, not errors
    assert roster["E0004"]["state"] == "ZZ"
    assert roster["E0002"]["separation_date"] == dt.date(2024, 8, 31)
    types = {r["payment_id"]: r["payment_type"] for r in rows(con, "SELECT * FROM payroll")}
    assert types == {
        "P0001": "REGULAR",
        "P0002": "REGULAR",  # "regular"
        "P0003": "LUMP_SUM_LEAVE",  # "Lump Sum Leave"
        "P0004": "AWARD",
        "P0005": "REGULAR",
    }
    policies = [r["policy"] for r in rows(con, "SELECT policy FROM campaigns ORDER BY _row")]
    assert policies == ["mandatory", "voluntary"]
    sources = [r["source"] for r in rows(con, "SELECT source FROM checkins ORDER BY _row")]
    assert sources == ["web", "email"]
    kinds = [r["kind"] for r in rows(con, "SELECT kind FROM activity ORDER BY _row")]
    assert kinds == ["badge", "login", "timecard", "leave"]
    assert ds.data_quality == 4  # all in deaths.dmf (see test_ingest_deaths)


def test_timestamps_are_utc(tmp_path: Path) -> None:
    con, _ = load(copy_fixture("valid", tmp_path / "ds"))
    got = rows(con, "SELECT sent_at, deadline FROM campaigns ORDER BY _row")
    assert got[0] == {
        "sent_at": dt.datetime(2025, 2, 22, 16, 45),
        "deadline": dt.datetime(2025, 2, 25, 4, 59),  # 23:59 at -05:00
    }
    assert got[1] == {
        "sent_at": dt.datetime(2025, 3, 1),  # a bare date is midnight UTC
        "deadline": dt.datetime(2025, 3, 3, 11, 0, 0, 250000),  # +01:00, fractions kept
    }
    submitted = rows(con, "SELECT submitted_at FROM checkins ORDER BY _row")
    assert submitted[1]["submitted_at"] == dt.datetime(2025, 2, 24, 8, 0)  # no offset: UTC


def test_absent_optional_tables_are_created_empty(tmp_path: Path) -> None:
    con, ds = load(make_dataset(tmp_path / "ds"))
    assert ds.present == frozenset({"roster", "payroll"})
    assert set(ds.rows) == {"roster", "payroll"}
    assert set(ds.files) == {"roster", "payroll"}
    assert ds.data_quality == 0
    full, _ = load(copy_fixture("valid", tmp_path / "full"))
    for table in ("deaths", "campaigns", "checkins", "activity"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)
        assert column_types(con, table) == column_types(full, table)


def test_progress_is_reported_per_table(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    load(make_dataset(tmp_path / "ds"), progress=lambda *a: calls.append(a))
    names = [t.name for t in TABLES]
    count = len(names)
    assert calls == [(n, i, count) for i, n in enumerate(names)] + [(names[-1], count, count)]


def test_dataset_error_reads_plainly() -> None:
    err = DatasetError("roster.csv", "'E0012' appears again", row=12, column="employee_id")
    assert str(err) == "roster.csv, row 12, column employee_id: 'E0012' appears again"
    assert (err.file, err.row, err.column, err.problem) == (
        "roster.csv",
        12,
        "employee_id",
        "'E0012' appears again",
    )
    assert str(DatasetError("payroll.csv", "is missing")) == "payroll.csv: is missing"
    import pickle

    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err) and again.row == 12


def test_connection_is_clean_after_load_and_after_failure(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    con, _ = load(folder)
    temp = con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()
    assert temp == (0,)
    (folder / "payroll.csv").write_text("payment_id\n", encoding="utf-8")
    err = refused(folder)
    assert err.column == "pay_period_end"


def test_insertion_order_setting_is_restored(tmp_path: Path) -> None:
    import duckdb

    from headcount.ingest import load_dataset

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    load_dataset(make_dataset(tmp_path / "ds"), con)
    assert con.execute("SELECT current_setting('preserve_insertion_order')").fetchone() == (False,)


# --- files -------------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["roster", "payroll"])
def test_required_file_missing(tmp_path: Path, table: str) -> None:
    folder = make_dataset(tmp_path / "ds")
    (folder / f"{table}.csv").unlink()
    err = refused(folder)
    assert err.file == f"{table}.csv"
    assert err.row is None and err.column is None
    assert "missing" in err.problem and f"{table}.parquet" in err.problem


def test_folder_missing(tmp_path: Path) -> None:
    err = refused(tmp_path / "nowhere")
    assert "not a folder" in err.problem


def test_csv_and_parquet_of_one_table(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    (folder / "roster.parquet").write_bytes(b"PAR1")
    err = refused(folder)
    assert "roster.csv" in str(err) and "roster.parquet" in str(err)
    assert "only one" in err.problem


def test_names_differing_only_in_case(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    (folder / "ROSTER.csv").write_text((folder / "roster.csv").read_text())
    err = refused(folder)
    assert "ROSTER.csv" in str(err) and "roster.csv" in str(err)


def test_file_names_match_case_insensitively(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    (folder / "payroll.csv").rename(folder / "Payroll.CSV")
    _, ds = load(folder)
    assert ds.files["payroll"] == "Payroll.CSV"


def test_binary_junk_is_not_csv(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    (folder / "payroll.csv").write_bytes(bytes(range(256)) * 20)
    err = refused(folder)
    assert err.file == "payroll.csv"
    assert "not a CSV" in err.problem


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"\xef\xbb\xbf  \n", "empty"),
        (b"PAR1\x00\x00junk", "Parquet file, not CSV"),
        (b"PK\x03\x04rest-of-a-zip", "spreadsheet or zip"),
        (b"\x1f\x8b\x08\x00gzip", "compressed"),
        ("employee_id,ssn\n".encode("utf-16"), "UTF-16"),
    ],
)
def test_files_that_are_plainly_not_csv(tmp_path: Path, content: bytes, words: str) -> None:
    folder = make_dataset(tmp_path / "ds")
    (folder / "roster.csv").write_bytes(content)
    err = refused(folder)
    assert err.file == "roster.csv"
    assert words in err.problem


def test_corrupt_parquet(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    (folder / "roster.csv").unlink()
    (folder / "roster.parquet").write_bytes(b"PAR1" + bytes(range(200)) + b"PAR1")
    err = refused(folder)
    assert err.file == "roster.parquet"
    assert "not a readable Parquet file" in err.problem


# --- headers -------------------------------------------------------------------------------


def test_required_column_missing(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    edit_text(folder / "roster.csv", lambda t: t.replace("hire_date", "hired_on", 1))
    err = refused(folder)
    assert (err.file, err.row, err.column) == ("roster.csv", None, "hire_date")
    assert "required column hire_date is missing" in err.problem
    assert "hired_on" in err.problem  # the header is listed to help find the culprit
    assert "headcount.toml" in err.problem


def test_semicolon_file_gets_a_hint(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    edit_text(folder / "roster.csv", lambda t: t.replace(",", ";"))
    err = refused(folder)
    assert err.column == "employee_id"
    assert "not to be comma-separated" in err.problem


def test_duplicate_header(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    edit_text(folder / "roster.csv", lambda t: t.replace("city", "STATE ", 1))
    err = refused(folder)
    assert (err.file, err.row, err.column) == ("roster.csv", None, "state")
    assert "two columns named state" in err.problem
    assert "column 18 'STATE'" in err.problem and "column 19 'state'" in err.problem


def test_duplicate_extra_header_is_also_refused(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    edit_text(folder / "payroll.csv", lambda t: t.replace("\n", ",note,Note\n", 1))
    edit_text(
        folder / "payroll.csv",
        lambda t: (
            "\n".join(line + ",a,b" if i else line for i, line in enumerate(t.split("\n")) if line)
            + "\n"
        ),
    )
    err = refused(folder)
    assert err.column == "note"


def test_headers_match_case_and_blanks_insensitively_extra_columns_ignored(
    tmp_path: Path,
) -> None:
    folder = make_dataset(tmp_path / "ds")
    edit_text(
        folder / "roster.csv",
        lambda t: t.replace("employee_id", " Employee_ID ", 1).replace("\n", ",Notes\n", 1),
    )
    edit_text(
        folder / "roster.csv",
        lambda t: (
            "\n".join(
                line + (",anything" if i else "") for i, line in enumerate(t.split("\n")) if line
            )
            + "\n"
        ),
    )
    con, ds = load(folder)
    assert ds.mapping["roster"]["employee_id"] == "Employee_ID"
    assert "notes" not in column_types(con, "roster")
    assert ds.rows["roster"] == 3


def test_header_not_utf8(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    data = (folder / "roster.csv").read_bytes().replace(b"city", b"cit\xe9", 1)
    (folder / "roster.csv").write_bytes(data)
    err = refused(folder)
    assert err.file == "roster.csv" and err.row is None
    assert "header" in err.problem and "UTF-8" in err.problem


def test_bom_and_crlf_are_fine(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    text = (folder / "roster.csv").read_text(encoding="utf-8")
    (folder / "roster.csv").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    con, ds = load(folder)
    assert ds.rows["roster"] == 3
    assert rows(con, "SELECT zip FROM roster WHERE _row = 3") == [{"zip": "22150"}]
    assert ds.data_quality == 0


# --- rows ----------------------------------------------------------------------------------


def test_wrong_encoding_names_the_record(tmp_path: Path) -> None:
    folder = make_dataset(
        tmp_path / "ds",
        roster=[
            {"employee_id": "E1", "home_address": "1 Line\nTwo"},  # a record over two lines
            {"employee_id": "E2"},
            {"employee_id": "E3", "city": "Montreal"},
        ],
    )
    data = (folder / "roster.csv").read_bytes().replace(b"Montreal", b"Montr\xe9al")
    (folder / "roster.csv").write_bytes(data)
    err = refused(folder)
    assert (err.file, err.row, err.column) == ("roster.csv", 3, "city")
    assert "UTF-8" in err.problem
    assert "Montr" not in str(err)


@pytest.mark.parametrize(
    ("line", "found"),
    [("E9,900000009,extra", "3"), ("E9,900000009," + ",".join(["x"] * 19), "21")],
)
def test_wrong_number_of_fields(tmp_path: Path, line: str, found: str) -> None:
    folder = make_dataset(tmp_path / "ds", roster=[{"employee_id": "E1", "first_name": "A\nB"}])
    edit_text(folder / "roster.csv", lambda t: t + line + "\n")
    err = refused(folder)
    assert (err.file, err.row, err.column) == ("roster.csv", 2, None)
    assert f"has {found} fields but the header has 20" in err.problem
    assert "900000009" not in str(err)  # the record itself is never quoted


def test_unpaired_quote(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    edit_text(folder / "payroll.csv", lambda t: t + 'P9,2025-01-11,"oops\n')
    err = refused(folder)
    assert err.file == "payroll.csv" and err.row == 4
    assert "double quote" in err.problem


def test_mixed_line_endings_get_a_plain_message(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    text = (folder / "payroll.csv").read_text()
    lines = text.split("\n")
    (folder / "payroll.csv").write_text(lines[0] + "\r\n" + "\n".join(lines[1:]), newline="")
    err = refused(folder)
    assert err.file == "payroll.csv"
    assert "line breaks" in err.problem


# --- keys ------------------------------------------------------------------------------


def test_employee_id_not_unique(tmp_path: Path) -> None:
    roster = [{"employee_id": f"E{i}"} for i in range(1, 6)]
    roster[2]["employee_id"] = " E1 "  # row 3 repeats row 1 (after trimming)
    roster[4]["employee_id"] = "E2"  # row 5 repeats row 2: reported second, so not shown
    err = refused(make_dataset(tmp_path / "ds", roster=roster))
    assert (err.file, err.row, err.column) == ("roster.csv", 3, "employee_id")
    assert str(err) == (
        "roster.csv, row 3, column employee_id: 'E1' appears again (first at row 1); "
        "employee_id must be unique in the roster"
    )


def test_employee_id_empty(tmp_path: Path) -> None:
    roster = [{"employee_id": "E1"}, {"employee_id": "  "}]
    err = refused(make_dataset(tmp_path / "ds", roster=roster))
    assert (err.file, err.row, err.column) == ("roster.csv", 2, "employee_id")
    assert "empty" in err.problem


def test_payment_id_not_unique(tmp_path: Path) -> None:
    payroll = [{"payment_id": p} for p in ("P1", "P2", "P3", "P2")]
    err = refused(make_dataset(tmp_path / "ds", payroll=payroll))
    assert (err.file, err.row, err.column) == ("payroll.csv", 4, "payment_id")
    assert "'P2' appears again (first at row 2)" in err.problem


def test_payment_id_empty(tmp_path: Path) -> None:
    payroll = [{"payment_id": "P1"}, {"payment_id": "P2"}, {"payment_id": ""}]
    err = refused(make_dataset(tmp_path / "ds", payroll=payroll))
    assert (err.file, err.row, err.column) == ("payroll.csv", 3, "payment_id")


def test_other_ids_may_repeat(tmp_path: Path) -> None:
    # employee_id repeats in payroll (one row per payment) and may be empty there.
    payroll = [
        {"payment_id": "P1", "employee_id": "E1"},
        {"payment_id": "P2", "employee_id": "E1"},
        {"payment_id": "P3", "employee_id": ""},
    ]
    _, ds = load(make_dataset(tmp_path / "ds", payroll=payroll))
    assert ds.rows["payroll"] == 3


def test_header_only_files_are_valid_and_empty(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    folder.mkdir()
    write_csv(folder / "roster.csv", ROSTER.column_names, [])
    write_table(folder, "payroll", [])
    con, ds = load(folder)
    assert ds.rows == {"roster": 0, "payroll": 0}
    assert column_types(con, "roster")["hire_date"] == "DATE"


def test_dataset_is_frozen(tmp_path: Path) -> None:
    import dataclasses

    _, ds = load(make_dataset(tmp_path / "ds"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.data_quality = 5  # type: ignore[misc]


def test_a_file_without_line_breaks(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    (folder / "roster.csv").write_text("employee_id," + "x," * 700_000)
    err = refused(folder)
    assert err.file == "roster.csv"
    assert "no line break" in err.problem
