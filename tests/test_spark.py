"""The Spark engine gives the DuckDB engine's results: each Dialect spelling value by value,
then `verify` end to end, byte for byte, on a synthetic agency with every planted case and on
a small agency of awkward values. One SparkSession serves the whole module."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import Agency
from headcount.engine.dialect import Dialect
from headcount.engine.duckdb_engine import DuckDBEngine
from headcount.pipeline.verify import verify
from headcount.rules import all_rules
from headcount.synth import generate

pytestmark = pytest.mark.slow

try:
    from headcount.engine.spark_engine import SparkEngine, require_pyspark

    require_pyspark()
except Exception as exc:  # pragma: no cover - only without the spark extra
    if os.environ.get("CI"):
        raise  # CI installs the extra: a missing pyspark there is a broken set-up
    pytest.skip(f"no pyspark: {exc}", allow_module_level=True)

OUTPUTS = ("findings.csv", "payees.csv", "finding_payments.csv", "existence.csv")
# Letters that make byte and character counts differ, a dotted capital I, spaces.
ALPHABET = "abAB é ßİ"


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkEngine]:
    # Created here so every verify in the module reuses it (a session starts in ~10 s).
    engine = SparkEngine(conf={"spark.sql.shuffle.partitions": "2"})
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def duck() -> Iterator[DuckDBEngine]:
    engine = DuckDBEngine(duckdb.connect())
    yield engine
    engine.close()


def both(duck: DuckDBEngine, spark: SparkEngine, name: str, table: pa.Table) -> None:
    duck.register_arrow(name, table)
    spark.register_arrow(name, table)


def same_rows(duck: DuckDBEngine, spark: SparkEngine, query: Any) -> list[dict[str, Any]]:
    """Run `query(dialect)` on both engines; assert equal rows; return DuckDB's."""
    expected: list[dict[str, Any]] = duck.fetch_arrow(query(duck.dialect)).to_pylist()
    assert spark.fetch_arrow(query(spark.dialect)).to_pylist() == expected
    return expected


# --- each Dialect spelling ---------------------------------------------------------------


def distances(duck: DuckDBEngine, spark: SparkEngine, pairs: list[tuple[str, str]]) -> None:
    both(duck, spark, "pairs", pa.table({"i": range(len(pairs)), "a": [p[0] for p in pairs],
                                         "b": [p[1] for p in pairs]}))  # fmt: skip
    same_rows(
        duck,
        spark,
        lambda d: (
            f"SELECT i, {d.edit_distance('a', 'b')} AS edit, "
            f"{d.osa_within_one('a', 'b')} AS within_one FROM pairs ORDER BY i"
        ),
    )


def near(rng: random.Random, word: str) -> str:
    """`word` after one random edit or swap, so that half the pairs sit at distance <= 1."""
    i = rng.randrange(len(word) + 1)
    op = rng.choice("isdt")
    c = rng.choice(ALPHABET)
    if op == "i" or not word:
        return word[:i] + c + word[i:]
    i = min(i, len(word) - 1)
    if op == "s":
        return word[:i] + c + word[i + 1 :]
    if op == "d":
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i + 1 : i + 2] + word[i] + word[i + 2 :] if i + 1 < len(word) else word


def test_distances_agree_on_a_table_of_short_strings(duck, spark):
    rng = random.Random(4)
    words = ["".join(rng.choices(ALPHABET, k=rng.randrange(0, 7))) for _ in range(1500)]
    pairs = [(w, near(rng, w)) for w in words]
    pairs += [(w, "".join(rng.choices(ALPHABET, k=rng.randrange(0, 7)))) for w in words]
    pairs += [("José", "Jose"), ("ca", "abc"), ("İlker", "ilker"), ("", ""), ("ab", "ba")]
    distances(duck, spark, pairs)


@settings(max_examples=20)
@given(st.lists(st.tuples(st.text(ALPHABET, max_size=6), st.text(ALPHABET, max_size=6)),
                min_size=1, max_size=30))  # fmt: skip
def test_distances_agree_on_random_strings(duck, spark, pairs):
    distances(duck, spark, pairs)


def test_null_distances_are_null(duck, spark):
    both(duck, spark, "pairs", pa.table({"i": [0, 1], "a": [None, "x"], "b": ["x", None]}))
    rows = same_rows(
        duck,
        spark,
        lambda d: (
            f"SELECT i, {d.edit_distance('a', 'b')} AS e, {d.osa_within_one('a', 'b')}"
            " AS o FROM pairs ORDER BY i"
        ),
    )
    assert all(r["e"] is None and r["o"] is None for r in rows)


