"""The skew guard: no blocking rule may form a block of more than MAX_BLOCK records.

A block is the set of records that agree on a rule's fields; every pair in it is scored,
so its cost is quadratic. On an ordinary roster blocks are a handful of records, but one
value shared by thousands — a military base's ZIP code and street, a federal building's
address, a placeholder birth date such as 1900-01-01 — turns a rule into millions of
comparisons of people who have nothing else in common.

One GROUP BY per rule (all in one query) finds the blocks above the cap. Where a rule has
any, the records get a column `hc_block_<rule>_ok` (false in an oversized block) and the
rule is rewritten to skip them (`model.blocking_rules(capped)`): that rule no longer
compares those records with each other, while the other rules — names with birth date or
birth year, SSN halves — still bring a true duplicate inside the block together. Rules
without an oversized block, which on an ordinary roster is every rule, are left exactly as
they were, so the guard changes nothing there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from headcount.engine.base import Engine
from headcount.linkage.model import BLOCKS, SWAPPED, block_ok
from headcount.linkage.records import RECORDS_TABLE

# At most this many records in one block: 19,900 pairs, and at most (MAX_BLOCK - 1) / 2
# pairs per record under each rule, so the work grows linearly with the roster however
# skewed it is. Ordinary blocks hold a few records; even at 2.4 million employees the
# largest (birth date + city in a big city) holds a few dozen.
MAX_BLOCK = 200

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Capped:
    rule: int  # index into model.BLOCKS
    fields: tuple[str, ...]
    blocks: int  # blocks above the cap under this rule
    records: int  # records in them
    largest: int  # records in the largest

    def describe(self) -> str:
        fields = (
            "swapped given name and surname" if self.fields == SWAPPED else " + ".join(self.fields)
        )
        return (
            f"{fields}: {self.blocks:,} block{'' if self.blocks == 1 else 's'} of "
            f"{self.records:,} records skipped (largest {self.largest:,})"
        )


def _keys(fields: tuple[str, ...]) -> tuple[str, ...]:
    """The columns a rule's block is the equality of. Under SWAPPED, (a, b) pairs with
    (b, a): the unordered pair of names is the block."""
    if fields == SWAPPED:
        return ("least(given_name, surname)", "greatest(given_name, surname)")
    return fields


def _oversized_sql(rule: int, fields: tuple[str, ...]) -> str:
    keys = _keys(fields)
    present = " AND ".join(f"{f} IS NOT NULL" for f in fields if f != "swapped")
    if fields == SWAPPED:
        present = "given_name IS NOT NULL AND surname IS NOT NULL"
    return (
        f"SELECT {rule} AS rule, count(*) AS blocks, coalesce(sum(c), 0) AS records, "
        f"coalesce(max(c), 0) AS largest FROM (SELECT count(*) AS c FROM {RECORDS_TABLE} "
        f"WHERE {present} GROUP BY {', '.join(keys)}) WHERE c > {MAX_BLOCK}"
    )


def guard(engine: Engine) -> tuple[Capped, ...]:
    """Find every rule's oversized blocks and mark their records (see the module docstring)."""
    rows = engine.fetch_arrow(
        " UNION ALL ".join(_oversized_sql(i, fields) for i, fields in enumerate(BLOCKS))
    ).to_pylist()
    capped = tuple(
        Capped(int(r["rule"]), BLOCKS[int(r["rule"])], int(r["blocks"]), int(r["records"]),
               int(r["largest"]))
        for r in sorted(rows, key=lambda r: int(r["rule"]))
        if int(r["blocks"]) > 0
    )  # fmt: skip
    if capped:
        flags = ", ".join(
            f"count(*) OVER (PARTITION BY {', '.join(_keys(c.fields))}) <= {MAX_BLOCK} "
            f"AS {block_ok(c.rule)}"
            for c in capped
        )
        engine.create_table(RECORDS_TABLE, f"SELECT *, {flags} FROM {RECORDS_TABLE}")
        for c in capped:
            log.info("identity resolution: blocks above %d records: %s", MAX_BLOCK, c.describe())
    return capped
