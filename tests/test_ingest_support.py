"""Helpers for the ingest tests: small synthetic datasets written into tmp_path.

No tests here; the test_ingest*.py modules import these (pytest puts tests/ on sys.path).
All values are synthetic (SSNs in the never-issued 900 area, example.* domains).
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest

from headcount.contract.tables import PAYROLL, ROSTER, TABLES_BY_NAME
from headcount.ingest import Dataset, DatasetError, load_dataset

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"

ROSTER_DEFAULT: dict[str, str] = {
    "employee_id": "E1",
    "ssn": "900-00-0001",
    "first_name": "Test",
    "middle_name": "",
    "last_name": "Person",
    "date_of_birth": "1980-01-01",
    "hire_date": "2010-01-04",
    "separation_date": "",
    "agency": "VA",
    "org_code": "VA-01",
    "pay_plan": "GS",
    "grade": "12",
    "step": "3",
    "annual_salary": "85000.00",
    "supervisor_id": "",
    "work_email": "test.person@agency.example",
    "home_address": "1 Example Street",
    "city": "Springfield",
    "state": "VA",
    "zip": "22150",
}

PAYROLL_DEFAULT: dict[str, str] = {
    "payment_id": "P1",
    "pay_period_end": "2025-01-11",
    "pay_date": "2025-01-17",
    "payment_type": "REGULAR",
    "employee_id": "E1",
    "ssn": "900000001",
    "payee_name": "Test Person",
    "gross_pay": "3269.23",
    "net_pay": "2300.00",
    "federal_tax": "500.00",
    "retirement": "250.00",
    "health_benefits": "219.23",
    "bank_routing": "011000015",
    "bank_account": "000111222",
    "mailing_address": "1 Example Street",
    "city": "Springfield",
    "state": "VA",
    "zip": "22150",
}

OTHER_DEFAULTS: dict[str, dict[str, str]] = {
    "deaths": {
        "ssn": "900000001",
        "last_name": "PERSON",
        "first_name": "TEST",
        "middle_name": "",
        "date_of_death": "2024-06-15",
        "date_of_birth": "1980-01-01",
        "source": "",
    },
    "campaigns": {
        "campaign_id": "C1",
        "sent_at": "2025-02-22T16:45:00Z",
        "deadline": "2025-02-24T23:59:00Z",
        "agency": "VA",
        "policy": "voluntary",
    },
    "checkins": {
        "campaign_id": "C1",
        "employee_id": "E1",
        "work_email": "test.person@agency.example",
        "submitted_at": "2025-02-23T10:00:00Z",
        "text": "Closed two audits.",
        "source": "web",
    },
    "activity": {"employee_id": "E1", "date": "2025-01-06", "kind": "badge"},
    "hr_changes": {
        "change_id": "H1",
        "employee_id": "E1",
        "field": "annual_salary",
        "old_value": "90000.00",
        "new_value": "95000.00",
        "entered_at": "2025-03-03T14:00:00Z",
        "effective_date": "2025-03-02",
        "entered_by": "E9",
        "approved_by": "E8",
    },
    "vendors": {
        "vendor_id": "V1",
        "name": "Acme Supply LLC",
        "tin": "12-3456789",
        "address": "400 Commerce Way Ste 2",
        "city": "Springfield",
        "state": "VA",
        "zip": "22150",
        "bank_routing": "021000021",
        "bank_account": "77001234",
    },
}


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_table(folder: Path, table: str, rows: Sequence[dict[str, str]]) -> Path:
    """table.csv with every contract column; each row is the defaults plus its overrides."""
    defaults = {"roster": ROSTER_DEFAULT, "payroll": PAYROLL_DEFAULT, **OTHER_DEFAULTS}[table]
    header = list(TABLES_BY_NAME[table].column_names)
    body = [[{**defaults, **row}[c] for c in header] for row in rows]
    return write_csv(folder / f"{table}.csv", header, body)


def make_dataset(
    folder: Path,
    roster: Sequence[dict[str, str]] | None = None,
    payroll: Sequence[dict[str, str]] | None = None,
    **others: Sequence[dict[str, str]],
) -> Path:
    """A small valid dataset: by default three employees with one payment each."""
    folder.mkdir(parents=True, exist_ok=True)
    if roster is None:
        roster = [
            {"employee_id": f"E{i}", "ssn": f"900-00-000{i}", "work_email": f"e{i}@a.example"}
            for i in (1, 2, 3)
        ]
    if payroll is None:
        payroll = [
            {"payment_id": f"P{i}", "employee_id": f"E{i}", "ssn": f"90000000{i}"}
            for i in (1, 2, 3)
        ]
    write_table(folder, "roster", roster)
    write_table(folder, "payroll", payroll)
    for table, rows in others.items():
        write_table(folder, table, rows)
    return folder


def copy_fixture(name: str, dest: Path) -> Path:
    shutil.copytree(FIXTURES / name, dest)
    return dest


def edit_text(path: Path, change: Callable[[str], str]) -> None:
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8", newline="")


def load(folder: Path, **kwargs: Any) -> tuple[duckdb.DuckDBPyConnection, Dataset]:
    con = duckdb.connect()
    return con, load_dataset(folder, con, **kwargs)


def refused(folder: Path, **kwargs: Any) -> DatasetError:
    """The DatasetError load_dataset raises for `folder` (fails the test if none)."""
    con = duckdb.connect()
    with pytest.raises(DatasetError) as info:
        load_dataset(folder, con, **kwargs)
    # Whatever failed, the connection must still answer queries.
    assert con.execute("SELECT 42").fetchone() == (42,)
    return info.value


def rows(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> list[dict[str, Any]]:
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def quality(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return rows(con, "SELECT * FROM data_quality ORDER BY rowid")  # as written: row, column


def column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE {table}").fetchall()}


__all__ = [
    "FIXTURES",
    "PAYROLL",
    "PAYROLL_DEFAULT",
    "ROSTER",
    "ROSTER_DEFAULT",
    "column_types",
    "copy_fixture",
    "edit_text",
    "load",
    "make_dataset",
    "quality",
    "refused",
    "rows",
    "write_csv",
    "write_table",
]
