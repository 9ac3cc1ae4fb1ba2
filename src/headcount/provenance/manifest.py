"""manifest.json: what a results folder holds and what made it, so anyone can re-check it.

It records the SHA-256 and size of every input and output file, headcount's version and a
digest of its source, a digest of the rule definitions (one per rule and one over all of
them with the code they share), every parameter of the run and the engine with its
libraries' versions. With a signing key it is signed (Ed25519) into manifest.sig.

Two outputs carry parts that differ from run to run by design: summary.json (the dataset's
path, the start time, the timings, the `--state` block) and report.html (the same, shown
on the page). For them the manifest also gives `reproducible_sha256`, the digest with
those parts left out, which a re-run on the same files must match; every other output must
match byte for byte.
"""

from __future__ import annotations

import base64
import hashlib
import json
import platform
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import headcount
from headcount import rules as rules_package
from headcount.engine.dialect import Dialect
from headcount.engine.profile import PROFILE_FILE
from headcount.provenance.files import FileDigest, ProvenanceError
from headcount.provenance.signing import ALGORITHM, key_id, raw_public_key, sign
from headcount.report.html import RUN_SPECIFIC_END, RUN_SPECIFIC_START
from headcount.rules import all_rules

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
FORMAT = 1
SUMMARY, REPORT = "summary.json", "report.html"
# Top-level keys of summary.json that describe this run rather than its results.
RUN_SPECIFIC_SUMMARY = (
    "dataset", "started_at", "timings_seconds", "rule_timings", "stage_rows", "incremental",
    "memory",
)  # fmt: skip
# Outputs that describe the run only (`verify --profile`'s DuckDB profile): listed with
# their digest like every output, but `reproduce` neither expects nor compares them.
RUN_ONLY_OUTPUTS = (PROFILE_FILE,)
_RUN_SPECIFIC_SPAN = re.compile(
    re.escape(RUN_SPECIFIC_START) + ".*?" + re.escape(RUN_SPECIFIC_END), re.DOTALL
)
_SOURCE_SUFFIXES = (".py", ".csv", ".json", ".j2", ".css", ".js", ".toml", ".txt")
# The code rules share (SQL fragments, prepared relations, name and SSN matching, the
# identity-resolution model): a change to any of it can change what a rule finds.
_SHARED_PACKAGES = ("rules", "matching", "linkage")
LIBRARIES = ("duckdb", "pyarrow", "splink", "cryptography")


def reproducible_bytes(name: str, data: bytes) -> bytes:
    """`data` without the parts of `name` that differ between runs on the same files."""
    if name == SUMMARY:
        try:
            summary = json.loads(data)
        except ValueError:
            return data
        if isinstance(summary, dict):
            for key in RUN_SPECIFIC_SUMMARY:
                summary.pop(key, None)
        return json.dumps(
            summary, sort_keys=True, ensure_ascii=False, separators=(",", ":")
        ).encode()
    if name == REPORT:
        text = data.decode("utf-8", errors="surrogateescape")
        kept = _RUN_SPECIFIC_SPAN.sub(RUN_SPECIFIC_START + RUN_SPECIFIC_END, text)
        return kept.encode("utf-8", errors="surrogateescape")
    return data


def reproducible_sha256(name: str, data: bytes) -> str:
    return hashlib.sha256(reproducible_bytes(name, data)).hexdigest()


