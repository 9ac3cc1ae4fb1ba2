"""Benchmark: what each rule costs, rule by rule, on one synthetic agency.

Ingests the agency once into DuckDB (every optional input present), builds the shared
relations (rules/prepare.py, timed on its own: the address keys and corroborated deaths
are new there), then runs each rule's query `--repeat` times and prints the median wall
and CPU seconds and the findings. Rules with a `prepare` hook (DUPLICATE_PERSON's model)
are timed with it. Read CPU seconds on a shared machine.

    python benchmarks/rules_bench.py [--employees 100000] [--repeat 3] [--work DIR]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import duckdb

from headcount.engine.duckdb_engine import DuckDBEngine
from headcount.ingest import load_dataset
from headcount.rules import Rule, all_rules
from headcount.rules.prepare import prepare

BIN = Path(sys.executable).parent


def timed(fn: Callable[[], object]) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def run_rule(engine: DuckDBEngine, rule: Rule) -> int:
    if rule.prepare is not None:
        rule.prepare(engine)
    rows: int = engine.fetch_arrow(rule.query(engine.dialect)).num_rows
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("bench-work"))
    args = parser.parse_args()
    data = args.work / f"agency-{args.employees}"
    if not (data / "truth.json").exists():
        subprocess.run(
            [str(BIN / "headcount"), "synth", str(data), "--employees", str(args.employees),
             "--seed", "1", "-q"],
            check=True,
        )  # fmt: skip
    engine = DuckDBEngine(duckdb.connect())
    wall, cpu, ds = timed(lambda: load_dataset(data, engine.con))
    print(f"ingest: {wall:.2f} s wall, {cpu:.2f} s CPU; rows {ds.rows}")  # type: ignore[attr-defined]
    wall, cpu, _ = timed(lambda: prepare(engine))
    print(
        f"prepare (shared relations, address keys, corroboration): {wall:.2f} s wall, {cpu:.2f} s CPU"
    )
    print(f"{'rule':28} {'wall s':>8} {'CPU s':>8} {'findings':>9}")
    total = 0.0
    for rule in all_rules():
        if not rule.needs <= ds.present:  # type: ignore[attr-defined]
            continue
        runs = [timed(partial(run_rule, engine, rule)) for _ in range(args.repeat)]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        total += wall
        print(f"{rule.code:28} {wall:8.3f} {cpu:8.3f} {runs[0][2]:9d}")
    print(f"{'all rules':28} {total:8.3f}")
    engine.close()


if __name__ == "__main__":
    main()
