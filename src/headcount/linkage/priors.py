"""Prior beliefs about true duplicates, and how EM's estimates are shrunk towards them.

m (the share of true duplicates that land in a level) is what EM learns from the roster.
A large roster with many duplicates (FEBRL3 has thousands of duplicate pairs) teaches it
well; an agency roster may hold a handful, and twins and spouses, who agree on surname,
birth date and address, are then as numerous as real duplicates in the blocks EM sees, so
EM alone would learn that duplicates often have different given names. Each estimate is
therefore the average of EM's figure, weighted by the duplicate pairs the roster is
estimated to hold, and the prior below, weighted by PRIOR_PAIRS: a Dirichlet prior worth
that many pairs. With thousands of duplicates the roster decides; with five, the prior does.

The priors say what record-linkage practice expects of one person keyed twice: names and
birth date mostly exact, a few typos, nicknames and transpositions, a home address that
often but not always agrees, an SSN that agrees as often as not.
"""

from __future__ import annotations

from splink import Linker

PRIOR_PAIRS = 100.0

M_PRIORS: dict[str, dict[str, float]] = {
    "given_name": {
        "exact": 0.80, "nickname": 0.05, "one typo": 0.06, "swapped with surname": 0.01,
        "similar": 0.03, "initial": 0.01, "a little alike": 0.02, "different": 0.02,
    },
    "middle_name": {"exact": 0.85, "initial": 0.08, "one typo": 0.04, "different": 0.03},
    "surname": {
        "exact": 0.85, "one typo or transposition": 0.07, "swapped with given name": 0.01,
        "similar": 0.03, "a little alike": 0.02, "different": 0.02,
    },
    "date_of_birth": {
        "exact": 0.85, "day and month transposed": 0.02, "one typo": 0.07,
        "year off by one": 0.02, "two typos": 0.02, "different": 0.02,
    },
    "address": {
        "same address and ZIP": 0.65, "same street address, ZIP differs": 0.02,
        "similar address, same ZIP": 0.08, "similar street address": 0.02,
        "same words in another order, same ZIP": 0.01, "same ZIP only": 0.04, "same city or ZIP one typo": 0.03, "different": 0.15,
    },
    "ssn": {"same": 0.40, "one digit or transposition": 0.10, "two digits": 0.05,
            "different": 0.45},
    "work_email": {"same": 0.10, "different": 0.90},
    "supervisor": {"same": 0.30, "different": 0.70},
}  # fmt: skip


def expected_duplicate_pairs(linker: Linker, records: int) -> float:
    prior = float(linker._settings_obj._probability_two_random_records_match)
    return prior * records * (records - 1) / 2


def shrink_m(
    linker: Linker,
    duplicate_pairs: float,
    labelled: dict[tuple[str, str], int] | None = None,
) -> None:
    """Blend every m estimate with its prior (see the module docstring), in place.

    `labelled`: how many pairs analysts labelled one person land in each level. They are
    observed duplicates, so each counts as one pair of evidence beside EM's and the
    prior's: a handful nudge m, a few hundred outweigh the prior."""
    labelled = labelled or {}
    for comparison in linker._settings_obj.comparisons:
        name = comparison.output_column_name
        priors = M_PRIORS[name]
        levels = [lv for lv in comparison.comparison_levels if not lv.is_null_level]
        blended = {}
        for lv in levels:
            prior = priors[lv.label_for_charts]
            learned = lv.m_probability
            em = 0.0 if learned is None else duplicate_pairs * learned
            seen = labelled.get((name, lv.label_for_charts), 0)
            blended[lv] = em + PRIOR_PAIRS * prior + seen
        total = sum(blended.values())
        for lv, m in blended.items():
            lv.m_probability = m / total
