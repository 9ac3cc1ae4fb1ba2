"""The report's non-response section: summary.json's `existence` block as tables and a chart.

The figures are taken as summary.json gives them; a block that is missing or not shaped as
verify writes it leaves the section out rather than guessing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from headcount.report import charts
from headcount.report.formatting import as_int, format_count

GROUPS = (("did_not_reply", "Did not reply"), ("replied", "Replied"))
EVIDENCE_LABELS = (
    ("activity", "Activity within 14 days"),
    ("regular_pay", "Regular pay, tax and retirement withheld"),
    ("hr_record", "Valid HR record"),
)
# The chart's measures: each evidence kind, any of them, and a finding.
MEASURES = (
    ("activity", "activity ±14 days"),
    ("regular_pay", "regular pay withheld"),
    ("hr_record", "valid HR record"),
    ("any_evidence", "any of these"),
    ("with_finding", "high/medium finding"),
)
GROUP_COLOURS = {"did_not_reply": "#162e51", "replied": "#0f766e"}


def share(part: Any, whole: Any) -> str:
    """A percentage that never rounds a part up to all or down to none."""
    p, w = as_int(part), as_int(whole)
    if p is None or not w:
        return "—"
    if p in (0, w):
        return f"{100 * p // w}%"
    text = f"{100 * p / w:.2f}%"
    return {"100.00%": ">99.99%", "0.00%": "<0.01%"}.get(text, text)


def points(value: Any) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "—"
    return f"{100 * value:+.2f}".replace("-", "\u2212")


@dataclass(frozen=True)
class GroupRow:
    agency: str
    policy: str
    group: str
    employees: str
    evidence: tuple[str, ...]  # one cell per EVIDENCE_LABELS, "not checked" where not
    any_evidence: str
    no_evidence: str
    with_finding: str


@dataclass(frozen=True)
class RateRow:
    agency: str
    policy: str
    did_not_reply: str
    replied: str
    difference: str
    interval: str


@dataclass(frozen=True)
class CampaignView:
    campaign_id: str
    sentence: str
    chart: Markup
    groups: list[GroupRow]
    rates: list[RateRow]


def _count_of(group: Mapping[str, Any], key: str) -> str:
    value = group.get(key)
    if value is None and key in dict(EVIDENCE_LABELS):
        return "not checked"
    n = as_int(value)
    total = as_int(group.get("employees"))
    return "—" if n is None else f"{n:,} ({share(n, total)})"


def _rows(agency: str, policy: str, c: Mapping[str, Any]) -> tuple[list[GroupRow], RateRow]:
    groups = []
    for key, label in GROUPS:
        g = c.get(key) if isinstance(c.get(key), Mapping) else {}
        assert isinstance(g, Mapping)
        groups.append(
            GroupRow(
                agency=agency,
                policy=policy,
                group=label,
                employees=format_count(g.get("employees")),
                evidence=tuple(_count_of(g, kind) for kind, _ in EVIDENCE_LABELS),
                any_evidence=_count_of(g, "any_evidence"),
                no_evidence=_count_of(g, "no_evidence"),
                with_finding=_count_of(g, "with_finding"),
            )
        )
    diff = c.get("finding_rate_difference")
    diff = diff if isinstance(diff, Mapping) else {}
    rates = {
        key: share(g.get("with_finding"), g.get("employees"))
        for key, _ in GROUPS
        if isinstance(g := c.get(key), Mapping)
    }
    interval = (
        f"{points(diff.get('ci_low'))} to {points(diff.get('ci_high'))}"
        if diff
        else "— (a group is empty)"
    )
    rate = RateRow(
        agency=agency,
        policy=policy,
        did_not_reply=rates.get("did_not_reply", "—"),
        replied=rates.get("replied", "—"),
        difference=points(diff.get("estimate")) if diff else "—",
        interval=interval,
    )
    return groups, rate


def _chart(index: int, campaign_id: str, totals: Mapping[str, Any], sentence: str) -> Markup:
    bars = []
    for key, label in MEASURES:
        for group, group_label in GROUPS:
            g = totals.get(group)
            if not isinstance(g, Mapping) or g.get(key) is None:
                continue
            n, total = as_int(g.get(key)) or 0, as_int(g.get("employees")) or 0
            value = 100 * n / total if total else 0.0
            bars.append(
                charts.Bar(
                    f"{label} · {group_label.lower()}",
                    {group: value},
                    f"{share(n, total)} ({n:,} of {total:,})",
                )
            )
    return charts.bar_chart(
        chart_id=f"chart-existence-{index}",
        title=f"Evidence of being a current employee, by reply, campaign {campaign_id}",
        description="Share of each group (did not reply, replied) with each kind of "
        f"independent evidence and with a high or medium finding. {sentence}",
        bars=bars,
        keys=[g for g, _ in GROUPS],
        colours=GROUP_COLOURS,
        key_labels=dict(GROUPS),
    )


def existence_view(existence: Any) -> list[CampaignView]:
    """One view per campaign, or none when the block is absent or malformed."""
    if not isinstance(existence, Mapping):
        return []
    campaigns = existence.get("campaigns")
    if not isinstance(campaigns, Sequence) or isinstance(campaigns, str):
        return []
    out: list[CampaignView] = []
    for c in campaigns:
        totals = c.get("all_agencies") if isinstance(c, Mapping) else None
        agencies = c.get("agencies") if isinstance(c, Mapping) else None
        if not isinstance(totals, Mapping) or not isinstance(agencies, Sequence):
            continue
        groups: list[GroupRow] = []
        rates: list[RateRow] = []
        for a in (*agencies, {**totals, "agency": "All agencies", "policy": ""}):
            if not isinstance(a, Mapping):
                continue
            g, r = _rows(str(a.get("agency") or "—"), str(a.get("policy") or ""), a)
            groups += g
            rates.append(r)
        campaign_id = str(c.get("campaign_id") or "—")
        sentence = str(totals.get("sentence") or "")
        out.append(
            CampaignView(
                campaign_id,
                sentence,
                _chart(len(out), campaign_id, totals, sentence),
                groups,
                rates,
            )
        )
    return out
