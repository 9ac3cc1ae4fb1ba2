"""Tokens, ciphertext and masks: equal values match by token, nothing is stored in clear,
a ciphertext moved to another row or altered does not decrypt, and the keyring comes from a
file or the environment only."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import select, text

from headcount.pii import Keyring, KeyringError, PiiError, PiiKind, PiiValue, masked, protect
from headcount.pii.keyring import ENV_KEYRING, render
from headcount.pii.protect import reveal, subjects_with
from headcount.store import Store

SSN = "219-44-6789"
ACCOUNT = "021000021:000123451234"


@pytest.fixture
def ring(tmp_path: Path) -> Keyring:
    return Keyring.load(tmp_path / "ring")


def test_values_are_masked_revealed_and_matched_by_token(store: Store, ring: Keyring) -> None:
    with store.begin() as s:
        a = protect(s, ring, "person:1", PiiKind.SSN, SSN)
        b = protect(s, ring, "person:2", PiiKind.SSN, "219446789")  # same number, no dashes
        c = protect(s, ring, "person:1", PiiKind.BANK_ACCOUNT, ACCOUNT)
        again = protect(s, ring, "person:1", PiiKind.SSN, SSN)
        assert again.id == a.id
        assert a.token == b.token and a.ciphertext != b.ciphertext
        assert masked(ring, a) == "***-**-6789" and masked(ring, c) == "****1234"
        assert reveal(ring, a) == SSN
        assert reveal(ring, c) == "routing 021000021, account 000123451234"
        assert subjects_with(s, ring, PiiKind.SSN, SSN) == ["person:1", "person:2"]
        assert subjects_with(s, ring, PiiKind.SSN, "219-44-6780") == []


def test_nothing_in_the_table_is_the_clear_value(store: Store, ring: Keyring) -> None:
    with store.begin() as s:
        protect(s, ring, "person:1", PiiKind.SSN, SSN)
        protect(s, ring, "person:1", PiiKind.BANK_ACCOUNT, ACCOUNT)
    with store.engine.connect() as c:
        rows = c.execute(text("SELECT * FROM pii_values")).fetchall()
    dump = repr(rows)
    for needle in ("219446789", "219-44-6789", "000123451234", "6789'", "1234'"):
        assert needle not in dump


def test_a_moved_or_altered_ciphertext_does_not_decrypt(store: Store, ring: Keyring) -> None:
    with store.begin() as s:
        a = protect(s, ring, "person:1", PiiKind.SSN, SSN)
        b = protect(s, ring, "person:2", PiiKind.SSN, "219-44-1111")
        b.ciphertext = a.ciphertext  # swap one person's number onto another's row
    with store.begin() as s:
        moved = s.scalars(select(PiiValue).where(PiiValue.subject == "person:2")).one()
        with pytest.raises(KeyringError, match="altered or moved"):
            reveal(ring, moved)


def test_bad_values_are_refused_without_echoing_them(store: Store, ring: Keyring) -> None:
    with pytest.raises(PiiError) as caught, store.begin() as s:
        protect(s, ring, "person:1", PiiKind.SSN, "21A-44-6789")
    assert "21A" not in str(caught.value)


def test_keyring_file_is_created_private_and_env_keyring_is_read(
    tmp_path: Path, monkeypatch
) -> None:
    path = tmp_path / "new" / "ring"
    ring = Keyring.load(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [k.id for k in ring.keys] == ["k1"]
    monkeypatch.setenv(ENV_KEYRING, render(ring.keys))
    from_env = Keyring.load()
    assert from_env.path is None and from_env.current.secret == ring.current.secret


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("", "holds no key"),
        ("k1 notbase64!!\n", "not base64"),
        (f"k1 {base64.urlsafe_b64encode(b'short').decode()}\n", "32 bytes"),
        ("key-one AAAA\n", "KEY_ID"),
    ],
)
def test_a_malformed_keyring_is_refused(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "ring"
    path.write_text(content)
    with pytest.raises(KeyringError, match=problem):
        Keyring.load(path)


def test_an_unknown_key_id_is_a_clear_error(store: Store, ring: Keyring, tmp_path: Path) -> None:
    with store.begin() as s:
        row = protect(s, ring, "person:1", PiiKind.SSN, SSN)
    other = Keyring.load(tmp_path / "other")
    row_copy = PiiValue(subject=row.subject, kind=row.kind, key_id="k7", token=row.token,
                        ciphertext=row.ciphertext)  # fmt: skip
    with pytest.raises(KeyringError, match="no key k7"):
        reveal(other, row_copy)
