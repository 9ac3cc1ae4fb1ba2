"""The Fellegi-Sunter model: which fields are compared, at which levels, and which pairs.

Each comparison is a list of levels from most to least alike; Splink learns for every level
how often true duplicates land there (m) and how often two different people do (u), and a
pair's evidence is the sum of log2(m/u) over the comparisons. Levels are written as DuckDB
SQL (`base_dialect_str`) so Splink can translate them for Spark.

Blocking rules decide which pairs are scored at all. Each is an equality on a combination
of fields that is rare among strangers, so the number of pairs grows about linearly with
the roster; together they still meet every kind of duplicate the model is meant to find
(nickname, typo in either name, typo or transposition in the birth date, a new address, a
different SSN). The SSN is compared, never blocked on: a different SSN is the point.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator

DIALECT = "duckdb"

# A pair is one person at this match probability or above: the Bayes decision point, where
# the model thinks a duplicate as likely as not. Chosen on evidence (docs/identity-resolution.md):
# on FEBRL3 and FEBRL4 precision is 1.0 at every threshold from 0.1 to 0.99 while recall
# falls as it rises; on synthetic agencies of 2,000 to 100,000 employees no stranger, twin
# or spouse scores above 0.05, some twenty times below it.
THRESHOLD = 0.5
# Predictions below the threshold are not even written.
PREDICT_FLOOR = THRESHOLD


def dl(a: str, b: str, k: int) -> str:
    """Damerau-Levenshtein distance within k. DuckDB's plain Levenshtein is several times
    faster and never more than twice the Damerau distance, so it screens first."""
    return f"(levenshtein({a}, {b}) <= {2 * k} AND damerau_levenshtein({a}, {b}) <= {k})"


def level(sql: str, label: str) -> ComparisonLevelCreator:
    return cll.CustomLevel(sql, label_for_charts=label, base_dialect_str=DIALECT)


def null_level(*columns: str) -> ComparisonLevelCreator:
    sql = " OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in columns)
    return cll.CustomLevel(sql, label_for_charts="missing", base_dialect_str=DIALECT).configure(
        is_null_level=True
    )


def given_name() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="given_name",
        comparison_description="Given name",
        comparison_levels=[
            null_level("given_name"),
            cll.ExactMatchLevel("given_name", term_frequency_adjustments=True).configure(
                label_for_charts="exact"
            ),
            level("list_contains(given_nicknames_l, given_name_r)", "nickname"),
            level(dl("given_name_l", "given_name_r", 1), "one typo"),
            level("given_name_l = surname_r OR surname_l = given_name_r", "swapped with surname"),
            level("jaro_winkler_similarity(given_name_l, given_name_r) >= 0.9", "similar"),
            level(
                "left(given_name_l, 1) = left(given_name_r, 1) AND "
                "(length(given_name_l) = 1 OR length(given_name_r) = 1)",
                "initial",
            ),
            level("jaro_winkler_similarity(given_name_l, given_name_r) >= 0.7", "a little alike"),
            cll.ElseLevel().configure(label_for_charts="different"),
        ],
    )


def middle_name() -> ComparisonCreator:
    # Often missing (then it says nothing); when both records carry one, it is the field
    # that tells a person who moved from a stranger with the same name and birthday.
    return cl.CustomComparison(
        output_column_name="middle_name",
        comparison_description="Middle name",
        comparison_levels=[
            null_level("middle_name"),
            cll.ExactMatchLevel("middle_name", term_frequency_adjustments=True).configure(
                label_for_charts="exact"
            ),
            level(
                "left(middle_name_l, 1) = left(middle_name_r, 1) AND "
                "(length(middle_name_l) = 1 OR length(middle_name_r) = 1)",
                "initial",
            ),
            level(dl("middle_name_l", "middle_name_r", 1), "one typo"),
            cll.ElseLevel().configure(label_for_charts="different"),
        ],
    )


def surname() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="surname",
        comparison_description="Surname",
        comparison_levels=[
            null_level("surname"),
            cll.ExactMatchLevel("surname", term_frequency_adjustments=True).configure(
                label_for_charts="exact"
            ),
            level(dl("surname_l", "surname_r", 1), "one typo or transposition"),
            level(
                "surname_l = given_name_r OR given_name_l = surname_r", "swapped with given name"
            ),
            level("jaro_winkler_similarity(surname_l, surname_r) >= 0.9", "similar"),
            level("jaro_winkler_similarity(surname_l, surname_r) >= 0.7", "a little alike"),
            cll.ElseLevel().configure(label_for_charts="different"),
        ],
    )


def date_of_birth() -> ComparisonCreator:
    # Cheap integer tests guard the string distances: one typo leaves two of year, month
    # and day intact, two typos leave one, so most stranger pairs never reach the distance.
    y, m, d = (f"dob_{p}_l = dob_{p}_r" for p in ("year", "month", "day"))
    return cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_description="Date of birth",
        comparison_levels=[
            null_level("dob"),
            level("dob_l = dob_r", "exact"),
            level(
                f"{y} AND dob_month_l = dob_day_r AND dob_day_l = dob_month_r",
                "day and month transposed",
            ),
            level(f"abs(dob_year_l - dob_year_r) = 1 AND {m} AND {d}", "year off by one"),
            level(
                f"(({y} AND {m}) OR ({y} AND {d}) OR ({m} AND {d})) "
                "AND " + dl("dob_text_l", "dob_text_r", 1),
                "one typo",
            ),
            level(
                f"({y} OR {m} OR {d}) AND " + dl("dob_text_l", "dob_text_r", 2),
                "two typos",
            ),
            cll.ElseLevel().configure(label_for_charts="different"),
        ],
    )


def address() -> ComparisonCreator:
    # Street line, ZIP and city in one comparison: they agree together, and counting them
    # as independent would add up the same evidence two or three times.
    similar = (
        "((house_number_l = house_number_r AND "
        "jaro_winkler_similarity(street_l, street_r) >= 0.9) OR "
        "jaro_winkler_similarity(address_key_l, address_key_r) >= 0.9)"
    )
    return cl.CustomComparison(
        output_column_name="address",
        comparison_description="Home address, ZIP and city",
        comparison_levels=[
            cll.CustomLevel(
                "(address_key_l IS NULL OR address_key_r IS NULL) AND "
                "(zip_l IS NULL OR zip_r IS NULL) AND (city_l IS NULL OR city_r IS NULL)",
                label_for_charts="missing",
                base_dialect_str=DIALECT,
            ).configure(is_null_level=True),
            level("address_key_l = address_key_r AND zip_l = zip_r", "same address and ZIP"),
            level("address_key_l = address_key_r", "same street address, ZIP differs"),
            level(f"{similar} AND zip_l = zip_r", "similar address, same ZIP"),
            level(similar, "similar street address"),
            level(
                "zip_l = zip_r AND len(list_intersect(address_words_l, address_words_r)) * 3 "
                ">= 2 * greatest(len(address_words_l), len(address_words_r))",
                "same words in another order, same ZIP",
            ),
            level("zip_l = zip_r", "same ZIP only"),
            level(
                f"{dl('zip_l', 'zip_r', 1)} OR city_l = city_r",
                "same city or ZIP one typo",
            ),
            cll.ElseLevel().configure(label_for_charts="different"),
        ],
    )


def ssn() -> ComparisonCreator:
    # One or two mistyped digits (or a swapped pair) leave at least one third of the number
    # as it was; testing the thirds first spares the edit distance on almost every pair.
    thirds = " OR ".join(f"ssn_{k}_l = ssn_{k}_r" for k in ("a", "b", "c"))
    return cl.CustomComparison(
        output_column_name="ssn",
        comparison_description="SSN",
        comparison_levels=[
            null_level("ssn"),
            level("ssn_l = ssn_r", "same"),
            level(
                f"({thirds}) AND " + dl("ssn_l", "ssn_r", 1),
                "one digit or transposition",
            ),
            level(f"({thirds}) AND " + dl("ssn_l", "ssn_r", 2), "two digits"),
            cll.ElseLevel().configure(label_for_charts="different"),
        ],
    )


def work_email() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="work_email",
        comparison_description="Work email",
        comparison_levels=[
            null_level("email"),
            level("email_l = email_r", "same"),
            cll.ElseLevel().configure(label_for_charts="different"),
        ],
    )


def supervisor() -> ComparisonCreator:
    # What a person who moved house keeps at work: the same supervisor. Strangers share one
    # only within a team, so agreeing is strong evidence; two records of one person often
    # differ here (a transfer, a re-hire), so differing costs little.
    return cl.CustomComparison(
        output_column_name="supervisor",
        comparison_description="Supervisor",
        comparison_levels=[
            null_level("supervisor_id"),
            level("supervisor_id_l = supervisor_id_r", "same"),
            cll.ElseLevel().configure(label_for_charts="different"),
        ],
    )


def comparisons() -> list[ComparisonCreator | dict[str, Any]]:
    return [
        given_name(), middle_name(), surname(), date_of_birth(), address(), ssn(), work_email(),
        supervisor(),
    ]  # fmt: skip


# Blocking rules, each an equality on these fields. SWAPPED is the one rule of another
# shape: given name = the other's surname and surname = the other's given name.
SWAPPED = ("given_name", "surname", "swapped")
BLOCKS: tuple[tuple[str, ...], ...] = (
    ("given_name", "surname", "dob_year"),
    ("surname", "dob"),
    ("given_name", "dob"),
    ("dob", "zip"),
    ("given_name", "surname", "dob_month", "dob_day"),
    ("surname", "address"),
    SWAPPED,
    ("given_name", "surname", "zip"),
    ("given_name", "surname", "house_number"),
    ("surname", "zip", "house_number"),
    ("dob", "house_number"),
    ("dob", "street"),
    ("dob", "city"),
    ("surname", "street"),
    ("ssn_head", "surname"),
    ("ssn_tail", "surname"),
    ("ssn_head", "given_name"),
    ("ssn_tail", "given_name"),
)


def block_ok(rule: int) -> str:
    """The records column that is false where rule `rule`'s block is too large (skew.py)."""
    return f"hc_block_{rule}_ok"


