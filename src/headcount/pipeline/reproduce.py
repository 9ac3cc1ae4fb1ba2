"""`headcount reproduce`: re-run the verification a manifest records and compare every output.

The re-run reads DATA with the recorded settings that decide results (`strict`, the
engine, the identity-resolution model and labels: the files given, or else the recorded paths,
each checked against its recorded SHA-256), always as a full run (a `--state` folder only makes runs faster, never different),
into a temporary folder. Every output the manifest lists must then match: byte for byte, or
for summary.json and report.html without the parts that describe the run (its dataset path,
start time, timings). The first difference is named by file and place (row and column, or
the summary key), never by quoting a record.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import headcount
from headcount.contract.progress import Progress, quiet
from headcount.pipeline.verify import IDENTITY_INPUTS, verify
from headcount.provenance.attest import check_inputs
from headcount.provenance.files import ProvenanceError
from headcount.provenance.manifest import (
    MANIFEST,
    REPORT,
    RUN_ONLY_OUTPUTS,
    SIGNATURE,
    SUMMARY,
    expected_digest,
    read_manifest,
    reproducible_bytes,
    reproducible_sha256,
    rules_digest,
    source_sha256,
)


@dataclass(frozen=True)
class Difference:
    file: str
    where: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}"


@dataclass
class Reproduction:
    compared: list[str] = field(default_factory=list)
    difference: Difference | None = None
    notes: list[str] = field(default_factory=list)  # e.g. another headcount version

    @property
    def identical(self) -> bool:
        return self.difference is None and bool(self.compared)


def _notes(manifest: dict[str, Any]) -> list[str]:
    notes = []
    recorded = manifest.get("headcount") or {}
    if recorded.get("version") != headcount.__version__:
        notes.append(
            f"recorded with headcount {recorded.get('version')}, re-run with "
            f"{headcount.__version__}"
        )
    elif recorded.get("source_sha256") != source_sha256():
        notes.append("headcount's source differs from the one that made the results")
    if (manifest.get("rules") or {}).get("sha256") != rules_digest()["sha256"]:
        changed = sorted(
            code
            for code, digest in rules_digest()["by_rule"].items()
            if (manifest.get("rules") or {}).get("by_rule", {}).get(code) != digest
        )
        notes.append(
            "the rule definitions differ from the recorded ones"
            + (f" ({', '.join(changed)})" if changed else " (code the rules share)")
        )
    return notes


def _csv_rows(path: Path) -> Iterator[list[str]]:
    with path.open(newline="", encoding="utf-8", errors="replace") as fh:
        yield from csv.reader(fh)


def _first_csv_difference(old: Path, new: Path) -> str:
    """Streamed: payees.csv has a row per payee."""
    header: list[str] = []
    rows = 0
    for i, (a, b) in enumerate(itertools.zip_longest(_csv_rows(old), _csv_rows(new))):
        if i == 0:
            header = b or []
        if a is None or b is None:
            return f"the re-run has {'more' if a is None else 'fewer'} rows (from row {i})"
        if a != b:
            if i == 0:
                return "the header differs"
            col = next((j for j, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
            name = header[col] if col is not None and col < len(header) else "(count of fields)"
            return f"row {i} differs first in column {name}"
        rows = i
    return f"differs in its bytes though its {rows:,} rows read alike (quoting or line ends)"


def _first_json_difference(old: Any, new: Any, path: str = "") -> str | None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            here = f"{path}.{key}" if path else str(key)
            if key not in old or key not in new:
                return f"{here} is {'new' if key not in old else 'gone'}"
            if found := _first_json_difference(old[key], new[key], here):
                return found
        return None
    if isinstance(old, list) and isinstance(new, list):
        for i, (a, b) in enumerate(zip(old, new, strict=False)):
            if found := _first_json_difference(a, b, f"{path}[{i}]"):
                return found
        return None if len(old) == len(new) else f"{path} has {len(new)} items, not {len(old)}"
    if old != new:
        return f"{path}: recorded {json.dumps(old)}, now {json.dumps(new)}"
    return None


def _where(name: str, old_path: Path, new_path: Path) -> str:
    """Where the re-run's file first differs from the recorded one (only structure and
    summary.json's aggregate figures are quoted, never a record)."""
    if name.endswith(".csv"):
        return _first_csv_difference(old_path, new_path)
    old, new = old_path.read_bytes(), new_path.read_bytes()
    if name == SUMMARY:
        try:
            found = _first_json_difference(
                json.loads(reproducible_bytes(name, old)), json.loads(reproducible_bytes(name, new))
            )
        except ValueError:
            found = None
        return f"differs at {found}" if found else "differs"
    if name == REPORT:
        a = reproducible_bytes(name, old).splitlines()
        b = reproducible_bytes(name, new).splitlines()
        same = (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y)
        return f"differs from line {next(same, min(len(a), len(b))) + 1}"
    return "the bytes differ"


