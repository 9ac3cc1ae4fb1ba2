"""Bad cells: the value counts as missing, the row stays, and data_quality names the cell.

One test per kind of bad cell, plus what is NOT a bad cell, secrets never echoed, and
strict mode.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from headcount.contract.tables import SECRET_COLUMNS
from test_ingest_support import load, make_dataset, quality, refused, rows

EMPLOYEES = [{"employee_id": f"E{i}", "ssn": f"900-00-000{i}"} for i in (1, 2, 3)]


def payroll_with(column: str, value: str) -> list[dict[str, str]]:
    """Three payments; the second has `value` in `column`."""
    pays = [{"payment_id": f"P{i}", "employee_id": f"E{i}"} for i in (1, 2, 3)]
    pays[1][column] = value
    return pays


def one_bad(
    tmp_path: Path, table: str, column: str, value: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Load a dataset with one bad cell in row 2 of `table`; return its DQ row and typed row."""
    if table == "payroll":
        folder = make_dataset(tmp_path / "ds", payroll=payroll_with(column, value))
    elif table == "roster":
        roster = [dict(e) for e in EMPLOYEES]
        roster[1][column] = value
        folder = make_dataset(tmp_path / "ds", roster=roster)
    else:
        others: list[dict[str, str]] = [{}, {column: value}, {}]
        folder = make_dataset(tmp_path / "ds", **{table: others})
    con, ds = load(folder)
    dq = quality(con)
    assert len(dq) == 1, dq
    assert ds.data_quality == 1
    assert ds.rows[table] == 3  # the row stays
    typed = rows(con, f"SELECT * FROM {table} WHERE _row = 2")
    assert len(typed) == 1
    assert typed[0][column] is None  # the value counts as missing
    assert dq[0]["file"] == f"{table}.csv"
    assert dq[0]["row"] == 2
    assert dq[0]["column"] == column
    return dq[0], typed[0]


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("pay_date", "2025-02-30", "'2025-02-30' is not a real calendar date"),
        ("pay_date", "2025-13-01", "'2025-13-01' is not a real calendar date"),
        ("pay_date", "0000-01-01", "'0000-01-01' is not a real calendar date"),
        ("pay_period_end", "next week", "'next week' is not a date in the form YYYY-MM-DD"),
        ("pay_period_end", "02/14/2025", "'02/14/2025' is not a date in the form YYYY-MM-DD"),
        ("pay_period_end", "2025-2-14", "'2025-2-14' is not a date in the form YYYY-MM-DD"),
        ("pay_period_end", "epoch", "'epoch' is not a date in the form YYYY-MM-DD"),
    ],
)
def test_bad_dates(tmp_path: Path, column: str, value: str, problem: str) -> None:
    dq, typed = one_bad(tmp_path, "payroll", column, value)
    assert dq["problem"] == problem
    assert (dq["employee_id"], dq["payment_id"]) == ("E2", "P2")
    assert typed["payment_id"] == "P2"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("-12.00", "'-12.00' is negative; an amount must be zero or more"),
        ("(12.00)", "'(12.00)' is negative; an amount must be zero or more"),
        ("$-5", "'$-5' is negative; an amount must be zero or more"),
        ("12.345", "'12.345' has more than two decimals; an amount is in dollars and cents"),
        ("abc", "'abc' is not a dollar amount"),
        ("1e3", "'1e3' is not a dollar amount"),
        ("12,34", "'12,34' is not a dollar amount"),
        ("USD 5", "'USD 5' is not a dollar amount"),
        ("12345678901234567", "'12345678901234567' is too large for a dollar amount"),
    ],
)
def test_bad_money(tmp_path: Path, value: str, problem: str) -> None:
    dq, _ = one_bad(tmp_path, "payroll", "gross_pay", value)
    assert dq["problem"] == problem


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1234.5", "1234.50"),
        ("$1,234.56", "1234.56"),
        (" 7 ", "7.00"),
        (".5", "0.50"),
        ("12.", "12.00"),
        ("12.3400", "12.34"),
        ("0", "0.00"),
        ("9999999999999999.99", "9999999999999999.99"),
    ],
)
def test_good_money(tmp_path: Path, value: str, expected: str) -> None:
    con, ds = load(make_dataset(tmp_path / "ds", payroll=payroll_with("net_pay", value)))
    assert ds.data_quality == 0
    got = rows(con, "SELECT net_pay FROM payroll WHERE _row = 2")
    assert got == [{"net_pay": Decimal(expected)}]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("12A-45-6789", "contains letters; an SSN is 9 digits"),
        ("SSN 900000002", "contains letters; an SSN is 9 digits"),
        ("900.00.0002", "contains characters other than digits and dashes; an SSN is 9 digits"),
        ("900/00/0002", "contains characters other than digits and dashes; an SSN is 9 digits"),
    ],
)
def test_bad_ssn_in_roster(tmp_path: Path, value: str, problem: str) -> None:
    dq, _ = one_bad(tmp_path, "roster", "ssn", value)
    assert dq["problem"] == problem
    assert (dq["employee_id"], dq["payment_id"]) == ("E2", None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("900-00-0002", "900000002"),
        ("900 00 0002", "900000002"),
        (" 900000002 ", "900000002"),
        ("12345", "12345"),  # wrong length is a later rule's business (INVALID_SSN)
        ("0000000000001", "0000000000001"),
        ("---", None),  # a placeholder: missing, not bad
        ("", None),
    ],
)
def test_ssn_normalised(tmp_path: Path, value: str, expected: str | None) -> None:
    roster = [dict(e) for e in EMPLOYEES]
    roster[1]["ssn"] = value
    con, ds = load(make_dataset(tmp_path / "ds", roster=roster))
    assert ds.data_quality == 0
    assert rows(con, "SELECT ssn FROM roster WHERE _row = 2") == [{"ssn": expected}]


