"""Name equivalence from the data contract, as SQL the rules embed.

Given names are equivalent when equal, a nickname of each other (the curated list of the
`nicknames` package) or within one typo; surnames when equal or within one typo or one
transposition. Comparison is case-insensitive with surrounding spaces trimmed.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import pyarrow as pa

from headcount.engine.base import Engine
from headcount.engine.dialect import Dialect

NICKNAME_TABLE = "nickname_pairs"


def norm(d: Dialect, expr: str) -> str:
    """SQL: a name compared case-insensitively with surrounding spaces trimmed."""
    return d.lower(f"trim({expr})")


@cache
def nickname_pairs() -> tuple[tuple[str, str], ...]:
    """Every (name, nickname) relation in both directions, lower case."""
    text = resources.files("nicknames").joinpath("names.csv").read_text(encoding="utf-8")
    pairs: set[tuple[str, str]] = set()
    for row in csv.DictReader(text.splitlines()):
        a, b = row["name1"].strip().lower(), row["name2"].strip().lower()
        if a and b and a != b:
            pairs.add((a, b))
            pairs.add((b, a))
    return tuple(sorted(pairs))


def install_nicknames(engine: Engine) -> None:
    """Create the `nickname_pairs(a, b)` table the name comparisons join against."""
    pairs = nickname_pairs()
    engine.register_arrow(
        NICKNAME_TABLE,
        pa.table({"a": [p[0] for p in pairs], "b": [p[1] for p in pairs]}),
    )


def nickname_join(d: Dialect, alias: str, a: str, b: str) -> str:
    """LEFT JOIN that finds (a, b) in the nickname list; test with `{alias}.a IS NOT NULL`."""
    return (
        f"LEFT JOIN {NICKNAME_TABLE} {alias} "
        f"ON {alias}.a = {norm(d, a)} AND {alias}.b = {norm(d, b)}"
    )


def given_equivalent(d: Dialect, a: str, b: str, nickname_alias: str) -> str:
    """SQL boolean (NULL-safe: missing names never agree); needs `nickname_join` in FROM."""
    na, nb = norm(d, a), norm(d, b)
    return (
        f"(coalesce({na} = {nb} OR {d.edit_distance(na, nb)} <= 1, FALSE)"
        f" OR {nickname_alias}.a IS NOT NULL)"
    )


def surname_equivalent(d: Dialect, a: str, b: str) -> str:
    na, nb = norm(d, a), norm(d, b)
    return f"coalesce({na} = {nb} OR {d.osa_within_one(na, nb)}, FALSE)"