def _rule_sql(fields: tuple[str, ...]) -> str:
    if fields == SWAPPED:
        return "l.given_name = r.surname AND l.surname = r.given_name"
    return " AND ".join(f"l.{f} = r.{f}" for f in fields)


def blocking_rules(capped: Collection[int] = ()) -> list[BlockingRuleCreator | dict[str, Any]]:
    """The rules of BLOCKS; a rule in `capped` (skew.py) skips the records whose block under
    it is too large, which the other rules still bring together."""
    rules: list[BlockingRuleCreator | dict[str, Any]] = []
    for i, fields in enumerate(BLOCKS):
        if i in capped:
            ok = block_ok(i)
            rules.append(CustomRule(f"{_rule_sql(fields)} AND l.{ok} AND r.{ok}", DIALECT))
        elif fields == SWAPPED:
            rules.append(CustomRule(_rule_sql(fields), DIALECT))
        else:
            rules.append(block_on(*fields))
    return rules


def blocking_rule_dicts(capped: Collection[int]) -> list[dict[str, str]]:
    """The same rules as Splink's JSON model holds them (a kept or the reference model)."""
    return [
        {
            "blocking_rule": str(r.get_blocking_rule(DIALECT).blocking_rule_sql),
            "sql_dialect": DIALECT,
        }
        for r in blocking_rules(capped)
        if isinstance(r, BlockingRuleCreator)
    ]


# Rules for EM. Each leaves the fields it blocks on untrained and trains the rest, so
# together they train every comparison; each admits pairs that are mostly duplicates.
EM_RULES = (
    ("surname", "dob"),
    ("given_name", "surname", "dob_year"),
    ("dob", "zip"),
)

# Rules that admit almost no strangers: the share of pairs they find, scaled by how many
# duplicates they are thought to catch, estimates the prior probability of a match.
DETERMINISTIC = (("given_name", "surname", "dob"),)


def settings(capped: Collection[int] = (), **overrides: Any) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=blocking_rules(capped),
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,  # keeps the level (gamma) of each comparison
        additional_columns_to_retain=["ssn"],
        **overrides,
    )
