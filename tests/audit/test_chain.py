"""The hash chain on SQLite and PostgreSQL: rows altered, deleted or inserted with raw SQL
(after dropping the append-only trigger, as someone with DDL rights could) are found by
`headcount audit verify`, run as a person would; concurrent writers never fork the chain."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from headcount import audit
from headcount.audit.chain import AuditError
from headcount.store import Store

HEADCOUNT = str(Path(sys.executable).with_name("headcount"))
ENTRIES = 6


def _fill(store: Store, n: int = ENTRIES) -> None:
    for i in range(n):
        with store.begin() as s:
            audit.record(
                s, actor=f"user{i}", action="test.event", target_type="thing", target_id=i,
                client="10.0.0.1", detail={"n": i},
            )  # fmt: skip


def _drop_trigger(store: Store) -> None:
    with store.begin() as s:
        if store.backend == "postgresql":
            s.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
        else:
            s.execute(text("DROP TRIGGER audit_log_no_update"))
            s.execute(text("DROP TRIGGER audit_log_no_delete"))


def _tamper(store: Store, sql: str) -> None:
    _drop_trigger(store)
    with store.begin() as s:
        s.connection().exec_driver_sql(sql)  # raw SQL, exactly as typed


def _verify_cli(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HEADCOUNT, "audit", "verify", "--database", url],
        capture_output=True, text=True, env=os.environ.copy(), timeout=120,
    )  # fmt: skip


def test_an_intact_chain_verifies(store: Store, database_url: str) -> None:
    _fill(store)
    done = _verify_cli(database_url)
    assert done.returncode == 0, done.stderr
    assert f"intact: {ENTRIES} entries" in done.stdout


def test_an_empty_log_verifies(store: Store, database_url: str) -> None:
    done = _verify_cli(database_url)
    assert done.returncode == 0 and "intact: 0 entries" in done.stdout


FORGED = "'" + "f" * 64 + "'"
TAMPERING = {
    "altered detail": ("UPDATE audit_log SET detail = '{\"n\":99}' WHERE seq = 3", 3, "hash"),
    "altered actor": ("UPDATE audit_log SET actor = 'someone' WHERE seq = 2", 2, "hash"),
    "deleted middle": ("DELETE FROM audit_log WHERE seq = 4", 4, "missing"),
    "deleted newest": (f"DELETE FROM audit_log WHERE seq = {ENTRIES}", ENTRIES, "missing"),
    "deleted oldest": ("DELETE FROM audit_log WHERE seq = 1", 1, "missing"),
    "inserted after": (
        "INSERT INTO audit_log (seq, at, actor, action, detail, prev_hash, hash) "
        f"SELECT {ENTRIES + 1}, at, 'intruder', 'test.event', '{{}}', hash, {FORGED} "
        f"FROM audit_log WHERE seq = {ENTRIES}",
        ENTRIES + 1,
        "hash",
    ),
    "re-chained": (f"UPDATE audit_log SET prev_hash = {FORGED} WHERE seq = 5", 5, "link"),
    "head rolled back": (
        f"UPDATE audit_head SET seq = {ENTRIES - 1}, hash = (SELECT hash FROM audit_log "
        f"WHERE seq = {ENTRIES - 1})",
        ENTRIES,
        "beyond the recorded head",
    ),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_tampering_is_named_by_verify(store: Store, database_url: str, case: str) -> None:
    sql, bad, why = TAMPERING[case]
    _fill(store)
    _tamper(store, sql)
    done = _verify_cli(database_url)
    assert done.returncode == 1, done.stdout
    message = " ".join(done.stderr.split())
    assert f"broken at entry {bad}:" in message and why in message


def test_the_trigger_refuses_updates_and_deletes(store: Store) -> None:
    _fill(store, 2)
    for sql in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError, match="append-only"), store.begin() as s:
            s.execute(text(sql))
    with store.begin() as s:
        assert audit.verify_chain(s, audit.audit_key()).entries == 2


def test_a_chain_written_with_another_key_does_not_verify(store: Store) -> None:
    _fill(store, 3)
    with store.begin() as s:
        verdict = audit.verify_chain(s, b"another key entirely, 32+ bytes long")
    assert not verdict.ok and verdict.bad_seq == 1


def test_concurrent_writers_never_fork_the_chain(store: Store, database_url: str) -> None:
    workers = [Store.open(database_url) for _ in range(4)]
    errors: list[BaseException] = []

    def write(worker: Store, w: int) -> None:
        try:
            for i in range(10):
                with worker.begin() as s:
                    audit.record(s, actor=f"w{w}", action="test.race", target_id=i)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w, n)) for n, w in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for w in workers:
        w.close()
    assert errors == []
    with store.begin() as s:
        verdict = audit.verify_chain(s, audit.audit_key())
    assert verdict.ok and verdict.entries == 40


@pytest.mark.parametrize(
    "detail",
    [{"ssn": "123-45-6789"}, {"note": "acct no 123456789012"}, {"card": "4111 1111 1111 1111"}],
)
def test_personal_data_never_enters_the_log(store: Store, detail: audit.Detail) -> None:
    with pytest.raises(AuditError, match="personal data"), store.begin() as s:
        audit.record(s, actor="a", action="test.pii", detail=detail)


def test_a_failed_transaction_leaves_no_entry(store: Store) -> None:
    with pytest.raises(RuntimeError), store.begin() as s:
        audit.record(s, actor="a", action="test.rollback")
        raise RuntimeError("the audited change failed")
    with store.begin() as s:
        assert audit.verify_chain(s, audit.audit_key()).entries == 0
