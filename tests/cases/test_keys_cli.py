"""`headcount keys rotate|status` and `headcount cases agency` through the console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from casekit import SECRET, World, case_id
from sqlalchemy import select

from headcount.audit import AuditEntry
from headcount.cases import notices, workflow
from headcount.cases.models import Notice
from headcount.pii import Keyring, PiiValue, reveal
from headcount.store import Store

HEADCOUNT = str(Path(sys.executable).with_name("headcount"))


def _run(*args: str, db: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "HEADCOUNT_DATABASE_URL": db, **env}
    return subprocess.run([HEADCOUNT, *args], capture_output=True, text=True, env=full, timeout=300)


def test_rotate_and_status(
    imported: Store, database_url: str, keyring: Keyring, world: World
) -> None:
    ring = {"HEADCOUNT_PII_KEYRING_FILE": str(keyring.path)}
    with imported.begin() as s:
        clear = {r.id: reveal(keyring, r) for r in s.scalars(select(PiiValue))}
    status = _run("keys", "status", db=database_url, **ring)
    assert status.returncode == 0 and "k1" in status.stdout
    done = _run("keys", "rotate", db=database_url, **ring)
    assert done.returncode == 0, done.stderr
    assert f"{len(clear)} values now under k2; removed k1" in " ".join(done.stdout.split())
    with imported.begin() as s:
        rows = list(s.scalars(select(PiiValue)))
        assert {r.key_id for r in rows} == {"k2"}
        assert {r.id: reveal(keyring, r) for r in rows} == clear
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "keys.rotate")).one()
        assert '"new":"k2"' in entry.detail
    held = [line.split()[0] for line in Path(str(keyring.path)).read_text().splitlines()
            if line.strip() and not line.startswith("#")]  # fmt: skip
    assert held == ["k2"]  # the key id column, not a substring: base64 may spell "k1"
    from_env = _run("keys", "rotate", db=database_url,
                    HEADCOUNT_PII_KEYRING=Path(str(keyring.path)).read_text())  # fmt: skip
    assert from_env.returncode == 2 and "HEADCOUNT_PII_KEYRING" in from_env.stderr


def test_agency_contest_period(imported: Store, database_url: str, users) -> None:
    short = _run("cases", "agency", "VA", "--contest-days", "20", db=database_url)
    assert short.returncode == 2 and "at least 30 days" in short.stderr
    done = _run("cases", "agency", "VA", "--contest-days", "45", "--contact",
                "VA Payroll, PO Box 1, Washington DC", db=database_url)  # fmt: skip
    assert done.returncode == 0, done.stderr
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    with imported.begin() as s:
        workflow.verify(s, cid, users["ana"], source="HR")
        (notice,) = notices.send_notice(s, cid, users["ana"], signer=notices.contest_signer(SECRET),
                                        base_url="https://hc.example.gov")  # fmt: skip
        assert (notice.deadline - notice.sent_at).days == 45
        assert "VA Payroll, PO Box 1" in s.get_one(Notice, notice.id).html
