"""`headcount attest`: does a results folder hold exactly what its manifest records?

In order, stopping at the first file that does not hold: the signature (manifest.sig over
manifest.json's exact bytes), every output file the manifest lists (size, then SHA-256),
no file in the folder that the manifest does not list, and, given the dataset, every input
file (the same checks, and no input verify would read that the manifest does not list).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from headcount.ingest import DatasetError
from headcount.provenance.files import FileDigest, ProvenanceError, dataset_files, digest_file
from headcount.provenance.manifest import MANIFEST, SIGNATURE, file_digests, read_manifest
from headcount.provenance.signing import (
    key_id,
    load_public_key,
    public_key_from_raw,
    signature_holds,
)


@dataclass(frozen=True)
class Problem:
    """The first file that does not hold, and why (no file content is ever quoted)."""

    file: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


@dataclass
class Attestation:
    signature: str = "not checked"
    outputs: int = 0  # files that matched
    inputs: int | None = None  # files that matched, or None without --data
    problem: Problem | None = None

    @property
    def holds(self) -> bool:
        return self.problem is None


def check_file(name: str, path: Path, recorded: FileDigest, where: str) -> Problem | None:
    if not path.is_file():
        return Problem(name, f"missing from {where}")
    size = path.stat().st_size
    if size != recorded.size:
        return Problem(name, f"is {size:,} bytes; the manifest records {recorded.size:,}")
    if digest_file(path).sha256 != recorded.sha256:
        return Problem(name, "its SHA-256 differs from the one the manifest records")
    return None


def check_inputs(manifest: dict[str, Any], data: Path) -> tuple[int, Problem | None]:
    """(inputs that matched, the first problem): every recorded input, then any file verify
    would read from `data` that the manifest does not list."""
    recorded = file_digests(manifest, "inputs")
    try:
        present = dataset_files(data)
    except DatasetError as exc:
        return 0, Problem(exc.file, exc.problem)
    matched = 0
    for name, digest in recorded.items():
        path = present.get(name, data / name)
        if problem := check_file(name, path, digest, "the dataset"):
            return matched, problem
        matched += 1
    for name in present:
        if name not in recorded:
            return matched, Problem(
                name, "verify would read it, but the manifest does not list it as an input"
            )
    return matched, None


def _recorded_key(manifest: dict[str, Any]) -> Ed25519PublicKey | None:
    block = manifest.get("signature")
    if not isinstance(block, dict):
        return None
    try:
        raw = base64.b64decode(str(block.get("public_key", "")), validate=True)
    except (binascii.Error, ValueError):
        raise ProvenanceError("the public key recorded in the manifest is malformed") from None
    return public_key_from_raw(raw)


def check_signature(
    manifest: dict[str, Any], data: bytes, results: Path, given: Ed25519PublicKey | None
) -> tuple[str, Problem | None]:
    """(what the signature check found, the problem if it failed)."""
    recorded = _recorded_key(manifest)
    sig_path = results / SIGNATURE
    if not sig_path.is_file():
        if recorded is not None:
            return "missing", Problem(SIGNATURE, "missing, though the manifest says it was signed")
        if given is not None:
            return "missing", Problem(SIGNATURE, "missing: these results were not signed")
        return "not signed", None
    key = given or recorded
    if key is None:
        return "no key", Problem(SIGNATURE, "the manifest records no public key; pass --public-key")
    if given is not None and recorded is not None and key_id(given) != key_id(recorded):
        return "other key", Problem(
            SIGNATURE, f"signed with key {key_id(recorded)}, not the one given ({key_id(given)})"
        )
    if not signature_holds(key, data, sig_path.read_bytes()):
        return "invalid", Problem(MANIFEST, f"does not match its signature ({SIGNATURE})")
    whose = (
        "the key given"
        if given is not None
        else "the key recorded in the manifest; pass --public-key to check who signed"
    )
    return f"valid (Ed25519, key {key_id(key)}: {whose})", None


def attest(results: Path, data: Path | None = None, public_key: Path | None = None) -> Attestation:
    """Check `results` against its manifest (and `data` against the recorded inputs).
    Raises ProvenanceError for an unreadable public key (bad input, not a failed check)."""
    given = load_public_key(public_key) if public_key is not None else None
    result = Attestation()
    try:
        manifest, raw = read_manifest(results)
    except ProvenanceError as exc:
        result.problem = Problem(MANIFEST, str(exc).split(": ", 1)[-1])
        return result
    result.signature, result.problem = check_signature(manifest, raw, results, given)
    if result.problem:
        return result
    outputs = file_digests(manifest, "outputs")
    for name, digest in outputs.items():
        if problem := check_file(name, results / name, digest, "the results folder"):
            result.problem = problem
            return result
        result.outputs += 1
    for path in sorted(results.iterdir()):
        if path.name not in outputs and path.name not in (MANIFEST, SIGNATURE):
            result.problem = Problem(path.name, "is in the results folder but not in the manifest")
            return result
    if data is not None:
        result.inputs, result.problem = check_inputs(manifest, data)
    return result
