"""The non-response question: are the people who did not reply to a check-in real?

In February 2025 it was said that people who did not answer the "what did you do last week"
email "don't even exist". The records headcount reads can test that. For each campaign and
agency: the roster on the send date, split into who replied and who did not; for each group,
how many have each kind of independent evidence of being a real, current employee, how many
have none, and how many carry a high or medium finding; and the difference of the two
groups' finding rates with a 95% confidence interval (Newcombe's hybrid score interval).

It runs after findings and payees and feeds nothing back into them: not replying is never a
finding, never a severity and never a status. Only counts leave this module, never a list of
who did not reply.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from statistics import NormalDist
from typing import Any

import pyarrow as pa

from headcount.contract.summary import ExistenceSummary
from headcount.engine.base import Engine
from headcount.engine.dialect import Dialect
from headcount.matching.ssn import issuable_sql
from headcount.rules.checkins_sql import attributed_checkins
from headcount.rules.sql import REGULAR, period_start

WINDOW_DAYS = 14
CONFIDENCE = 0.95
NEEDS = frozenset({"campaigns", "checkins"})
EVIDENCE = ("activity", "regular_pay", "hr_record")
EVIDENCE_DESCRIPTIONS = {
    "activity": f"a badge, login, timecard or leave record within {WINDOW_DAYS} days either "
    "side of the send date",
    "regular_pay": "a regular payment for the pay period covering the send date with federal "
    "tax and retirement withheld",
    "hr_record": "an HR record active on the send date with a valid SSN that no other roster "
    "record shares, and no matching death record",
}
# Evidence that needs an optional input: without it the evidence is not checked (null).
EVIDENCE_NEEDS = {"activity": "activity", "hr_record": "deaths"}
METHOD = (
    "Newcombe's hybrid score interval for a difference of proportions "
    "(Newcombe 1998, method 10, from the two groups' Wilson score intervals)"
)
NOTE = (
    "Context only: not replying is never a finding, never raises the severity of one and "
    "never changes a payee's status. The roster on the send date is everyone in the agency "
    "hired by then and not yet separated. A finding is any high or medium finding naming the "
    "employee; findings about check-ins themselves can only name people who replied."
)


@dataclass(frozen=True)
class Window:
    """The earliest and latest send date: bounds written into the query as constants, so
    that the payroll and activity scans skip every row group outside them."""

    first: dt.date
    last: dt.date

    @property
    def payroll(self) -> str:
        """A pay period covers a send date only if it ends on or within 13 days after it."""
        return _between("p.pay_period_end", self.first, self.last + dt.timedelta(days=13))

    @property
    def activity(self) -> str:
        days = dt.timedelta(days=WINDOW_DAYS)
        return _between("x.date", self.first - days, self.last + days)


def _between(column: str, first: dt.date, last: dt.date) -> str:
    return f"{column} BETWEEN DATE '{first.isoformat()}' AND DATE '{last.isoformat()}'"


def send_window(engine: Engine) -> Window | None:
    """The campaigns' send dates, or None when no campaign has one."""
    [row] = engine.fetch_arrow(
        "SELECT min(CAST(sent_at AS DATE)) AS first, max(CAST(sent_at AS DATE)) AS last "
        "FROM campaigns"
    ).to_pylist()
    return Window(row["first"], row["last"]) if row["first"] is not None else None