def compare(
    manifest: dict[str, Any], results: Path, rerun: Path
) -> tuple[list[str], Difference | None]:
    """(outputs compared, the first difference): each re-run output must match both the
    manifest and the recorded file beside it."""
    recorded: dict[str, Any] = manifest["outputs"]
    compared: list[str] = []
    for name, entry in recorded.items():
        if name in RUN_ONLY_OUTPUTS:
            continue
        path, old_path = rerun / name, results / name
        if not path.is_file():
            return compared, Difference(name, "the re-run did not write it")
        if not old_path.is_file():
            return compared, Difference(name, "the recorded file is missing")
        expected = expected_digest(name, entry)
        new_holds = reproducible_sha256(name, path.read_bytes()) == expected
        old_holds = reproducible_sha256(name, old_path.read_bytes()) == expected
        if not (new_holds and old_holds):
            where = _where(name, old_path, path)
            if new_holds:
                where += "; the re-run matches the manifest, so the recorded file was changed"
            elif not old_holds:
                where += " (and the recorded file no longer matches its manifest)"
            return compared, Difference(name, where)
        compared.append(name)
    for path in sorted(rerun.iterdir()):
        if path.name not in recorded and path.name not in (MANIFEST, SIGNATURE, *RUN_ONLY_OUTPUTS):
            return compared, Difference(
                path.name, "the re-run wrote it; the recorded results have none"
            )
    return compared, None


def identity_inputs(
    params: dict[str, Any], given: dict[str, Path | None]
) -> tuple[dict[str, Path | None], Difference | None]:
    """The model and labels file to re-run with (by parameter name), or the first that does
    not match what the run recorded. One given is checked against the recorded digest; one
    not given is read from the recorded path."""
    chosen: dict[str, Path | None] = {}
    for option, name in IDENTITY_INPUTS.items():
        digest, path = params.get(f"{name}_sha256"), given.get(name)
        if not params.get(name):
            if path is not None:
                return chosen, Difference(path.name, f"the recorded run had no {option}")
            chosen[name] = None
            continue
        if path is None:
            path = Path(str(params[name]))
            if not path.is_file():
                return chosen, Difference(
                    path.name, f"the run used {option} {path}, which is not there: give {option}"
                )
        if digest and hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            return chosen, Difference(path.name, f"not the {option} file the run used (SHA-256)")
        chosen[name] = path
    return chosen, None


def reproduce(
    results: Path,
    data: Path,
    *,
    linkage_model: Path | None = None,
    linkage_labels: Path | None = None,
    out: Path | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    progress: Progress = quiet,
) -> Reproduction:
    """Re-run the verification recorded in `results`/manifest.json on `data` (into `out`,
    kept, or a temporary folder) and compare every output. Raises ProvenanceError when
    there is no readable manifest, and DatasetError as verify does."""
    manifest, _ = read_manifest(results)
    params = manifest.get("parameters")
    if not isinstance(params, dict):
        raise ProvenanceError(f"{results / MANIFEST}: no parameters recorded")
    if out is not None and out.resolve() == results.resolve():
        raise ProvenanceError("--out must not be the results folder being reproduced")
    result = Reproduction(notes=_notes(manifest))
    _, problem = check_inputs(manifest, data)
    if problem is not None:
        result.difference = Difference(problem.file, f"input {problem.reason}; not re-run")
        return result
    given = {"linkage_model": linkage_model, "linkage_labels": linkage_labels}
    identity, result.difference = identity_inputs(params, given)
    if result.difference is not None:
        return result
    with tempfile.TemporaryDirectory(prefix="headcount-reproduce-") as tmp:
        target = out if out is not None else Path(tmp) / "results"
        verify(
            data,
            target,
            strict=bool(params.get("strict")),
            engine=str(params.get("engine") or "duckdb"),
            memory_limit=memory_limit,
            threads=threads,
            linkage_model=identity["linkage_model"],
            linkage_labels=identity["linkage_labels"],
            progress=progress,
        )
        result.compared, result.difference = compare(manifest, results, target)
    return result
