"""`headcount verify`: check the options once, then run whole or, with a state folder, re-verify
only what changed (pipeline/stateful/)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from headcount.contract.progress import Progress, quiet
from headcount.engine.profile import ProfileError
from headcount.linkage import persist
from headcount.linkage.inputs import RunInputs, run_inputs
from headcount.linkage.labels import read_labels
from headcount.pipeline.run import VerifyResult, run_full
from headcount.pipeline.staging import check_engine
from headcount.pipeline.stateful.state import StateError
from headcount.provenance.files import dataset_files
from headcount.provenance.manifest import Provenance
from headcount.provenance.signing import load_private_key
from headcount.report.outputs import check_output_folder

__all__ = ["ProfileError", "Progress", "StateError", "VerifyResult", "verify"]


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
    linkage_model: Path | None = None,
    linkage_labels: Path | None = None,
    progress: Progress = quiet,
    profile: bool = False,
) -> VerifyResult:
    """Verify `dataset` into `out`. Raises DatasetError on unreadable input (nothing written).

    Ingest is always DuckDB's; `engine="spark"` runs prepare, rules, payees and the check-in
    summary on Spark (`spark_master`, default local mode) over the same typed tables, staged
    through `spark_staging` on a cluster (see pipeline/staging.py). With `state`, the run
    keeps its tables and results in that folder and the next run re-verifies only what
    changed (pipeline/stateful/monitor.py; DuckDB only). `threads` caps DuckDB's threads (the
    results are the same whatever it is). OUT gets a manifest.json of every input and
    output (provenance/manifest.py), signed into manifest.sig with the Ed25519 private key
    in `sign_key` if given; a bad key stops the run before any work. `linkage_model` is a
    kept identity-resolution model (`headcount linkage fit`), `linkage_labels` analysts' must-link and cannot-link labels
    (linkage/labels.py); either, if unreadable, stops the run before any work. `profile`
    profiles every DuckDB query after ingest (engine/profile.py): OUT/profile.json and
    the result's `profile`; DuckDB only, and not with `state` (ProfileError).
    """
    if profile and engine != "duckdb":
        raise ProfileError(
            "--profile profiles DuckDB's queries and works with the DuckDB engine only "
            "(not --engine spark; Spark's own UI shows its query plans)"
        )
    if profile and state is not None:
        raise ProfileError("--profile works on a whole run, not with --state")
    apart = {"the dataset folder": dataset, **({"the --state folder": state} if state else {})}
    check_output_folder(out, apart_from=apart)
    check_engine(engine)
    key = load_private_key(sign_key) if sign_key is not None else None
    linkage = linkage_inputs(linkage_model, linkage_labels)
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
        "profile": profile,
        "signed": key is not None,
        **identity_parameters(linkage_model, linkage_labels),
    }
    files = dataset_files(dataset)
    if state is not None:
        if engine != "duckdb":
            raise StateError("--state works with the DuckDB engine only (not --engine spark)")
        from headcount.pipeline.stateful.monitor import verify_with_state  # DuckDB's state file

        with run_inputs(linkage):
            return verify_with_state(
                dataset,
                out,
                state,
                strict=strict,
                memory_limit=memory_limit,
                progress=progress,
                parameters=parameters,
                key=key,
                identity_inputs=inputs_digest(linkage_model, linkage_labels),
            )
    with run_inputs(linkage):
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
            profile=profile,
        )


def linkage_inputs(model: Path | None, labels: Path | None) -> RunInputs:
    """Read (and so check) the identity-resolution inputs before any work is done."""
    if model is not None:
        persist.load(model)
    # A --state run must give exactly what a full run gives, so the state does not fit and
    # keep a model of its own: pass --model to reuse one with or without --state.
    return RunInputs(model=model, labels=read_labels(labels) if labels is not None else ())


# The identity-resolution inputs a run may be given: option name -> manifest parameter.
IDENTITY_INPUTS = {"--model": "linkage_model", "--labels": "linkage_labels"}


def identity_parameters(model: Path | None, labels: Path | None) -> dict[str, str | None]:
    """Each identity input's path and SHA-256, for the manifest: `reproduce` needs the same
    files (a different model or label set can change DUPLICATE_PERSON's findings)."""
    out: dict[str, str | None] = {}
    for name, path in zip(IDENTITY_INPUTS.values(), (model, labels), strict=True):
        out[name] = str(path.resolve()) if path is not None else None
        out[f"{name}_sha256"] = (
            hashlib.sha256(path.read_bytes()).hexdigest() if path is not None else None
        )
    return out


def inputs_digest(*paths: Path | None) -> str:
    """What a stored state must have been computed with (its results depend on them)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes() if path is not None else b"-")
    return digest.hexdigest()[:16]