def people_sql(d: Dialect, deaths_supplied: bool, window: Window) -> str:
    """One row per campaign, agency and employee on the roster on the send date, with
    whether they replied, each kind of evidence, and whether a finding names them."""
    death_checked = "TRUE" if deaths_supplied else "FALSE"
    return f"""
    WITH sent AS (
        SELECT campaign_id, agency, min(policy) AS policy,
               CAST(min(sent_at) AS DATE) AS sent_on
        FROM campaigns GROUP BY campaign_id, agency
    ),
    asked AS (
        SELECT s.campaign_id, s.agency, s.policy, s.sent_on, r.employee_id, r.ssn
        FROM sent s JOIN roster r ON r.agency = s.agency
        WHERE (r.hire_date IS NULL OR r.hire_date <= s.sent_on)
          AND (r.separation_date IS NULL OR r.separation_date >= s.sent_on)
    ),
    replied AS (
        SELECT DISTINCT campaign_id, eid FROM ({attributed_checkins(d)}) c
        WHERE eid IS NOT NULL
    ),
    active AS (
        SELECT DISTINCT a.campaign_id, a.employee_id
        FROM asked a JOIN activity x ON x.employee_id = a.employee_id
        WHERE {window.activity} AND x.date >= {d.days_before("a.sent_on", WINDOW_DAYS)}
          AND {d.days_before("x.date", WINDOW_DAYS)} <= a.sent_on
    ),
    paid AS (
        SELECT DISTINCT a.campaign_id, a.employee_id
        FROM asked a JOIN payroll p ON p.employee_id = a.employee_id
        WHERE {window.payroll} AND p.payment_type = {REGULAR}
          AND {period_start(d)} <= a.sent_on AND p.pay_period_end >= a.sent_on
          AND p.federal_tax > 0 AND p.retirement > 0
    ),
    shared_ssn AS (
        SELECT ssn FROM roster WHERE ssn IS NOT NULL GROUP BY ssn HAVING count(*) > 1
    ),
    dead AS (SELECT DISTINCT employee_id FROM death_matches WHERE agreements >= 2),
    flagged AS (
        SELECT DISTINCT employee_id FROM (
            SELECT {d.explode("employee_ids")} AS employee_id, severity FROM findings_index
        ) f WHERE severity IN ('high', 'medium')
    )
    SELECT a.campaign_id, a.agency, a.policy, a.sent_on, a.employee_id,
           rp.eid IS NOT NULL AS replied,
           act.employee_id IS NOT NULL AS activity,
           pd.employee_id IS NOT NULL AS regular_pay,
           coalesce({death_checked} AND a.ssn IS NOT NULL AND {issuable_sql("a.ssn")}
                    AND sh.ssn IS NULL AND dm.employee_id IS NULL, FALSE) AS hr_record,
           fl.employee_id IS NOT NULL AS finding
    FROM asked a
    LEFT JOIN replied rp ON rp.campaign_id = a.campaign_id AND rp.eid = a.employee_id
    LEFT JOIN active act ON act.campaign_id = a.campaign_id AND act.employee_id = a.employee_id
    LEFT JOIN paid pd ON pd.campaign_id = a.campaign_id AND pd.employee_id = a.employee_id
    LEFT JOIN shared_ssn sh ON sh.ssn = a.ssn
    LEFT JOIN dead dm ON dm.employee_id = a.employee_id
    LEFT JOIN flagged fl ON fl.employee_id = a.employee_id
    """


def counts_sql(d: Dialect, deaths_supplied: bool, window: Window) -> str:
    """people_sql's rows counted per campaign, agency and group."""
    return f"""
    SELECT campaign_id, agency, policy, sent_on, replied, count(*) AS employees,
           count(CASE WHEN activity THEN 1 END) AS activity,
           count(CASE WHEN regular_pay THEN 1 END) AS regular_pay,
           count(CASE WHEN hr_record THEN 1 END) AS hr_record,
           count(CASE WHEN activity OR regular_pay OR hr_record THEN 1 END) AS any_evidence,
           count(CASE WHEN finding THEN 1 END) AS with_finding
    FROM ({people_sql(d, deaths_supplied, window)}) people
    GROUP BY campaign_id, agency, policy, sent_on, replied
    """


@dataclass(frozen=True)
class Group:
    """Counts for one group (replied, or did not reply); evidence not checked is None."""

    employees: int = 0
    activity: int | None = 0
    regular_pay: int | None = 0
    hr_record: int | None = 0
    any_evidence: int = 0
    with_finding: int = 0

    def __add__(self, other: Group) -> Group:
        def add(a: int | None, b: int | None) -> int | None:
            return None if a is None or b is None else a + b

        return Group(*(add(getattr(self, f.name), getattr(other, f.name)) for f in fields(self)))  # type: ignore[arg-type]

    @property
    def no_evidence(self) -> int:
        return self.employees - self.any_evidence

    @property
    def finding_rate(self) -> float | None:
        return round(self.with_finding / self.employees, 6) if self.employees else None

    def to_json(self) -> dict[str, Any]:
        return {
            "employees": self.employees,
            **{kind: getattr(self, kind) for kind in EVIDENCE},
            "any_evidence": self.any_evidence,
            "no_evidence": self.no_evidence,
            "with_finding": self.with_finding,
            "finding_rate": self.finding_rate,
        }


