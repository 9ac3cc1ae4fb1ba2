"""`headcount verify`: check the options once, then run whole or, with a state folder, re-verify
only what changed (pipeline/stateful/)."""

from __future__ import annotations

from pathlib import Path

from headcount.contract.progress import Progress, quiet
from headcount.pipeline.run import VerifyResult, run_full
from headcount.pipeline.staging import check_engine
from headcount.pipeline.stateful.state import StateError
from headcount.provenance.files import dataset_files
from headcount.provenance.manifest import Provenance
from headcount.provenance.signing import load_private_key
from headcount.report.outputs import check_output_folder

__all__ = ["Progress", "StateError", "VerifyResult", "verify"]


def verify(
    dataset: Path,
    out: Path,
    *,
    strict: bool = False,
    memory_limit: str | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
    spark_staging: str | None = None,
    state: Path | None = None,
    threads: int | None = None,
    sign_key: Path | None = None,
    progress: Progress = quiet,
) -> VerifyResult:
    """Verify `dataset` into `out`. Raises DatasetError on unreadable input (nothing written).

    Ingest is always DuckDB's; `engine="spark"` runs prepare, rules, payees and the check-in
    summary on Spark (`spark_master`, default local mode) over the same typed tables, staged
    through `spark_staging` on a cluster (see pipeline/staging.py). With `state`, the run
    keeps its tables and results in that folder and the next run re-verifies only what
    changed (pipeline/stateful/monitor.py; DuckDB only). `threads` caps DuckDB's threads (the
    results are the same whatever it is). OUT gets a manifest.json of every input and
    output (provenance/manifest.py), signed into manifest.sig with the Ed25519 private key
    in `sign_key` if given; a bad key stops the run before any work.
    """
    apart = {"the dataset folder": dataset, **({"the --state folder": state} if state else {})}
    check_output_folder(out, apart_from=apart)
    check_engine(engine)
    key = load_private_key(sign_key) if sign_key is not None else None
    parameters = {
        "dataset": str(dataset.resolve()),
        "out": str(out.resolve()),
        "strict": strict,
        "engine": engine,
        "memory_limit": memory_limit,
        "threads": threads,
        "spark_master": spark_master,
        "spark_staging": spark_staging,
        "state": str(state.resolve()) if state is not None else None,
        "signed": key is not None,
    }
    files = dataset_files(dataset)
    if state is not None:
        if engine != "duckdb":
            raise StateError("--state works with the DuckDB engine only (not --engine spark)")
        from headcount.pipeline.stateful.monitor import verify_with_state  # DuckDB's state file

        return verify_with_state(
            dataset,
            out,
            state,
            strict=strict,
            memory_limit=memory_limit,
            progress=progress,
            parameters=parameters,
            key=key,
        )
    return run_full(
        dataset,
        out,
        files,
        lambda hashes: Provenance(parameters, hashes.result, key),
        strict=strict,
        memory_limit=memory_limit,
        engine=engine,
        spark_master=spark_master,
        spark_staging=spark_staging,
        threads=threads,
        progress=progress,
    )
