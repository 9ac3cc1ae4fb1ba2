"""Benchmark: the one CSV writer (formula cells escaped) against DuckDB's plain COPY.

Synthesises an agency, runs `headcount verify` once, then writes its findings, payees and
finding_payments tables both ways, alternating, and prints the best time of each and the
ratio; payees is also written repeated to 2.4 M rows (the federal workforce). It checks that
both ways give the same bytes (synthetic data has no formula cells). Last, the ingest side:
reading checkins.csv's text columns with and without taking an escaping `'` off.

    python benchmarks/csv_bench.py [--employees 100000] [--repeat 5] [--work DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from headcount.contract.csvout import unescape_sql, write_table
from headcount.contract.tables import CHECKINS, Kind
from headcount.ingest.cells import trimmed
from headcount.ingest.typed import q

BIN = Path(sys.executable).parent
FEDERAL = 2_400_000


def plain_copy(table: pa.Table, path: Path) -> None:
    """report/outputs.py's write_csv before the one writer."""
    con = duckdb.connect()
    try:
        con.register("t", table)
        con.execute(f"COPY t TO '{path}' (HEADER, DELIMITER ',', QUOTE '\"')")
    finally:
        con.close()


def best(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """The least wall and CPU seconds (all of DuckDB's threads) over `repeat` runs: CPU time
    is the steadier figure on a shared machine."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(wall), min(cpu)


def read(path: Path, types: dict[str, str]) -> pa.Table:
    con = duckdb.connect()
    try:
        return con.sql(
            f"SELECT * FROM read_csv('{path}', header=true, columns={types!r})"
        ).to_arrow_table()
    finally:
        con.close()


def tables(results: Path) -> dict[str, pa.Table]:
    payees = read(
        results / "payees.csv",
        {"employee_id": "VARCHAR", "status": "VARCHAR", "total_paid": "DECIMAL(18,2)",
         "evidence_for": "VARCHAR", "evidence_against": "VARCHAR"},
    )  # fmt: skip
    links = read(
        results / "finding_payments.csv",
        {"finding_id": "VARCHAR", "rule": "VARCHAR", "payment_id": "VARCHAR",
         "at_risk": "DECIMAL(18,2)"},
    )  # fmt: skip
    copies = -(-FEDERAL // payees.num_rows)
    return {
        "findings": pq.read_table(results / "findings.parquet"),
        "payees": payees,
        "finding_payments": links,
        "payees x2.4M": pa.concat_tables([payees] * copies).slice(0, FEDERAL),
    }


def ingest_overhead(checkins: Path, repeat: int) -> tuple[tuple[float, float], ...]:
    text = [c.name for c in CHECKINS.columns if c.kind == Kind.TEXT]
    scan = f"read_csv('{checkins}', header=true, all_varchar=true)"

    def run(expr: Callable[[str], str]) -> Callable[[], object]:
        cols = ", ".join(f"max(length({expr(q(c))}))" for c in text)
        return lambda: duckdb.execute(f"SELECT {cols} FROM {scan}").fetchall()

    before = best(run(trimmed), repeat)
    after = best(run(lambda c: trimmed(unescape_sql(c))), repeat)
    return before, after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="csv-bench-"))
    data, results = work / "agency", work / "results"
    headcount = str(BIN / "headcount")
    if not data.exists():
        subprocess.run(
            [headcount, "synth", str(data), "--employees", str(args.employees), "-q"], check=True
        )
    if not results.exists():
        subprocess.run([headcount, "verify", str(data), "--out", str(results), "-q"], check=True)
    print(
        f"{'table':<18} {'rows':>10} {'COPY s':>7} {'writer s':>8} {'ratio':>6} "
        f"{'COPY cpu':>8} {'writer cpu':>10} {'ratio':>6}  same bytes"
    )
    for name, table in tables(results).items():
        old, new = work / f"{name}.plain.csv", work / f"{name}.writer.csv"
        plain = best(partial(plain_copy, table, old), args.repeat)
        writer = best(partial(write_table, table, new), args.repeat)
        same = old.read_bytes() == new.read_bytes()
        print(
            f"{name:<18} {table.num_rows:>10,} {plain[0]:>7.3f} {writer[0]:>8.3f} "
            f"{writer[0] / plain[0]:>6.2f} {plain[1]:>8.3f} {writer[1]:>10.3f} "
            f"{writer[1] / plain[1]:>6.2f}  {same}"
        )
    before, after = ingest_overhead(data / "checkins.csv", args.repeat)
    print(
        f"checkins.csv text columns read: {before[0]:.3f} s ({before[1]:.3f} s CPU), with "
        f"unescaping {after[0]:.3f} s ({after[1]:.3f} s CPU): ratio {after[0] / before[0]:.2f} "
        f"({after[1] / before[1]:.2f} CPU)"
    )


if __name__ == "__main__":
    main()
