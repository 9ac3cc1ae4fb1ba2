"""u (how often two different people agree at each level), at a cost in proportion to the roster.

- **Exact levels, exactly.** The share of record pairs that agree exactly on a value is
  `sum(c * (c - 1)) / (n * (n - 1))` over the value counts `c` of the `n` records that
  carry one: one GROUP BY, no sampling, no pair ever formed. This covers the exact level of
  every comparison (names, birth date, address and ZIP, SSN, work email) and the SSN's "one
  digit or transposition" level (pairs that share the number with one digit masked, or
  with two neighbouring digits swapped). Duplicates are a few pairs among millions, so
  these shares are u to far better precision than a sample gives.
- **The other levels, from a sample sized to the roster**: `U_PAIRS_PER_RECORD` pairs per
  record (between `U_MIN_PAIRS` and `U_MAX_PAIRS`), formed by ordering the records by a
  seeded hash of their id and pairing each with the records a few seeded offsets further
  on: every record is in the same number of pairs, and the sample (so every finding) is
  the same on every run and thread count. Those levels' shares are rescaled so each
  comparison's u still sums to one. A level no sampled pair reached gets half a pair's
  worth, not a placeholder: rare, but not impossible.

The exact shares double as a fingerprint of the roster's distribution (`persist.py` refits a
kept model when they move).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from headcount.engine.base import Engine
from headcount.linkage.records import RECORDS_TABLE

if TYPE_CHECKING:
    from splink import Linker

U_PAIRS_PER_RECORD = 10
U_MIN_PAIRS = 100_000
U_MAX_PAIRS = 5_000_000
SEED = 7
GAMMAS_TABLE = "hc_u_gammas"

# (comparison, level label) -> the column(s) whose exact agreement is that level, and the
# columns whose absence is the comparison's "missing" level (the pairs u is a share of).
EXACT: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {
    ("given_name", "exact"): (("given_name",), ("given_name",)),
    ("middle_name", "exact"): (("middle_name",), ("middle_name",)),
    ("surname", "exact"): (("surname",), ("surname",)),
    ("date_of_birth", "exact"): (("dob",), ("dob",)),
    ("address", "same address and ZIP"): (("address_key", "zip"), ()),
    ("ssn", "same"): (("ssn",), ("ssn",)),
    ("work_email", "same"): (("email",), ("email",)),
    ("supervisor", "same"): (("supervisor_id",), ("supervisor_id",)),
}
SSN_NEAR = ("ssn", "one digit or transposition")
MAX_DIGITS = 11  # SSNs are 9 (FEBRL's ids 7); a longer value is never counted as near
ADDRESS_PRESENT = "(address_key IS NOT NULL OR zip IS NOT NULL OR city IS NOT NULL)"

Shares = dict[tuple[str, str], float]


def sample_size(records: int) -> int:
    pairs = records * (records - 1) // 2
    return int(min(pairs, U_MAX_PAIRS, max(U_MIN_PAIRS, U_PAIRS_PER_RECORD * records)))


def _present(columns: tuple[str, ...]) -> str:
    return " AND ".join(f"{c} IS NOT NULL" for c in columns) if columns else ADDRESS_PRESENT


def _pair_share(engine: Engine, keys: tuple[str, ...], present: str) -> float | None:
    """Share of pairs of records (both `present`) that agree on every column of `keys`."""
    key = ", ".join(keys)
    row = engine.fetch_arrow(
        f"""
        SELECT (SELECT count(*) FROM {RECORDS_TABLE} WHERE {present}) AS n,
               coalesce(sum(c * (c - 1)), 0) AS agreeing
        FROM (SELECT count(*) AS c FROM {RECORDS_TABLE}
              WHERE {present} AND {" AND ".join(f"{k} IS NOT NULL" for k in keys)}
              GROUP BY {key})
        """
    ).to_pylist()[0]
    n = int(row["n"])
    # Half a pair where none agrees: rare, not impossible.
    return max(float(row["agreeing"]), 1.0) / (n * (n - 1)) if n > 1 else None


def _ssn_near_share(engine: Engine) -> float | None:
    """Share of pairs of SSNs one digit apart or with two neighbours swapped.

    Pairs one digit apart share the number with that digit masked; each identical pair
    shares every mask (one per digit) and is taken out. A swap of two different neighbours changes two
    digits, so the two kinds never overlap; each swapped pair is met from both ends."""
    masked = " UNION ALL ".join(
        f"SELECT {i} AS i, substr(ssn, 1, {i}) || '_' || substr(ssn, {i + 2}) AS k FROM digits"
        f" WHERE length(ssn) > {i}"
        for i in range(MAX_DIGITS)
    )
    swapped = " UNION ALL ".join(
        f"SELECT substr(ssn, 1, {i}) || substr(ssn, {i + 2}, 1) || substr(ssn, {i + 1}, 1)"
        f" || substr(ssn, {i + 3}) AS k FROM digits WHERE length(ssn) > {i + 1} AND "
        f"substr(ssn, {i + 1}, 1) <> substr(ssn, {i + 2}, 1)"
        for i in range(MAX_DIGITS - 1)
    )
    row = engine.fetch_arrow(
        f"""
        WITH digits AS (
            SELECT ssn FROM {RECORDS_TABLE} WHERE length(ssn) <= {MAX_DIGITS}
        ),
        masked AS (SELECT count(*) AS c FROM ({masked}) GROUP BY i, k),
        lengths AS (SELECT length(ssn) AS len, count(*) AS c FROM digits GROUP BY ssn),
        by_ssn AS (SELECT ssn AS k, count(*) AS c FROM digits GROUP BY ssn),
        swapped AS (SELECT k, count(*) AS c FROM ({swapped}) GROUP BY k)
        SELECT (SELECT count(*) FROM {RECORDS_TABLE} WHERE ssn IS NOT NULL) AS n,
               (SELECT coalesce(sum(c * (c - 1) / 2), 0) FROM masked)
               - (SELECT coalesce(sum(len * c * (c - 1) / 2), 0) FROM lengths) AS one_digit,
               (SELECT coalesce(sum(s.c * b.c), 0) FROM swapped s JOIN by_ssn b USING (k)) / 2
                   AS swaps
        """
    ).to_pylist()[0]
    n = int(row["n"])
    pairs = max(float(row["one_digit"]) + float(row["swaps"]), 0.5)
    return pairs / (n * (n - 1) / 2) if n > 1 else None


def _mapped_share(engine: Engine, key: str, mapped: str, where: str, twice: bool) -> float | None:
    """Share of pairs of dated records where one's `mapped` birth date equals the other's
    `key` (a transposed day and month, a year off by one): value counts joined, no pair
    formed. `twice`: the mapping is its own inverse, so each pair is met from both ends."""
    row = engine.fetch_arrow(
        f"""
        WITH k AS (SELECT {key} AS k, count(*) AS c FROM {RECORDS_TABLE}
                   WHERE dob IS NOT NULL GROUP BY ALL),
             m AS (SELECT {mapped} AS k, count(*) AS c FROM {RECORDS_TABLE}
                   WHERE dob IS NOT NULL AND {where} GROUP BY ALL)
        SELECT (SELECT count(*) FROM {RECORDS_TABLE} WHERE dob IS NOT NULL) AS n,
               (SELECT coalesce(sum(k.c * m.c), 0) FROM k JOIN m USING (k)) AS hits
        """
    ).to_pylist()[0]
    n = int(row["n"])
    pairs = max(float(row["hits"]) / (2 if twice else 1), 0.5)
    return pairs / (n * (n - 1) / 2) if n > 1 else None


# Birth-date levels whose strangers are counted exactly: (label, key, mapped key, where, twice).
DOB_MAPPED = (
    ("day and month transposed", "[dob_year, dob_month, dob_day]",
     "[dob_year, dob_day, dob_month]", "dob_day <> dob_month", True),
    ("year off by one", "[dob_year, dob_month, dob_day]",
     "[dob_year + 1, dob_month, dob_day]", "TRUE", False),
)  # fmt: skip


def exact_shares(engine: Engine) -> Shares:
    """u of every level EXACT names (and the SSN's near level), from value counts alone;
    a level whose field fewer than two records carry is left to the sample."""
    found = {
        level: _pair_share(engine, keys, _present(present))
        for level, (keys, present) in EXACT.items()
    }
    found[SSN_NEAR] = _ssn_near_share(engine)
    for label, key, mapped, where, twice in DOB_MAPPED:
        found[("date_of_birth", label)] = _mapped_share(engine, key, mapped, where, twice)
    return {level: share for level, share in found.items() if share is not None}


def _offsets(records: int, pairs: int) -> list[int]:
    """Distinct seeded offsets in [1, records // 2]: no pair is drawn twice (an offset o
    and records - o would pair the same records, so offsets stay in the lower half)."""
    half = max(records // 2, 1)
    want = min(max(math.ceil(pairs / records), 1), half)
    rng = np.random.default_rng(SEED)
    return sorted(int(o) + 1 for o in rng.choice(half, size=want, replace=False))


def _pairs_sql(columns: list[str], records: int, pairs: int) -> str:
    """The sampled pairs: `columns` of each record suffixed _l and _r, as the levels read them."""
    offsets = ", ".join(f"({o})" for o in _offsets(records, pairs))
    both = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in columns)
    return f"""
        WITH ordered AS (
            SELECT {", ".join(columns)}, row_number() OVER (ORDER BY hash(unique_id || '{SEED}'), unique_id) - 1
                AS pos
            FROM {RECORDS_TABLE}
        ),
        offsets(o) AS (VALUES {offsets})
        SELECT {both}
        FROM ordered l CROSS JOIN offsets
        JOIN ordered r ON r.pos = (l.pos + offsets.o) % {records}
        -- At offset records/2, (i, i + o) and (i + o, i) are one pair: keep it once.
        WHERE NOT (offsets.o * 2 = {records} AND l.pos >= offsets.o)
        """


def _columns(linker: Linker) -> list[str]:
    """The record columns the comparisons read."""
    return sorted(
        {
            col.name.strip('"')
            for c in linker._settings_obj.comparisons
            for col in c._input_columns_used_by_case_statement
        }
    )


def level_counts(engine: Engine, linker: Linker, pairs_sql: str) -> dict[tuple[str, str], int]:
    """How many of the pairs `pairs_sql` yields (columns suffixed _l/_r) land in each
    non-missing level of each comparison; the "missing" level is left out."""
    comparisons = linker._settings_obj.comparisons
    cases = ",\n".join(c._case_statement for c in comparisons)
    engine.create_table(GAMMAS_TABLE, f"SELECT {cases} FROM ({pairs_sql})")
    try:
        out: dict[tuple[str, str], int] = {}
        for c in comparisons:
            gamma = c._gamma_column_name
            counts = {
                int(r["g"]): int(r["n"])
                for r in engine.fetch_arrow(
                    f"SELECT {gamma} AS g, count(*) AS n FROM {GAMMAS_TABLE} GROUP BY {gamma}"
                ).to_pylist()
            }
            for lv in c.comparison_levels:
                if not lv.is_null_level:
                    out[(c.output_column_name, lv.label_for_charts)] = counts.get(
                        lv.comparison_vector_value, 0
                    )
    finally:
        engine.execute(f"DROP TABLE IF EXISTS {GAMMAS_TABLE}")
    return out


def labelled_pairs_sql(linker: Linker, pairs: list[tuple[str, str]]) -> str:
    """The records of each named pair, as `level_counts` reads them."""
    columns = _columns(linker)
    both = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in columns)
    values = ", ".join(
        "('" + a.replace("'", "''") + "', '" + b.replace("'", "''") + "')" for a, b in pairs
    )
    return (
        f"SELECT {both} FROM (VALUES {values}) AS p(a, b) "
        f"JOIN {RECORDS_TABLE} l ON l.unique_id = p.a JOIN {RECORDS_TABLE} r ON r.unique_id = p.b"
    )


def sampled_shares(engine: Engine, linker: Linker, records: int) -> Shares:
    """Each non-missing level's share of the sampled pairs."""
    counts = level_counts(
        engine, linker, _pairs_sql(_columns(linker), records, sample_size(records))
    )
    present: dict[str, int] = {}
    for (comparison, _), n in counts.items():
        present[comparison] = present.get(comparison, 0) + n
    # Half a pair where none was seen: rare, not impossible.
    return {
        (comparison, label): max(n, 0.5) / max(present[comparison], 1)
        for (comparison, label), n in counts.items()
    }


def combine(sampled: Shares, exact: Shares, levels: Iterable[tuple[str, str]]) -> Shares:
    """Exact shares where known; the sampled rest rescaled so each comparison sums to one."""
    out: Shares = {}
    by_comparison: dict[str, list[str]] = {}
    for comparison, label in levels:
        by_comparison.setdefault(comparison, []).append(label)
    for comparison, labels in by_comparison.items():
        known = {lb: exact[(comparison, lb)] for lb in labels if (comparison, lb) in exact}
        rest = [lb for lb in labels if lb not in known]
        sampled_rest = sum(sampled[(comparison, lb)] for lb in rest)
        scale = max(1.0 - sum(known.values()), 0.0) / sampled_rest if sampled_rest else 0.0
        for lb in labels:
            out[(comparison, lb)] = known[lb] if lb in known else sampled[(comparison, lb)] * scale
    return out


def estimate_u(engine: Engine, linker: Linker, records: int, exact: Shares) -> None:
    """Set u of every level of `linker`'s model (`exact`: exact_shares of this roster)."""
    sampled = sampled_shares(engine, linker, records)
    u = combine(sampled, exact, sampled.keys())
    # Where the exact levels take all the pairs (every record at one address), the rest
    # would be left nothing: half a pair, as for a level no pair reaches.
    floor = 0.5 / max(records * (records - 1) / 2, 1.0)
    for c in linker._settings_obj.comparisons:
        for lv in c.comparison_levels:
            if not lv.is_null_level:
                lv.u_probability = max(u[(c.output_column_name, lv.label_for_charts)], floor)
