"""Fixtures for the case tests: a small verified agency (built once), a migrated store on
SQLite and PostgreSQL (the check-in tests' fixtures), a PII keyring file, staff users and a
signed-in web client.

The agency: VA1 paid after separation; VA2 paid twice for one period; VA3 and VA4 clean (VA4
never replied to the mandatory check-in, which must never show anywhere in a case); DOD1
paid after separation in another agency (the IDOR target); XSS1, whose roster name is a
script tag, paid after separation too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from checkins.conftest import database_url, postgres_url, store  # noqa: F401 (fixtures)

from builders import Agency
from headcount.cases.access import Actor
from headcount.pii import Keyring
from headcount.store import Store

SECRET = b"case-test-secret-" + b"s" * 40
PASSWORD = "correct horse battery staple 42"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
USERS = {
    "ana": ("analyst", "VA"),
    "bob": ("analyst", "VA"),
    "dee": ("analyst", "DOD"),
    "adm": ("admin", None),
    "aud": ("auditor", None),
    "sup": ("supervisor", "VA"),
    "emp": ("employee", "VA"),
}


@dataclass(frozen=True)
class World:
    data: Path
    results: Path
    ssns: dict[str, str]  # employee_id -> roster SSN (to look for in clear text)
    accounts: dict[str, str]  # employee_id -> bank account number


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    from headcount.pipeline.verify import verify

    root = tmp_path_factory.mktemp("cases")
    agency = Agency(root / "agency")
    agency.employee("VA1", separation_date="2025-03-01")
    agency.employee("VA2")
    agency.employee("VA3")
    agency.employee("VA4")
    agency.employee("DOD1", agency="DOD", org_code="DOD-7", separation_date="2025-04-01")
    agency.employee("XSS1", first_name=XSS, separation_date="2025-05-01")
    for employee_id in ("VA1", "VA2", "VA3", "VA4", "DOD1", "XSS1"):
        agency.pay_periods(employee_id, range(0, 20))
    agency.pay("VA2", 3)
    agency.campaign("C1", "VA", policy="mandatory")
    for employee_id in ("VA1", "VA2", "VA3"):
        agency.checkin(employee_id, f"Reconciled ledgers and closed tickets for {employee_id}.")
    data = agency.write()
    results = root / "results"
    verify(data, results)
    roster = agency.rows["roster"]
    return World(
        data, results,
        {r["employee_id"]: r["ssn"] for r in roster},
        {r["employee_id"]: r["_account"] for r in roster},
    )  # fmt: skip


@pytest.fixture
def keyring(tmp_path: Path) -> Keyring:
    return Keyring.load(tmp_path / "pii.keyring")


@pytest.fixture
def imported(store: Store, world: World, keyring: Keyring) -> Store:
    from headcount.cases.importer import import_results

    import_results(store, world.results, actor="cli:test", keyring=keyring, data=world.data)
    return store


@pytest.fixture
def users(store: Store) -> dict[str, Actor]:
    from headcount.auth.roles import Role
    from headcount.auth.users import add_user

    out = {}
    with store.begin() as s:
        for name, (role, agency) in USERS.items():
            add_user(s, name, Role(role), PASSWORD, agency=agency, actor="cli:test")
            out[name] = Actor(name, Role(role), agency, "127.0.0.1")
    return out


def case_id(store: Store, rule: str, employee_id: str) -> int:
    from sqlalchemy import select

    from headcount.cases.models import Case, CasePerson, Person

    with store.begin() as s:
        return s.scalars(
            select(Case.id)
            .join(CasePerson, CasePerson.case_id == Case.id)
            .join(Person, Person.id == CasePerson.person_id)
            .where(Case.rule == rule, Person.employee_id == employee_id)
        ).one()


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


@pytest.fixture
def app(imported: Store, users: dict[str, Actor], keyring: Keyring) -> object:
    from headcount.web import create_app

    return create_app(imported, SECRET, keyring)


@pytest.fixture
def login(app: object) -> Iterator[object]:
    """login(username) -> a TestClient signed in as that user (each its own cookie jar)."""
    from fastapi.testclient import TestClient

    clients: list[TestClient] = []

    def sign_in(username: str) -> TestClient:
        client = TestClient(app, base_url="https://testserver")  # type: ignore[arg-type]
        client.__enter__()
        clients.append(client)
        page = client.get("/login")
        answer = client.post(
            "/login",
            data={"csrf_token": csrf_of(page.text), "username": username, "password": PASSWORD},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        return client

    yield sign_in
    for client in clients:
        client.__exit__(None, None, None)
