"""truth.json: what was planted, with payment ids and dollars taken from the generated rows.

A plant says *which* of its people's payments matter (a Selector); the dollars are then
summed from the very numbers written to payroll.csv, never re-derived from parameters.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from headcount.synth.common import PERIOD_STARTS, REGULAR
from headcount.synth.payroll import PersonPayments, payment_id

Paid = dict[int, PersonPayments]
# A selector returns (payment numbers, dollars at risk in cents) for one plant.
Selector = Callable[[Paid], tuple[list[int], int]]


def nothing(_: Paid) -> tuple[list[int], int]:
    return [], 0


def _rows(paid: Paid, person: int) -> PersonPayments:
    return paid[person]


def regular_after(person: int, date: int) -> Selector:
    """Regular payments for periods starting after `date`; their gross is at risk."""

    def sel(paid: Paid) -> tuple[list[int], int]:
        r = _rows(paid, person)
        hit = (r.ptype == REGULAR) & (PERIOD_STARTS[r.k] > date)
        return r.num[hit].tolist(), int(r.gross[hit].sum())

    return sel


def listed(persons: list[int], keep: Callable[[PersonPayments], np.ndarray]) -> Selector:
    """Payments chosen by `keep` (a row mask); nothing at risk."""

    def sel(paid: Paid) -> tuple[list[int], int]:
        nums: list[int] = []
        for person in persons:
            r = _rows(paid, person)
            nums += r.num[keep(r)].tolist()
        return nums, 0

    return sel


def all_payments(person: int) -> Selector:
    def sel(paid: Paid) -> tuple[list[int], int]:
        r = _rows(paid, person)
        return r.num.tolist(), int(r.gross.sum())

    return sel


def duplicate_in_period(person: int, k: int) -> Selector:
    """All regular payments of the period; all but the largest are at risk."""

    def sel(paid: Paid) -> tuple[list[int], int]:
        r = _rows(paid, person)
        hit = (r.ptype == REGULAR) & (r.k == k)
        g = r.gross[hit]
        return r.num[hit].tolist(), int(g.sum() - g.max())

    return sel


def above_cap(person: int, cap_cents: int) -> Selector:
    def sel(paid: Paid) -> tuple[list[int], int]:
        r = _rows(paid, person)
        hit = (r.ptype == REGULAR) & (r.gross > cap_cents)
        return r.num[hit].tolist(), int((r.gross[hit] - cap_cents).sum())

    return sel


@dataclass
class Plant:
    section: str  # "anomaly" or "lookalike"
    name: str  # the rule code (anomaly) or look-alike kind
    persons: list[int]
    severity: str | None = None
    variant: str = ""
    note: str = ""  # may use {n} (payments listed) and {amount}
    must_not_flag: tuple[str, ...] = ()
    select: Selector = nothing
    facts: dict[str, Any] = field(default_factory=dict)  # more to check, e.g. corroborated


def build(
    plants: list[Plant],
    paid: Paid,
    employee_id: Callable[[int], str],
    header: dict[str, Any],
    counts: dict[str, int],
) -> dict[str, Any]:
    anomalies: list[dict[str, Any]] = []
    lookalikes: list[dict[str, Any]] = []
    for pl in plants:
        nums, cents = pl.select(paid)
        entry: dict[str, Any] = {
            ("rule" if pl.section == "anomaly" else "kind"): pl.name,
        }
        if pl.section == "anomaly":
            entry["severity"] = pl.severity
        entry["employee_ids"] = sorted({employee_id(p) for p in pl.persons})
        entry["payment_ids"] = sorted(payment_id(int(x)) for x in set(nums))
        if pl.section == "anomaly":
            entry["amount_at_risk"] = round(cents / 100, 2)
        else:
            entry["must_not_flag"] = list(pl.must_not_flag)
        entry["variant"] = pl.variant
        entry["note"] = pl.note.format(n=len(nums), amount=f"{cents / 100:,.2f}")
        entry.update(pl.facts)
        (anomalies if pl.section == "anomaly" else lookalikes).append(entry)

    def key(e: dict[str, Any]) -> tuple[str, list[str]]:
        return (str(e.get("rule", e.get("kind"))), e["employee_ids"])

    return {
        **header,
        "anomalies": sorted(anomalies, key=key),
        "lookalikes": sorted(lookalikes, key=key),
        "counts": counts,
    }


def write(path: Path, truth: dict[str, Any]) -> None:
    path.write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
