"""The audit chain's key: never in the database, so a database writer cannot re-chain rows.

`HEADCOUNT_AUDIT_KEY` (at least 32 characters), else the file named by
`HEADCOUNT_AUDIT_KEY_FILE`, else a key derived from the link secret (see
headcount.secrets: `HEADCOUNT_SECRET_KEY`, `HEADCOUNT_SECRET_FILE`, ./headcount.key).
Every process that writes or verifies the log must see the same key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from headcount.secrets import MIN_LENGTH, SecretKeyError, load_secret

ENV_KEY = "HEADCOUNT_AUDIT_KEY"
ENV_FILE = "HEADCOUNT_AUDIT_KEY_FILE"
# A derived key is bound to this purpose: the link secret's other uses cannot yield it.
DERIVATION_LABEL = b"headcount audit chain v1"


def audit_key() -> bytes:
    if value := os.environ.get(ENV_KEY):
        return _checked(value.encode("utf-8"), f"${ENV_KEY}")
    if name := os.environ.get(ENV_FILE):
        file = Path(name)
        try:
            return _checked(file.read_bytes().strip(), str(file))
        except OSError as exc:
            raise SecretKeyError(f"cannot read the audit key file {file}: {exc.strerror}") from exc
    return derive(load_secret())


def derive(secret: bytes) -> bytes:
    return hmac.new(secret, DERIVATION_LABEL, hashlib.sha256).digest()


def _checked(value: bytes, where: str) -> bytes:
    if len(value) < MIN_LENGTH:
        raise SecretKeyError(f"the audit key in {where} is shorter than {MIN_LENGTH} characters")
    return value
