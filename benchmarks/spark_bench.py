"""Benchmark: `headcount verify --engine spark` (local mode) against the DuckDB engine.

Synthesises an agency (seed 1, reused if already under --work), then runs `headcount verify`
twice on the same files as separate processes: the default DuckDB engine, and Spark in
local mode (JVM start-up and Parquet staging included, as a user would see it). Prints
both wall times, their ratio, where each spent its time (summary.json `timings_seconds`)
and whether findings.csv, payees.csv and finding_payments.csv are byte-identical.

    python benchmarks/spark_bench.py [--employees 100000] [--master local[2]]
                                     [--driver-memory 4g] [--work data/bench]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path

from verify_bench import BIN, measured

OUTPUTS = ("findings.csv", "payees.csv", "finding_payments.csv")


def agency(size: int, work: Path) -> Path:
    data = work / f"agency-{size}"  # the same folder (and seed) verify_bench.py makes
    if not (data / "truth.json").is_file():
        shutil.rmtree(data, ignore_errors=True)
        cmd = ["synth", str(data), "--employees", str(size), "--seed", "1", "-q"]
        measured([str(BIN / "headcount"), *cmd])
    return data


def run(data: Path, out: Path, *options: str) -> tuple[float, dict[str, float]]:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [str(BIN / "headcount"), "verify", str(data), "--out", str(out), "-q", *options]
    seconds, _, _ = measured(cmd)
    timings = json.loads((out / "summary.json").read_text())["timings_seconds"]
    return seconds, timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="4g")
    parser.add_argument("--work", type=Path, default=Path("data/bench"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    data = agency(args.employees, args.work)
    payments = json.loads((data / "truth.json").read_text())["counts"]["payments"]

    duck_out, spark_out = args.work / "results-duckdb", args.work / "results-spark"
    duck_s, duck_t = run(data, duck_out)
    # Local mode runs the driver in this JVM, so its memory is set at launch.
    os.environ["PYSPARK_SUBMIT_ARGS"] = f"--driver-memory {args.driver_memory} pyspark-shell"
    spark_s, spark_t = run(data, spark_out, "--engine", "spark", "--spark-master", args.master)
    same = all((duck_out / f).read_bytes() == (spark_out / f).read_bytes() for f in OUTPUTS)

    print("employees | payments | duckdb s | spark s | **spark / duckdb** | identical outputs")
    print(
        f"{args.employees:,} | {payments:,} | {duck_s:.1f} | {spark_s:.1f} | "
        f"**{spark_s / duck_s:.1f}** | {'yes' if same else 'NO'}"
    )
    for name, timings in (("duckdb", duck_t), (f"spark {args.master}", spark_t)):
        stages = ", ".join(f"{k} {v:.1f}" for k, v in timings.items())
        print(f"{name}: {stages}")
    if not same:
        raise SystemExit("the engines' outputs differ")


if __name__ == "__main__":
    main()
