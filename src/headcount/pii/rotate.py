"""`headcount keys rotate`: a new key, every value re-encrypted and re-tokenised, the old
key dropped — with reads working at every moment.

1. The new key is appended to the keyring file (atomic rename) and becomes current: from
   here every process encrypts new values under it (a Keyring re-reads a changed file
   before encrypting) and can still read the old ones.
2. One transaction rewrites every row under another key: decrypt, re-encrypt, re-token.
   Readers see the old rows (old key still held) until the commit, the new ones after (a
   Keyring re-reads the file on meeting an unknown key id). Further passes catch any row a
   slower process wrote under the old key meanwhile, until a pass finds none.
3. The old keys are removed from the file: nothing in the store needs them any more.

A failure before 3 leaves both keys in the file and the store readable; run it again.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from headcount.pii.keyring import (
    ENV_KEYRING,
    Key,
    Keyring,
    KeyringError,
    keyring_path,
    new_key,
    write_file,
)
from headcount.pii.models import PiiKind, PiiValue
from headcount.pii.protect import open_value, seal
from headcount.store import Store

MAX_PASSES = 10


@dataclass(frozen=True)
class Rotation:
    old_key_ids: tuple[str, ...]
    new_key_id: str
    rewritten: int
    path: Path


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """One rotation at a time per keyring file."""
    lock = path.with_name(path.name + ".lock")
    fd = os.open(lock, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def rotate_keys(
    store: Store,
    path: Path | None = None,
    *,
    audit: Callable[[Session, Rotation], None] | None = None,
) -> Rotation:
    """Rotate the keyring file at `path` (default as Keyring.load finds it). `audit` is called
    inside the main rewrite transaction, so the log entry commits with the rewrite or not at
    all."""
    if path is None and os.environ.get(ENV_KEYRING):
        raise KeyringError(
            f"the keyring comes from ${ENV_KEYRING}, which this command cannot change: put it "
            "in a file named by HEADCOUNT_PII_KEYRING_FILE to rotate it"
        )
    file = keyring_path(path)
    if not file.exists():
        raise KeyringError(f"no keyring file at {file}: nothing to rotate")
    with _exclusive(file):
        ring = Keyring.load(file)
        old_ids = tuple(k.id for k in ring.keys)
        new = new_key(ring.keys)
        write_file(file, (*ring.keys, new))
        ring.reload()
        with store.begin() as session:
            rewritten = _rewrite(session, ring, new)
            if audit is not None:
                audit(session, Rotation(old_ids, new.id, rewritten, file))
        for _ in range(MAX_PASSES):
            with store.begin() as session:
                late = _rewrite(session, ring, new)
            rewritten += late
            if late == 0:
                break
        else:
            raise KeyringError("values under the old key keep arriving; the old key was kept")
        write_file(file, (new,))
    return Rotation(old_ids, new.id, rewritten, file)


def _rewrite(session: Session, ring: Keyring, new: Key) -> int:
    stale = select(PiiValue).where(PiiValue.key_id != new.id).order_by(PiiValue.id)
    count = 0
    for row in session.scalars(stale.with_for_update()):
        clear = open_value(ring, row)
        row.token, row.ciphertext = seal(new, row.subject, PiiKind(row.kind), clear)
        row.key_id = new.id
        count += 1
    session.flush()
    return count


def key_ids_in_use(session: Session) -> dict[str, int]:
    """key id -> rows under it (what `keys status` prints; the rotation tests' check)."""
    rows = session.execute(select(PiiValue.key_id, func.count()).group_by(PiiValue.key_id))
    return {key_id: count for key_id, count in rows}
