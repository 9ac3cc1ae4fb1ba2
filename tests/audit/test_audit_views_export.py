"""Exporting the summarised page views (audit/view_export.py): CSV and JSON from the audit
page and from `headcount audit views`, for auditors alone, each export itself audited."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from headcount import audit
from headcount.audit.views import record_view
from headcount.store import Store
from staff import csrf_of, make_user, sign_in

HEADCOUNT = str(Path(sys.executable).with_name("headcount"))
DAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _views(store: Store) -> None:
    """ana views case 7 three times on Nov 2 and case 8 once on Nov 3; a formula actor once."""
    with store.begin() as s:
        for minutes in range(3):
            record_view(s, actor="ana", action="case.view", target_type="case", target_id=7,
                        now=DAY + timedelta(minutes=minutes))  # fmt: skip
        record_view(s, actor="ana", action="case.view", target_type="case", target_id=8,
                    now=DAY + timedelta(days=1))  # fmt: skip
        record_view(s, actor="=cmd|' /C calc'!A0", action="audit.view", now=DAY)


def _export(client: TestClient, fmt: str, **filters: str):
    page = client.get("/audit")
    return client.post(
        "/audit/views/export", data={"csrf_token": csrf_of(page.text), "format": fmt, **filters}
    )


def _last_entry(store: Store) -> audit.AuditEntry:
    with store.begin() as s:
        last = s.scalars(select(audit.AuditEntry).order_by(audit.AuditEntry.seq.desc())).first()
        assert last is not None
        s.expunge(last)
        return last


def test_auditor_downloads_csv_and_json(client: TestClient, store: Store) -> None:
    _views(store)
    sign_in(client, store, "auditor")
    page = client.get("/audit").text
    assert "Download page views (CSV)" in page and "Download page views (JSON)" in page
    got = _export(client, "csv", since="2026-11-02", until="2026-11-02")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert "attachment" in got.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert [(r["actor"], r["target_id"], r["views"]) for r in rows] == [
        ("ana", "7", "3"), ("'=cmd|' /C calc'!A0", "", "1"),  # a formula cell is escaped
    ]  # fmt: skip
    assert rows[0]["day"] == "2026-11-02" and rows[0]["first_seq"].isdigit()
    exported = _last_entry(store)
    assert (exported.action, exported.actor) == ("audit.export", "auditor-all")
    assert json.loads(exported.detail)["kind"] == "page_views"

    got = _export(client, "json", actor="ana")
    assert got.status_code == 200 and got.headers["content-type"] == "application/json"
    records = got.json()
    assert [(r["day"], r["target_id"], r["views"]) for r in records] == [
        ("2026-11-02", "7", 3), ("2026-11-03", "8", 1),
    ]  # fmt: skip
    with store.begin() as s:
        assert audit.verify_chain(s, audit.audit_key()).ok


def test_bad_filters_and_formats_say_what_to_do(client: TestClient, store: Store) -> None:
    sign_in(client, store, "auditor")
    assert _export(client, "xml").status_code == 400
    late = _export(client, "csv", since="2026-11-05", until="2026-11-01")
    assert late.status_code == 400 and "before" in late.text
    assert 'href="/audit"' in late.text


def test_only_auditors_export_page_views(client: TestClient, store: Store) -> None:
    sign_in(client, store, "auditor")
    token = csrf_of(client.get("/audit").text)
    for role in ("admin", "analyst", "supervisor"):
        client.cookies.clear()
        sign_in(client, store, role)
        refused = client.post("/audit/views/export", data={"csrf_token": token, "format": "csv"})
        assert refused.status_code == 403, role
    client.cookies.clear()
    sign_in(client, store, "admin")
    page = client.get("/audit")
    assert page.status_code == 200 and "Download page views" not in page.text


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HEADCOUNT, "audit", "views", "--database", url, *args],
        capture_output=True, text=True, env=os.environ.copy(), timeout=120,
    )  # fmt: skip


def test_cli_exports_for_an_auditor_only(store: Store, database_url: str, tmp_path) -> None:
    _views(store)
    make_user(store, "aud", "auditor")
    make_user(store, "adm", "admin")
    done = _cli(database_url, "--as", "aud", "--from", "2026-11-03", "--to", "2026-11-03",
                "--format", "json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [(r["actor"], r["target_id"]) for r in json.loads(done.stdout)] == [("ana", "8")]
    out = tmp_path / "views.csv"
    done = _cli(database_url, "--as", "aud", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "Wrote 3 page-view rows" in done.stderr
    assert len(list(csv.DictReader(out.open(encoding="utf-8")))) == 3
    refused = _cli(database_url, "--as", "adm", "--format", "csv")
    assert refused.returncode == 2 and "only an auditor may export page views" in refused.stderr
    bad = _cli(database_url, "--as", "aud", "--format", "xml")
    assert bad.returncode == 2 and "use csv or json" in bad.stderr
    backwards = _cli(database_url, "--as", "aud", "--from", "2026-11-05", "--to", "2026-11-01")
    assert backwards.returncode == 2 and "--to is before --from" in backwards.stderr
    assert _last_entry(store).action == "audit.export"
