"""Federal-scale benchmark: does the cost of `verify` grow linearly with the workforce?

For each size: synthesise an agency (timed), run the plain-SQL baseline and `headcount
verify` (with a memory limit, spilling to disk) as separate processes, and print wall time,
payments per second and peak RSS, with the verify/baseline ratio. Sizes default to 100k,
500k and 2.4M employees (the whole federal civilian workforce: ~60 M payments, ~13 GB of
CSV); generated data goes under --work (git-ignored `data/` by default).

    python benchmarks/scale_bench.py [--sizes 100000 500000 2400000] [--memory-limit 6GB]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import TypedDict

from verify_bench import BIN, HERE, measured


class Row(TypedDict):
    """One size's figures, printed as a JSON line."""

    employees: int
    payments: int
    synth_s: float
    synth_peak_mib: int
    baseline_s: float
    baseline_peak_mib: int
    verify_s: float
    verify_peak_mib: int
    ratio: float
    verify_payments_per_s: int
    stages_s: dict[str, float]


def bench(size: int, work: Path, memory_limit: str, keep: bool) -> Row:
    data, out = work / f"agency-{size}", work / f"results-{size}"
    synth_s, synth_mib, _ = measured(
        [str(BIN / "headcount"), "synth", str(data), "--employees", str(size), "--seed", "1", "-q"]
    )
    payments: int = json.loads((data / "truth.json").read_text())["counts"]["payments"]
    base_s, base_mib, _ = measured([sys.executable, str(HERE / "plain_sql.py"), str(data)])
    shutil.rmtree(out, ignore_errors=True)
    verify_s, verify_mib, _ = measured(
        [
            str(BIN / "headcount"),
            "verify",
            str(data),
            "--out",
            str(out),
            "--memory-limit",
            memory_limit,
            "-q",
        ]
    )
    timings: dict[str, float] = json.loads((out / "summary.json").read_text())["timings_seconds"]
    if not keep:
        shutil.rmtree(data, ignore_errors=True)
    return {
        "employees": size,
        "payments": payments,
        "synth_s": round(synth_s, 1),
        "synth_peak_mib": round(synth_mib),
        "baseline_s": round(base_s, 1),
        "baseline_peak_mib": round(base_mib),
        "verify_s": round(verify_s, 1),
        "verify_peak_mib": round(verify_mib),
        "ratio": round(verify_s / base_s, 2),
        "verify_payments_per_s": round(payments / verify_s),
        "stages_s": timings,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 500_000, 2_400_000])
    parser.add_argument("--memory-limit", default="6GB")
    parser.add_argument("--work", type=Path, default=Path("data/scale"))
    parser.add_argument("--keep", action="store_true", help="keep the generated agencies")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    for size in args.sizes:
        row = bench(size, args.work, args.memory_limit, args.keep)
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
