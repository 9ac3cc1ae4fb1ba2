"""Every bad input of the contract through the real CLI: exit 2, file/row/column named,
nothing written to OUT. Bad cells: exit 0 with DATA_QUALITY, or exit 2 under --strict."""

from __future__ import annotations

import csv
import json

import pytest

from builders import Agency
from test_cli import headcount


@pytest.fixture
def small(agency: Agency) -> Agency:
    for i in range(3):
        agency.employee(f"E{i}")
        agency.pay_periods(f"E{i}", range(0, 2))
    agency.write()
    return agency


def run(agency: Agency, tmp_path, *extra: str):
    out = tmp_path / "out"
    result = headcount("verify", str(agency.folder), "--out", str(out), *extra)
    return result, out


def rewrite(path, transform):
    text = path.read_text(encoding="utf-8")
    path.write_text(transform(text), encoding="utf-8")


def assert_refused(result, out, *needles: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    message = " ".join(result.stderr.split())
    for needle in needles:
        assert needle in message, message
    assert "Nothing was written" in message
    assert not out.exists()


def test_missing_required_file(small, tmp_path):
    (small.folder / "payroll.csv").unlink()
    result, out = run(small, tmp_path)
    assert_refused(result, out, "payroll", "missing")


def test_missing_required_column(small, tmp_path):
    rewrite(small.folder / "roster.csv", lambda t: t.replace("hire_date", "hired_on", 1))
    result, out = run(small, tmp_path)
    assert_refused(result, out, "roster.csv", "hire_date")


def test_not_a_csv_file(small, tmp_path):
    (small.folder / "payroll.csv").write_bytes(bytes(range(256)) * 20)
    result, out = run(small, tmp_path)
    assert_refused(result, out, "payroll.csv")


def test_wrong_encoding(small, tmp_path):
    text = (small.folder / "roster.csv").read_text(encoding="utf-8")
    (small.folder / "roster.csv").write_bytes(
        text.replace("Springfield", "Montréal").encode("latin-1")
    )
    result, out = run(small, tmp_path)
    assert_refused(result, out, "roster.csv", "UTF-8")


def test_duplicate_header(small, tmp_path):
    rewrite(small.folder / "roster.csv", lambda t: t.replace("city", "state", 1))
    result, out = run(small, tmp_path)
    assert_refused(result, out, "roster.csv", "state")


def test_employee_id_not_unique(small, tmp_path):
    rewrite(small.folder / "roster.csv", lambda t: t.replace("E2,", "E0,", 1))
    result, out = run(small, tmp_path)
    assert_refused(result, out, "roster.csv", "row 3", "employee_id", "row 1")


def test_bad_cells_are_data_quality_findings(small, tmp_path):
    path = small.folder / "payroll.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["gross_pay"] = "-12.00"
    rows[1]["pay_date"] = "2025-02-30"
    rows[2]["payment_type"] = "BONUS"
    rows[3]["ssn"] = "12A-45-6789"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result, out = run(small, tmp_path)
    assert result.returncode == 0, result.stderr
    with (out / "findings.csv").open(newline="", encoding="utf-8") as fh:
        quality = [r for r in csv.DictReader(fh) if r["rule"] == "DATA_QUALITY"]
    cells = {
        (json.loads(r["evidence"])["row"], json.loads(r["evidence"])["column"]) for r in quality
    }
    assert cells == {(1, "gross_pay"), (2, "pay_date"), (3, "payment_type"), (4, "ssn")}
    assert all(r["severity"] == "info" for r in quality)
    assert not any("12A" in r["summary"] + r["evidence"] for r in quality)  # SSNs never echoed

    strict, strict_out = run(small, tmp_path / "strict", "--strict")
    assert_refused(strict, strict_out, "payroll.csv", "row 1", "gross_pay")
