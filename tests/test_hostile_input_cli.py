"""Hostile and broken inputs through the real CLI: each gets exit 2 with the file (and row,
column or limit) named, without taking the machine, or is processed with a note (exit 0).

The memory of the refusals is measured on the headcount process itself (a fresh parent
whose only child it is), so a reader that went back to holding whole bad files in memory
fails here, not on a user's machine.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from builders import Agency
from headcount.contract.summary import Summary
from test_bad_input_cli import assert_refused, run
from test_cli import HEADCOUNT, headcount

# The refusals below stay near the interpreter's own footprint (about 200 MB with DuckDB,
# pyarrow and Splink loaded); before limits they took 7 to 11 GB.
REFUSAL_PEAK_KIB = 1024 * 1024


@pytest.fixture
def small(agency: Agency) -> Agency:
    for i in range(3):
        agency.employee(f"E{i}")
        agency.pay_periods(f"E{i}", range(0, 2))
    agency.write()
    return agency


def peak_rss_kib(*args: str) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run headcount under a parent of its own and return its peak resident memory."""
    probe = (
        "import resource, subprocess, sys\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stderr.write(r.stderr)\n"
        "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-c", probe, HEADCOUNT, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    code, peak = result.stdout.split()
    result.returncode = int(code)
    return result, int(peak)


def refused_within_memory(agency: Agency, tmp_path: Path, *needles: str) -> None:
    out = tmp_path / "out"
    result, peak = peak_rss_kib("verify", str(agency.folder), "--out", str(out))
    assert_refused(result, out, *needles)
    assert peak < REFUSAL_PEAK_KIB, f"peak {peak} KiB"


def rewrite_roster_row(agency: Agency, column: str, value: bytes) -> None:
    """Replace one cell of the first roster record with raw bytes (written quoted)."""
    path = agency.folder / "roster.csv"
    header, first, rest = path.read_bytes().split(b"\n", 2)
    names = header.decode().split(",")
    cells = first.split(b",")
    cells[names.index(column)] = b'"' + value + b'"'
    path.write_bytes(header + b"\n" + b",".join(cells) + b"\n" + rest)


def summary(out: Path) -> Summary:
    written: Summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return written


# --- limits ----------------------------------------------------------------------------------


def test_a_100000_column_header_is_refused_before_any_row_is_read(small, tmp_path):
    """100,000 header columns: exit 2 naming the count and the limit (was 11 GB)."""
    path = small.folder / "roster.csv"
    header, rest = path.read_text(encoding="utf-8").split("\n", 1)
    wide = header + "," + ",".join(f"x{i}" for i in range(100_000))
    path.write_text(wide + "\n" + rest, encoding="utf-8")
    refused_within_memory(small, tmp_path, "roster.csv", "100,020 columns", "limit of 500")


def test_a_parquet_file_with_100000_columns_is_refused_from_its_footer(small, tmp_path):
    """A 100,000-column Parquet roster: refused on the footer's length, before pyarrow
    parses it (13 MB of metadata)."""
    (small.folder / "roster.csv").unlink()
    one = pa.array(["x"])
    table = pa.Table.from_arrays([one] * 100_000, names=[f"c{i}" for i in range(100_000)])
    pq.write_table(table, small.folder / "roster.parquet", write_statistics=False)
    refused_within_memory(small, tmp_path, "roster.parquet", "Parquet footer", "limit of")


def test_a_parquet_schema_over_a_lowered_limit_is_refused(small, tmp_path):
    """A Parquet roster wider than headcount.toml's max_columns: exit 2 naming both."""
    path = small.folder / "roster.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    columns = {k: [r[k] for r in rows] for k in rows[0]}
    columns.update({f"extra{i}": ["x"] * len(rows) for i in range(40)})
    path.unlink()
    pq.write_table(pa.table(columns), small.folder / "roster.parquet")
    (small.folder / "headcount.toml").write_text("[limits]\nmax_columns = 50\n")
    result, out = run(small, tmp_path)
    assert_refused(result, out, "roster.parquet", "60 columns", "limit of 50")


def test_a_50_mb_cell_is_refused_at_its_row(small, tmp_path):
    """One quoted value of 50 MB over 500,000 short lines: exit 2 at row 1 with the limit
    (DuckDB's parallel reader took 2 minutes and 7.8 GB and blamed the field count)."""
    rewrite_roster_row(small, "home_address", (b"A" * 99 + b"\n") * 500_000)
    refused_within_memory(
        small, tmp_path, "roster.csv, row 1:", "longer than 1,048,576 bytes", "max_record_bytes"
    )


def test_a_10_mb_line_is_refused_at_its_row(small, tmp_path):
    """A single 10 MB line: exit 2 at row 1, naming the limit."""
    rewrite_roster_row(small, "home_address", b"A" * 10_000_000)
    refused_within_memory(small, tmp_path, "roster.csv, row 1:", "longer than 1,048,576 bytes")


def test_every_row_bad_fails_at_the_first_not_after_collecting_them_all(small, tmp_path):
    """200,000 records with a field too many: exit 2 at row 1 (DuckDB's rejects table held
    about 20 KB per bad record: 4 GB here)."""
    path = small.folder / "payroll.csv"
    header = path.read_text(encoding="utf-8").split("\n", 1)[0]
    record = ",".join(["x"] * (header.count(",") + 2))
    path.write_text(header + "\n" + (record + "\n") * 200_000, encoding="utf-8")
    refused_within_memory(small, tmp_path, "payroll.csv, row 1:", "has 19 fields", "has 18")


def test_limits_are_raised_and_checked_in_headcount_toml(small, tmp_path):
    """A 600-column roster is refused by default and read once [limits] allows it; a
    limit past its ceiling is a bad setting."""
    path = small.folder / "roster.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    extra = 600 - lines[0].count(",") - 1
    lines = [lines[0] + "".join(f",x{i}" for i in range(extra))] + [
        line + "," * extra for line in lines[1:]
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result, out = run(small, tmp_path)
    assert_refused(result, out, "roster.csv", "600 columns", "max_columns")

    toml = small.folder / "headcount.toml"
    toml.write_text("[limits]\nmax_columns = 600\n")
    allowed, allowed_out = run(small, tmp_path / "allowed")
    assert allowed.returncode == 0, allowed.stderr
    assert summary(allowed_out)["inputs"]["roster"] == {"file": "roster.csv", "rows": 3}

    toml.write_text("[limits]\nmax_columns = 1000000\n")
    over, over_out = run(small, tmp_path / "over")
    assert_refused(over, over_out, "headcount.toml, setting limits.max_columns", "10,000")


def test_a_lowered_record_limit_names_itself(small, tmp_path):
    (small.folder / "headcount.toml").write_text("[limits]\nmax_record_bytes = 1000\n")
    rewrite_roster_row(small, "city", b"B" * 2000)
    result, out = run(small, tmp_path)
    assert_refused(result, out, "roster.csv, row 1:", "longer than 1,000 bytes")


# --- NUL bytes and line endings ------------------------------------------------------------


@pytest.mark.parametrize("where", ["early", "late"])
def test_a_nul_byte_anywhere_is_refused_with_its_line(small, tmp_path, where):
    """A NUL in the first line or the last: the same exit 2 naming the line (a late one
    used to pass silently into the tables)."""
    path = small.folder / "payroll.csv"
    data = bytearray(path.read_bytes())
    at = 10 if where == "early" else len(data) - 5
    data[at] = 0
    path.write_bytes(bytes(data))
    line = data[:at].count(b"\n") + 1
    result, out = run(small, tmp_path)
    assert_refused(result, out, "payroll.csv", f"line {line} contains a NUL byte")


def test_mixed_line_endings_are_named_not_blamed_on_a_quote(agency, tmp_path):
    """CRLF for the header and the first records, LF after: exit 2 naming the line where
    the endings change (it used to say a double quote was not paired)."""
    for i in range(6):
        agency.employee(f"E{i}")
        agency.pay_periods(f"E{i}", range(0, 1))
    agency.write()
    path = agency.folder / "roster.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    with path.open("w", newline="", encoding="utf-8") as fh:
        for i, row in enumerate(rows):
            ending = "\r\n" if i < 4 else "\n"  # lines 1-4 CRLF, from line 5 on LF
            csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator=ending).writerow(row)
    result, out = run(agency, tmp_path)
    assert_refused(result, out, "roster.csv", "mix of Windows (CRLF) and Unix (LF)", "line 5")
    assert "double quote" not in result.stderr


# --- what is read at all --------------------------------------------------------------------


def test_a_symlinked_roster_is_refused_without_quoting_its_target(small, tmp_path):
    """roster.csv -> a file outside the folder: exit 2; the target's content never shows."""
    outside = tmp_path / "passwd"
    outside.write_text("root:x:0:0:SECRET-FIRST-LINE:/root:/bin/bash\n")
    (small.folder / "roster.csv").unlink()
    (small.folder / "roster.csv").symlink_to(outside)
    result, out = run(small, tmp_path)
    assert_refused(result, out, "roster.csv", "symbolic link")
    assert "SECRET" not in result.stderr + result.stdout
    assert str(outside) not in result.stderr


@pytest.mark.parametrize("name", ["headcount.toml", "roster.csv"])
def test_an_input_that_is_a_folder_is_refused(small, tmp_path, name):
    """headcount.toml (or roster.csv) as a folder: exit 2, not silently ignored."""
    path = small.folder / name
    if path.exists():
        path.unlink()
    path.mkdir()
    result, out = run(small, tmp_path)
    assert_refused(result, out, name, "not a regular file")


def test_a_symlinked_headcount_toml_is_refused(small, tmp_path):
    target = tmp_path / "elsewhere.toml"
    target.write_text("[limits]\nmax_columns = 600\n")
    (small.folder / "headcount.toml").symlink_to(target)
    result, out = run(small, tmp_path)
    assert_refused(result, out, "headcount.toml", "symbolic link")


# --- identity resolution steps aside --------------------------------------------------------


def assert_stepped_aside(result, out: Path, reason: str) -> None:
    assert result.returncode == 0, result.stderr
    rules = summary(out)["rules"]
    assert isinstance(rules, dict)
    assert reason in rules["skipped"]["DUPLICATE_PERSON"]
    assert "DUPLICATE_PERSON" not in rules["ran"]
    assert {"DUPLICATE_SSN", "PAYEE_NOT_IN_ROSTER", "PAY_ABOVE_CAP"} <= set(rules["ran"])


def test_a_header_only_roster_runs_without_duplicate_person(small, tmp_path):
    """No roster records: exit 0 (was 1, "math domain error"); DUPLICATE_PERSON skipped
    with the reason, and every payee is PAYEE_NOT_IN_ROSTER."""
    path = small.folder / "roster.csv"
    path.write_text(path.read_text(encoding="utf-8").split("\n", 1)[0] + "\n")
    result, out = run(small, tmp_path)
    assert_stepped_aside(result, out, "the roster has 0 records")
    by_rule = summary(out)["findings"]["by_rule"]
    assert by_rule["PAYEE_NOT_IN_ROSTER"]["findings"] == 3


def test_a_roster_without_birth_dates_runs_without_duplicate_person(agency, tmp_path):
    """Every date_of_birth blank: exit 0 (was 1, Splink's EMTrainingException on a
    roster big enough to train); DUPLICATE_PERSON skipped, the rest ran."""
    for i in range(5):
        agency.employee(f"E{i}", date_of_birth="")
        agency.pay_periods(f"E{i}", range(0, 1))
    first, second = agency.rows["roster"][:2]
    second["ssn"] = first["ssn"]  # one DUPLICATE_SSN, to show the other rules still run
    agency.write()
    result, out = run(agency, tmp_path)
    assert_stepped_aside(result, out, "no roster record has a readable date_of_birth")
    assert summary(out)["findings"]["by_rule"]["DUPLICATE_SSN"]["findings"] == 1


def test_a_parquet_roster_with_birth_dates_of_the_wrong_type(small, tmp_path):
    """date_of_birth stored as booleans: each is a DATA_QUALITY cell, and identity
    resolution steps aside instead of crashing."""
    path = small.folder / "roster.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    columns: dict[str, object] = {k: [r[k] for r in rows] for k in rows[0]}
    columns["date_of_birth"] = [True] * len(rows)
    path.unlink()
    pq.write_table(pa.table(columns), small.folder / "roster.parquet")
    result, out = run(small, tmp_path)
    assert_stepped_aside(result, out, "no roster record has a readable date_of_birth")
    assert summary(out)["data_quality_cells"] == 3


def test_a_roster_with_almost_no_birth_dates_is_still_resolved(tmp_path):
    """1,000 records but only five birth dates: u comes from the roster's own value counts
    and needs no pair with a birth date, so the model is fitted on this roster all the same,
    and DUPLICATE_PERSON finds the planted duplicates that need no birth date."""
    agency = tmp_path / "agency"
    made = headcount("synth", str(agency), "--employees", "1000", "--seed", "2", "-q")
    assert made.returncode == 0, made.stderr
    path = agency / "roster.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    for row in rows[5:]:
        row["date_of_birth"] = ""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(fields or []))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "out"
    result = headcount("verify", str(agency), "--out", str(out), "-q")
    assert result.returncode == 0, result.stderr
    assert "DUPLICATE_PERSON" in summary(out)["rules"]["ran"]
    with (out / "findings.csv").open(newline="", encoding="utf-8") as fh:
        found = [json.loads(r["evidence"]) for r in csv.DictReader(fh)]
    models = [e["model"] for e in found if "model" in e]
    assert models, "no duplicate was found"
    assert all(m["records"] == 1000 and m["source"] for m in models)


# --- the memory budget ---------------------------------------------------------------------


def test_the_memory_budget_is_recorded_and_overridable(small, tmp_path):
    result, out = run(small, tmp_path)
    assert result.returncode == 0, result.stderr
    memory = summary(out)["memory"]
    assert isinstance(memory, dict)
    assert memory["duckdb_memory_limit"].endswith("MiB")
    assert memory["chosen"].startswith("25% of ")

    given, given_out = run(small, tmp_path / "given", "--memory-limit", "2GB")
    assert given.returncode == 0, given.stderr
    assert summary(given_out)["memory"] == {
        "duckdb_memory_limit": "2GB",
        "chosen": "--memory-limit",
    }


@pytest.mark.parametrize("value", ["lots", "8", "10MB"])
def test_a_bad_memory_limit_is_a_usage_error(small, tmp_path, value):
    result, out = run(small, tmp_path, "--memory-limit", value)
    assert result.returncode == 2
    assert "--memory-limit" in result.stderr
    assert not out.exists()
