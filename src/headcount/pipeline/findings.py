"""Turning rule rows into contract findings: ids, sentences, evidence JSON."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pyarrow as pa

from headcount.contract.findings import FINDING_COLUMNS, FINDING_EMPLOYEE_COLUMNS, Severity
from headcount.contract.ids import join_ids
from headcount.rules.base import Rule, RuleRow

CENT = Decimal("0.01")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value.quantize(CENT)) if value == value.quantize(CENT) else float(value)
    if isinstance(value, dt.datetime):
        text = value.isoformat()
        return text.replace("+00:00", "Z") if value.tzinfo else text
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} in evidence")


def to_json(value: Any) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False)


@dataclass(frozen=True)
class Finding:
    finding_id: str
    rule: str
    severity: Severity
    employee_ids: tuple[str, ...]
    payment_ids: tuple[str, ...]
    amount_at_risk: Decimal
    summary: str
    evidence: dict[str, Any]

    @property
    def payments_at_risk(self) -> dict[str, Decimal]:
        """payment_id -> dollars this finding calls at risk (from its evidence)."""
        out: dict[str, Decimal] = {}
        for payment in self.evidence.get("payments") or ():
            at_risk = Decimal(str(payment.get("at_risk") or 0))
            if at_risk:
                out[str(payment["payment_id"])] = at_risk
        return out


def finding_id(rule: str, key: str) -> str:
    """Stable across runs on the same data, so cases can be re-imported idempotently."""
    return "HC-" + hashlib.sha256(f"{rule}|{key}".encode()).hexdigest()[:12].upper()


def build_finding(rule: Rule, row: RuleRow) -> Finding:
    severity = Severity(row["severity"]) if row.get("severity") else rule.severity
    if severity not in rule.severities:
        raise ValueError(f"{rule.code} produced severity {severity.value}")
    amount = Decimal(row["amount_at_risk"] or 0).quantize(CENT)
    return Finding(
        finding_id=finding_id(rule.code, str(row["finding_key"])),
        rule=rule.code,
        severity=severity,
        employee_ids=tuple(sorted(str(e) for e in row["employee_ids"] or ())),
        payment_ids=tuple(sorted(str(p) for p in row["payment_ids"] or ())),
        amount_at_risk=amount,
        summary=rule.summary(row),
        evidence=rule.build_evidence(row),
    )


def sort_key(f: Finding) -> tuple[int, str, Decimal, tuple[str, ...], str]:
    return (f.severity.rank, f.rule, -f.amount_at_risk, f.employee_ids, f.finding_id)


# The contract's findings table, as findings.csv and findings.parquet hold it.
FINDINGS_SCHEMA = pa.schema(
    [
        ("finding_id", pa.string()),
        ("rule", pa.string()),
        ("severity", pa.string()),
        ("employee_ids", pa.string()),
        ("payment_ids", pa.string()),
        ("amount_at_risk", pa.decimal128(18, 2)),
        ("summary", pa.string()),
        ("evidence", pa.string()),
    ]
)
assert tuple(FINDINGS_SCHEMA.names) == FINDING_COLUMNS
ID_LISTS = ("employee_ids", "payment_ids")
# The same columns with the ids as lists, as they travel inside headcount.
FINDINGS_LIST_SCHEMA = pa.schema(
    [pa.field(f.name, pa.list_(pa.string())) if f.name in ID_LISTS else f for f in FINDINGS_SCHEMA]
)


def findings_table(findings: Iterable[Finding]) -> pa.Table:
    """The findings with their ids as sorted lists and their evidence as JSON text."""
    cols: dict[str, list[Any]] = {name: [] for name in FINDING_COLUMNS}
    for f in findings:
        cols["finding_id"].append(f.finding_id)
        cols["rule"].append(f.rule)
        cols["severity"].append(f.severity.value)
        cols["employee_ids"].append(list(f.employee_ids))
        cols["payment_ids"].append(list(f.payment_ids))
        cols["amount_at_risk"].append(f.amount_at_risk)
        cols["summary"].append(f.summary)
        cols["evidence"].append(to_json(f.evidence))
    return pa.table(cols, schema=FINDINGS_LIST_SCHEMA)


def contract_table(table: pa.Table) -> pa.Table:
    """findings_table's table as the contract writes it: each id list joined by join_ids,
    the one place ids become `;`-separated text."""
    columns = {
        name: pa.array([join_ids(ids) for ids in table.column(name).to_pylist()], pa.string())
        if name in ID_LISTS
        else table.column(name)
        for name in FINDING_COLUMNS
    }
    return pa.table(columns, schema=FINDINGS_SCHEMA)


def employee_links_table(findings: Iterable[Finding]) -> pa.Table:
    """finding_id, rule, employee_id: each id a finding names in a cell of its own, so a
    reader of the results (cases import) never has to split a list to know who it names."""
    rows = [(f.finding_id, f.rule, e) for f in findings for e in f.employee_ids]
    return pa.table(
        {
            name: pa.array([row[i] for row in rows], pa.string())
            for i, name in enumerate(FINDING_EMPLOYEE_COLUMNS)
        }
    )


def index_table(findings: Iterable[Finding]) -> pa.Table:
    """(rule, severity, employee_ids as a list): what the payees query joins against."""
    rules, severities, ids = [], [], []
    for f in findings:
        rules.append(f.rule)
        severities.append(f.severity.value)
        ids.append(list(f.employee_ids))
    return pa.table(
        {
            "rule": pa.array(rules, pa.string()),
            "severity": pa.array(severities, pa.string()),
            "employee_ids": pa.array(ids, pa.list_(pa.string())),
        }
    )


def payment_links_table(findings: Iterable[Finding]) -> pa.Table:
    """finding_id, rule, payment_id, at_risk: every dollar at risk traced to its payment."""
    cols: dict[str, list[Any]] = {"finding_id": [], "rule": [], "payment_id": [], "at_risk": []}
    for f in findings:
        for payment_id, at_risk in sorted(f.payments_at_risk.items()):
            cols["finding_id"].append(f.finding_id)
            cols["rule"].append(f.rule)
            cols["payment_id"].append(payment_id)
            cols["at_risk"].append(at_risk)
    return pa.table(
        {
            "finding_id": pa.array(cols["finding_id"], pa.string()),
            "rule": pa.array(cols["rule"], pa.string()),
            "payment_id": pa.array(cols["payment_id"], pa.string()),
            "at_risk": pa.array(cols["at_risk"], pa.decimal128(18, 2)),
        }
    )


# A finding with the key it belongs to ('CODE|' || its rule's scope key, from the query's
# `owner` column; finding_key by default): what an incremental run replaces by.
Keyed = tuple[str, Finding]
