"""The review queue: candidate pairs for analysts to label, and the labels they give.

`queue_pairs` scores a dataset's roster and stores the pairs nearest the threshold (at
most MAX_QUEUED, each with what the explain page shows: the two records — never an SSN in
full, a birth date or an address, only whether they agree — the waterfall and the model's
call). Analysts label them in the web app (`web/review_pages.py`), blind: the page hides
the score and the weights until the label is given, so the model cannot anchor the
decision. `stored_labels` gives every label back, for `headcount linkage labels` to write
the file `verify --labels` reads.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import CheckConstraint, Float, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from headcount.linkage.explain import explain
from headcount.linkage.labels import DECISIONS, Label
from headcount.linkage.session import opened
from headcount.store import Store
from headcount.store.models import Base
from headcount.store.types import BigId, utcnow

MAX_QUEUED = 200
QUEUE_FLOOR = 0.01  # pairs the model gives less than this are not worth an analyst's time


class ReviewPair(Base):
    __tablename__ = "linkage_review_pairs"
    __table_args__ = (UniqueConstraint("employee_id_a", "employee_id_b"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    employee_id_a: Mapped[str] = mapped_column(String(64))
    employee_id_b: Mapped[str] = mapped_column(String(64))
    records: Mapped[str] = mapped_column(Text)  # JSON: the two records as shown
    agrees: Mapped[str] = mapped_column(Text)  # JSON: birth date, address, ZIP agree?
    comparisons: Mapped[str] = mapped_column(Text)  # JSON: the waterfall
    prior_weight: Mapped[float] = mapped_column(Float)
    match_weight: Mapped[float] = mapped_column(Float)
    match_probability: Mapped[float] = mapped_column(Float)
    reported: Mapped[bool]  # the model's call, labels aside
    reasons: Mapped[str] = mapped_column(Text)  # JSON: why reported or not
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)


class PairLabel(Base):
    __tablename__ = "linkage_labels"
    __table_args__ = (
        CheckConstraint(
            "decision IN (" + ", ".join(f"'{d}'" for d in DECISIONS) + ")", name="decision"
        ),
    )

    employee_id_a: Mapped[str] = mapped_column(String(64), primary_key=True)
    employee_id_b: Mapped[str] = mapped_column(String(64), primary_key=True)
    decision: Mapped[str] = mapped_column(String(16))
    analyst: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(16), default="review")


def _candidates(dataset: Path, model_file: Path | None) -> list[dict[str, Any]]:
    with opened(dataset, model_file) as session:
        predictions = session.fitted.linker.inference.predict(
            threshold_match_probability=QUEUE_FLOOR, warning_mode="never"
        )
        pairs = session.engine.fetch_arrow(
            f"SELECT unique_id_l AS a, unique_id_r AS b FROM {predictions.physical_name} "
            f"ORDER BY abs(match_weight), unique_id_l, unique_id_r LIMIT {MAX_QUEUED}"
        ).to_pylist()
        predictions.drop_table_from_database_and_remove_from_cache()
        out = []
        for pair in pairs:
            a, b = sorted((pair["a"], pair["b"]))
            found = explain(session.engine, session.fitted, a, b)
            j = found.judgement
            if j.same_ssn:
                continue  # DUPLICATE_SSN's, never a question for this queue
            out.append(
                {
                    "employee_id_a": a,
                    "employee_id_b": b,
                    "records": json.dumps(found.records, default=str),
                    "agrees": json.dumps(j.agrees),
                    "comparisons": json.dumps(j.comparisons),
                    "prior_weight": j.prior_weight,
                    "match_weight": j.match_weight,
                    "match_probability": j.match_probability,
                    "reported": found.reported,
                    "reasons": json.dumps(found.reasons),
                }
            )
    return out


def queue_pairs(store: Store, dataset: Path, model_file: Path | None = None) -> int:
    """Score `dataset`'s roster and (re)place the queue with its pairs nearest the
    threshold; labels already given stay. Returns the number of pairs queued."""
    rows = _candidates(dataset, model_file)
    with store.begin() as s:
        s.query(ReviewPair).delete()
        s.add_all(ReviewPair(**row) for row in rows)
    return len(rows)


def pair_and_label(store: Store, pair_id: int) -> tuple[ReviewPair | None, PairLabel | None]:
    with store.begin() as s:
        pair = s.get(ReviewPair, pair_id)
        if pair is None:
            return None, None
        label = s.get(PairLabel, (pair.employee_id_a, pair.employee_id_b))
        s.expunge(pair)
        if label is not None:
            s.expunge(label)
        return pair, label


def record_label(store: Store, pair_id: int, decision: str, analyst: str) -> ReviewPair | None:
    """The analyst's decision on a queued pair (a later label replaces an earlier one)."""
    if decision not in DECISIONS:
        raise ValueError(f"{decision!r} is not one of {', '.join(DECISIONS)}")
    with store.begin() as s:
        pair = s.get(ReviewPair, pair_id)
        if pair is None:
            return None
        key = (pair.employee_id_a, pair.employee_id_b)
        label = s.get(PairLabel, key) or PairLabel(employee_id_a=key[0], employee_id_b=key[1])
        label.decision, label.analyst, label.decided_at = decision, analyst, utcnow()
        label.source = "review"
        s.add(label)
        s.flush()
        s.expunge(pair)
        return pair


def next_unlabelled(store: Store, after: int | None = None) -> ReviewPair | None:
    """The next queued pair nobody has labelled (after `after`, else from the start)."""
    labelled = (
        select(PairLabel.employee_id_a)
        .where(PairLabel.employee_id_a == ReviewPair.employee_id_a)
        .where(PairLabel.employee_id_b == ReviewPair.employee_id_b)
    )
    with store.begin() as s:
        query = select(ReviewPair).where(~labelled.exists())
        if after is not None:
            query = query.where(ReviewPair.id > after)
        pair = s.scalars(query.order_by(ReviewPair.id).limit(1)).first()
        if pair is not None:
            s.expunge(pair)
        return pair


def queue(store: Store) -> list[tuple[ReviewPair, PairLabel | None]]:
    with store.begin() as s:
        pairs = list(s.scalars(select(ReviewPair).order_by(ReviewPair.id)))
        labels = {(lb.employee_id_a, lb.employee_id_b): lb for lb in s.scalars(select(PairLabel))}
        for p in pairs:
            s.expunge(p)
        for lb in labels.values():
            s.expunge(lb)
    return [(p, labels.get((p.employee_id_a, p.employee_id_b))) for p in pairs]


def stored_labels(store: Store) -> tuple[Label, ...]:
    with store.begin() as s:
        return tuple(
            Label.of(
                lb.employee_id_a,
                lb.employee_id_b,
                lb.decision,
                lb.analyst,
                lb.decided_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                lb.source,
            )
            for lb in s.scalars(select(PairLabel).order_by(PairLabel.employee_id_a))
        )
