"""summary.json: counts and dollars by rule and severity, payees by status, inputs, timings."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pyarrow as pa

from headcount.contract.findings import SEVERITY_ORDER, PayeeStatus
from headcount.contract.summary import (
    AmountSummary,
    CampaignRate,
    CheckinSummary,
    FindingsSummary,
    PayeesSummary,
    RuleTotals,
    SeverityTotals,
)
from headcount.engine.base import Engine
from headcount.pipeline.findings import Finding
from headcount.rules.checkins_sql import attributed_checkins


def _dollars(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


def findings_summary(findings: Sequence[Finding]) -> FindingsSummary:
    severity_count = dict.fromkeys((s.value for s in SEVERITY_ORDER), 0)
    severity_amount = dict.fromkeys((s.value for s in SEVERITY_ORDER), Decimal(0))
    rule_count: dict[str, int] = {}
    rule_amount: dict[str, Decimal] = {}
    rule_payments: dict[str, int] = {}
    rule_severities: dict[str, dict[str, int]] = {}
    for f in findings:
        severity = f.severity.value
        severity_count[severity] += 1
        severity_amount[severity] += f.amount_at_risk
        rule_count[f.rule] = rule_count.get(f.rule, 0) + 1
        rule_amount[f.rule] = rule_amount.get(f.rule, Decimal(0)) + f.amount_at_risk
        rule_payments[f.rule] = rule_payments.get(f.rule, 0) + len(f.payment_ids)
        seen = rule_severities.setdefault(f.rule, {})
        seen[severity] = seen.get(severity, 0) + 1
    by_severity: dict[str, SeverityTotals] = {
        s: {"findings": severity_count[s], "amount_at_risk": _dollars(severity_amount[s])}
        for s in severity_count
    }
    by_rule: dict[str, RuleTotals] = {
        rule: {
            "findings": count,
            "amount_at_risk": _dollars(rule_amount[rule]),
            "payments": rule_payments[rule],
            "by_severity": rule_severities[rule],
        }
        for rule, count in rule_count.items()
    }
    return {"total": len(findings), "by_severity": by_severity, "by_rule": by_rule}


def amount_summary(findings: Sequence[Finding]) -> AmountSummary:
    """Two totals: the plain sum over rules, and each payment counted once at its largest
    at-risk figure (a payment can be both after death and a duplicate)."""
    per_payment: dict[str, Decimal] = {}
    unlinked = Decimal(0)
    for f in findings:
        linked = f.payments_at_risk
        for payment_id, at_risk in linked.items():
            per_payment[payment_id] = max(per_payment.get(payment_id, Decimal(0)), at_risk)
        unlinked += f.amount_at_risk - sum(linked.values(), Decimal(0))
    return {
        "sum_by_rule": _dollars(sum((f.amount_at_risk for f in findings), Decimal(0))),
        "distinct": _dollars(sum(per_payment.values(), Decimal(0)) + unlinked),
    }


def payees_summary(payees: pa.Table) -> PayeesSummary:
    statuses = payees.column("status").to_pylist()
    total_paid = sum((v for v in payees.column("total_paid").to_pylist() if v), Decimal(0))
    return {
        "total": payees.num_rows,
        "total_paid": _dollars(total_paid),
        "by_status": {s.value: statuses.count(s.value) for s in PayeeStatus},
    }


def checkin_summary(engine: Engine) -> CheckinSummary:
    """Response rates per campaign and agency. The denominator is everyone on the roster
    in that agency and employed when the campaign was sent; exempt agencies are shown with
    their policy so a low rate there is read correctly."""
    d = engine.dialect
    rows = engine.fetch_arrow(
        f"""
        WITH sent AS (
            SELECT campaign_id, agency, min(policy) AS policy, min(sent_at) AS sent_at
            FROM campaigns GROUP BY campaign_id, agency
        ),
        asked AS (
            SELECT s.campaign_id, s.agency, s.policy, r.employee_id
            FROM sent s JOIN roster r ON r.agency = s.agency
            WHERE (r.hire_date IS NULL OR r.hire_date <= CAST(s.sent_at AS DATE))
              AND (r.separation_date IS NULL OR r.separation_date >= CAST(s.sent_at AS DATE))
        ),
        replied AS (SELECT DISTINCT campaign_id, eid FROM ({attributed_checkins(d)}) a)
        SELECT a.campaign_id, a.agency, a.policy, count(*) AS roster,
               count(rp.eid) AS replied
        FROM asked a LEFT JOIN replied rp
             ON rp.campaign_id = a.campaign_id AND rp.eid = a.employee_id
        GROUP BY a.campaign_id, a.agency, a.policy
        ORDER BY a.campaign_id, a.agency
        """
    ).to_pylist()
    campaigns: list[CampaignRate] = [
        {
            "campaign_id": row["campaign_id"],
            "agency": row["agency"],
            "policy": row["policy"],
            "roster": row["roster"],
            "replied": row["replied"],
            "response_rate": round(row["replied"] / row["roster"], 4) if row["roster"] else None,
        }
        for row in rows
    ]
    return {
        "campaigns": campaigns,
        "note": "Response rates are context only: not replying is never a finding and never "
        "raises the severity of one, whatever the campaign's policy.",
    }
