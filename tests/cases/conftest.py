"""Fixtures for the case tests (see casekit.py for the agency): a migrated store on SQLite and
PostgreSQL (the check-in tests' fixtures), a PII keyring file, staff users, signed-in clients.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from casekit import PASSWORD, SECRET, USERS, XSS, World, csrf_of, set_contacts

import checkins.conftest as checkin_fixtures
from builders import Agency
from headcount.cases.access import Actor
from headcount.pii import Keyring
from headcount.store import Store

# The store fixtures of the check-in tests, on both backends.
postgres_url = checkin_fixtures.postgres_url
database_url = checkin_fixtures.database_url
store = checkin_fixtures.store


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    from headcount.pipeline.verify import verify

    root = tmp_path_factory.mktemp("cases")
    agency = Agency(root / "agency")
    # Long account numbers, so a scan for them cannot hit an unrelated run of digits.
    accounts = {
        f"{e}": f"73{n:010d}" for n, e in enumerate(["VA1", "VA2", "VA3", "VA4", "DOD1", "XSS1"], 1)
    }
    agency.employee("VA1", separation_date="2025-03-01", _account=accounts["VA1"])
    agency.employee("VA2", _account=accounts["VA2"])
    agency.employee("VA3", _account=accounts["VA3"])
    agency.employee("VA4", _account=accounts["VA4"])
    agency.employee("DOD1", agency="DOD", org_code="DOD-7", separation_date="2025-04-01",
                    _account=accounts["DOD1"])  # fmt: skip
    agency.employee("XSS1", first_name=XSS, separation_date="2025-05-01", _account=accounts["XSS1"])
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
    set_contacts(store)
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


@pytest.fixture
def mail_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, int]]:
    """(sink, port): the check-in tests' real SMTP server (aiosmtpd), for the letters."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "checkins"))
    from smtp_sink import smtp_server

    with smtp_server() as (sink, port, _):
        yield sink, port