TEXTS = ["  Hello, Wörld!! ٣ x_y ", "İSTANBUL İlker", "O'NEIL--de la Cruz", "", "ẞtraße", "a\tb\nc"]


def text_query(d: Dialect) -> str:
    collapsed = d.collapse_non_alnum("t")
    words = d.words(collapsed)
    present = d.join_present(";", ["CASE WHEN i > 2 THEN 'x' END", "'y'"], [words])
    record = d.struct(a="i", b=d.array("t", "'z'"), c=d.empty_text_list())
    return f"""
    SELECT i, {d.lower("t")} AS low, {collapsed} AS collapsed, {words} AS words,
           {d.as_text("i")} AS text, {d.year("d")} AS y, {d.days_before("d", 13)} AS start,
           {d.list_len(words)} AS n, {d.join_list(d.words("t"), "|")} AS joined,
           {present} AS present, {record} AS record
    FROM texts ORDER BY i
    """


def test_text_functions_agree(duck, spark):
    when = [dt.date(2025, 1, 11), dt.date(2024, 3, 1), None, dt.date(2025, 1, 1), None, None]
    both(duck, spark, "texts", pa.table({"i": range(len(TEXTS)), "t": TEXTS, "d": when}))
    same_rows(duck, spark, text_query)
    words = lambda d: d.explode(d.words(d.collapse_non_alnum("t")))  # noqa: E731
    same_rows(duck, spark, lambda d: f"SELECT i, {words(d)} AS w FROM texts ORDER BY i, w")


def test_lists_order_and_nulls_as_duckdb_does(duck, spark):
    rows = pa.table(
        {
            "g": [1, 1, 1, 1, 2, 2, 3],
            "x": ["b", None, "a", "b", None, None, "c"],
            "k1": [2, None, 1, 2, 5, None, 1],
            "k2": ["p", "q", None, "o", "r", "s", "t"],
        }
    )
    both(duck, spark, "groups", rows)
    out = same_rows(
        duck,
        spark,
        lambda d: (
            f"""
        SELECT g, {d.sorted_list("x")} AS sorted,
               {d.ordered_list(d.struct(x="x", k2="k2"), "k1, k2")} AS asc_nulls_last,
               {d.ordered_list("k2", "k1 DESC, k2 DESC")} AS descending,
               {d.ordered_list("k2", "k1 NULLS FIRST, k2")} AS nulls_first
        FROM groups GROUP BY g ORDER BY g
        """
        ),
    )
    assert out[1]["sorted"] is None  # no values: NULL, not an empty list
    assert out[0]["descending"] == ["p", "o", None, "q"]
    assert out[0]["nulls_first"] == ["q", None, "o", "p"]


# --- verify end to end -------------------------------------------------------------------


def verify_both(folder: Path, base: Path, **spark_options: Any) -> tuple[Path, Path]:
    verify(folder, base / "duckdb")
    verify(folder, base / "spark", engine="spark", **spark_options)
    return base / "duckdb", base / "spark"


def assert_same_outputs(a: Path, b: Path) -> None:
    for name in OUTPUTS:
        text_a, text_b = (a / name).read_text("utf-8"), (b / name).read_text("utf-8")
        if name == "findings.csv" and text_a != text_b:
            # A readable first difference before the byte comparison.
            lines_a, lines_b = text_a.splitlines(), text_b.splitlines()
            first = next(
                i for i, (x, y) in enumerate(zip(lines_a, lines_b, strict=False)) if x != y
            )
            assert lines_b[first] == lines_a[first]
        assert text_b == text_a, f"{name} differs between engines"


def comparable(summary: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in summary.items()
        if k not in ("engine", "started_at", "timings_seconds", "rule_timings")
    }


@pytest.fixture(scope="module")
def synth_runs(spark, tmp_path_factory) -> tuple[Path, Path, dict[str, Any]]:
    base = tmp_path_factory.mktemp("spark-synth")
    made = generate(base / "agency", 1000, seed=7)
    truth = json.loads(made.truth_path.read_text("utf-8"))
    return *verify_both(base / "agency", base), truth


def test_synth_findings_payees_and_links_are_byte_identical(synth_runs):
    duck_out, spark_out, _ = synth_runs
    assert_same_outputs(duck_out, spark_out)


