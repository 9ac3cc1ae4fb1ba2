"""After an import (through the CLI), a reveal, a notice, a contest and an audit export, no
SSN or bank account number of anyone in the dataset is in clear text in the database (every
table, and on SQLite the raw files), the logs, the CLI output, the letters or the export."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

from casekit import PASSWORD, SECRET, World, case_id, csrf_of, matched, notice_token, set_contacts
from sqlalchemy import MetaData, select

from headcount.auth.roles import Role
from headcount.auth.users import add_user
from headcount.pii import Keyring
from headcount.store import Store
from headcount.web import create_app

HEADCOUNT = str(Path(sys.executable).with_name("headcount"))


def _needles(world: World) -> set[str]:
    out = set()
    for ssn in world.ssns.values():
        digits = ssn.replace("-", "")
        out |= {ssn, digits, f"{digits[:3]} {digits[3:5]} {digits[5:]}"}
    return out | set(world.accounts.values())


def _dump(store: Store) -> str:
    meta = MetaData()
    meta.reflect(store.engine)
    parts: list[str] = []
    with store.engine.connect() as c:
        for table in meta.sorted_tables:
            parts.extend(repr(tuple(row)) for row in c.execute(select(table)))
            # Binary columns (letters as PDF, ciphertext, attachments) as text too.
            parts.extend(
                bytes(v).decode("latin-1") for row in c.execute(select(table)) for v in row
                if isinstance(v, bytes | memoryview)
            )  # fmt: skip
    return "\n".join(parts)


def test_no_clear_identifier_anywhere(
    database_url: str, world: World, tmp_path: Path, caplog
) -> None:
    from fastapi.testclient import TestClient

    caplog.set_level(logging.DEBUG)
    ring_path = tmp_path / "ring"
    env = {**os.environ, "HEADCOUNT_DATABASE_URL": database_url,
           "HEADCOUNT_PII_KEYRING_FILE": str(ring_path)}  # fmt: skip
    cli = subprocess.run([HEADCOUNT, "cases", "import", str(world.results), "--data", str(world.data)],
                         capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    store = Store.open(database_url)
    set_contacts(store)  # every letter must say whom to write to
    with store.begin() as s:
        add_user(s, "ana", Role.ANALYST, PASSWORD, agency="VA", actor="t")
        add_user(s, "aud", Role.AUDITOR, PASSWORD, agency=None, actor="t")
    seen = [cli.stdout, cli.stderr]
    app = create_app(store, SECRET, Keyring.load(ring_path))
    cid = case_id(store, "PAID_AFTER_SEPARATION", "VA1")
    with TestClient(app, base_url="https://testserver") as ana, \
         TestClient(app, base_url="https://testserver") as aud:  # fmt: skip
        for client, name in ((ana, "ana"), (aud, "aud")):
            page = client.get("/login")
            client.post("/login", data={"csrf_token": csrf_of(page.text), "username": name,
                                        "password": PASSWORD})  # fmt: skip
        page = ana.get(f"/cases/{cid}").text
        value_id = matched(r'name="value_id" value="(\d+)"', page)
        revealed = ana.post(f"/cases/{cid}/reveal", data={"csrf_token": csrf_of(page),
                            "value_id": value_id, "reason": "matching with the SSA record"})  # fmt: skip
        assert re.search(r'id="revealed">', revealed.text)  # shown to the analyst, once
        for step, fields in (("verify", {"source": "HR SF-50"}), ("notice", {})):
            ana.post(f"/cases/{cid}/steps/{step}",
                     data={"csrf_token": csrf_of(ana.get(f"/cases/{cid}").text), **fields})  # fmt: skip
        letter = ana.get(f"/cases/{cid}/notices/1")
        code = matched(r"/n/(\d+-[a-z2-7]{12})<", letter.text)
        token = notice_token(store, int(code.split("-")[0]))
        form = ana.get(f"/notice/{token}")
        ana.post(f"/notice/{token}/contest", data={"csrf_token": csrf_of(form.text),
                 "statement": "I had left; the payments went back."},
                 files=[("attachments", ("note.txt", b"returned funds", "text/plain"))])  # fmt: skip
        audit_page = aud.get("/audit")
        export = aud.post("/audit/export", data={"csrf_token": csrf_of(audit_page.text)})
        assert export.status_code == 200
        seen += [letter.text, form.text, export.text, ana.get(f"/cases/{cid}").text,
                 ana.get("/cases").text]  # fmt: skip
    seen.append(caplog.text)
    seen.append(_dump(store))
    if store.backend == "sqlite":
        db_file = Path(store.engine.url.database or "")
        seen += [p.read_bytes().decode("latin-1") for p in db_file.parent.glob(db_file.name + "*")]
    store.close()
    haystack = "\n".join(seen)
    found = sorted(n for n in _needles(world) if n in haystack)
    assert found == [], f"{len(found)} clear identifiers found"
    assert "***-**-" in haystack  # masks are there, so the scan looked at the right pages
