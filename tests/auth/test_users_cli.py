"""`headcount users …` through the real console script, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from headcount import audit
from headcount.auth.models import User
from headcount.auth.passwords import password_matches
from headcount.store import Store
from staff import PASSWORD

HEADCOUNT = str(Path(sys.executable).with_name("headcount"))


def _run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HEADCOUNT, *args], input=stdin, capture_output=True, text=True,
        env=os.environ.copy(), timeout=120,
    )  # fmt: skip


def test_add_role_list(store: Store, database_url: str) -> None:
    db = ("--database", database_url)
    done = _run("users", "add", "ana", "--role", "analyst", "--agency", "VA", "--password-stdin",
                *db, stdin=PASSWORD + "\n")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert _run("users", "role", "ana", "supervisor", *db).returncode == 0
    listed = _run("users", "list", *db)
    assert listed.returncode == 0 and "supervisor" in listed.stdout and "VA" in listed.stdout
    assert "argon2" not in listed.stdout
    with store.begin() as s:
        user = s.scalars(select(User).where(User.username == "ana")).one()
        assert (user.role, user.agency) == ("supervisor", "VA")
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
        assert password_matches(user.password_hash, PASSWORD)
        entries = list(s.scalars(select(audit.AuditEntry).order_by(audit.AuditEntry.seq)))
    assert [(e.action, e.target_id) for e in entries] == [
        ("user.create", "ana"),
        ("user.role", "ana"),
    ]
    assert all(e.actor.startswith("cli:") for e in entries)


def test_bad_input_exits_2_and_writes_nothing(store: Store, database_url: str) -> None:
    db = ("--database", database_url)
    cases = [
        (("users", "add", "x", "--role", "boss", "--password-stdin"), "unknown role 'boss'"),
        (("users", "add", "x", "--role", "admin", "--password-stdin"), "at least 12"),
        (("users", "add", "x", "--role", "admin", "--agency", "VA", "--password-stdin"),
         "sees every agency"),
        (("users", "add", "a b", "--role", "admin", "--password-stdin"), "user name 'a b'"),
        (("users", "add", "x", "--role", "admin"), "--password-stdin"),
        (("users", "role", "nobody", "admin"), "no user named 'nobody'"),
    ]  # fmt: skip
    for args, message in cases:
        stdin = "short\n" if "at least" in message else PASSWORD + "\n"
        done = _run(*args, *db, stdin=stdin)
        assert done.returncode == 2, (args, done.stderr)
        assert message in " ".join(done.stderr.split()), done.stderr
    assert _run("users", "add", "x", "--role", "admin", "--password-stdin", *db,
                stdin=PASSWORD + "\n").returncode == 0  # fmt: skip
    again = _run("users", "add", "x", "--role", "admin", "--password-stdin", *db,
                 stdin=PASSWORD + "\n")  # fmt: skip
    assert again.returncode == 2 and "already a user named 'x'" in again.stderr
    with store.begin() as s:
        assert [u.username for u in s.scalars(select(User))] == ["x"]
