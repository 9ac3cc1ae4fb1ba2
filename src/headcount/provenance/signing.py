"""Ed25519 keys for signing a results manifest (the `cryptography` package).

The private key is PKCS#8 PEM and the public key SubjectPublicKeyInfo PEM, and
manifest.sig holds the raw 64-byte signature of manifest.json's exact bytes, so anyone can
check it without headcount (`openssl pkeyutl -verify -pubin -inkey KEY.pub -rawin -in
manifest.json -sigfile manifest.sig`). Key material is never printed, not even in errors.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from headcount.provenance.files import ProvenanceError

ALGORITHM = "Ed25519"


def public_path(private: Path) -> Path:
    return private.with_name(private.name + ".pub")


def _write_new(path: Path, data: bytes, mode: int) -> None:
    # O_EXCL: a key pair is never overwritten, which would orphan every manifest it signed.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def make_key_pair(private: Path) -> Path:
    """Write a new private key to `private` (mode 0600) and its public key beside it as
    `private`.pub; returns the public key's path. Refuses to overwrite either."""
    public = public_path(private)
    for path in (private, public):
        if path.exists():
            raise ProvenanceError(
                f"{path} already exists; choose another name (keys are never overwritten)"
            )
    key = Ed25519PrivateKey.generate()
    _write_new(
        private,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        0o600,
    )
    _write_new(
        public,
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        0o644,
    )
    return public


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ProvenanceError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None


def load_private_key(path: Path) -> Ed25519PrivateKey:
    data = _read(path, "signing key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise ProvenanceError(
            f"{path}: the signing key is encrypted; headcount reads an unencrypted PEM key "
            "(keep the file readable only by the signer)"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise ProvenanceError(
            f"{path}: not a PEM private key (make one with `headcount keys signing-pair`)"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ProvenanceError(f"{path}: the signing key must be an {ALGORITHM} key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    data = _read(path, "public key")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        raise ProvenanceError(f"{path}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ProvenanceError(f"{path}: the public key must be an {ALGORITHM} key")
    return key


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_from_raw(raw: bytes) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise ProvenanceError("the public key recorded in the manifest is malformed") from None


def key_id(key: Ed25519PublicKey) -> str:
    """A short name for a public key: SHA-256 of its 32 raw bytes."""
    return "sha256:" + hashlib.sha256(raw_public_key(key)).hexdigest()


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    return key.sign(data)


def signature_holds(key: Ed25519PublicKey, data: bytes, signature: bytes) -> bool:
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True
