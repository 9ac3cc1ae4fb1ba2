"""Benchmark: identity resolution (DUPLICATE_PERSON's model) on a federal-size roster.

Writes a synthetic roster (`headcount.synth.roster_only`: the roster `headcount synth`
writes for that size and seed, with its planted duplicate people and look-alikes, and an
empty payroll), then, in a separate process so that peak memory is its own: ingest, the
shared relations, and the whole identity resolution (train, predict, hard rules, cluster).
Prints wall time per stage, peak RSS, pairs linked, and how many planted duplicates were
found and look-alikes wrongly linked. `--verify` also times the real `headcount verify`.

    python benchmarks/identity_bench.py [--employees 2400000] [--seed 1] [--work data/identity]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

from verify_bench import BIN, measured


def child(data: Path, memory_limit: str) -> None:
    """Runs in its own process: ingest and identity resolution, timed; prints JSON."""
    import duckdb

    from headcount.engine.duckdb_engine import DuckDBEngine
    from headcount.ingest import load_dataset
    from headcount.linkage.resolve import resolve
    from headcount.rules.prepare import prepare

    engine = DuckDBEngine(
        duckdb.connect(), memory_limit=memory_limit, temp_directory=data / "spill"
    )
    times = {}
    start = time.perf_counter()
    load_dataset(data, engine.con)
    times["ingest_s"] = round(time.perf_counter() - start, 1)
    start, cpu = time.perf_counter(), time.process_time()
    prepare(engine)
    resolve(engine)
    times["identity_resolution_s"] = round(time.perf_counter() - start, 1)
    # CPU seconds (all threads): on a shared machine, wall time also counts other people's
    # work; CPU time does not.
    times["identity_resolution_cpu_s"] = round(time.process_time() - cpu, 1)
    groups = (
        engine.fetch_arrow(
            "SELECT list(employee_id ORDER BY employee_id) AS ids FROM person_clusters "
            "GROUP BY cluster_id"
        )
        .column("ids")
        .to_pylist()
    )
    model = engine.fetch_arrow("SELECT * FROM linkage_model").to_pylist()[0]
    links = engine.fetch_arrow(
        "SELECT employee_id_l, employee_id_r, match_probability, comparisons FROM person_links"
    ).to_pylist()
    # To a file: the parent reads the child's pipes only at exit, and a pipe holds 64 KiB.
    result = {**times, "links": links, "groups": groups, "model": model}
    (data / "identity_result.json").write_text(json.dumps(result), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=2_400_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("data/identity"))
    parser.add_argument("--memory-limit", default="6GB")
    parser.add_argument("--verify", action="store_true", help="also time `headcount verify`")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.memory_limit)
        return

    from headcount.synth.api import roster_only

    data = args.work / f"roster-{args.employees}"
    shutil.rmtree(data, ignore_errors=True)
    start = time.perf_counter()
    planted = roster_only(data, args.employees, args.seed)
    roster_s = round(time.perf_counter() - start, 1)
    wall, peak_mib, _ = measured(
        [sys.executable, __file__, "--child", str(data), "--memory-limit", args.memory_limit]
    )
    result = json.loads((data / "identity_result.json").read_text(encoding="utf-8"))
    found = {tuple(g) for g in result.pop("groups")}
    duplicates = {tuple(d[:2]): d[2] for d in planted["duplicates"]}
    wrongly = [g for g in planted["lookalikes"] if any(set(g[:2]) <= set(f) for f in found)]
    missed = Counter(v for pair, v in duplicates.items() if pair not in found)
    row = {
        "employees": args.employees,
        "roster_s": roster_s,
        **{
            k: result[k] for k in ("ingest_s", "identity_resolution_s", "identity_resolution_cpu_s")
        },
        "process_s": round(wall, 1),
        "peak_mib": round(peak_mib),
        "pairs_linked": len(result["links"]),
        "groups": len(found),
        "planted_duplicates_found": f"{len(duplicates.keys() & found)}/{len(duplicates)}",
        "missed_by_variant": dict(missed),
        "lookalikes_linked": [g[2] for g in wrongly],
        "groups_not_planted": len(found - duplicates.keys()),
        **{k: result["model"][k] for k in ("fit_seconds", "predict_seconds", "cluster_seconds")},
        "memory_limit": args.memory_limit,
    }
    if args.verify:
        out_dir = args.work / f"results-{args.employees}"
        shutil.rmtree(out_dir, ignore_errors=True)
        verify_s, verify_mib, _ = measured(
            [
                str(BIN / "headcount"),
                "verify",
                str(data),
                "--out",
                str(out_dir),
                "--memory-limit",
                args.memory_limit,
                "-q",
            ]
        )
        row["verify_s"], row["verify_peak_mib"] = round(verify_s, 1), round(verify_mib)
    for link in result["links"]:
        pair = (link["employee_id_l"], link["employee_id_r"])
        if pair not in duplicates:  # what a reviewer would read for a group not planted
            weights = ", ".join(
                f"{c['comparison']} {c['level']} {c['log2_weight']:+.1f}"
                for c in link["comparisons"]
            )
            print(f"not planted: {pair} p={link['match_probability']:.3f}: {weights}")
    print(" | ".join(row))
    print(" | ".join(str(v) for v in row.values()))
    print(json.dumps(row))


if __name__ == "__main__":
    main()
