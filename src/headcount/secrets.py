"""Secrets kept outside the database: the key that signs check-in links, sessions and CSRF
tokens, the private files keys live in, and the one-way hash under which session secrets
are stored.

The signing secret comes from the environment or a key file, never from the database (a database copy must
not be enough to forge links): `HEADCOUNT_SECRET_KEY`, else the file named by
`HEADCOUNT_SECRET_FILE`, else `headcount.key` in the working directory, created (mode 0600)
with 32 random bytes on first use. The CLI and `headcount serve` must see the same key.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

ENV_KEY = "HEADCOUNT_SECRET_KEY"
ENV_FILE = "HEADCOUNT_SECRET_FILE"
DEFAULT_FILE = Path("headcount.key")
MIN_LENGTH = 32


class SecretKeyError(Exception):
    """The key is missing, too short or unreadable."""


def load_secret(path: Path | None = None) -> bytes:
    if path is None and (value := os.environ.get(ENV_KEY)):
        return _checked(value.encode("utf-8"), f"${ENV_KEY}")
    file = path or Path(os.environ.get(ENV_FILE) or DEFAULT_FILE)
    if not file.exists():
        create_private_file(file, secrets.token_urlsafe(48) + "\n")
    try:
        return _checked(file.read_bytes().strip(), str(file))
    except OSError as exc:
        raise SecretKeyError(f"cannot read the key file {file}: {exc.strerror}") from exc


def create_private_file(file: Path, text: str) -> None:
    """Write a new key file readable by its owner only; leave an existing one alone.

    O_EXCL: two processes starting together must not write two different keys."""
    file.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text)


def hash_secret(secret: str) -> str:
    """What the database keeps of a session secret: reading it is not enough to act as one."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _checked(value: bytes, where: str) -> bytes:
    if len(value) < MIN_LENGTH:
        raise SecretKeyError(f"the key in {where} is shorter than {MIN_LENGTH} characters")
    return value
