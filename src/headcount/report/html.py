"""report.html: one self-contained page with the summary, charts and the most important findings.

The page must open from a USB stick on an air-gapped laptop and be read aloud to a reviewer, so
it makes no network request (a Content-Security-Policy forbids any), needs no JavaScript (rows
expand with `<details>`), and every value from the data is autoescaped by Jinja2.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

import headcount
from headcount.contract.findings import FINDING_COLUMNS, SEVERITY_ORDER, PayeeStatus
from headcount.contract.ids import split_ids
from headcount.report import charts
from headcount.report.evidence_words import EvidenceTable, evidence_tables
from headcount.report.existence_view import EVIDENCE_LABELS, existence_view
from headcount.report.formatting import (
    Money,
    as_int,
    dig,
    format_count,
    format_money,
    format_pct,
    to_money,
    wrappable,
)

SEVERITIES = tuple(s.value for s in SEVERITY_ORDER)  # high first
STATUSES = tuple(s.value for s in PayeeStatus)
# Past this the evidence is cut in the page (findings.csv keeps it whole): a few runaway rows
# must not turn a 2,000-row page into hundreds of megabytes.
EVIDENCE_MAX_CHARS = 20_000
EMPLOYEES_IN_CELL = 3
MAX_WATERFALLS = 6  # linked pairs charted per finding; the evidence JSON lists them all
# What lies between these differs from run to run on the same files (the dataset's path, the
# start time, timings); a re-run is compared without it (provenance/manifest.py).
RUN_SPECIFIC_START, RUN_SPECIFIC_END = "<!--run-specific-->", "<!--/run-specific-->"


@dataclass(frozen=True)
class RuleInfo:
    """A rule as the report explains it: code (e.g. PAID_AFTER_DEATH), short title, description."""

    code: str
    title: str
    description: str


@dataclass
class ReportRule:
    code: str
    title: str
    description: str
    findings: int = 0
    by_severity: dict[str, int] = field(default_factory=dict)
    amount: Money = Decimal(0)
    payments: int | None = None

    @property
    def worst(self) -> int:
        ranks = [SEVERITIES.index(s) for s, n in self.by_severity.items() if n and s in SEVERITIES]
        return min(ranks, default=len(SEVERITIES))


@dataclass(frozen=True)
class ReportFinding:
    finding_id: str
    rule: str
    severity: str
    employee_ids: list[str]
    payment_ids: list[str]
    amount: Money
    summary: str
    evidence: str
    evidence_is_json: bool
    evidence_truncated: bool
    waterfalls: tuple[Markup, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    tables: tuple[EvidenceTable, ...] = ()


# ---------------------------------------------------------------- formatting


# ---------------------------------------------------------------- findings table


def _check_columns(findings: pa.Table) -> None:
    missing = [c for c in FINDING_COLUMNS if c not in findings.column_names]
    if missing:
        raise ValueError(f"findings table lacks column(s) {', '.join(missing)}")


def _rule_stats(findings: pa.Table) -> tuple[dict[str, ReportRule], dict[str, Money]]:
    """Counts, dollars and payments per rule (and dollars per severity) from the whole table."""
    if findings.num_rows == 0:
        return {}, {}
    n_payments = _id_counts(findings.column("payment_ids"))
    amount = findings.column("amount_at_risk")
    if not pa.types.is_decimal(amount.type):
        amount = pc.cast(amount, pa.float64())
    t = pa.table(
        {
            "rule": pc.cast(findings.column("rule"), pa.string()),
            "severity": pc.cast(findings.column("severity"), pa.string()),
            "amount": amount,
            "payments": n_payments,
        }
    )
    grouped = t.group_by(["rule", "severity"]).aggregate(
        [("amount", "sum"), ("payments", "sum"), ("rule", "count")]
    )
    out: dict[str, ReportRule] = {}
    by_severity: dict[str, Money] = {}
    for g in grouped.to_pylist():
        code, sev, amount = g["rule"] or "(no rule)", g["severity"], to_money(g["amount_sum"])
        row = out.setdefault(code, ReportRule(code, code, "", payments=0))
        row.findings += g["rule_count"]
        row.by_severity[sev] = row.by_severity.get(sev, 0) + g["rule_count"]
        row.amount = _add(row.amount, amount)
        row.payments = (row.payments or 0) + (g["payments_sum"] or 0)
        by_severity[sev] = _add(by_severity.get(sev, Decimal(0)), amount)
    return out, by_severity


def _add(a: Money, b: Money | None) -> Money:
    if b is None:
        return a
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return a + b
    return float(a) + float(b)


def _top_findings(findings: pa.Table, max_rows: int) -> list[ReportFinding]:
    """The `max_rows` most important findings: severity high→info, then dollars, then id."""
    if max_rows <= 0 or findings.num_rows == 0:
        return []
    severity = pc.cast(findings.column("severity"), pa.string())
    rank = pc.fill_null(pc.index_in(severity, value_set=pa.array(SEVERITIES)), len(SEVERITIES))
    amount = pc.fill_null(pc.cast(findings.column("amount_at_risk"), pa.float64()), 0.0)
    keys = pa.table({"rank": rank, "amount": amount, "id": findings.column("finding_id")})
    order = pc.sort_indices(
        keys, sort_keys=[("rank", "ascending"), ("amount", "descending"), ("id", "ascending")]
    )
    top = findings.take(order[:max_rows]).select(list(FINDING_COLUMNS))
    return [_finding_row(r) for r in top.to_pylist()]


def _ids(value: Any) -> list[str]:
    """A finding's ids: a list (verify's own table), or the contract's `;`-separated text
    (a table read back from findings.parquet), which only split_ids reads."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return list(split_ids(str(value)))


