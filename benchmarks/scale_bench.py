"""Federal-scale benchmark: does the cost of `verify` grow linearly with the workforce?

For each size: synthesise an agency (timed; an agency already under --work is reused), run
the plain-SQL baseline under an 8 GB DuckDB budget (issue 18's) and `headcount verify` with
**default settings**, as separate processes, and print wall and CPU time, payments per
second and peak RSS, with the verify/baseline ratio and how the cost per payment grows.
Sizes default to 100k, 500k and 2.4M employees (the whole federal civilian workforce: ~60 M
payments, ~13 GB of CSV); generated data goes under --work (git-ignored `data/` by default).

    python benchmarks/scale_bench.py [--sizes 100000 500000 2400000] [--work data/scale]
        [--baseline-memory-limit 8GB] [--verify-memory-limit 6GB] [--keep]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import TypedDict

from verify_bench import BIN, HERE, LAST_CPU, measured


class Row(TypedDict):
    """One size's figures, printed as a JSON line."""

    employees: int
    payments: int
    synth_s: float
    synth_peak_mib: int
    baseline_s: float
    baseline_cpu_s: float
    baseline_peak_mib: int
    verify_s: float
    verify_cpu_s: float
    verify_peak_mib: int
    verify_memory: dict[str, str]
    ratio: float
    cpu_ratio: float
    verify_payments_per_s: int
    stages_s: dict[str, float]


def bench(size: int, work: Path, budgets: tuple[str, str | None], keep: bool) -> Row:
    data, out = work / f"agency-{size}", work / f"results-{size}"
    synth_s = synth_mib = 0.0
    generated = not (data / "truth.json").exists()
    if generated:
        synth_s, synth_mib, _ = measured(
            [str(BIN / "headcount"), "synth", str(data), "--employees", str(size),
             "--seed", "1", "-q"]
        )  # fmt: skip
    payments: int = json.loads((data / "truth.json").read_text())["counts"]["payments"]
    baseline, verify_limit = budgets
    base_s, base_mib, _ = measured(
        [sys.executable, str(HERE / "plain_sql.py"), str(data), "--memory-limit", baseline]
    )
    base_cpu = LAST_CPU[0]
    shutil.rmtree(out, ignore_errors=True)
    flags = ["--memory-limit", verify_limit] if verify_limit else []
    verify_s, verify_mib, _ = measured(
        [str(BIN / "headcount"), "verify", str(data), "--out", str(out), "-q", *flags]
    )
    verify_cpu = LAST_CPU[0]
    summary = json.loads((out / "summary.json").read_text())
    if generated and not keep:  # an agency found under --work is never deleted
        shutil.rmtree(data, ignore_errors=True)
    return {
        "employees": size,
        "payments": payments,
        "synth_s": round(synth_s, 1),
        "synth_peak_mib": round(synth_mib),
        "baseline_s": round(base_s, 1),
        "baseline_cpu_s": round(base_cpu, 1),
        "baseline_peak_mib": round(base_mib),
        "verify_s": round(verify_s, 1),
        "verify_cpu_s": round(verify_cpu, 1),
        "verify_peak_mib": round(verify_mib),
        "verify_memory": summary["memory"],
        "ratio": round(verify_s / base_s, 2),
        "cpu_ratio": round(verify_cpu / base_cpu, 2),
        "verify_payments_per_s": round(payments / verify_s),
        "stages_s": summary["timings_seconds"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 500_000, 2_400_000])
    parser.add_argument("--baseline-memory-limit", default="8GB")
    parser.add_argument("--verify-memory-limit", default=None, help="default: verify's own")
    parser.add_argument("--work", type=Path, default=Path("data/scale"))
    parser.add_argument("--keep", action="store_true", help="keep the generated agencies")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    for size in args.sizes:
        budgets = (args.baseline_memory_limit, args.verify_memory_limit)
        row = bench(size, args.work, budgets, args.keep)
        print(json.dumps(row), flush=True)
        rows.append(row)
    first = rows[0]
    for row in rows[1:]:
        growth = (row["verify_s"] / first["verify_s"]) / (row["payments"] / first["payments"])
        print(
            f"{row['employees']:>9,} employees: time per payment x{growth:.2f} vs {first['employees']:,}"
        )


if __name__ == "__main__":
    main()
