"""Other evidence of work: badge, login, timecard and leave records.

Everyone has a few badge/login/timecard/leave events a year. Agencies with an activity feed
(common.Agency.activity_feed) also send one timecard per pay period for every employee in
service, so the feed covers their staff period by period (PAID_WITHOUT_ACTIVITY counts only
such periods). Plants bend this through an ActivityPlan: periods with no record at all,
periods of leave, and extra records (access after separation and its look-alikes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from headcount.contract.tables import ACTIVITY
from headcount.synth import arrowfmt as af
from headcount.synth.columns import PersonText
from headcount.synth.common import (
    AGENCIES,
    I64,
    N_PERIODS,
    NO_DATE,
    PERIOD_ENDS,
    PERIOD_STARTS,
    YEAR_END,
    YEAR_START,
)
from headcount.synth.people import People

KINDS = ("badge", "login", "timecard", "leave")
KIND_P = (0.40, 0.35, 0.20, 0.05)
TIMECARD, LEAVE = KINDS.index("timecard"), KINDS.index("leave")


@dataclass
class ActivityPlan:
    """What plants change in activity.csv (person indexes; periods as 0-based numbers)."""

    idle: dict[int, tuple[int, int]] = field(default_factory=dict)  # no record in k0..k1
    leave: dict[int, tuple[int, int]] = field(default_factory=dict)  # only leave in k0..k1
    extra: list[tuple[int, int, str]] = field(default_factory=list)  # person, day, kind


def _last_day(p: People) -> I64:
    """Last day of service in 2025 (before a death: the dead do not work)."""
    death_eve = np.where(p.death == NO_DATE, NO_DATE, p.death - 1)
    last = np.minimum(np.minimum(p.sep, YEAR_END), death_eve)
    return np.asarray(last, dtype=np.int64)


def _sparse(rng: np.random.Generator, p: People) -> tuple[I64, I64, I64]:
    """A few events a year per roster person, inside their 2025 service."""
    start = np.maximum(p.hire, YEAR_START).astype(np.int64)
    end = _last_day(p)
    roster = np.arange(p.n) < p.n_roster
    has = roster & (end >= start) & (rng.random(p.n) < 0.9)
    counts = np.where(has, rng.poisson(3.0, size=p.n) + 1, 0)
    person = np.repeat(np.arange(p.n, dtype=np.int64), counts)
    span = (end - start + 1)[person]
    days = start[person] + (rng.random(len(person)) * span).astype(np.int64)
    # Weekend events move back to Friday (1970-01-01 was a Thursday: weekday = (d + 3) % 7).
    weekday = (days + 3) % 7
    days = np.where(weekday >= 5, days - (weekday - 4), days)
    days = np.maximum(days, start[person])
    kind = rng.choice(len(KINDS), size=len(person), p=KIND_P).astype(np.int64)
    return person, days, kind


def _timecards(p: People) -> tuple[I64, I64, I64]:
    """One timecard per pay period in service, for staff of agencies with a feed, dated
    the period's last day in service."""
    fed = np.array([a.activity_feed for a in AGENCIES])[p.agency]
    roster = np.arange(p.n) < p.n_roster
    hire = p.hire.astype(np.int64)
    last = _last_day(p)
    people: list[I64] = []
    days: list[I64] = []
    for k in range(N_PERIODS):
        s, e = int(PERIOD_STARTS[k]), int(PERIOD_ENDS[k])
        on = np.nonzero(roster & fed & (hire <= e) & (last >= max(s, YEAR_START)))[0]
        people.append(on.astype(np.int64))
        days.append(np.minimum(last[on], e))
    person = np.concatenate(people)
    return person, np.concatenate(days), np.full(len(person), TIMECARD, dtype=np.int64)


def _period_of(days: I64) -> I64:
    return np.searchsorted(PERIOD_ENDS, days, side="left").astype(np.int64)


def activity_table(
    rng: np.random.Generator, p: People, text: PersonText, plan: ActivityPlan | None = None
) -> pa.Table:
    """Events fall inside each person's 2025 service and never after a death, except the
    plan's extra records."""
    plan = plan or ActivityPlan()
    parts = [_sparse(rng, p), _timecards(p)]
    person, days, kind = (np.concatenate([x[i] for x in parts]) for i in range(3))
    k = _period_of(days)
    lo = np.full(p.n, N_PERIODS, dtype=np.int64)
    hi = np.full(p.n, -1, dtype=np.int64)
    for who, (k0, k1) in {**plan.idle, **plan.leave}.items():
        lo[who], hi[who] = k0, k1
    drop = (k >= lo[person]) & (k <= hi[person])
    person, days, kind = person[~drop], days[~drop], kind[~drop]
    added: list[tuple[int, int, int]] = [
        (who, int(PERIOD_STARTS[kk]) + 2 * j, LEAVE)
        for who, (k0, k1) in plan.leave.items()
        for kk in range(k0, k1 + 1)
        for j in range(5)  # a leave record per working day of the first week
    ]
    added += [(who, d, KINDS.index(kd)) for who, d, kd in plan.extra]
    if added:
        more = np.array(added, dtype=np.int64).reshape(-1, 3)
        person = np.concatenate([person, more[:, 0]])
        days = np.concatenate([days, more[:, 1]])
        kind = np.concatenate([kind, more[:, 2]])
    order = np.lexsort((kind, days, person))
    person, days, kind = person[order], days[order], kind[order]
    data = {
        "employee_id": text.employee_id.take(pa.array(person)),
        "date": af.dates(days),
        "kind": af.vocab_take(pa.array(KINDS), kind),
    }
    assert tuple(data) == ACTIVITY.column_names
    return pa.table(data)
