"""Benchmark: the one CSV writer (formula cells escaped) against DuckDB's plain COPY.

Synthesises an agency, runs `headcount verify` once, then writes its findings, payees and
finding_payments tables both ways, alternating, and prints the best time of each and the
ratio; payees is also written repeated to 2.4 M rows (the federal workforce). It checks that
both ways give the same bytes (synthetic data has no formula cells). Last, the ingest side:
reading payroll.csv's text columns with and without taking an escaping `'` off.

    python benchmarks/csv_bench.py [--employees 100000] [--repeat 5] [--work DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from headcount.contract.csvout import unescape_sql, write_table
from headcount.contract.tables import PAYROLL, Kind
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


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def read(path: Path, types: dict[str, str]) -> pa.Table:
    con = duckdb.connect()
    try:
        return con.execute(
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


def ingest_overhead(payroll: Path, repeat: int) -> tuple[float, float]:
    text = [c.name for c in PAYROLL.columns if c.kind == Kind.TEXT]
    scan = f"read_csv('{payroll}', header=true, all_varchar=true)"

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
    print(f"{'table':<18} {'rows':>10} {'COPY s':>8} {'writer s':>9} {'ratio':>6}  same bytes")
    for name, table in tables(results).items():
        old, new = work / f"{name}.plain.csv", work / f"{name}.writer.csv"
        plain_s = best(lambda t=table, p=old: plain_copy(t, p), args.repeat)
        writer_s = best(lambda t=table, p=new: write_table(t, p), args.repeat)
        same = old.read_bytes() == new.read_bytes()
        print(
            f"{name:<18} {table.num_rows:>10,} {plain_s:>8.3f} {writer_s:>9.3f} "
            f"{writer_s / plain_s:>6.2f}  {same}"
        )
    before, after = ingest_overhead(data / "payroll.csv", args.repeat)
    print(
        f"payroll.csv text columns read: {before:.3f} s, with unescaping {after:.3f} s "
        f"(ratio {after / before:.2f})"
    )


if __name__ == "__main__":
    main()