def _id_counts(column: pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        return pc.fill_null(pc.list_value_length(column), 0)
    return pa.array([len(_ids(v)) for v in column.to_pylist()], pa.int64())


def _waterfalls(finding_id: str, evidence: Any) -> tuple[Markup, ...]:
    """A match-weight waterfall per linked pair (DUPLICATE_PERSON evidence), a few at most."""
    pairs = evidence.get("linked_pairs") if isinstance(evidence, Mapping) else None
    if not isinstance(pairs, list):
        return ()
    out = []
    for i, pair in enumerate(pairs[:MAX_WATERFALLS]):
        try:
            steps = [
                charts.Step(f"{c['comparison']}: {c['level']}", float(c["log2_weight"]))
                for c in pair["comparisons"]
            ]
            ids = " and ".join(str(e) for e in pair["employee_ids"])
            out.append(
                charts.waterfall(
                    chart_id=f"waterfall-{finding_id}-{i}",
                    title=f"Why {ids} look like one person",
                    prior=float(pair["prior_weight"]),
                    steps=steps,
                    probability=float(pair["match_probability"]),
                )
            )
        except (KeyError, TypeError, ValueError):
            continue  # evidence written by something else: the JSON below still shows it
    return tuple(out)


def _finding_row(r: Mapping[str, Any]) -> ReportFinding:
    raw = "" if r["evidence"] is None else str(r["evidence"])
    parsed: Any = None
    try:
        parsed = json.loads(raw)
        pretty = json.dumps(parsed, indent=2, ensure_ascii=False)
        is_json = True
    except ValueError:
        pretty, is_json = raw, False
    truncated = len(pretty) > EVIDENCE_MAX_CHARS
    facts, tables = evidence_tables(parsed)
    return ReportFinding(
        finding_id=str(r["finding_id"] or ""),
        rule=str(r["rule"] or ""),
        severity=str(r["severity"] or ""),
        employee_ids=_ids(r["employee_ids"]),
        payment_ids=_ids(r["payment_ids"]),
        amount=to_money(r["amount_at_risk"]) or Decimal(0),
        summary=str(r["summary"] or ""),
        evidence=pretty[:EVIDENCE_MAX_CHARS],
        evidence_is_json=is_json,
        evidence_truncated=truncated,
        waterfalls=_waterfalls(str(r["finding_id"] or ""), parsed),
        facts=tuple(facts),
        tables=tuple(tables),
    )


# ---------------------------------------------------------------- summary figures


def _rules(
    from_table: Mapping[str, ReportRule], summary: Mapping[str, Any], catalogue: Sequence[RuleInfo]
) -> tuple[list[ReportRule], list[RuleInfo]]:
    """Rules with findings (summary.json figures win, the table fills gaps), and quiet rules."""
    from_summary = dig(summary, "findings", "by_rule")
    from_summary = from_summary if isinstance(from_summary, Mapping) else {}
    info = {r.code: r for r in catalogue}
    rows: list[ReportRule] = []
    for code in sorted(set(from_table) | set(from_summary)):
        t = from_table.get(code) or ReportRule(code, code, "")
        s = from_summary.get(code)
        s = s if isinstance(s, Mapping) else {}
        sev = s.get("by_severity")
        by_sev = (
            {str(k): as_int(v) or 0 for k, v in sev.items()}
            if isinstance(sev, Mapping)
            else t.by_severity
        )
        findings_n = as_int(s.get("findings"))
        amount = to_money(s.get("amount_at_risk"))
        rule = info.get(code)
        row = ReportRule(
            code=code,
            title=rule.title if rule else code,
            description=rule.description if rule else "",
            findings=t.findings if findings_n is None else findings_n,
            by_severity=by_sev,
            amount=t.amount if amount is None else amount,
            payments=as_int(s.get("payments")) if "payments" in s else t.payments,
        )
        if row.findings:
            rows.append(row)
    rows.sort(key=lambda r: (r.worst, -float(r.amount), -r.findings, r.code))
    seen = {r.code for r in rows}
    quiet = [r for r in catalogue if r.code not in seen]
    return rows, quiet


def _severity_rows(
    rules: Sequence[ReportRule], amounts: Mapping[str, Money], summary: Mapping[str, Any]
) -> list[dict[str, Any]]:
    out = []
    for sev in SEVERITIES:
        s = dig(summary, "findings", "by_severity", sev)
        n = as_int(dig(s, "findings"))
        amount = to_money(dig(s, "amount_at_risk"))
        out.append(
            {
                "severity": sev,
                "findings": sum(r.by_severity.get(sev, 0) for r in rules) if n is None else n,
                "amount": amounts.get(sev, Decimal(0)) if amount is None else amount,
            }
        )
    return out


def _campaigns(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    campaigns = dig(summary, "checkins", "campaigns")
    if not isinstance(campaigns, Sequence) or isinstance(campaigns, str):
        return []
    out = []
    for c in campaigns:
        if not isinstance(c, Mapping):
            continue
        roster, replied = as_int(c.get("roster")), as_int(c.get("replied"))
        rate = c.get("response_rate")
        if isinstance(rate, int | float) and not isinstance(rate, bool):
            rate_text = f"{100 * rate:.1f}%"
        else:
            rate_text = format_pct(replied, roster)
        out.append(
            {
                "campaign_id": str(c.get("campaign_id") or "—"),
                "agency": str(c.get("agency") or "—"),
                "policy": str(c.get("policy") or "—"),
                "roster": roster,
                "replied": replied,
                "rate": rate_text,
            }
        )
    return out


def _payees(summary: Mapping[str, Any]) -> dict[str, Any] | None:
    p = dig(summary, "payees")
    if not isinstance(p, Mapping):
        return None
    counts = {s: as_int(dig(p, "by_status", s)) for s in STATUSES}
    total = as_int(p.get("total"))
    if total is None and any(v is not None for v in counts.values()):
        total = sum(v or 0 for v in counts.values())
    return {"total": total, "total_paid": to_money(p.get("total_paid")), "by_status": counts}


def _inputs(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    inputs = dig(summary, "inputs")
    if not isinstance(inputs, Mapping):
        return []
    return [
        {"name": str(name), "file": dig(item, "file"), "rows": as_int(dig(item, "rows"))}
        for name, item in inputs.items()
    ]


def _timings(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    timings = dig(summary, "timings_seconds")
    if not isinstance(timings, Mapping):
        return []
    out = []
    for stage, seconds in timings.items():
        ok = isinstance(seconds, int | float) and not isinstance(seconds, bool)
        out.append((str(stage), f"{seconds:.2f}" if ok else str(seconds)))
    return out


def _charts(rules: Sequence[ReportRule], payees: Mapping[str, Any] | None) -> dict[str, Markup]:
    out: dict[str, Markup] = {}
    if rules:
        out["by_rule"] = charts.findings_by_rule([(r.code, r.by_severity) for r in rules])
    with_money = sorted((r for r in rules if float(r.amount) > 0), key=lambda r: -float(r.amount))
    if with_money:
        out["amount"] = charts.amount_by_rule(
            [(r.code, float(r.amount), format_money(r.amount)) for r in with_money]
        )
    if payees and any(v is not None for v in payees["by_status"].values()):
        counts = {s: payees["by_status"][s] or 0 for s in STATUSES}
        out["payees"] = charts.payees_by_status(
            [(s, n, f"{n:,} ({format_pct(n, payees['total'])})") for s, n in counts.items()]
        )
    return out


# ---------------------------------------------------------------- rendering


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("headcount.report", "templates"),
        autoescape=True,  # every template, whatever its extension: data is never markup
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = format_money
    env.filters["count"] = format_count
    env.filters["wrappable"] = wrappable
    env.globals["pct"] = format_pct
    env.globals["run_specific_start"] = Markup(RUN_SPECIFIC_START)
    env.globals["run_specific_end"] = Markup(RUN_SPECIFIC_END)
    return env


def _asset(env: Environment, name: str) -> str:
    assert env.loader is not None
    return env.loader.get_source(env, name)[0]


def _csp_hash(text: str) -> str:
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


def render_report(
    findings: pa.Table,
    summary: Mapping[str, Any],
    *,
    rules: Sequence[RuleInfo] = (),
    max_rows: int = 2000,
) -> str:
    """The report as one HTML string. `findings` has the contract columns; `summary` is the
    summary.json dict (any key may be missing); `rules` is the catalogue used to explain rules.
    """
    _check_columns(findings)
    if max_rows < 0:
        raise ValueError("max_rows must be zero or more")
    summary = summary if isinstance(summary, Mapping) else {}
    env = _environment()
    css, js = _asset(env, "report.css"), _asset(env, "report.js")
    from_table, severity_amounts = _rule_stats(findings)
    rule_rows, quiet = _rules(from_table, summary, rules)
    # A rule that could not run (its optional input was absent) found nothing by default only.
    skipped = dig(summary, "rules", "skipped")
    skipped = skipped if isinstance(skipped, Mapping) else {}
    payees = _payees(summary)
    rows = _top_findings(findings, max_rows)
    total = as_int(dig(summary, "findings", "total"))
    sum_by_rule = to_money(dig(summary, "amount_at_risk", "sum_by_rule"))
    if sum_by_rule is None and rule_rows:
        sum_by_rule = Decimal(0)
        for r in rule_rows:
            sum_by_rule = _add(sum_by_rule, r.amount)
    context = {
        # The policy forbids every fetch; only this exact style sheet and script may run.
        "csp": (
            "default-src 'none'; base-uri 'none'; form-action 'none'; "
            f"style-src {_csp_hash(css)}; script-src {_csp_hash(js)}"
        ),
        "css": Markup(css),
        "js": Markup(js),
        "meta": {
            "dataset": dig(summary, "dataset"),
            "engine": dig(summary, "engine"),
            "started_at": dig(summary, "started_at"),
            "version": dig(summary, "headcount_version") or headcount.__version__,
        },
        "payees": payees,
        "findings_total": findings.num_rows if total is None else total,
        "severities": _severity_rows(rule_rows, severity_amounts, summary),
        "amount_sum": sum_by_rule,
        "amount_distinct": to_money(dig(summary, "amount_at_risk", "distinct")),
        "rules": rule_rows,
        "quiet_rules": [r for r in quiet if r.code not in skipped],
        "skipped_rules": [(r, str(skipped[r.code])) for r in quiet if r.code in skipped],
        "charts": _charts(rule_rows, payees),
        "campaigns": _campaigns(summary),
        "existence": existence_view(dig(summary, "existence")),
        "evidence_labels": EVIDENCE_LABELS,
        "rows": rows,
        "table_total": findings.num_rows,
        "omitted": findings.num_rows - len(rows),
        "row_rules": sorted({r.rule for r in rows}),
        "row_severities": [s for s in SEVERITIES if any(r.severity == s for r in rows)],
        "inputs": _inputs(summary),
        "timings": _timings(summary),
        "severity_names": SEVERITIES,
        "employees_in_cell": EMPLOYEES_IN_CELL,
        "evidence_max": EVIDENCE_MAX_CHARS,
    }
    return env.get_template("report.html.j2").render(context)


def write_report(
    path: Path,
    findings: pa.Table,
    summary: Mapping[str, Any],
    *,
    rules: Sequence[RuleInfo] = (),
    max_rows: int = 2000,
) -> None:
    """Render the report and write it to `path` as UTF-8."""
    html = render_report(findings, summary, rules=rules, max_rows=max_rows)
    Path(path).write_text(html, encoding="utf-8")
