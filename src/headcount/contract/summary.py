"""The shape of summary.json: what verify writes, the report reads and the CLI prints.

Other tools read summary.json, so its keys are part of the contract (docs/data-contract.md);
these types let mypy hold every reader and writer to them.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class InputFile(TypedDict):
    file: str
    rows: int


class RulesRun(TypedDict):
    ran: list[str]
    # rule code -> why it did not run (an input it needs is absent, or it stepped aside)
    skipped: dict[str, str]


class SeverityTotals(TypedDict):
    findings: int
    amount_at_risk: float


class RuleTotals(TypedDict):
    findings: int
    amount_at_risk: float
    payments: int
    by_severity: dict[str, int]


class FindingsSummary(TypedDict):
    total: int
    by_severity: dict[str, SeverityTotals]
    by_rule: dict[str, RuleTotals]


class AmountSummary(TypedDict):
    sum_by_rule: float
    # each payment counted once, at its largest at-risk figure
    distinct: float


class PayeesSummary(TypedDict):
    total: int
    total_paid: float
    by_status: dict[str, int]


class CampaignRate(TypedDict):
    campaign_id: str
    agency: str
    policy: str
    roster: int
    replied: int
    response_rate: float | None


class CheckinSummary(TypedDict):
    campaigns: list[CampaignRate]
    note: str


class ExistenceSummary(TypedDict):
    window_days: int
    evidence: dict[str, dict[str, Any]]
    interval: str
    # per campaign: its agencies' groups, comparisons and sentences (pipeline/existence.py)
    campaigns: list[dict[str, Any]]
    note: str


class MemorySummary(TypedDict):
    duckdb_memory_limit: str
    chosen: str


class IncrementalSummary(TypedDict):
    mode: str
    reason: str
    state: str
    rows_appended: int
    rules_rerun: dict[str, str]  # rule code -> why it ran again
    rules_reused: list[str]


class RuleTiming(TypedDict):
    seconds: float  # its prepare hook and query, wall time
    findings: int  # rows its query returned (one per finding)
    rows_scanned: NotRequired[int]  # with --profile: rows DuckDB's table scans read for it


class Summary(TypedDict):
    headcount_version: str
    dataset: str
    engine: str
    started_at: str
    inputs: dict[str, InputFile]
    data_quality_cells: int
    rules: RulesRun
    findings: FindingsSummary
    amount_at_risk: AmountSummary
    payees: PayeesSummary
    checkins: NotRequired[CheckinSummary]
    existence: NotRequired[ExistenceSummary]
    memory: NotRequired[MemorySummary]
    incremental: NotRequired[IncrementalSummary]
    timings_seconds: NotRequired[dict[str, float]]
    rule_timings: NotRequired[dict[str, RuleTiming]]
    stage_rows: NotRequired[dict[str, int]]  # rows each stage read or produced
