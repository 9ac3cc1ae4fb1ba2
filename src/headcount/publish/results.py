"""The tables a verify results folder gives: leads by rule, and the non-response question.

Only counts and sums are read: the rule, severity and amount of each finding (never its
people, payments, summary or evidence) and the counts of summary.json's `existence`.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from headcount.contract.findings import SEVERITY_ORDER, Severity
from headcount.publish.tables import (
    TOTAL,
    Comparison,
    Number,
    Relation,
    Rung,
    Table,
    Unit,
    cellwise,
)

# Leads that name people: DATA_QUALITY (info) findings are about cells, not people.
SEVERITIES = tuple(s.value for s in SEVERITY_ORDER if s is not Severity.INFO)
GROUPS = {"replied": "replied", "did_not_reply": "did not reply"}


class PublishError(ValueError):
    """The results folder cannot be published from (named file and problem)."""


@dataclass(frozen=True)
class FindingFigures:
    """Per (rule, severity): findings, findings with dollars at risk, and those dollars."""

    findings: Counter[tuple[str, str]]
    with_dollars: Counter[tuple[str, str]]
    dollars: dict[tuple[str, str], Decimal]
    rules: tuple[str, ...]


def results_source(results: Path) -> str:
    """What the figures came from, checkable against the folder: the SHA-256 of its
    manifest.json (which hashes every input and output), else of summary.json."""
    for name in ("manifest.json", "summary.json"):
        path = results / name
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            return f"verify results, {name} SHA-256 {digest}"
    raise PublishError(f"{results}: no summary.json; is it a `headcount verify` results folder?")


def read_summary(results: Path) -> dict[str, Any]:
    path = results / "summary.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PublishError(
            f"{results}: no summary.json; is it a `headcount verify` results folder?"
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PublishError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(data, dict):
        raise PublishError(f"{path}: not a verify summary (expected a JSON object)")
    return data


def read_findings(results: Path, summary: dict[str, Any]) -> FindingFigures:
    """Rule, severity and amount of every finding in findings.csv (nothing else is read)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = results / "findings.csv"
    columns = ["rule", "severity", "amount_at_risk"]
    try:
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                include_columns=columns, column_types={c: pa.string() for c in columns}
            ),
        )
    except FileNotFoundError:
        raise PublishError(f"{results}: no findings.csv") from None
    except (pa.ArrowInvalid, KeyError) as exc:
        raise PublishError(f"{path}: cannot be read ({exc})") from None
    findings: Counter[tuple[str, str]] = Counter()
    with_dollars: Counter[tuple[str, str]] = Counter()
    dollars: dict[tuple[str, str], Decimal] = {}
    for line, (rule, severity, amount) in enumerate(
        zip(*(table.column(c).to_pylist() for c in columns), strict=True), start=2
    ):
        if severity == Severity.INFO.value:
            continue
        if severity not in SEVERITIES:
            raise PublishError(
                f"{path}: row {line}, column severity: {severity!r} is not a severity"
            )
        if not rule or rule == TOTAL:
            raise PublishError(f"{path}: row {line}, column rule: {rule!r} is not a rule code")
        try:
            value = Decimal(amount or "0")
        except ArithmeticError:
            value = Decimal("NaN")
        if not value.is_finite() or value < 0:
            raise PublishError(
                f"{path}: row {line}, column amount_at_risk: {amount!r} is not dollars"
            )
        key = (rule, severity)
        findings[key] += 1
        if value > 0:
            with_dollars[key] += 1
            dollars[key] = dollars.get(key, Decimal(0)) + value
    ran = summary.get("rules", {}).get("ran", []) if isinstance(summary.get("rules"), dict) else []
    rules = {str(r) for r in ran if r != "DATA_QUALITY"} | {r for r, _ in findings}
    return FindingFigures(findings, with_dollars, dollars, tuple(sorted(rules)))


def lead_tables(figures: FindingFigures, source: str) -> list[Table]:
    behind: Counter[tuple[str, str]] = Counter()
    money: dict[tuple[str, str], Number] = {}
    for (rule, _), n in figures.with_dollars.items():
        behind[(rule, "at risk")] += n
    for (rule, _), d in figures.dollars.items():
        money[(rule, "at risk")] = Decimal(money.get((rule, "at risk"), 0)) + d
    return [
        Table(
            name="leads_by_rule",
            title="Leads: findings by rule and severity",
            rung=Rung.LEAD,
            unit=Unit.COUNT,
            noun="findings",
            row_label="rule",
            column_label="severity",
            rows=figures.rules,
            columns=SEVERITIES,
            values=dict(figures.findings),
            sum_rows=True,
            sum_columns=True,
            rows_total="All rules",
            columns_total="All severities",
            source=source,
            note="A finding is a lead: a rule fired and its evidence is attached. It is not "
            "a determination that anything was improper.",
        ),
        Table(
            name="lead_dollars_by_rule",
            title="Leads: dollars at risk by rule",
            rung=Rung.LEAD,
            unit=Unit.DOLLARS,
            noun="dollars at risk",
            row_label="rule",
            column_label="dollars",
            rows=figures.rules,
            columns=("at risk",),
            values=money,
            behind=dict(behind),
            rows_total="All rules",
            source=source,
            note="Dollars the findings call at risk, summed by rule (a payment two rules "
            "flag counts under each). At risk is not improper until determined.",
        ),
    ]


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text).strip("_").lower() or "campaign"