def output_entry(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    entry = FileDigest(len(data), hashlib.sha256(data).hexdigest()).to_json()
    if path.name in (SUMMARY, REPORT):
        entry["reproducible_sha256"] = reproducible_sha256(path.name, data)
    return entry


def expected_digest(name: str, entry: dict[str, Any]) -> str:
    """What a re-run's `name` must hash to (its reproducible digest where it has one)."""
    return str(entry.get("reproducible_sha256") or entry["sha256"])


def _tree_digest(root: Path, packages: tuple[str, ...]) -> hashlib._Hash:
    digest = hashlib.sha256()
    for package in packages:
        for path in sorted((root / package).rglob("*")):
            if path.is_file() and path.suffix in _SOURCE_SUFFIXES:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest


def source_sha256() -> str:
    """Every source file of the installed headcount package, by path."""
    root = Path(headcount.__file__).parent
    packages = tuple(
        sorted(p.name for p in root.iterdir() if p.is_dir() and p.name != "__pycache__")
    )
    digest = _tree_digest(root, packages)
    digest.update((root / "__init__.py").read_bytes())
    return digest.hexdigest()


def rules_digest() -> dict[str, Any]:
    """Per rule: its module's source and its query as DuckDB runs it. Over all: those and
    the code the rules share, so a change to any rule, or to what they share, changes it."""
    dialect = Dialect()
    by_rule: dict[str, str] = {}
    for rule in sorted(all_rules(), key=lambda r: r.code):
        module = Path(__import__(rule.query.__module__, fromlist=["_"]).__file__ or "")
        digest = hashlib.sha256(module.read_bytes() + b"\0" + rule.query(dialect).encode())
        by_rule[rule.code] = digest.hexdigest()
    root = Path(rules_package.__file__).parent.parent
    overall = _tree_digest(root, _SHARED_PACKAGES)
    for code, digest_hex in by_rule.items():
        overall.update(f"{code}={digest_hex}\n".encode())
    return {"sha256": overall.hexdigest(), "by_rule": by_rule}


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def engine_record(engine: str) -> dict[str, Any]:
    libraries = (*LIBRARIES, "pyspark") if engine == "spark" else LIBRARIES
    return {
        "name": engine,
        "python": platform.python_version(),
        **{name: _version(name) for name in libraries},
    }


@dataclass
class Provenance:
    """How a run was made, for its manifest: every parameter, the inputs' digests (a
    callable, since they may still be computing on a background thread) and the key that
    signs the manifest, if any."""

    parameters: dict[str, Any]
    inputs: Callable[[], dict[str, FileDigest]]
    key: Ed25519PrivateKey | None = None


def build_manifest(folder: Path, provenance: Provenance, engine: str) -> dict[str, Any]:
    """The manifest of the results in `folder` (every file there is an output)."""
    outputs = {
        p.name: output_entry(p)
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name not in (MANIFEST, SIGNATURE)
    }
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "headcount": {"version": headcount.__version__, "source_sha256": source_sha256()},
        "rules": rules_digest(),
        "engine": engine_record(engine),
        "parameters": provenance.parameters,
        "inputs": {name: d.to_json() for name, d in sorted(provenance.inputs().items())},
        "outputs": outputs,
        "reproducible": {
            SUMMARY: {
                "leaves_out_keys": list(RUN_SPECIFIC_SUMMARY),
                "serialised": "sorted keys, no spaces, UTF-8",
            },
            REPORT: {"leaves_out": f"text between {RUN_SPECIFIC_START} and {RUN_SPECIFIC_END}"},
            **{
                name: {"leaves_out": "all of it: it describes the run, not its results"}
                for name in RUN_ONLY_OUTPUTS
                if name in outputs
            },
        },
    }
    if provenance.key is not None:
        public = provenance.key.public_key()
        manifest["signature"] = {
            "algorithm": ALGORITHM,
            "file": SIGNATURE,
            "public_key": base64.b64encode(raw_public_key(public)).decode("ascii"),
            "key_id": key_id(public),
        }
    return manifest


def write_manifest(folder: Path, provenance: Provenance, engine: str) -> dict[str, Any]:
    """Write manifest.json (and manifest.sig when there is a key) into `folder`."""
    manifest = build_manifest(folder, provenance, engine)
    data = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    (folder / MANIFEST).write_bytes(data)
    if provenance.key is not None:
        (folder / SIGNATURE).write_bytes(sign(provenance.key, data))
    return manifest


def read_manifest(folder: Path) -> tuple[dict[str, Any], bytes]:
    """The manifest of a results folder and its exact bytes (what the signature covers)."""
    path = folder / MANIFEST
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ProvenanceError(
            f"{path}: no manifest (is this a headcount results folder?)"
        ) from None
    try:
        manifest = json.loads(data)
    except ValueError:
        raise ProvenanceError(f"{path}: not valid JSON") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("outputs"), dict):
        raise ProvenanceError(f"{path}: not a headcount manifest")
    if manifest.get("format") != FORMAT:
        raise ProvenanceError(
            f"{path}: manifest format {manifest.get('format')!r} is not one this headcount reads ({FORMAT})"
        )
    return manifest, data


def file_digests(manifest: dict[str, Any], section: str) -> dict[str, FileDigest]:
    entries = manifest.get(section)
    if not isinstance(entries, dict):
        raise ProvenanceError(f"the manifest has no {section!r} section")
    return {str(name): FileDigest.from_json(entry) for name, entry in entries.items()}