def wilson_interval(successes: int, trials: int, z: float) -> tuple[float, float]:
    """Wilson's score interval for one proportion (Wilson 1927)."""
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    half /= 1 + z * z / trials
    return centre - half, centre + half


def newcombe_interval(
    x1: int, n1: int, x2: int, n2: int, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Newcombe's hybrid score interval for p1 - p2 (1998, method 10).

    Written out rather than imported: statsmodels, which has it, costs two to three seconds
    of start-up, a tenth of a verify at 100,000 employees. tests/test_existence.py checks
    this against statsmodels' confint_proportions_2indep(method="newcomb") on random counts.
    """
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, z)
    l2, u2 = wilson_interval(x2, n2, z)
    diff = p1 - p2
    return (
        diff - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        diff + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


def rate_difference(did_not: Group, replied: Group) -> dict[str, Any] | None:
    """Did-not-reply's finding rate minus replied's, with its confidence interval; None
    when either group is empty."""
    if not did_not.employees or not replied.employees:
        return None
    low, high = newcombe_interval(
        did_not.with_finding, did_not.employees, replied.with_finding, replied.employees
    )
    estimate = did_not.with_finding / did_not.employees - replied.with_finding / replied.employees
    return {
        "estimate": round(estimate, 6),
        "ci_low": round(low, 6),
        "ci_high": round(high, 6),
        "confidence": CONFIDENCE,
    }


def share(n: int, total: int) -> str:
    """A percentage for reading aloud: never rounds a part up to all or down to none."""
    if not total:
        return "—"
    if n in (0, total):
        return f"{100 * n // total}%"
    text = f"{100 * n / total:.2f}%"
    return {"100.00%": ">99.99%", "0.00%": "<0.01%"}.get(text, text)


def _points(x: float) -> str:
    return f"{100 * x:.2f}".replace("-", "\u2212")


def sentence(did_not: Group, replied: Group, diff: Mapping[str, Any] | None) -> str:
    """One plain sentence a spokesperson could read aloud."""
    if not did_not.employees:
        return (
            f"All {replied.employees:,} employees on the roster replied; "
            f"{share(replied.with_finding, replied.employees)} carry a high or medium finding."
        )
    who = "employee who did not reply" if did_not.employees == 1 else "employees who did not reply"
    verb = "has" if did_not.any_evidence == 1 else "have"
    text = (
        f"Of {did_not.employees:,} {who}, {did_not.any_evidence:,} "
        f"({share(did_not.any_evidence, did_not.employees)}) {verb} independent evidence of "
        f"being current employees; {share(did_not.with_finding, did_not.employees)} carry a "
        "high or medium finding"
    )
    if diff is None:
        return text + "; nobody replied, so there is no group to compare with."
    return (
        f"{text}, against {share(replied.with_finding, replied.employees)} of those who "
        f"replied (a difference of {_points(diff['estimate'])} percentage points; 95% "
        f"confidence interval {_points(diff['ci_low'])} to {_points(diff['ci_high'])})."
    )


def comparison(did_not: Group, replied: Group) -> dict[str, Any]:
    diff = rate_difference(did_not, replied)
    return {
        "roster": did_not.employees + replied.employees,
        "replied": replied.to_json(),
        "did_not_reply": did_not.to_json(),
        "finding_rate_difference": diff,
        "sentence": sentence(did_not, replied, diff),
    }


def _group(row: Mapping[str, Any], present: frozenset[str]) -> Group:
    values: dict[str, int | None] = {f.name: int(row[f.name]) for f in fields(Group)}
    for kind, table in EVIDENCE_NEEDS.items():
        if table not in present:
            values[kind] = None
    return Group(**values)  # type: ignore[arg-type]


def summarise(rows: Iterable[Mapping[str, Any]], present: frozenset[str]) -> ExistenceSummary:
    """summary.json's `existence` block from counts_sql's rows."""
    empty = _group({f.name: 0 for f in fields(Group)}, present)
    agencies: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        entry = agencies.setdefault(
            (str(row["campaign_id"]), str(row["agency"])),
            {
                "policy": row["policy"],
                "sent_on": row["sent_on"].isoformat() if row["sent_on"] else None,
                "replied": empty,
                "did_not_reply": empty,
            },
        )
        entry["replied" if row["replied"] else "did_not_reply"] = _group(row, present)
    campaigns: dict[str, dict[str, Any]] = {}
    totals: dict[str, tuple[Group, Group]] = {}
    for (campaign_id, agency), entry in sorted(agencies.items()):
        did_not, replied = entry["did_not_reply"], entry["replied"]
        campaigns.setdefault(campaign_id, {"campaign_id": campaign_id, "agencies": []})
        campaigns[campaign_id]["agencies"].append(
            {
                "agency": agency,
                "policy": entry["policy"],
                "sent_on": entry["sent_on"],
                **comparison(did_not, replied),
            }
        )
        was_did_not, was_replied = totals.get(campaign_id, (empty, empty))
        totals[campaign_id] = (was_did_not + did_not, was_replied + replied)
    return {
        "window_days": WINDOW_DAYS,
        "evidence": {
            kind: {
                "means": EVIDENCE_DESCRIPTIONS[kind],
                "checked": EVIDENCE_NEEDS.get(kind, "payroll") in present,
            }
            for kind in EVIDENCE
        },
        "interval": METHOD,
        "campaigns": [
            {**campaign, "all_agencies": comparison(*totals[campaign_id])}
            for campaign_id, campaign in campaigns.items()
        ],
        "note": NOTE,
    }


def existence_summary(engine: Engine, present: frozenset[str]) -> ExistenceSummary | None:
    """The `existence` block for a run whose findings are in `findings_index`; None
    without campaigns and check-ins."""
    if not present >= NEEDS:
        return None
    window = send_window(engine)
    rows = (
        engine.fetch_arrow(counts_sql(engine.dialect, "deaths" in present, window)).to_pylist()
        if window is not None
        else []
    )
    return summarise(rows, present)


GROUP_COLUMNS = ("employees", *EVIDENCE, "any_evidence", "no_evidence", "with_finding")
COLUMNS = (
    "campaign_id", "agency", "policy", "sent_on", "roster",
    *(f"replied_{c}" for c in GROUP_COLUMNS),
    *(f"did_not_reply_{c}" for c in GROUP_COLUMNS),
    "replied_finding_rate", "did_not_reply_finding_rate",
    "finding_rate_difference", "ci_low", "ci_high", "sentence",
)  # fmt: skip
_INT_COLUMNS = {
    "roster",
    *(f"{g}_{c}" for g in ("replied", "did_not_reply") for c in GROUP_COLUMNS),
}
_FLOAT_COLUMNS = {
    "replied_finding_rate", "did_not_reply_finding_rate", "finding_rate_difference",
    "ci_low", "ci_high",
}  # fmt: skip


def existence_table(existence: Mapping[str, Any]) -> pa.Table:
    """existence.csv: one row per campaign and agency (the totals are in summary.json)."""
    cols: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    for campaign in existence["campaigns"]:
        for a in campaign["agencies"]:
            diff = a["finding_rate_difference"] or {}
            row = {
                "campaign_id": campaign["campaign_id"],
                "agency": a["agency"],
                "policy": a["policy"],
                "sent_on": a["sent_on"],
                "roster": a["roster"],
                **{
                    f"{g}_{c}": a[g][c] for g in ("replied", "did_not_reply") for c in GROUP_COLUMNS
                },
                "replied_finding_rate": a["replied"]["finding_rate"],
                "did_not_reply_finding_rate": a["did_not_reply"]["finding_rate"],
                "finding_rate_difference": diff.get("estimate"),
                "ci_low": diff.get("ci_low"),
                "ci_high": diff.get("ci_high"),
                "sentence": a["sentence"],
            }
            for name in COLUMNS:
                cols[name].append(row[name])
    types = {
        name: pa.int64()
        if name in _INT_COLUMNS
        else pa.float64()
        if name in _FLOAT_COLUMNS
        else pa.string()
        for name in COLUMNS
    }
    return pa.table({name: pa.array(cols[name], types[name]) for name in COLUMNS})
