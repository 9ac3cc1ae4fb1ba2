"""Continuous monitoring: how long does one new pay period take with `verify --state`?

Takes a synthetic agency (generated here for --employees N, or an existing one with --data),
cuts its payroll.csv before the last pay period (synth writes payroll in period order), and
runs, each as a separate process:
  1. `headcount verify --state` on the first 25 periods: a full run that builds the state;
  2. the last period appended to payroll.csv, `headcount verify --state` again: incremental.
Prints both wall times, their ratio and peak RSS. With --check, a plain full run on the
whole file follows and every output is compared with the incremental run's.

    python benchmarks/incremental_bench.py --employees 100000 [--memory-limit 6GB] [--check]
    python benchmarks/incremental_bench.py --data data/agency-2400000 --memory-limit 6GB

Only payroll.csv is copied into the work folder (the other files are hard-linked), so --data
needs free disk about the size of that payroll plus the state (roughly a third of it).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from headcount.provenance.manifest import RUN_SPECIFIC_SUMMARY
from verify_bench import BIN, LAST_CPU, measured

_CHUNK = 64 * 1024 * 1024


def _period_at(fh: Any, pos: int, column: int) -> tuple[int, str] | None:
    """(start, pay_period_end) of the first record starting after byte `pos`."""
    fh.seek(pos)
    if pos:
        fh.readline()  # the rest of a record begun before pos
    start = fh.tell()
    line = fh.readline()
    if not line:
        return None
    row = next(csv.reader([line.decode("utf-8")]))
    return start, row[column]


def last_period_start(path: Path) -> int:
    """Byte offset of the first record of the last pay period (records are in period
    order, one line each): a binary search over the file, not a scan of it."""
    with path.open("rb") as fh:
        header = next(csv.reader([fh.readline().decode("utf-8-sig")]))
        column = header.index("pay_period_end")
        body = fh.tell()
        size = path.stat().st_size
        last = _period_at(fh, max(body, size - 4096), column)
        assert last is not None
        # _period_at(pos) is the first record starting after pos; find the least pos at
        # which that record is of the last period.
        lo, hi = body, size
        while hi - lo > 1:
            mid = (lo + hi) // 2
            found = _period_at(fh, mid, column)
            if found is None or found[1] == last[1]:
                hi = mid
            else:
                lo = mid
        found = _period_at(fh, hi, column)
        assert found is not None and found[1] == last[1]
        return found[0]


def copy_bytes(src: Path, dst: Path, start: int, end: int, mode: str) -> None:
    with src.open("rb") as fin, dst.open(mode) as fout:
        fin.seek(start)
        left = end - start
        while left:
            chunk = fin.read(min(_CHUNK, left))
            fout.write(chunk)
            left -= len(chunk)


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link (a regular file: headcount refuses symbolic links), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def prepare(data: Path, agency: Path) -> tuple[int, int]:
    """agency/ = data/ with payroll.csv cut before the last period; return (cut, size)."""
    shutil.rmtree(agency, ignore_errors=True)
    agency.mkdir(parents=True)
    for f in data.iterdir():
        if f.is_file() and f.name != "payroll.csv":
            _link_or_copy(f, agency / f.name)
    payroll = data / "payroll.csv"
    cut, size = last_period_start(payroll), payroll.stat().st_size
    copy_bytes(payroll, agency / "payroll.csv", 0, cut, "wb")
    return cut, size


def verify_cmd(agency: Path, out: Path, state: Path | None, memory_limit: str) -> list[str]:
    cmd = [str(BIN / "headcount"), "verify", str(agency), "--out", str(out), "-q"]
    cmd += ["--memory-limit", memory_limit]
    return cmd + (["--state", str(state)] if state else [])


def same_outputs(a: Path, b: Path) -> bool:
    files = ("findings.csv", "payees.csv", "finding_payments.csv", "finding_employees.csv")
    if any((a / f).read_bytes() != (b / f).read_bytes() for f in files):
        return False
    sa, sb = (json.loads((p / "summary.json").read_text()) for p in (a, b))
    for key in (*RUN_SPECIFIC_SUMMARY, "incremental"):
        sa.pop(key, None)
        sb.pop(key, None)
    return bool(sa == sb)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--employees", type=int, help="synthesise an agency of this size")
    source.add_argument("--data", type=Path, help="use this agency (synth output) instead")
    parser.add_argument("--work", type=Path, default=Path("data/incremental-bench"))
    parser.add_argument("--memory-limit", default="6GB")
    parser.add_argument("--check", action="store_true", help="compare with a plain full run")
    args = parser.parse_args()

    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    data = args.data
    if data is None:
        data = work / f"synth-{args.employees}"
        shutil.rmtree(data, ignore_errors=True)
        measured([str(BIN / "headcount"), "synth", str(data), "--employees", str(args.employees)])
    agency, state = work / "agency", work / "state"
    cut, size = prepare(data, agency)
    shutil.rmtree(state, ignore_errors=True)

    full_s, full_mib, _ = measured(verify_cmd(agency, work / "out-full", state, args.memory_limit))
    full_cpu = LAST_CPU[0]
    copy_bytes(data / "payroll.csv", agency / "payroll.csv", cut, size, "ab")
    inc_s, inc_mib, _ = measured(verify_cmd(agency, work / "out-inc", state, args.memory_limit))
    inc_cpu = LAST_CPU[0]
    summary = json.loads((work / "out-inc" / "summary.json").read_text())
    result: dict[str, Any] = {
        "employees": summary["inputs"]["roster"]["rows"],
        "payments": summary["inputs"]["payroll"]["rows"],
        "rows_appended": summary["incremental"]["rows_appended"],
        "mode": summary["incremental"]["mode"],
        "full_s": round(full_s, 1),
        "full_peak_mib": round(full_mib),
        "incremental_s": round(inc_s, 1),
        "incremental_peak_mib": round(inc_mib),
        "incremental / full": round(inc_s / full_s, 3),
        # user + system CPU seconds: on a shared machine they count the neighbours' work
        # far less than wall time does
        "full_cpu_s": round(full_cpu, 1),
        "incremental_cpu_s": round(inc_cpu, 1),
        "incremental_stages_s": summary["timings_seconds"],
        "rules_rerun": summary["incremental"]["rules_rerun"],
        # each rule's seconds after the affected keys of all were found (absent before
        # headcount timed the rules of an incremental run)
        "incremental_rule_s": {
            code: timing["seconds"] for code, timing in summary.get("rule_timings", {}).items()
        },
    }
    if args.check:
        plain = work / "out-plain"
        shutil.rmtree(plain, ignore_errors=True)
        measured(verify_cmd(agency, plain, None, args.memory_limit))
        result["same_as_full_run"] = same_outputs(work / "out-inc", plain)
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
