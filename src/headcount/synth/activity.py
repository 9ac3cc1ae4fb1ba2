"""Other evidence of work: a few badge/login/timecard/leave events per employee."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from headcount.contract.tables import ACTIVITY
from headcount.synth import arrowfmt as af
from headcount.synth.columns import PersonText
from headcount.synth.common import NO_DATE, YEAR_END, YEAR_START
from headcount.synth.people import People

KINDS = ("badge", "login", "timecard", "leave")
KIND_P = (0.40, 0.35, 0.20, 0.05)


def activity_table(rng: np.random.Generator, p: People, text: PersonText) -> pa.Table:
    """Events fall inside each person's 2025 service and never after a death."""
    start = np.maximum(p.hire, YEAR_START).astype(np.int64)
    end = np.minimum(
        np.minimum(p.sep, YEAR_END), np.where(p.death == NO_DATE, NO_DATE, p.death - 1)
    )
    end = end.astype(np.int64)
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
    kind = rng.choice(len(KINDS), size=len(person), p=KIND_P)
    order = np.lexsort((kind, days, person))
    person, days, kind = person[order], days[order], kind[order]
    data = {
        "employee_id": text.employee_id.take(pa.array(person)),
        "date": af.dates(days),
        "kind": af.vocab_take(pa.array(KINDS), kind),
    }
    assert tuple(data) == ACTIVITY.column_names
    return pa.table(data)
