"""The PII keyring: versioned keys for tokens and ciphertext, from a key file or the
environment, never from the database (a copy of the database must not be enough to read it).

Where it comes from, in order: `HEADCOUNT_PII_KEYRING` (the keyring's text itself; read-only,
so `keys rotate` refuses it), else the file named by `HEADCOUNT_PII_KEYRING_FILE`, else
`headcount-pii.keyring` in the working directory, created (mode 0600) with one key on first use.

The file holds one key per line, `KEY_ID BASE64URL(32 random bytes)`; `#` starts a comment;
the **last** key is the current one (new values are written under it), the others can still
be read. Every token and ciphertext carries the id of its key, so a rotation can add a key,
re-encrypt, then drop the old one. A Keyring re-reads its file when it meets a key id it does
not know, or when the file changed before it encrypts, so a running server keeps reading and
writing correctly while `keys rotate` works beside it.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from headcount.secrets import create_private_file

ENV_KEYRING = "HEADCOUNT_PII_KEYRING"
ENV_KEYRING_FILE = "HEADCOUNT_PII_KEYRING_FILE"
DEFAULT_FILE = Path("headcount-pii.keyring")
KEY_BYTES = 32
KEY_ID = re.compile(r"k[0-9]{1,9}")


class KeyringError(ValueError):
    """The keyring is missing, malformed, unreadable, or lacks a key id that data needs."""


@dataclass(frozen=True)
class Key:
    """One master key and the two keys derived from it (HKDF): one for AES-256-GCM, one for
    HMAC-SHA256 tokens, so neither use can help an attack on the other."""

    id: str
    secret: bytes

    @cached_property
    def aead(self) -> AESGCM:
        return AESGCM(_derive(self.secret, b"headcount.pii.aes-gcm"))

    @cached_property
    def mac(self) -> bytes:
        return _derive(self.secret, b"headcount.pii.hmac-sha256")

    @property
    def number(self) -> int:
        return int(self.id[1:])


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


def new_key(after: tuple[Key, ...] = ()) -> Key:
    number = max((k.number for k in after), default=0) + 1
    return Key(f"k{number}", secrets.token_bytes(KEY_BYTES))


def parse(text: str, where: str) -> tuple[Key, ...]:
    keys: list[Key] = []
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2 or not KEY_ID.fullmatch(parts[0]):
            raise KeyringError(
                f"{where} line {line_no}: expected `KEY_ID BASE64KEY` (KEY_ID k1, k2, …)"
            )
        try:
            secret = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        except ValueError:
            raise KeyringError(f"{where} line {line_no}: the key is not base64") from None
        if len(secret) != KEY_BYTES:
            raise KeyringError(f"{where} line {line_no}: a key must be {KEY_BYTES} bytes")
        if any(k.id == parts[0] for k in keys):
            raise KeyringError(f"{where} line {line_no}: key id {parts[0]} appears twice")
        keys.append(Key(parts[0], secret))
    if not keys:
        raise KeyringError(f"{where} holds no key")
    return tuple(keys)


def render(keys: tuple[Key, ...]) -> str:
    lines = ["# headcount PII keyring: KEY_ID BASE64KEY; the last key is current. Keep secret."]
    lines += [f"{k.id} {base64.urlsafe_b64encode(k.secret).decode().rstrip('=')}" for k in keys]
    return "\n".join(lines) + "\n"


def write_file(path: Path, keys: tuple[Key, ...]) -> None:
    """Replace the keyring file atomically (temporary file, fsync, rename), mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(render(keys))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def keyring_path(explicit: Path | None = None) -> Path:
    return explicit or Path(os.environ.get(ENV_KEYRING_FILE) or DEFAULT_FILE)


class Keyring:
    """The keys in force. `current` encrypts; `get(key_id)` reads any key still held."""

    def __init__(self, keys: tuple[Key, ...], path: Path | None = None) -> None:
        self.path = path  # None when the keyring came from the environment
        self._keys = keys
        self._stamp = self._file_stamp()
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path | None = None) -> Keyring:
        if path is None and (text := os.environ.get(ENV_KEYRING)):
            return cls(parse(text, f"${ENV_KEYRING}"))
        file = keyring_path(path)
        if not file.exists():
            create_private_file(file, render((new_key(),)))
        return cls(_read(file), file)

    @property
    def keys(self) -> tuple[Key, ...]:
        """Every key held, re-read first if the file changed (a rotation added one)."""
        if self.path is not None and self._file_stamp() != self._stamp:
            self.reload()
        return self._keys

    @property
    def current(self) -> Key:
        return self.keys[-1]

    def get(self, key_id: str) -> Key:
        for key in self._keys:
            if key.id == key_id:
                return key
        if self.path is not None:
            self.reload()
            for key in self._keys:
                if key.id == key_id:
                    return key
        raise KeyringError(f"the keyring has no key {key_id}: data written under it cannot be read")

    def reload(self) -> None:
        assert self.path is not None
        with self._lock:
            self._stamp = self._file_stamp()
            self._keys = _read(self.path)

    def _file_stamp(self) -> tuple[int, int] | None:
        if self.path is None:
            return None
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_ino)


def _read(file: Path) -> tuple[Key, ...]:
    try:
        return parse(file.read_text(encoding="ascii"), str(file))
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyringError(f"cannot read the keyring file {file}: {exc}") from exc
