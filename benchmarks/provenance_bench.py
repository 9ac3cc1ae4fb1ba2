"""What the non-response analysis and the manifest add to `verify`.

Runs `verify` on one synthetic agency (generated here for --employees N, or --data), as
separate processes in alternation (so both pay Python's and the libraries' start-up):
  - **with**: `verify` as shipped — the existence analysis, the input files hashed on a
    background thread, existence.csv, manifest.json;
  - **without**: the same `verify` with those three replaced by no-ops in that process.
Prints the median wall time and CPU time (user + system, all threads) of each and their
ratios — on a shared machine CPU time is the steadier figure, and since the additions run
beside the rest rather than after it, their CPU is an upper bound on the wall time they
add — and the SHA-256 throughput measured on the agency's payroll.csv (the figure the
2.4 M estimate in docs/benchmarks.md uses).

    python benchmarks/provenance_bench.py --employees 100000 [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

from verify_bench import BIN, measured


def timed(cmd: list[str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, CPU seconds of the process and its threads)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def child(mode: str, data: Path, out: Path) -> None:
    """One verify run in this process; `without` turns the additions into no-ops."""
    from headcount.pipeline import existence, run, verify
    from headcount.provenance.files import FileDigest, InputHashes
    from headcount.provenance.manifest import write_manifest

    class NoHashes:
        def __init__(self, files: dict[str, Path]) -> None:
            self.files = files

        def result(self) -> dict[str, FileDigest]:
            return {}

        def stop(self) -> None:
            pass

    patches: list[Any] = []
    if mode == "without":
        patches = [
            mock.patch.object(existence, "existence_summary", lambda *a: None),
            mock.patch.object(run, "InputHashes", NoHashes),
            mock.patch.object(run, "write_manifest", lambda *a: {}),
        ]
    else:
        patches = [
            mock.patch.object(existence, "existence_summary", costed(existence.existence_summary)),
            mock.patch.object(run, "write_manifest", costed(write_manifest)),
            mock.patch.object(InputHashes, "_run", costed(InputHashes._run, thread=True)),
        ]
    for p in patches:
        p.start()
    verify.verify(data, out)
    written = sorted(p.name for p in out.iterdir())
    assert ("manifest.json" in written) == (mode == "with"), written
    if mode == "with":
        PARTS.write_text(json.dumps(COSTS))


# In a `with` run: the CPU seconds each addition used, measured inside the run itself, so
# their share of the run's CPU does not depend on what else the machine is doing.
COSTS: dict[str, float] = {}
PARTS = Path(tempfile.gettempdir()) / "provenance-bench-parts.json"


def costed(fn: Any, *, thread: bool = False) -> Any:
    """`fn`, adding the CPU it uses to COSTS: its own thread's (`thread`, for the hashing
    thread), or the whole process's while it runs (the existence query runs on DuckDB's
    threads, with nothing else running beside it at that point)."""
    clock = time.thread_time if thread else time.process_time

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        start = clock()
        try:
            return fn(*args, **kwargs)
        finally:
            COSTS[fn.__name__] = COSTS.get(fn.__name__, 0.0) + clock() - start

    return wrapped


def sha256_throughput(path: Path) -> float:
    """MB/s of hashlib's SHA-256 over `path` (read twice: the second from the page cache)."""
    for _ in range(2):
        start = time.perf_counter()
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            while chunk := fh.read(8 * 1024 * 1024):
                digest.update(chunk)
        seconds = time.perf_counter() - start
    return path.stat().st_size / 1e6 / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--data", type=Path, help="an existing agency instead of a new one")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("MODE", "DATA", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, data, out = args.child
        child(mode, Path(data), Path(out))
        return
    with tempfile.TemporaryDirectory(prefix="provenance-bench-") as tmp:
        work = Path(tmp)
        data = args.data
        if data is None:
            data = work / "agency"
            measured([str(BIN / "headcount"), "synth", str(data), "--employees",
                      str(args.employees), "--seed", "1", "-q"])  # fmt: skip
        times: dict[str, list[float]] = {"without": [], "with": []}
        cpu: dict[str, list[float]] = {"without": [], "with": []}
        shares: list[float] = []
        for i in range(args.repeat):
            for mode in ("without", "with") if i % 2 == 0 else ("with", "without"):
                out = work / f"results-{mode}"
                shutil.rmtree(out, ignore_errors=True)
                wall, used = timed([sys.executable, __file__, "--child", mode, str(data), str(out)])
                times[mode].append(wall)
                cpu[mode].append(used)
                parts = ""
                if mode == "with":
                    costs = json.loads(PARTS.read_text())
                    shares.append(sum(costs.values()) / used)
                    parts = ", additions " + ", ".join(f"{k} {v:.2f} s" for k, v in costs.items())
                    parts += f" = {shares[-1]:.1%} of the run's CPU"
                print(
                    f"run {i + 1} {mode:>7}: {wall:6.2f} s wall, {used:6.2f} s CPU{parts}",
                    flush=True,
                )
        payroll = data / "payroll.csv"
        rate = sha256_throughput(payroll)
    without, with_ = statistics.median(times["without"]), statistics.median(times["with"])
    print(f"wall  without: {without:.2f} s  with: {with_:.2f} s  ratio: {with_ / without:.3f}")
    cpu_without, cpu_with = statistics.median(cpu["without"]), statistics.median(cpu["with"])
    print(
        f"CPU   without: {cpu_without:.2f} s  with: {cpu_with:.2f} s  "
        f"ratio: {cpu_with / cpu_without:.3f}"
    )
    print(
        f"additions' share of a with-run's CPU, measured inside it: median {statistics.median(shares):.1%}"
    )
    print(f"SHA-256 of {payroll.name} ({payroll.stat().st_size / 1e6:,.0f} MB): {rate:,.0f} MB/s")


if __name__ == "__main__":
    main()
