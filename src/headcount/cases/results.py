"""Reading and checking a `headcount verify` results folder before any case is written.

Every problem is an ImportFileError naming the file, the row (line of the file) and the
column. Checked: the five files exist, headers hold the contract's columns, each finding has
a well-formed id, a known rule and severity, employee ids, an amount and an evidence object;
every payment and employee link names a finding of the file; every payee row has a known
status.

Who a finding names is read from finding_employees.csv, one id to a cell, never by splitting
findings.csv's `employee_ids` text: an id that held a `;` (which ingest now refuses) would
split into two, one of them perhaps an innocent person's. The text must still be exactly
what join_ids makes of those ids, so the two files cannot disagree.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from headcount.contract.csvout import unescape_cell
from headcount.contract.findings import (
    FINDING_COLUMNS,
    FINDING_EMPLOYEE_COLUMNS,
    PAYEE_COLUMNS,
    PayeeStatus,
    Severity,
)
from headcount.contract.ids import id_problem, join_ids
from headcount.rules import all_rules

PAYMENT_COLUMNS = ("finding_id", "rule", "payment_id", "at_risk")
EMPLOYEES = "finding_employees.csv"
FINDING_ID = re.compile(r"HC-[0-9A-F]{12}")


class ImportFileError(ValueError):
    """A results folder that cannot be imported; nothing was written."""


@dataclass(frozen=True)
class ImportedFinding:
    line: int
    finding_id: str
    rule: str
    severity: str
    employee_ids: tuple[str, ...]
    amount_at_risk: Decimal
    summary: str
    evidence: str  # JSON text, as written by verify
    agencies: dict[str, str] = field(default_factory=dict)  # from the evidence, when it says
    names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Results:
    folder: Path
    findings: list[ImportedFinding]
    payments: dict[str, dict[str, Decimal]]  # finding_id -> payment_id -> at risk
    payees: dict[str, tuple[str, str]]  # employee_id -> (status, evidence_for)

    @property
    def employee_ids(self) -> set[str]:
        return {e for f in self.findings for e in f.employee_ids}


def read_results(folder: Path) -> Results:
    folder = Path(folder)
    if not folder.is_dir():
        raise ImportFileError(f"{folder}: no such results folder")
    for name in ("finding_payments.csv", "payees.csv", "summary.json"):
        if not (folder / name).is_file():
            raise ImportFileError(
                f"{folder / name}: missing (is {folder} a verify results folder?)"
            )
    if not (folder / EMPLOYEES).is_file():
        raise ImportFileError(
            f"{folder / EMPLOYEES}: missing; results written before headcount listed each "
            "finding's employees one per row cannot be imported: run headcount verify again"
        )
    employees = _employees(folder / EMPLOYEES)
    findings = _findings(folder, employees)
    ids = {f.finding_id for f in findings}
    for finding_id, (line, _) in employees.items():
        if finding_id not in ids:
            raise ImportFileError(
                f"{folder / EMPLOYEES} line {line}, column finding_id: names no finding of "
                "the findings file"
            )
    return Results(folder, findings, _payments(folder / "finding_payments.csv", ids),
                   _payees(folder / "payees.csv"))  # fmt: skip


def _summary_ok(path: Path) -> None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFileError(f"{path}: not JSON ({exc})") from None
    if not isinstance(value, dict) or "findings" not in value:
        raise ImportFileError(f'{path}: not a verify summary (no "findings" object)')


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) of a CSV file whose header holds `columns`; line is the file's line."""
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise ImportFileError(f"{path}: empty file (expected a header row)")
            if len(set(header)) != len(header):
                raise ImportFileError(f"{path} line 1: a column name appears twice")
            missing = [c for c in columns if c not in header]
            if missing:
                raise ImportFileError(f"{path} line 1: missing column(s) {', '.join(missing)}")
            for values in reader:
                if len(values) != len(header):
                    raise ImportFileError(
                        f"{path} line {reader.line_num}: {len(values)} fields, header has {len(header)}"
                    )
                cells = (unescape_cell(v) for v in values)  # as verify was given them
                yield reader.line_num, dict(zip(header, cells, strict=True))
    except UnicodeDecodeError:
        raise ImportFileError(f"{path}: not UTF-8 text") from None
    except csv.Error as exc:
        raise ImportFileError(f"{path}: not a readable CSV file ({exc})") from None


def _parquet_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise ImportFileError(f"{path}: not a readable Parquet file ({exc})") from None
    missing = [c for c in FINDING_COLUMNS if c not in table.column_names]
    if missing:
        raise ImportFileError(f"{path}: missing column(s) {', '.join(missing)}")
    for number, row in enumerate(table.to_pylist(), start=1):
        yield number, {k: "" if v is None else str(v) for k, v in row.items()}


