"""`keys rotate`: every value re-encrypted and re-tokenised under a new key in one
transaction, reads working before, during and after, and nothing left under the old key."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import select

from headcount.pii import Keyring, PiiKind, PiiValue, key_ids_in_use, protect, rotate_keys
from headcount.pii.protect import reveal, subjects_with
from headcount.store import Store

VALUES = {f"person:{n}": f"219-{n % 90 + 10:02d}-{1000 + n:04d}" for n in range(1, 201)}


def _fill(store: Store, ring: Keyring) -> None:
    with store.begin() as s:
        for subject, ssn in VALUES.items():
            protect(s, ring, subject, PiiKind.SSN, ssn)


def _read_all(store: Store, ring: Keyring) -> dict[str, str]:
    with store.begin() as s:
        return {r.subject: reveal(ring, r) for r in s.scalars(select(PiiValue))}


def test_rotation_rewrites_everything_and_drops_the_old_key(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "ring"
    ring = Keyring.load(path)
    _fill(store, ring)
    with store.begin() as s:
        before = {r.subject: (r.token, r.ciphertext) for r in s.scalars(select(PiiValue))}
    assert _read_all(store, ring) == VALUES  # old ciphertexts decrypt before

    done = rotate_keys(store, path)

    assert (done.old_key_ids, done.new_key_id, done.rewritten) == (("k1",), "k2", len(VALUES))
    with store.begin() as s:
        assert key_ids_in_use(s) == {"k2": len(VALUES)}
        after = {r.subject: (r.token, r.ciphertext) for r in s.scalars(select(PiiValue))}
        # The same values still match by token (under the new key).
        assert subjects_with(s, ring, PiiKind.SSN, VALUES["person:7"]) == ["person:7"]
    assert all(before[k][0] != after[k][0] and before[k][1] != after[k][1] for k in VALUES)
    assert [k.id for k in Keyring.load(path).keys] == ["k2"]  # k1 is gone from the file
    assert _read_all(store, ring) == VALUES  # and decrypt after, through the same Keyring


def test_reads_keep_working_while_a_rotation_runs(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "ring"
    _fill(store, Keyring.load(path))
    reader_ring = Keyring.load(path)  # a server that loaded the keyring before the rotation
    failures: list[BaseException] = []
    reads = 0
    stop = threading.Event()

    def reader() -> None:
        nonlocal reads
        while not stop.is_set():
            try:
                assert _read_all(store, reader_ring) == VALUES
                reads += 1
            except BaseException as exc:
                failures.append(exc)
                return

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for _ in range(3):
            rotate_keys(store, path)
    finally:
        stop.set()
        thread.join(60)
    assert not failures, failures[0]
    assert reads > 0
    with store.begin() as s:
        assert key_ids_in_use(s) == {"k4": len(VALUES)}


def test_a_value_written_with_a_stale_keyring_during_rotation_is_caught(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "ring"
    stale = Keyring.load(path)
    _fill(store, stale)
    rotate_keys(store, path)
    # The stale process notices the file changed before it encrypts, so it writes under k2.
    with store.begin() as s:
        row = protect(s, stale, "person:999", PiiKind.SSN, "219-55-5555")
        assert row.key_id == "k2"
