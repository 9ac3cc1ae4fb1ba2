"""The auditor's pages in the real app: browse, filter, page, export (CSV, audited);
SQL-injection strings in every filter field; stored XSS through names and details."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from headcount import audit
from headcount.audit.query import PAGE_SIZE
from headcount.store import Store
from staff import csrf_of, sign_in

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
INJECTIONS = [
    "' OR '1'='1",
    "x'; DROP TABLE audit_log; --",
    '" OR 1=1 --',
    "%' UNION SELECT password_hash FROM users --",
    "login%",
    "_",
    "\\",
]


def _events(store: Store, n: int, actor: str = "ana", action: str = "test.event") -> None:
    with store.begin() as s:
        for i in range(n):
            audit.record(s, actor=actor, action=action, target_type="thing", target_id=i)


def _count(store: Store) -> int:
    with store.begin() as s:
        return int(s.scalar(select(func.count()).select_from(audit.AuditEntry)) or 0)


def test_filter_and_page(client: TestClient, store: Store) -> None:
    sign_in(client, store, "auditor")
    _events(store, PAGE_SIZE + 5)
    _events(store, 2, actor="bob", action="login.failure")
    everything = client.get("/audit")
    assert everything.status_code == 200 and "page 1 of 2" in everything.text
    older = client.get("/audit?page=2")
    assert "page 2 of 2" in older.text and 'rel="prev"' in older.text
    bob = client.get("/audit", params={"actor": "bob", "action": "login"})
    assert "2 entries" in bob.text and "test.event" not in bob.text
    today = client.get("/audit", params={"since": "2000-01-01", "until": "2000-01-02"})
    assert "0 entries" in today.text
    bad = client.get("/audit", params={"since": "yesterday"})
    assert bad.status_code == 400 and "must be a date" in bad.text


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_strings_in_every_filter_are_just_text(
    client: TestClient, store: Store, value: str
) -> None:
    sign_in(client, store, "auditor")
    _events(store, 3)
    before = _count(store)
    for field in ("actor", "action"):
        page = client.get("/audit", params={field: value})
        assert page.status_code == 200 and "0 entries" in page.text, field
    for field in ("since", "until"):
        assert client.get("/audit", params={field: value}).status_code == 400
    assert client.get("/audit", params={"page": value}).status_code == 200
    export = client.post(
        "/audit/export", data={"csrf_token": csrf_of(page.text), "actor": value, "action": value}
    )
    assert export.status_code == 200 and export.text.count("\n") == 1  # the header only
    # The first read of the log today and the export each leave an entry in the chain; later
    # reads that day only add to the page-view counter (audit/views.py). Nothing was dropped.
    assert _count(store) == before + 2


def test_names_and_details_are_escaped(client: TestClient, store: Store) -> None:
    sign_in(client, store, "admin")
    with store.begin() as s:
        audit.record(s, actor=XSS, action="test.xss", target_type=XSS, target_id=XSS,
                     client=XSS, detail={"note": XSS})  # fmt: skip
    html = client.get("/audit").text
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_export_is_csv_and_audited(client: TestClient, store: Store) -> None:
    sign_in(client, store, "auditor")
    _events(store, 3, actor="=cmd|' /C calc'!A0")
    page = client.get("/audit")
    response = client.post("/audit/export", data={"csrf_token": csrf_of(page.text)})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows[-1]["action"] == "audit.export" and rows[-1]["actor"] == "auditor-all"
    assert all(not r["actor"].startswith("=") for r in rows)  # no spreadsheet formulas
    with store.begin() as s:
        assert audit.verify_chain(s, audit.audit_key()).ok


def test_other_roles_cannot_see_the_log(client: TestClient, store: Store) -> None:
    for role in ("employee", "supervisor", "analyst"):
        client.cookies.clear()
        sign_in(client, store, role)
        assert client.get("/audit").status_code == 403


def test_reading_the_log_is_itself_logged(client: TestClient, store: Store) -> None:
    sign_in(client, store, "auditor")
    client.get("/audit", params={"action": "login"})
    with store.begin() as s:
        last = s.scalars(select(audit.AuditEntry).order_by(audit.AuditEntry.seq.desc())).first()
        assert last is not None and last.action == "audit.view"
        assert last.actor == "auditor-all"
