"""hr_changes, vendors and the deaths source column through the real CLI: the same bad-input
behaviour as every other table, column mapping, and Parquet giving what CSV gives."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from builders import Agency
from test_cli import headcount


@pytest.fixture
def ghosts(agency: Agency) -> Agency:
    """Three employees; E0 keys their own raise, E1 is also a vendor."""
    for i in range(3):
        agency.employee(f"E{i}")
        agency.pay_periods(f"E{i}", range(0, 2))
    agency.change("E0", "annual_salary", "120000.00", entered_by="E0")
    agency.change("E2", "step", "4", old_value="3")
    agency.vendor("V1", tin=agency.rows["roster"][1]["ssn"])
    agency.vendor("V2")
    agency.write()
    return agency


def run(agency: Agency, out: Path, *extra: str):
    return headcount("verify", str(agency.folder), "--out", str(out), *extra)


def findings(out: Path) -> list[dict[str, str]]:
    with (out / "findings.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def edit_rows(path: Path, change) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    change(rows)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def assert_refused(result, out: Path, *needles: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    message = " ".join(result.stderr.split())
    for needle in needles:
        assert needle in message, message
    assert not out.exists()


def test_new_rules_run_on_the_new_files(ghosts: Agency, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run(ghosts, out).returncode == 0
    got = {(f["rule"], f["employee_ids"]) for f in findings(out)}
    assert ("SELF_APPROVED_CHANGE", "E0") in got
    assert ("EMPLOYEE_VENDOR_MATCH", "E1") in got
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["inputs"]["hr_changes"] == {"file": "hr_changes.csv", "rows": 2}
    assert summary["inputs"]["vendors"] == {"file": "vendors.csv", "rows": 2}


def test_a_repeated_change_id_stops_the_run(ghosts: Agency, tmp_path: Path) -> None:
    edit_rows(ghosts.folder / "hr_changes.csv", lambda rows: rows[1].update(change_id="H00001"))
    out = tmp_path / "out"
    assert_refused(run(ghosts, out), out, "hr_changes.csv", "row 2", "change_id", "row 1")


def test_a_vendor_file_without_tin_stops_the_run(ghosts: Agency, tmp_path: Path) -> None:
    path = ghosts.folder / "vendors.csv"
    table = pacsv.read_csv(path).drop_columns(["tin"])
    pacsv.write_csv(table, path)
    out = tmp_path / "out"
    assert_refused(run(ghosts, out), out, "vendors.csv", "tin")


def test_bad_cells_are_data_quality_findings(ghosts: Agency, tmp_path: Path) -> None:
    def hr(rows: list[dict[str, str]]) -> None:
        rows[0]["entered_at"] = "last Tuesday"
        rows[1]["effective_date"] = "2025-13-01"

    edit_rows(ghosts.folder / "hr_changes.csv", hr)
    edit_rows(ghosts.folder / "vendors.csv", lambda rows: rows[1].update(tin="98-70X0001"))
    out = tmp_path / "out"
    result = run(ghosts, out)
    assert result.returncode == 0, result.stderr
    quality = [f for f in findings(out) if f["rule"] == "DATA_QUALITY"]
    cells = {
        (json.loads(f["evidence"])["file"], json.loads(f["evidence"])["row"],
         json.loads(f["evidence"])["column"])
        for f in quality
    }  # fmt: skip
    assert cells == {
        ("hr_changes.csv", 1, "entered_at"),
        ("hr_changes.csv", 2, "effective_date"),
        ("vendors.csv", 2, "tin"),
    }
    assert not any("70X" in f["summary"] + f["evidence"] for f in quality)  # a TIN is secret
    [tin] = [f for f in quality if json.loads(f["evidence"])["column"] == "tin"]
    # A vendor's number is named as what it is, not as an SSN.
    assert json.loads(tin["evidence"])["problem"] == (
        "contains letters; a taxpayer number (EIN or SSN) is 9 digits"
    )
    strict = run(ghosts, tmp_path / "strict", "--strict")
    assert_refused(strict, tmp_path / "strict", "hr_changes.csv", "row 1", "entered_at")


def test_headcount_toml_maps_the_new_tables(ghosts: Agency, tmp_path: Path) -> None:
    for name, renames in (
        ("hr_changes", {"change_id": "ACTION_ID", "entered_by": "KEYED_BY"}),
        ("vendors", {"tin": "EIN", "vendor_id": "SUPPLIER"}),
    ):
        path = ghosts.folder / f"{name}.csv"
        table = pacsv.read_csv(path)
        pacsv.write_csv(table.rename_columns([renames.get(c, c) for c in table.column_names]), path)
    (ghosts.folder / "headcount.toml").write_text(
        '[hr_changes.columns]\nchange_id = "ACTION_ID"\nentered_by = "KEYED_BY"\n\n'
        '[vendors.columns]\ntin = "EIN"\nvendor_id = "SUPPLIER"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run(ghosts, out)
    assert result.returncode == 0, result.stderr
    got = {(f["rule"], f["employee_ids"]) for f in findings(out)}
    assert {("SELF_APPROVED_CHANGE", "E0"), ("EMPLOYEE_VENDOR_MATCH", "E1")} <= got


def test_parquet_gives_what_csv_gives(ghosts: Agency, tmp_path: Path) -> None:
    as_csv = tmp_path / "csv"
    assert run(ghosts, as_csv).returncode == 0
    for name in ("hr_changes", "vendors"):
        path = ghosts.folder / f"{name}.csv"
        table = pacsv.read_csv(
            path, convert_options=pacsv.ConvertOptions(strings_can_be_null=False,
                                                       column_types={c: "string" for c in
                                                                     pacsv.read_csv(path).column_names})
        )  # fmt: skip
        pq.write_table(table, ghosts.folder / f"{name}.parquet")
        path.unlink()
    as_parquet = tmp_path / "parquet"
    result = run(ghosts, as_parquet)
    assert result.returncode == 0, result.stderr
    assert [(f["rule"], f["employee_ids"], f["summary"]) for f in findings(as_parquet)] == [
        (f["rule"], f["employee_ids"], f["summary"]) for f in findings(as_csv)
    ]


def test_deaths_source_column_names_each_record(agency: Agency, tmp_path: Path) -> None:
    emp = agency.employee("E1")
    agency.pay_periods("E1", range(0, 8))
    same = {"ssn": emp["ssn"], "last_name": emp["last_name"], "first_name": emp["first_name"]}
    agency.death(**same, date_of_death="2025-01-20", source="STATE")
    agency.death(**same, date_of_death="2025-01-22", source="")  # named after the file
    agency.write()
    out = tmp_path / "out"
    assert run(agency, out).returncode == 0
    [f] = [f for f in findings(out) if f["rule"] == "PAID_AFTER_DEATH"]
    records = json.loads(f["evidence"])["death_records"]
    assert [(r["source"], r["row"], r["corroborated"]) for r in records] == [
        ("STATE", 1, True),
        ("deaths.csv", 2, True),
    ]
