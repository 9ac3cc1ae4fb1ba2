"""How precise the model is on the agency's own people: its calls against analysts' labels.

Each labelled pair (match or non_match; unsure ones say nothing) is scored by the model as
a run would without labels (`explain.judge`): reported or not. Against the labels that
gives true positives (labelled one person, reported), false positives (labelled two people,
reported) and false negatives (labelled one person, not reported); precision and recall
follow, each with a Wilson score interval (95% by default), which stays inside [0, 1] and
is honest about a handful of labels where the normal approximation is not.

The labels are the pairs analysts chose to review (the queue shows the pairs nearest the
threshold first), not a random sample of the roster's pairs: the figures describe the
model where it is least sure, which is where an agency needs to know.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from headcount.engine.base import Engine
from headcount.linkage.explain import PairError, judge
from headcount.linkage.labels import Label
from headcount.linkage.resolve import Fitted


@dataclass(frozen=True)
class Interval:
    estimate: float | None  # None: no pair to estimate from
    low: float
    high: float


@dataclass(frozen=True)
class Accuracy:
    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int
    unsure: int
    not_on_roster: int
    precision: Interval
    recall: Interval
    confidence: float


def wilson(successes: int, trials: int, confidence: float = 0.95) -> Interval:
    if trials == 0:
        return Interval(None, 0.0, 1.0)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    # Rounding can leave 1.0 a hair above the upper end: the estimate is always inside.
    return Interval(p, max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half)))


def accuracy(
    engine: Engine, fitted: Fitted, labels: tuple[Label, ...], confidence: float = 0.95
) -> Accuracy:
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0, "unsure": 0, "missing": 0}
    for lb in labels:
        if lb.decision == "unsure":
            counts["unsure"] += 1
            continue
        try:
            reported = judge(engine, fitted, lb.a, lb.b).linked
        except PairError:
            counts["missing"] += 1  # labelled on an earlier roster: nothing to score
            continue
        match = lb.decision == "match"
        key = ("tp" if match else "fp") if reported else ("fn" if match else "tn")
        counts[key] += 1
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    return Accuracy(
        tp, fp, fn, counts["tn"], counts["unsure"], counts["missing"],
        precision=wilson(tp, tp + fp, confidence),
        recall=wilson(tp, tp + fn, confidence),
        confidence=confidence,
    )  # fmt: skip
