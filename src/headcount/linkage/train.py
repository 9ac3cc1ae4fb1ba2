"""Fitting the model to the agency's own roster, without labels.

1. The prior: how many pairs the near-certain rules in `model.DETERMINISTIC` find, scaled
   up by the share of duplicates they are thought to catch (RECALL).
2. u (how often strangers agree at each level) from pairs drawn at random: strangers are
   almost every random pair.
3. m (how often duplicates agree at each level) by expectation maximisation on pairs
   blocked by each rule of `model.EM_RULES` in turn; Splink averages the rounds.

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

from headcount.linkage import model
from headcount.linkage.priors import expected_duplicate_pairs, shrink_m

MIN_TRAIN_RECORDS = 1_000
U_MAX_PAIRS = 5e6
EM_MAX_PAIRS = 2e6
RECALL = 0.6  # share of duplicates the deterministic rules are thought to catch
# A roster where no pair meets the deterministic rules still gets a small prior: one
# duplicate per this many records, so a strong enough pair can still be reported.
FLOOR_RECORDS_PER_DUPLICATE = 10_000
SEED = 7
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


def train(linker: Linker, records: int) -> None:
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [block_on(*rule) for rule in model.DETERMINISTIC], recall=RECALL
    )
    settings = linker._settings_obj
    floor = prior_floor(records)
    if settings._probability_two_random_records_match < floor:
        settings._probability_two_random_records_match = floor
    training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=SEED)
    floor_u(linker, min(U_MAX_PAIRS, records * (records - 1) / 2))
    for rule in model.EM_RULES:
        training.estimate_parameters_using_expectation_maximisation(
            block_on(*rule),
            estimate_without_term_frequencies=True,
            max_pairs=EM_MAX_PAIRS,
        )
    shrink_m(linker, expected_duplicate_pairs(linker, records))
    monotone(linker)


def floor_u(linker: Linker, sampled_pairs: float) -> None:
    """A level no random pair reached (two strangers at one address and ZIP, say) gets u
    of half a pair in the sample, not Splink's placeholder: rare, but not impossible."""
    floor = 0.5 / max(sampled_pairs, 1.0)
    for comparison in linker._settings_obj.comparisons:
        for lv in comparison.comparison_levels:
            if lv.is_null_level:
                continue
            raw = lv._u_probability
            if not isinstance(raw, float) or raw < floor:
                lv.u_probability = floor


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
