"""Benchmark: `headcount verify` against a plain DuckDB SQL pass over the same files.

For each size: synthesise an agency, then run the plain-SQL baseline (benchmarks/plain_sql.py)
and `headcount verify` (evidence, payees, reports included) as separate processes, and print
wall time, payments per second, peak RSS and the verify/baseline ratio. Machines here are
noisy, so read the ratio, not the absolute seconds; --repeat takes the median.

    python benchmarks/verify_bench.py [--sizes 20000 100000] [--repeat 1] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
LAST_CPU = [0.0]
BIN = Path(sys.executable).parent


def measured(cmd: list[str]) -> tuple[float, float, str]:
    """Run a command; return (wall seconds, peak RSS in MiB, stdout). Its CPU seconds (user
    + system, every thread) are kept in LAST_CPU: on a shared machine wall time also counts
    the neighbours' work, CPU time much less."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-2000:]}")
    LAST_CPU[0] = usage.ru_utime + usage.ru_stime
    return wall, usage.ru_maxrss / 1024, out


def bench(size: int, repeat: int, work: Path) -> dict[str, object]:
    data, out = work / f"agency-{size}", work / f"results-{size}"
    synth_s, _, _ = measured(
        [str(BIN / "headcount"), "synth", str(data), "--employees", str(size), "--seed", "1", "-q"]
    )
    payments = json.loads((data / "truth.json").read_text())["counts"]["payments"]
    base, mine, base_cpu, mine_cpu = [], [], [], []
    for _ in range(repeat):
        base.append(measured([sys.executable, str(HERE / "plain_sql.py"), str(data)])[:2])
        base_cpu.append(LAST_CPU[0])
        shutil.rmtree(out, ignore_errors=True)
        mine.append(
            measured([str(BIN / "headcount"), "verify", str(data), "--out", str(out), "-q"])[:2]
        )
        mine_cpu.append(LAST_CPU[0])
    base_s = statistics.median(t for t, _ in base)
    mine_s = statistics.median(t for t, _ in mine)
    return {
        "employees": size,
        "payments": payments,
        "synth_s": round(synth_s, 2),
        "baseline_s": round(base_s, 2),
        "verify_s": round(mine_s, 2),
        "ratio": round(mine_s / base_s, 2),
        "baseline_cpu_s": round(statistics.median(base_cpu), 2),
        "verify_cpu_s": round(statistics.median(mine_cpu), 2),
        "cpu_ratio": round(statistics.median(mine_cpu) / statistics.median(base_cpu), 2),
        "verify_payments_per_s": round(payments / mine_s),
        "baseline_peak_mib": round(max(m for _, m in base)),
        "verify_peak_mib": round(max(m for _, m in mine)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("data/bench"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    rows = [bench(size, args.repeat, args.work) for size in args.sizes]
    header = list(rows[0])
    print(" | ".join(header))
    for row in rows:
        print(" | ".join(str(row[k]) for k in header))
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