def test_synth_parity_covers_every_planted_rule(synth_runs):
    _, spark_out, truth = synth_runs
    with (spark_out / "findings.csv").open(newline="", encoding="utf-8") as fh:
        found = {row["rule"] for row in csv.DictReader(fh)}
    planted = {a["rule"] for a in truth["anomalies"]} & {r.code for r in all_rules()}
    assert planted <= found
    assert len(found) >= 12


def test_synth_summary_differs_only_in_engine_and_timings(synth_runs):
    duck_out, spark_out, _ = synth_runs
    a = json.loads((duck_out / "summary.json").read_text("utf-8"))
    b = json.loads((spark_out / "summary.json").read_text("utf-8"))
    assert (a["engine"], b["engine"]) == ("duckdb", "spark")
    assert "stage" in b["timings_seconds"]
    assert comparable(b) == comparable(a)


def awkward_agency(folder: Path) -> Agency:
    """Values synth never makes: non-ASCII names, a bad cell, a nameless payment, a
    payment with no period, a household account and a templated non-ASCII reply."""
    agency = Agency(folder)
    jose = agency.employee("E1", first_name="José", last_name="Núñez", date_of_birth="1970-01-02")
    agency.death(ssn=jose["ssn"], first_name="JOSE", last_name="NUNEZ", date_of_death="2025-02-00",
                 date_of_birth="1970-01-02")  # fmt: skip
    agency.pay_periods("E1", range(0, 8))
    ilker = agency.employee("E2", first_name="İlker", last_name="Y\u0131lmaz")
    agency.death(ssn=ilker["ssn"], first_name="ILKER", last_name="YLIMAZ",
                 date_of_birth=ilker["date_of_birth"], date_of_death="2025-04-01")  # fmt: skip
    agency.pay_periods("E2", range(0, 10), payee_name="YILMAZ, İLKER")
    agency.employee("E3", last_name="Smith", home_address="1 Oak Rd", _account="777")
    agency.employee("E4", last_name="Smith", home_address="1 Oak Rd", _account="777")
    agency.pay_periods("E3", range(0, 3))
    agency.pay_periods("E4", range(0, 3), net_pay="not money")
    agency.pay("E3", 2)  # a second regular payment in one period
    agency.pay("E3", 4, pay_period_end="2025-02-30")  # no real date
    agency.pay("", 1, payee_name="NOBODY, ÄNNE")
    agency.employee("E5", ssn="987-65-4321", separation_date="2025-02-01")
    agency.pay_periods("E5", range(0, 6), federal_tax="0", retirement="0", health_benefits="0")
    agency.campaign()
    reply = "Réunions; revue du budget — et planification!! " * 3
    for eid in ("E1", "E2", "E3", "E4", "E5"):
        agency.checkin(eid, reply.upper() if eid == "E2" else reply)
    agency.activity("E1", "2025-01-05")
    return agency


def test_awkward_values_give_identical_outputs(spark, tmp_path):
    folder = awkward_agency(tmp_path / "agency").write()
    # Staged as on a cluster: copied through Hadoop's file system API to a shared URI.
    shared = tmp_path / "shared"
    duck_out, spark_out = verify_both(folder, tmp_path, spark_staging=shared.as_uri())
    assert_same_outputs(duck_out, spark_out)
    assert shared.is_dir() and not any(shared.iterdir()), "staged copies are removed"
    rules = (duck_out / "findings.csv").read_text("utf-8")
    for rule in ("DATA_QUALITY", "PAID_AFTER_DEATH", "DEATH_RECORD_CONFLICT", "CHECKIN_TEMPLATE",
                 "DUPLICATE_PAYMENT", "SHARED_BANK_ACCOUNT", "INVALID_SSN", "NO_WITHHOLDING",
                 "PAYEE_NOT_IN_ROSTER", "PAID_AFTER_SEPARATION"):  # fmt: skip
        assert rule in rules


def test_money_dates_and_timestamps_round_trip(spark, duck):
    table = pa.table(
        {
            "m": pa.array([Decimal("1234567890123456.78"), None], pa.decimal128(18, 2)),
            "d": pa.array([dt.date(1, 1, 1), dt.date(9999, 12, 31)], pa.date32()),
            "ts": pa.array([dt.datetime(2025, 2, 22, 16, 45), None], pa.timestamp("us")),
        }
    )
    both(duck, spark, "vals", table)
    same_rows(duck, spark, lambda d: "SELECT m, d, ts, CAST(ts AS DATE) AS day FROM vals")
