"""PII protection: SSNs and bank accounts as keyed HMAC tokens plus AES-GCM ciphertext, under
a versioned keyring kept outside the database (docs/cases.md, "PII protection")."""

from headcount.pii.keyring import Keyring, KeyringError
from headcount.pii.models import PiiKind, PiiValue
from headcount.pii.protect import (
    PiiError,
    mask,
    masked,
    protect,
    reveal,
    subjects_with,
    values_of,
)
from headcount.pii.rotate import Rotation, key_ids_in_use, rotate_keys

__all__ = [
    "Keyring",
    "KeyringError",
    "PiiError",
    "PiiKind",
    "PiiValue",
    "Rotation",
    "key_ids_in_use",
    "mask",
    "masked",
    "protect",
    "reveal",
    "rotate_keys",
    "subjects_with",
    "values_of",
]