def test_unknown_payment_type(tmp_path: Path) -> None:
    dq, _ = one_bad(tmp_path, "payroll", "payment_type", "BONUS")
    assert dq["problem"] == (
        "'BONUS' is not a known payment type "
        "(one of REGULAR, LUMP_SUM_LEAVE, AWARD, RETRO, SEVERANCE, OTHER)"
    )


def test_unknown_policy(tmp_path: Path) -> None:
    dq, _ = one_bad(tmp_path, "campaigns", "policy", "optional")
    assert dq["problem"].startswith("'optional' is not a known check-in policy")
    assert dq["employee_id"] is None and dq["payment_id"] is None


def test_unknown_checkin_source(tmp_path: Path) -> None:
    dq, _ = one_bad(tmp_path, "checkins", "source", "fax")
    assert dq["problem"] == "'fax' is not a known check-in source (one of web, email)"
    assert dq["employee_id"] == "E1"  # the checkin's employee


def test_unknown_activity_kind(tmp_path: Path) -> None:
    dq, _ = one_bad(tmp_path, "activity", "kind", "vpn")
    assert dq["problem"].startswith("'vpn' is not a known activity kind")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("yesterday", "is not a date and time in ISO 8601 form"),
        ("2025-02-30T10:00:00Z", "is not a real date and time"),
        ("2025-02-22T25:00:00Z", "is not a real date and time"),
        ("2025-02-22T10:00:00+25:00", "is not a real date and time"),
        ("2025-02-22T10:00:00 EST", "is not a date and time in ISO 8601 form"),
    ],
)
def test_bad_timestamp(tmp_path: Path, value: str, problem: str) -> None:
    dq, _ = one_bad(tmp_path, "checkins", "submitted_at", value)
    assert dq["problem"].startswith(f"'{value}' {problem}")


def test_bad_date_in_activity(tmp_path: Path) -> None:
    dq, _ = one_bad(tmp_path, "activity", "date", "2025-04-31")
    assert dq["employee_id"] == "E1"


def test_empty_cells_and_unusual_values_are_not_errors(tmp_path: Path) -> None:
    roster = [dict(e) for e in EMPLOYEES]
    roster[0].update(zip="2215", state="Ontario", first_name="o'brien", grade="", step="")
    roster[1].update(date_of_birth="", annual_salary="", separation_date="  ", hire_date="")
    payroll = payroll_with("federal_tax", "")
    payroll[0].update(payment_type="", gross_pay="  ", bank_account="")
    con, ds = load(make_dataset(tmp_path / "ds", roster=roster, payroll=payroll))
    assert ds.data_quality == 0
    assert quality(con) == []
    first = rows(con, "SELECT zip, state, first_name FROM roster WHERE _row = 1")
    assert first == [{"zip": "2215", "state": "Ontario", "first_name": "o'brien"}]