@dataclass(frozen=True)
class Existence:
    tables: list[Table]
    relations: list[Relation]
    comparisons: list[Comparison]


def _comparisons(
    campaign: dict[str, Any], employees: Table, with_finding: Table, source: str
) -> list[Comparison]:
    """The difference of the finding rates (did not reply less replied) and its interval,
    per agency and for all agencies, each needing its four counts published."""
    found = []
    blocks = [(str(a["agency"]), str(a["agency"]), a) for a in campaign.get("agencies") or []]
    blocks.append((TOTAL, "All agencies", campaign.get("all_agencies") or {}))
    for row, label, block in blocks:
        diff = block.get("finding_rate_difference") if isinstance(block, dict) else None
        if not isinstance(diff, dict):
            continue  # a group is empty: nothing to compare
        needs = tuple(t.key(row, g) for t in (employees, with_finding) for g in GROUPS.values())
        found.append(
            Comparison(
                group=with_finding.group,
                title=with_finding.title.split(":")[0] + ": difference in the share with a "
                "finding, did not reply less replied (percentage points)",
                row=label,
                needs=needs,
                estimate=100 * float(diff["estimate"]),
                low=100 * float(diff["ci_low"]),
                high=100 * float(diff["ci_high"]),
                confidence=float(diff.get("confidence") or 0.95),
                source=source,
            )
        )
    return found


def existence_tables(summary: dict[str, Any], source: str) -> Existence:
    """Per campaign: employees, those with no independent evidence of being a current
    employee, and those with a high or medium finding, by agency and by reply."""
    block = summary.get("existence")
    if not isinstance(block, dict):
        return Existence([], [], [])
    tables: list[Table] = []
    relations: list[Relation] = []
    comparisons: list[Comparison] = []
    for number, campaign in enumerate(block.get("campaigns") or [], start=1):
        cid = str(campaign["campaign_id"])
        agencies = [a for a in campaign.get("agencies") or [] if isinstance(a, dict)]
        rows = tuple(str(a["agency"]) for a in agencies)
        policy = {str(a["agency"]): str(a.get("policy") or "") for a in agencies}

        def measure(
            field: str, agencies: list[dict[str, Any]] = agencies
        ) -> dict[tuple[str, str], Number]:
            return {
                (str(a["agency"]), label): int((a.get(group) or {}).get(field) or 0)
                for a in agencies
                for group, label in GROUPS.items()
            }

        base = f"nonresponse_{number}_{_slug(cid)}"
        common: dict[str, Any] = dict(
            unit=Unit.COUNT, row_label="agency", column_label="reply", rows=rows,
            columns=tuple(GROUPS.values()), sum_rows=True, sum_columns=True, source=source,
            row_notes=policy, rows_total="All agencies", columns_total="Everyone",
            group=base,
        )  # fmt: skip
        employees = Table(
            name=f"{base}_employees", rung=Rung.CONTEXT, noun="employees",
            title=f"Campaign {cid}: employees on the roster on the send date, by reply",
            values=measure("employees"),
            note="People, not findings: everyone in the agency hired by the send date and "
            "not yet separated. Not replying is never a finding.",
            **common,
        )  # fmt: skip
        no_evidence = Table(
            name=f"{base}_no_evidence", rung=Rung.CONTEXT, share_of=employees.name,
            noun="employees with no independent evidence",
            title=f"Campaign {cid}: employees with no independent evidence of being a "
            "current employee",
            values=measure("no_evidence"),
            note="Evidence is activity near the send date, a regular payment with tax and "
            "retirement withheld, or an active HR record with a valid, unique SSN and no "
            "death record (where those files were given).",
            **common,
        )  # fmt: skip
        with_finding = Table(
            name=f"{base}_with_finding", rung=Rung.LEAD, share_of=employees.name,
            noun="employees with a high or medium finding",
            title=f"Campaign {cid}: employees with a high or medium finding (leads)",
            values=measure("with_finding"),
            note="A finding is a lead, not a determination.",
            **common,
        )  # fmt: skip
        tables += [employees, no_evidence, with_finding]
        relations += cellwise(no_evidence, employees) + cellwise(with_finding, employees)
        comparisons += _comparisons(campaign, employees, with_finding, source)
    return Existence(tables, relations, comparisons)
