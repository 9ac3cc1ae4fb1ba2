"""`headcount attest`, `headcount reproduce` and `headcount keys signing-pair`: anyone can
re-check a results folder. Registered by cli/app.py.

Exit codes: 0 the results hold (attest) or are identical (reproduce); 1 a file does not
hold or differs (named); 2 bad input (no such folder, an unreadable key or manifest).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from headcount.cli.common import console, errors, explained_errors, fail

EXIT_DIFFERS = 1

Results = Annotated[Path, typer.Argument(help="A results folder written by `headcount verify`.")]


def _folder(path: Path, what: str) -> None:
    if not path.is_dir():
        fail(f"{path}: no such {what} folder")


def attest(
    results: Results,
    data: Annotated[
        Path | None,
        typer.Option("--data", metavar="DATA", help="Also check the input files in DATA."),
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option(
            "--public-key",
            metavar="FILE",
            help="The signer's Ed25519 public key (PEM); without it the signature is checked "
            "with the key recorded in the manifest.",
        ),
    ] = None,
) -> None:
    """Check a results folder against its manifest: the signature, every output file and,
    with --data, every input file. Exit 0 when all hold; 1 naming the first that does not."""
    from headcount.provenance.attest import attest as run_attest
    from headcount.provenance.files import ProvenanceError

    _folder(results, "results")
    if data is not None:
        _folder(data, "dataset")
    try:
        found = run_attest(results, data, public_key)
    except ProvenanceError as exc:
        fail(str(exc))
    console.print(f"Signature: {found.signature}")
    if found.outputs:
        console.print(f"Outputs: {found.outputs} files match the manifest")
    if found.inputs:
        console.print(f"Inputs: {found.inputs} files match the manifest")
    if found.problem is not None:
        console.print(f"[bold red]Does not hold:[/] {escape(str(found.problem))}")
        raise typer.Exit(EXIT_DIFFERS)
    scope = "outputs and inputs" if data is not None else "outputs (pass --data to check inputs)"
    console.print(f"Attested: {results} holds what its manifest records ({scope}).")


def reproduce(
    results: Results,
    data: Annotated[
        Path, typer.Option("--data", metavar="DATA", help="The dataset folder to re-run on.")
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Keep the re-run's results in this folder."),
    ] = None,
    memory_limit: Annotated[
        str | None, typer.Option(help="DuckDB memory limit for the re-run, e.g. 8GB.")
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            metavar="FILE",
            help="The identity-resolution model the run used, if it "
            "has moved since (default: the recorded path; its SHA-256 must match).",
        ),
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels",
            metavar="FILE",
            help="The must-link/cannot-link labels the run used, if "
            "they have moved since (default: the recorded path; its SHA-256 must match).",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Re-run the verification recorded in RESULTS on DATA and compare every output with
    the recorded one: prints "identical" (exit 0) or the first difference (exit 1)."""
    from headcount.cli.progress import RichProgress
    from headcount.pipeline.reproduce import reproduce as run_reproduce

    _folder(results, "results")
    _folder(data, "dataset")
    with explained_errors(), RichProgress(errors, enabled=not quiet) as progress:
        found = run_reproduce(
            results, data, linkage_model=model, linkage_labels=labels, out=out,
            memory_limit=memory_limit, progress=progress,
        )  # fmt: skip
    for note in found.notes:
        console.print(f"Note: {escape(note)}")
    if found.difference is not None:
        console.print(f"[bold red]Differs:[/] {escape(str(found.difference))}")
        raise typer.Exit(EXIT_DIFFERS)
    console.print(
        f"identical: {len(found.compared)} outputs match the recorded results "
        f"({', '.join(found.compared)}; summary.json and report.html without the run's "
        "dataset path, start time and timings)."
    )


def signing_pair(
    private: Annotated[
        Path,
        typer.Argument(help="Where to write the private key; the public key goes to FILE.pub."),
    ],
) -> None:
    """Make an Ed25519 key pair for signing results (`verify --sign-key`). The private key
    is written readable by you only; give the .pub file to whoever re-checks results."""
    from headcount.provenance.files import ProvenanceError
    from headcount.provenance.signing import key_id, load_public_key, make_key_pair

    try:
        public = make_key_pair(private)
    except (ProvenanceError, OSError) as exc:
        fail(str(exc))
    console.print(f"Private key: {private} (keep it secret)")
    console.print(f"Public key: {public} ({key_id(load_public_key(public))})")