def test_several_bad_cells_are_listed_in_row_then_column_order(tmp_path: Path) -> None:
    payroll = payroll_with("gross_pay", "x")
    payroll[1]["pay_date"] = "2025-02-30"
    payroll[0]["net_pay"] = "-1"
    payroll[2]["payment_type"] = "??"
    con, ds = load(make_dataset(tmp_path / "ds", payroll=payroll))
    assert ds.data_quality == 4
    got = [(r["row"], r["column"]) for r in rows(con, "SELECT * FROM data_quality")]
    assert got == [(1, "net_pay"), (2, "pay_date"), (2, "gross_pay"), (3, "payment_type")]


def test_long_values_are_shortened_in_messages(tmp_path: Path) -> None:
    dq, _ = one_bad(tmp_path, "payroll", "payment_type", "X" * 100)
    assert dq["problem"].startswith("'" + "X" * 40 + "...' is not")


def test_control_characters_are_blanked_in_messages(tmp_path: Path) -> None:
    dq, _ = one_bad(tmp_path, "payroll", "payment_type", "BO\tNUS\nX")
    assert dq["problem"].startswith("'BO NUS X' is not")


# --- secrets -------------------------------------------------------------------------------


def test_secret_values_are_never_echoed(tmp_path: Path) -> None:
    roster = [dict(e) for e in EMPLOYEES]
    roster[1].update(ssn="98A-76-5432", date_of_birth="1975-02-31")
    roster[2].update(date_of_birth="31 Feb 1975")
    payroll = payroll_with("ssn", "98Z765432")
    con, _ = load(make_dataset(tmp_path / "ds", roster=roster, payroll=payroll))
    dq = quality(con)
    assert {(r["file"], r["row"], r["column"]) for r in dq} == {
        ("roster.csv", 2, "ssn"),
        ("roster.csv", 2, "date_of_birth"),
        ("roster.csv", 3, "date_of_birth"),
        ("payroll.csv", 2, "ssn"),
    }
    text = " ".join(r["problem"] for r in dq)
    for secret in ("98A", "765432", "5432", "1975", "31 Feb"):
        assert secret not in text
    assert all(r["column"] in SECRET_COLUMNS for r in dq)
    # Strict mode's error carries the same problem text: no secret either.
    err = refused(tmp_path / "ds", strict=True)
    for secret in ("98A", "5432", "1975"):
        assert secret not in str(err)


def test_secret_columns_cover_the_contract() -> None:
    assert {"ssn", "date_of_birth", "bank_account", "bank_routing"} <= SECRET_COLUMNS
    assert {"home_address", "mailing_address"} <= SECRET_COLUMNS


# --- strict mode ---------------------------------------------------------------------------


def test_strict_mode_stops_at_the_first_bad_cell(tmp_path: Path) -> None:
    roster = [dict(e) for e in EMPLOYEES]
    roster[2]["hire_date"] = "2020-02-30"
    payroll = payroll_with("gross_pay", "-12.00")
    payroll[0]["payment_type"] = "BONUS"
    folder = make_dataset(tmp_path / "ds", roster=roster, payroll=payroll)
    err = refused(folder, strict=True)
    assert (err.file, err.row, err.column) == ("roster.csv", 3, "hire_date")
    assert err.problem.startswith("'2020-02-30' is not a real calendar date")
    assert "2 more bad cells" in err.problem
    assert "strict" in err.problem
    # Without strict the same dataset loads, with the three cells recorded.
    _, ds = load(folder)
    assert ds.data_quality == 3


def test_strict_mode_with_one_bad_cell(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds", payroll=payroll_with("gross_pay", "-12.00"))
    err = refused(folder, strict=True)
    assert (err.file, err.row, err.column) == ("payroll.csv", 2, "gross_pay")
    assert "more bad" not in err.problem


def test_strict_mode_on_clean_data(tmp_path: Path) -> None:
    _, ds = load(make_dataset(tmp_path / "ds"), strict=True)
    assert ds.data_quality == 0