def _findings(folder: Path, employees: dict[str, tuple[int, list[str]]]) -> list[ImportedFinding]:
    csv_path, parquet_path = folder / "findings.csv", folder / "findings.parquet"
    if csv_path.is_file():
        path, rows = csv_path, _rows(csv_path, FINDING_COLUMNS)
    elif parquet_path.is_file():
        path, rows = parquet_path, _parquet_rows(parquet_path)
    else:
        raise ImportFileError(f"{folder}: no findings.csv or findings.parquet")
    _summary_ok(folder / "summary.json")
    rules = {r.code: r for r in all_rules()}
    seen: set[str] = set()
    out = []
    for line, row in rows:
        listed = tuple(employees.get(row["finding_id"], (0, []))[1])
        finding = _finding(path, line, row, rules, listed)
        if finding.finding_id in seen:
            raise ImportFileError(
                f"{path} line {line}, column finding_id: {finding.finding_id} appears twice"
            )
        seen.add(finding.finding_id)
        out.append(finding)
    return out


def _finding(
    path: Path, line: int, row: dict[str, str], rules: dict[str, Any], employee_ids: tuple[str, ...]
) -> ImportedFinding:
    def bad(column: str, problem: str) -> ImportFileError:
        return ImportFileError(f"{path} line {line}, column {column}: {problem}")

    if not FINDING_ID.fullmatch(row["finding_id"]):
        raise bad("finding_id", "not a finding id (HC- and 12 hex digits)")
    rule = rules.get(row["rule"])
    if rule is None:
        if "RESPON" in row["rule"].upper():
            raise bad("rule", "not replying to a check-in is never a finding and opens no case")
        raise bad("rule", f"unknown rule {row['rule'][:64]!r}")
    try:
        severity = Severity(row["severity"])
    except ValueError:
        raise bad("severity", "must be high, medium, low or info") from None
    if severity not in rule.severities:
        raise bad("severity", f"{rule.code} findings are never {severity.value}")
    if row["employee_ids"] != join_ids(employee_ids):
        raise bad("employee_ids", f"is not the employees {EMPLOYEES} lists for this finding")
    if not employee_ids and severity is not Severity.INFO:
        raise bad("employee_ids", "empty: a finding names at least one employee")
    amount = _money(row["amount_at_risk"], bad, "amount_at_risk")
    try:
        evidence = json.loads(row["evidence"])
    except json.JSONDecodeError:
        raise bad("evidence", "not JSON") from None
    if not isinstance(evidence, dict):
        raise bad("evidence", "not a JSON object")
    if not row["summary"].strip():
        raise bad("summary", "empty")
    agencies, names = _who(evidence, employee_ids)
    return ImportedFinding(line, row["finding_id"], rule.code, severity.value, employee_ids, amount,
                      row["summary"], row["evidence"], agencies, names)  # fmt: skip


def _money(text: str, bad: Any, column: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise bad(column, "not an amount in dollars") from None
    if not value.is_finite() or value < 0:
        raise bad(column, "must be 0 or more")
    return value.quantize(Decimal("0.01"))


def _who(
    evidence: dict[str, Any], employee_ids: tuple[str, ...]
) -> tuple[dict[str, str], dict[str, str]]:
    """Agencies and names the evidence gives (roster records, payees), for import without
    --data; the roster's own values win when --data is given."""
    agencies: dict[str, str] = {}
    names: dict[str, str] = {}
    for key in ("roster_records", "payees", "residents"):
        for record in evidence.get(key) or ():
            if isinstance(record, dict) and record.get("employee_id") in employee_ids:
                eid = str(record["employee_id"])
                if record.get("agency"):
                    agencies[eid] = str(record["agency"])
                if record.get("name"):
                    names[eid] = str(record["name"])
    if len(employee_ids) == 1 and evidence.get("roster_name"):
        names.setdefault(employee_ids[0], str(evidence["roster_name"]))
    return agencies, names


def _employees(path: Path) -> dict[str, tuple[int, list[str]]]:
    """finding_id -> (its first line, the ids listed for it in file order)."""
    out: dict[str, tuple[int, list[str]]] = {}
    for line, row in _rows(path, FINDING_EMPLOYEE_COLUMNS):
        problem = id_problem(row["employee_id"])
        if problem is not None:
            raise ImportFileError(f"{path} line {line}, column employee_id: employee_id {problem}")
        out.setdefault(row["finding_id"], (line, []))[1].append(row["employee_id"])
    return out


def _payments(path: Path, finding_ids: set[str]) -> dict[str, dict[str, Decimal]]:
    out: dict[str, dict[str, Decimal]] = {}
    for line, row in _rows(path, PAYMENT_COLUMNS):

        def bad(column: str, problem: str, line: int = line) -> ImportFileError:
            return ImportFileError(f"{path} line {line}, column {column}: {problem}")

        if row["finding_id"] not in finding_ids:
            raise bad("finding_id", "names no finding of findings.csv")
        if not row["payment_id"].strip():
            raise bad("payment_id", "empty")
        out.setdefault(row["finding_id"], {})[row["payment_id"]] = _money(
            row["at_risk"], bad, "at_risk"
        )
    return out


def _payees(path: Path) -> dict[str, tuple[str, str]]:
    statuses = {s.value for s in PayeeStatus}
    out: dict[str, tuple[str, str]] = {}
    for line, row in _rows(path, PAYEE_COLUMNS):
        if row["status"] not in statuses:
            raise ImportFileError(
                f"{path} line {line}, column status: must be verified, review or flagged"
            )
        out[row["employee_id"]] = (row["status"], row["evidence_for"][:2000])
    return out
