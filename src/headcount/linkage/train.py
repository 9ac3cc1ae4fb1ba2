"""Fitting the model to the agency's own roster, without labels.

1. The prior: how many pairs the near-certain rules in `model.DETERMINISTIC` find, scaled
   up by the share of duplicates they are thought to catch (RECALL).
2. u (how often strangers agree at each level): exact levels from the roster's value
   counts, the rest from a sample of pairs sized to the roster (`estimate_u.py`).
3. m (how often duplicates agree at each level) by expectation maximisation on pairs
   blocked by each rule of `model.EM_RULES` in turn (Splink averages the rounds), when the
   roster holds enough duplicates for EM to outweigh the prior on m (`priors.py`); a
   roster with fewer keeps the prior, which EM's estimate would hardly move.

A roster too small to learn from (MIN_TRAIN_RECORDS) has nothing to estimate u and m with;
it is scored with the parameters of the reference model (`reference_model.json`, fitted the
same way on a synthetic agency of REFERENCE_EMPLOYEES) and its prior rescaled to its size.
"""

from __future__ import annotations

import json
import logging
import math
from functools import cache
from importlib import resources
from typing import Any

from splink import Linker, block_on

from headcount.engine.base import Engine
from headcount.linkage import model
from headcount.linkage.estimate_u import Shares, estimate_u, labelled_pairs_sql, level_counts
from headcount.linkage.inputs import current
from headcount.linkage.priors import PRIOR_PAIRS, expected_duplicate_pairs, shrink_m

MIN_TRAIN_RECORDS = 1_000
EM_MAX_PAIRS = 2e6
# EM runs when the roster is thought to hold at least this many duplicate pairs: below it
# the prior on m carries more weight than EM's estimate (priors.shrink_m) and EM's blocks
# are mostly twins and spouses, so its rounds would cost time for a small, noisy nudge.
EM_MIN_DUPLICATE_PAIRS = PRIOR_PAIRS
RECALL = 0.6  # share of duplicates the deterministic rules are thought to catch
# A roster where no pair meets the deterministic rules still gets a small prior: one
# duplicate per this many records, so a strong enough pair can still be reported.
FLOOR_RECORDS_PER_DUPLICATE = 10_000
REFERENCE = "reference_model.json"

log = logging.getLogger(__name__)


def quiet_splink() -> None:
    """Splink narrates every step, and warns of levels a small roster never shows (normal
    here: the priors cover them); the CLI has its own progress bars. Errors still show."""
    for name in ("splink", "splink.internals"):  # Splink sets a level on both
        logging.getLogger(name).setLevel(logging.ERROR)


def prior_floor(records: int) -> float:
    pairs = max(records * (records - 1) / 2, 1.0)
    return records / FLOOR_RECORDS_PER_DUPLICATE / pairs


def estimate_prior(linker: Linker, records: int) -> None:
    """The prior from this roster's near-certain pairs (cheap: one blocked count)."""
    linker.training.estimate_probability_two_random_records_match(
        [block_on(*rule) for rule in model.DETERMINISTIC], recall=RECALL
    )
    settings = linker._settings_obj
    floor = prior_floor(records)
    if settings._probability_two_random_records_match < floor:
        settings._probability_two_random_records_match = floor


def train(engine: Engine, linker: Linker, records: int, exact: Shares) -> None:
    """Fit prior, u and m on this roster (`exact`: its exact u shares, estimate_u.py)."""
    estimate_prior(linker, records)
    estimate_u(engine, linker, records, exact)
    duplicates = expected_duplicate_pairs(linker, records)
    learned = duplicates >= EM_MIN_DUPLICATE_PAIRS
    if learned:
        for rule in model.EM_RULES:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*rule),
                estimate_without_term_frequencies=True,
                max_pairs=EM_MAX_PAIRS,
            )
    # Without EM, m is the prior alone (Splink's untrained placeholders carry no weight),
    # plus what analysts' labelled duplicates show.
    matches = [lb.pair for lb in current().labels if lb.decision == "match"]
    seen = level_counts(engine, linker, labelled_pairs_sql(linker, matches)) if matches else {}
    shrink_m(linker, duplicates if learned else 0.0, seen)
    if learned:
        strangers_only(linker, records)
    monotone(linker)


def strangers_only(linker: Linker, records: int) -> None:
    """u is how often two *different* people agree, but the roster's pairs (counted or
    sampled) include its duplicates. With prior p and m known, the strangers' share is
    (share - m * p) / (1 - p): decisive on a roster where most pairs that share a birth
    date are duplicates (FEBRL3). Only where EM ran: there the roster itself backs m and
    the prior; on an agency roster with a handful of duplicates the correction is
    negligible in truth, but a prior m times an estimated prior could take a level (the same
    address, say) to nothing. Never below half a pair."""
    p = float(linker._settings_obj._probability_two_random_records_match)
    floor = 0.5 / max(records * (records - 1) / 2, 1.0)
    for comparison in linker._settings_obj.comparisons:
        for lv in comparison.comparison_levels:
            if lv.is_null_level:
                continue
            m, u = float(lv.m_probability or 0), float(lv.u_probability or 0)
            lv.u_probability = max((u - m * p) / (1 - p), floor)


def monotone(linker: Linker) -> None:
    """Levels run from most to least alike, so none may weigh more than the one before it.

    A rare level with a rare-looking u (an initial where the roster has none, say) would
    otherwise outweigh an exact match: its u is raised until its weight equals the
    previous level's. The last level (different) is left as it is."""
    for comparison in linker._settings_obj.comparisons:
        levels = [lv for lv in comparison.comparison_levels if not lv.is_null_level]
        ceiling = math.inf
        for lv in levels[:-1]:
            m, u = float(lv.m_probability or 0), float(lv.u_probability or 0)
            if m <= 0 or u <= 0:
                continue
            weight = math.log2(m / u)
            if weight > ceiling:
                lv.u_probability = m / 2**ceiling
                weight = ceiling
            ceiling = weight


@cache
def reference_model() -> dict[str, Any]:
    text = resources.files("headcount.linkage").joinpath(REFERENCE).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def reference_settings(records: int) -> dict[str, Any]:
    """The reference model with its prior rescaled: the same duplicates per record."""
    ref = {k: v for k, v in reference_model().items() if not k.startswith("headcount_")}
    per_record = reference_model()["headcount_duplicates_per_record"]
    pairs = max(records * (records - 1) / 2, 1.0)
    ref["probability_two_random_records_match"] = min(
        max(per_record * records / pairs, prior_floor(records)), 0.5
    )
    return ref


def duplicates_per_record(linker: Linker, records: int) -> float:
    prior = float(linker._settings_obj._probability_two_random_records_match)
    return prior * records * (records - 1) / 2 / max(records, 1)


def match_weight(probability: float) -> float:
    return math.log2(probability / (1 - probability))
