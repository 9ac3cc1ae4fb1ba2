"""Parquet and CSV give the same typed tables; headcount.toml mappings; record numbers.

Record numbers (`_row`) come from DuckDB's rowid of a table filled in file order, so they
are checked on a file big enough for DuckDB to read in parallel, and around quoted fields
that span lines.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from headcount.contract.tables import TABLES
from test_ingest_support import (
    copy_fixture,
    edit_text,
    load,
    make_dataset,
    quality,
    refused,
    rows,
    write_table,
)

# --- Parquet ---------------------------------------------------------------------------------

ROSTER_CSV = [
    {
        "employee_id": "E1",
        "ssn": "012345678",
        "date_of_birth": "1970-01-15",
        "hire_date": "2005-06-01",
        "separation_date": "",
        "annual_salary": "98500.5",
        "grade": "13",
    },
    {
        "employee_id": "E2",
        "ssn": "900000002",
        "date_of_birth": "1981-03-30",
        "hire_date": "2012-09-15",
        "separation_date": "2024-08-31",
        "annual_salary": "72000",
        "grade": "11",
    },
    {
        "employee_id": "E3",
        "ssn": "",
        "date_of_birth": "",
        "hire_date": "2020-01-06",
        "separation_date": "",
        "annual_salary": "-5.00",  # a bad cell in both formats
        "grade": "",
    },
]


def roster_parquet(path: Path) -> None:
    """The rows of ROSTER_CSV as a Parquet file with typed columns, as an agency's tool
    would write them: integer SSN and grade, DATE, TIMESTAMP and DOUBLE columns."""
    base: dict[str, list[str | None]] = {c: [None] * 3 for c in TABLES[0].column_names}
    text_defaults = write_defaults()
    for c in base:
        base[c] = [text_defaults[c] or None] * 3
    columns: dict[str, Any] = dict(base)
    columns["employee_id"] = ["E1", "E2", "E3"]
    columns["ssn"] = pa.array([12345678, 900000002, None], pa.int64())
    columns["date_of_birth"] = pa.array([dt.date(1970, 1, 15), dt.date(1981, 3, 30), None])
    columns["hire_date"] = pa.array(
        [dt.datetime(2005, 6, 1), dt.datetime(2012, 9, 15), dt.datetime(2020, 1, 6)],
        pa.timestamp("us"),
    )
    columns["separation_date"] = pa.array([None, dt.date(2024, 8, 31), None], pa.date32())
    columns["annual_salary"] = pa.array([98500.5, 72000.0, -5.0], pa.float64())
    columns["grade"] = pa.array([13, 11, None], pa.int32())
    columns["middle_name"] = pa.array([None, None, None], pa.string())
    columns["supervisor_id"] = pa.array([None, None, None], pa.string())
    pq.write_table(pa.table(columns), path)


def write_defaults() -> dict[str, str]:
    from test_ingest_support import ROSTER_DEFAULT

    return ROSTER_DEFAULT


def payroll_parquet(path: Path) -> None:
    from test_ingest_support import PAYROLL_DEFAULT

    n = 3
    columns: dict[str, Any] = {c: [v or None] * n for c, v in PAYROLL_DEFAULT.items()}
    columns["payment_id"] = ["P1", "P2", "P3"]
    columns["employee_id"] = ["E1", "E2", "E3"]
    columns["pay_period_end"] = pa.array([dt.date(2025, 1, 11)] * n)
    columns["gross_pay"] = pa.array(
        [Decimal("3269.23"), Decimal("100.10"), Decimal("0.00")], pa.decimal128(12, 2)
    )
    columns["net_pay"] = pa.array([2300.1, 0.1 + 0.2, 99.99], pa.float64())  # 0.30000000000000004
    columns["federal_tax"] = pa.array([500, 0, 1], pa.int64())
    pq.write_table(pa.table(columns), path, row_group_size=1)


PAYROLL_CSV = [
    {
        "payment_id": "P1",
        "employee_id": "E1",
        "gross_pay": "3269.23",
        "net_pay": "2300.1",
        "federal_tax": "500",
    },
    {
        "payment_id": "P2",
        "employee_id": "E2",
        "gross_pay": "100.10",
        "net_pay": "0.3",
        "federal_tax": "0",
    },
    {
        "payment_id": "P3",
        "employee_id": "E3",
        "gross_pay": "0.00",
        "net_pay": "99.99",
        "federal_tax": "1",
    },
]


def campaigns_parquet(path: Path) -> None:
    utc = pa.timestamp("us", tz="UTC")
    pq.write_table(
        pa.table(
            {
                "campaign_id": ["C1", "C2"],
                "sent_at": pa.array([dt.datetime(2025, 2, 22, 16, 45, tzinfo=dt.UTC), None], utc),
                "deadline": pa.array(
                    [dt.datetime(2025, 2, 25, 4, 59), dt.datetime(2025, 3, 3, 11, 0, 0, 250000)],
                    pa.timestamp("ms"),
                ),
                "agency": ["VA", "OPM"],
                "policy": ["Mandatory", "bogus"],
            }
        ),
        path,
    )


CAMPAIGNS_CSV = [
    {
        "campaign_id": "C1",
        "sent_at": "2025-02-22T16:45:00Z",
        "deadline": "2025-02-24T23:59:00-05:00",
        "agency": "VA",
        "policy": "Mandatory",
    },
    {
        "campaign_id": "C2",
        "sent_at": "",
        "deadline": "2025-03-03T12:00:00.250+01:00",
        "agency": "OPM",
        "policy": "bogus",
    },
]


def typed_contents(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    out = {t.name: con.execute(f"SELECT * FROM {t.name} ORDER BY _row").fetchall() for t in TABLES}
    out["data_quality"] = con.execute(
        "SELECT replace(file, '.parquet', '.csv'), \"row\", \"column\", problem, employee_id, "
        "payment_id FROM data_quality ORDER BY rowid"
    ).fetchall()
    return out


def test_parquet_and_csv_give_identical_tables(tmp_path: Path) -> None:
    csv_dir = make_dataset(
        tmp_path / "csv", roster=ROSTER_CSV, payroll=PAYROLL_CSV, campaigns=CAMPAIGNS_CSV
    )
    pq_dir = tmp_path / "parquet"
    pq_dir.mkdir()
    roster_parquet(pq_dir / "roster.parquet")
    payroll_parquet(pq_dir / "payroll.parquet")
    campaigns_parquet(pq_dir / "campaigns.parquet")
    csv_con, csv_ds = load(csv_dir)
    pq_con, pq_ds = load(pq_dir)
    assert pq_ds.files == {
        "roster": "roster.parquet",
        "payroll": "payroll.parquet",
        "campaigns": "campaigns.parquet",
    }
    assert pq_ds.rows == csv_ds.rows
    csv_tables, pq_tables = typed_contents(csv_con), typed_contents(pq_con)
    for table in csv_tables:
        assert pq_tables[table] == csv_tables[table], table
    # The leading zero an integer column lost is restored; float cents are exact cents.
    assert rows(pq_con, "SELECT ssn FROM roster WHERE _row = 1") == [{"ssn": "012345678"}]
    assert rows(pq_con, "SELECT net_pay FROM payroll WHERE _row = 2") == [
        {"net_pay": Decimal("0.30")}
    ]
    problems = [(r["file"], r["column"]) for r in quality(pq_con)]
    assert problems == [("roster.parquet", "annual_salary"), ("campaigns.parquet", "policy")]


def test_parquet_missing_column_and_duplicate(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    (folder / "roster.csv").unlink()
    pq.write_table(
        pa.table({"employee_id": ["E1"], "ssn": ["900000001"]}), folder / "roster.parquet"
    )
    err = refused(folder)
    assert (err.file, err.column) == ("roster.parquet", "first_name")
    pq.write_table(
        pa.table({"employee_id": ["E1"], "EMPLOYEE_ID": ["E2"]}), folder / "roster.parquet"
    )
    err = refused(folder)
    assert (err.file, err.column) == ("roster.parquet", "employee_id")


def test_parquet_row_numbers_follow_row_groups(tmp_path: Path) -> None:
    from test_ingest_support import PAYROLL_DEFAULT

    n = 20_000
    columns: dict[str, Any] = {c: [v] * n for c, v in PAYROLL_DEFAULT.items()}
    columns["payment_id"] = [f"P{i:06d}" for i in range(n)]
    columns["gross_pay"] = ["1.00"] * n
    columns["gross_pay"][12_345] = "bad"
    folder = make_dataset(tmp_path / "ds")
    (folder / "payroll.csv").unlink()
    pq.write_table(pa.table(columns), folder / "payroll.parquet", row_group_size=777)
    con, ds = load(folder)
    assert ds.rows["payroll"] == n
    off = con.execute(
        "SELECT count(*) FROM payroll WHERE payment_id <> 'P' || lpad(CAST(_row - 1 AS VARCHAR), 6, '0')"
    ).fetchone()
    assert off == (0,)
    assert [(r["row"], r["payment_id"]) for r in quality(con)] == [(12_346, "P012345")]


# --- record numbers ----------------------------------------------------------------------------


def test_quoted_newlines_do_not_start_records(tmp_path: Path) -> None:
    payroll = [
        {"payment_id": "P1", "mailing_address": "1 Main St\nApt 2"},
        {"payment_id": "P2", "payee_name": 'Says "hi"\r\nand, more\n\nlines'},
        {"payment_id": "P3", "gross_pay": "oops"},
        {"payment_id": "P4", "mailing_address": "\n"},
        {"payment_id": "P5", "pay_date": "2025-02-30"},
    ]
    con, _ = load(make_dataset(tmp_path / "ds", payroll=payroll))
    got = rows(con, "SELECT payment_id, _row, payee_name FROM payroll ORDER BY _row")
    assert [(r["payment_id"], r["_row"]) for r in got] == [(f"P{i}", i) for i in range(1, 6)]
    assert got[1]["payee_name"] == 'Says "hi"\r\nand, more\n\nlines'
    assert [(r["row"], r["payment_id"]) for r in quality(con)] == [(3, "P3"), (5, "P5")]


def test_record_order_on_a_file_read_in_parallel(tmp_path: Path) -> None:
    """A payroll file of several DuckDB buffers: `_row` must still be the record number,
    bad cells and a fatal error must name the right records."""
    folder = make_dataset(tmp_path / "ds")
    n = 300_000
    src = duckdb.connect()
    src.execute("SET threads = 2")
    path = str(folder / "payroll.csv").replace("'", "''")
    src.execute(
        f"""COPY (
        SELECT 'P' || lpad(CAST(i AS VARCHAR), 7, '0') AS payment_id,
               '2025-01-11' AS pay_period_end,
               CASE WHEN i = 123456 THEN '2025-02-30' ELSE '2025-01-17' END AS pay_date,
               'REGULAR' AS payment_type, 'E' || (i % 1000) AS employee_id,
               '900000001' AS ssn,
               CASE WHEN i % 997 = 0 THEN 'Name' || chr(10) || 'over lines' ELSE 'Name' END
                   AS payee_name,
               '3269.23' AS gross_pay, '2300.00' AS net_pay, '500.00' AS federal_tax,
               '250.00' AS retirement, '219.23' AS health_benefits,
               '011000015' AS bank_routing, '000111222' AS bank_account,
               'A rather long mailing address to make the file bigger, ' || i AS mailing_address,
               'Springfield' AS city, 'VA' AS state, '22150' AS zip
        FROM range({n}) t(i)) TO '{path}' (HEADER)"""
    )
    con = duckdb.connect()
    con.execute("SET threads = 2")
    from headcount.ingest import load_dataset

    ds = load_dataset(folder, con)
    assert ds.rows["payroll"] == n
    off = con.execute(
        "SELECT count(*) FROM payroll "
        "WHERE payment_id <> 'P' || lpad(CAST(_row - 1 AS VARCHAR), 7, '0')"
    ).fetchone()
    assert off == (0,)
    assert [(r["row"], r["column"]) for r in quality(con)] == [(123_457, "pay_date")]

    # A record with a missing field near the end: the error names that record.
    with (folder / "payroll.csv").open("a") as fh:
        fh.write("P9999999,2025-01-11\n")
    err = refused(folder)
    assert (err.file, err.row) == ("payroll.csv", n + 1)


# --- headcount.toml --------------------------------------------------------------------------


def test_mapping_renames_agency_columns(tmp_path: Path) -> None:
    con, ds = load(copy_fixture("mapped", tmp_path / "ds"))
    assert ds.mapping["roster"]["employee_id"] == "EMPLID"
    assert ds.mapping["roster"]["ssn"] == "SOC_SEC_NO"
    assert ds.mapping["roster"]["date_of_birth"] == "Birth Date"
    assert ds.mapping["roster"]["first_name"] == "First_Name"  # matched without a mapping
    assert ds.mapping["payroll"]["payment_id"] == "PAY_ID"
    assert ds.mapping["payroll"]["employee_id"] == "EMPLID"  # mapped as "emplid"
    got = rows(con, "SELECT employee_id, ssn, date_of_birth FROM roster ORDER BY _row")
    assert got[0] == {
        "employee_id": "A-1",
        "ssn": "900000001",
        "date_of_birth": dt.date(1970, 1, 15),
    }
    assert rows(con, "SELECT payment_id, employee_id FROM payroll") == [
        {"payment_id": "X1", "employee_id": "A-1"}
    ]


def write_toml(folder: Path, text: str) -> None:
    (folder / "headcount.toml").write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("toml", "setting", "words"),
    [
        ('[rooster.columns]\nemployee_id = "EMPLID"\n', "rooster", "not a table"),
        ('[roster.columns]\nemp_id = "EMPLID"\n', "roster.columns.emp_id", "not a roster column"),
        ("[roster.columns]\nemployee_id = 7\n", "roster.columns.employee_id", "in quotes"),
        ('[roster.rename]\nemployee_id = "EMPLID"\n', "roster.rename", "unknown setting"),
        ('roster = "EMPLID"\n', "roster", "must be a section"),
        (
            '[roster.columns]\nemployee_id = "X"\nssn = "x"\n',
            "roster.columns.ssn",
            "maps 'x' again",
        ),
        (
            '[roster.columns]\nemployee_id = "EMPLID"\n',
            "roster.columns.employee_id",
            "roster.csv has no column of that name",
        ),
    ],
)
def test_bad_mappings(tmp_path: Path, toml: str, setting: str, words: str) -> None:
    folder = make_dataset(tmp_path / "ds")
    write_toml(folder, toml)
    err = refused(folder)
    assert (err.file, err.column, err.row) == ("headcount.toml", setting, None)
    assert words in err.problem
    assert str(err).startswith(f"headcount.toml, setting {setting}: ")


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    write_toml(folder, '# comment\n[roster.columns]\nemployee_id = "EMPLID\n')
    err = refused(folder)
    assert (err.file, err.row) == ("headcount.toml", 3)
    assert "not valid TOML" in err.problem


def test_mapping_onto_a_second_column_of_the_same_name_is_a_duplicate(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    edit_text(folder / "roster.csv", lambda t: t.replace("\n", ",EMPLID\n", 1))
    edit_text(
        folder / "roster.csv",
        lambda t: (
            "\n".join(line + (",X" if i else "") for i, line in enumerate(t.split("\n")) if line)
            + "\n"
        ),
    )
    write_toml(folder, '[roster.columns]\nemployee_id = "emplid"\n')
    err = refused(folder)
    assert (err.file, err.column) == ("roster.csv", "employee_id")
    assert "once headcount.toml is applied" in err.problem


def test_mapping_for_an_absent_table_is_ignored(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    write_toml(folder, '[activity.columns]\nkind = "EVENT"\n')
    _, ds = load(folder)
    assert "activity" not in ds.present


def test_mapping_of_an_optional_table(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    write_table(folder, "activity", [{"kind": "LOGIN"}])
    edit_text(folder / "activity.csv", lambda t: t.replace("kind", "Event Type", 1))
    write_toml(folder, '[activity.columns]\nkind = "event type"\n')
    con, ds = load(folder)
    assert ds.mapping["activity"]["kind"] == "Event Type"
    assert rows(con, "SELECT kind FROM activity") == [{"kind": "login"}]


def test_parquet_names_with_blanks_and_text_stored_as_bytes(tmp_path: Path) -> None:
    from test_ingest_support import ROSTER_DEFAULT

    columns: dict[str, Any] = {f" {c} ": [v] for c, v in ROSTER_DEFAULT.items()}
    columns[" last_name "] = pa.array([b"Person"], pa.binary())
    folder = make_dataset(tmp_path / "ds")
    (folder / "roster.csv").unlink()
    pq.write_table(pa.table(columns), folder / "roster.parquet")
    con, ds = load(folder)
    assert ds.mapping["roster"]["ssn"] == "ssn"
    assert rows(con, "SELECT ssn, last_name FROM roster") == [
        {"ssn": "900000001", "last_name": "Person"}
    ]


def test_parquet_with_bad_utf8_text_is_refused_without_echo(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    (folder / "roster.csv").unlink()
    from test_ingest_support import ROSTER_DEFAULT

    columns: dict[str, Any] = {c: [v] for c, v in ROSTER_DEFAULT.items()}
    columns["home_address"] = pa.array([b"1 Rue de Montr\xe9al 900-00-0001"], pa.binary())
    pq.write_table(pa.table(columns), folder / "roster.parquet")
    err = refused(folder)
    assert err.file == "roster.parquet"
    assert "UTF-8" in err.problem
    assert "Montr" not in str(err) and "0001" not in str(err)


def test_blank_lines_are_not_records(tmp_path: Path) -> None:
    # DuckDB skips blank lines, so `_row` counts records only; a fatal error's row, taken
    # from DuckDB's line count, does count them (documented in the report of decisions).
    folder = make_dataset(tmp_path / "ds")
    edit_text(folder / "payroll.csv", lambda t: t.replace("\nP2,", "\n\nP2,", 1) + "\n")
    con, ds = load(folder)
    assert ds.rows["payroll"] == 3
    assert [r["_row"] for r in rows(con, "SELECT _row FROM payroll ORDER BY _row")] == [1, 2, 3]
