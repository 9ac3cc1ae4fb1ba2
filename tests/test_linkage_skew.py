"""The skew guard: a base where thousands share one address and a few birth dates must not
make any blocking rule quadratic, and a true duplicate inside it is still found."""

from __future__ import annotations

import random
from typing import Any

import duckdb
import pytest
from splink import DuckDBAPI
from splink.blocking_analysis import count_comparisons_from_blocking_rules

from headcount.engine.duckdb_engine import DuckDBEngine
from headcount.linkage import model, skew
from headcount.linkage.records import RECORDS_TABLE, build_records
from headcount.linkage.resolve import resolve
from headcount.matching.names import install_nicknames

pytestmark = pytest.mark.slow

BASE = 4_000  # people at one address on one base
DATES = ("1999-03-01", "1999-07-15", "2000-01-20", "2000-09-09")  # a few cohorts' birthdays
GIVEN = [f"{a}{b}" for a in ("Al", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal", "Ivy", "Jo")
         for b in ("ana", "ric", "lyn", "ton", "ette", "mond", "bert", "win", "ley", "nor")]  # fmt: skip
ROSTER_COLUMNS = (
    "employee_id", "ssn", "first_name", "middle_name", "last_name", "date_of_birth",
    "home_address", "city", "zip", "work_email", "supervisor_id",
)  # fmt: skip


def _surname(i: int) -> str:
    """One of 800 surnames (letters only, as names are compared): a handful of people each."""
    letters, i = "", i % 800 + 1000
    while i:
        i, r = divmod(i, 26)
        letters += chr(ord("a") + r)
    return "Mc" + letters


def _roster() -> list[tuple[str | None, ...]]:
    rng = random.Random(18)
    rows: list[tuple[str | None, ...]] = []
    names: set[tuple[str, str, str]] = set()
    while len(names) < BASE:  # no two people share all three names: those would be one
        names.add((rng.choice(GIVEN), rng.choice(GIVEN), _surname(rng.randrange(800))))
    for i, (given, middle, surname) in enumerate(sorted(names)):
        rows.append(
            (f"B{i:05d}", str(rng.randrange(10**8, 10**9)), given, middle, surname,
             DATES[i % len(DATES)], "1 Headquarters Road", "Fort Liberty", "28310", None, None)
        )  # fmt: skip
    # A true duplicate inside the base: the same person under a second id and SSN.
    rows.append(("D2", "611223344", "Wendeline", "Ora", "Przybylski", DATES[0],
                 "1 Headquarters Road", "Fort Liberty", "28310", None, None))  # fmt: skip
    rows.append(("D1", "699887766", "Wendeline", "Ora", "Przybylski", DATES[0],
                 "1 Headquarters Road", "Fort Liberty", "28310", None, None))  # fmt: skip
    # Twins inside the base: one surname, birth date and address, different given names.
    rows.append(("T1", "622334455", "Marisol", None, "Okonkwo", DATES[1],
                 "1 Headquarters Road", "Fort Liberty", "28310", None, None))  # fmt: skip
    rows.append(("T2", "633445566", "Esperanza", None, "Okonkwo", DATES[1],
                 "1 Headquarters Road", "Fort Liberty", "28310", None, None))  # fmt: skip
    return rows


@pytest.fixture
def base_engine():
    engine = DuckDBEngine(duckdb.connect())
    columns = ", ".join(
        f"{c} {'DATE' if c == 'date_of_birth' else 'VARCHAR'}" for c in ROSTER_COLUMNS
    )
    engine.con.execute(f"CREATE TABLE roster ({columns})")
    engine.con.executemany(
        f"INSERT INTO roster VALUES ({', '.join('?' for _ in ROSTER_COLUMNS)})", _roster()
    )
    install_nicknames(engine)
    yield engine
    engine.close()


def _comparisons(engine: DuckDBEngine, rules: list[Any]) -> list[int]:
    table = DuckDBAPI(connection=engine.con).register(RECORDS_TABLE, table_name="hc_skew_test")
    counted = count_comparisons_from_blocking_rules(
        table, blocking_rules=rules, link_type="dedupe_only", record_sample_proportion=1.0
    )
    return [int(r["marginal_comparison_count"]) for r in counted]


def test_no_blocking_rule_forms_a_block_above_the_cap(base_engine):
    build_records(base_engine)
    capped = skew.guard(base_engine)
    records = BASE + 4
    bound = records * (skew.MAX_BLOCK - 1) // 2  # every block at most MAX_BLOCK records

    unguarded = _comparisons(base_engine, model.blocking_rules())
    # The birth-date rules each compare the whole cohort: quadratic without the guard.
    assert max(unguarded) > 4 * bound
    assert {model.BLOCKS[c.rule] for c in capped} == {
        ("dob", "zip"), ("dob", "house_number"), ("dob", "street"), ("dob", "city")
    }  # fmt: skip
    assert all(c.largest > skew.MAX_BLOCK for c in capped)

    guarded = _comparisons(base_engine, model.blocking_rules([c.rule for c in capped]))
    assert all(n <= bound for n in guarded)
    assert sum(guarded) < sum(unguarded) / 10


def test_a_duplicate_inside_the_block_is_found_and_twins_are_not(base_engine):
    resolve(base_engine)
    groups = (
        base_engine.fetch_arrow(
            "SELECT list(employee_id ORDER BY employee_id) AS ids FROM person_clusters "
            "GROUP BY cluster_id"
        )
        .column("ids")
        .to_pylist()
    )
    assert groups == [["D1", "D2"]]  # no twin, no cohort-mate with the same given name
    [model_row] = base_engine.fetch_arrow("SELECT * FROM linkage_model").to_pylist()
    assert model_row["blocks_capped"] == 4 * len(DATES)
    assert "dob + zip: 4 blocks" in model_row["capped_rules"]
