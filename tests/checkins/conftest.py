"""Fixtures for the check-in tests: a migrated store on SQLite and on PostgreSQL.

PostgreSQL is the real server at 127.0.0.1:5432 (user postgres, trust auth; override with
HEADCOUNT_TEST_POSTGRES). Each test gets its own throw-away database `headcount_test_<hex>`,
dropped afterwards. Without a server the PostgreSQL half is skipped, except under CI=true,
where a missing server is a broken set-up (.ci/run starts it).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from headcount.migrations import upgrade
from headcount.store import Store

PG_ADMIN = os.environ.get(
    "HEADCOUNT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ("sqlite", "postgresql")


def _pg_admin() -> object:
    import psycopg

    try:
        return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable ({exc}); .ci/run should start it")
        pytest.skip(f"PostgreSQL is not reachable: {exc}")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    from sqlalchemy import make_url

    name = f"headcount_test_{secrets.token_hex(6)}"
    admin = _pg_admin()
    admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[attr-defined]
    try:
        yield make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[attr-defined]
        admin.close()  # type: ignore[attr-defined]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL on each backend in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'headcount.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A migrated store on each backend in turn."""
    opened = Store.open(database_url)
    upgrade(opened)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """A migrated SQLite store of its own (for a live server in a browser test)."""
    store = Store.open(f"sqlite:///{tmp_path / 'hc.db'}")
    upgrade(store)
    yield store
    store.close()


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    """A small agency folder: VA (3 in service, 1 separated), GSA (2, one without an email),
    DOD (2). Policies are the tests' to choose."""
    from builders import Agency

    agency = Agency(tmp_path / "agency")
    for n in (1, 2, 3):
        agency.employee(f"VA{n}", agency="VA", org_code="VA-01" if n < 3 else "VA-02")
    agency.employee("VA9", agency="VA", separation_date="2020-01-31")
    agency.employee("GSA1", agency="GSA", org_code="GSA-10")
    agency.employee("GSA2", agency="GSA", org_code="GSA-10", work_email="")
    agency.employee("DOD1", agency="DOD", org_code="DOD-7")
    agency.employee("DOD2", agency="DOD", org_code="DOD-7")
    return agency.write()


@pytest.fixture
def signer() -> object:
    from headcount.checkins.links import Signer

    return Signer(SECRET)


SECRET = b"test-secret-" + b"k" * 40


@pytest.fixture
def links(store: Store, roster: Path) -> dict[str, str]:
    """Campaign wk8 (VA mandatory, DOD exempt, GSA voluntary; deadline in 2 days) with one
    fresh link per contactable employee, each invitation recorded as sent and delivered (as
    `campaign send` leaves them): employee_id -> token."""
    from datetime import timedelta

    from sqlalchemy import select

    from headcount.checkins.campaigns import contactable_filter, create_campaign
    from headcount.checkins.links import Signer, issue_link
    from headcount.checkins.models import Delivery, Recipient
    from headcount.contract.policy import Policy
    from headcount.store import utcnow

    deadline = utcnow() + timedelta(days=2)
    create_campaign(
        store, "wk8", roster, deadline=deadline,
        policies={"VA": Policy.MANDATORY, "DOD": Policy.EXEMPT},
    )  # fmt: skip
    signer = Signer(SECRET)
    with store.begin() as s:
        people = s.scalars(select(Recipient).where(*contactable_filter("wk8"))).all()
        for r in people:
            r.reach = "sent"
            s.add(Delivery(recipient_id=r.id, kind="invitation", status="sent", attempts=1))
        return {r.employee_id: issue_link(s, signer, r.id, deadline) for r in people}


@pytest.fixture
def client(store: Store) -> Iterator[object]:
    from fastapi.testclient import TestClient

    from headcount.web import create_app

    with TestClient(create_app(store, SECRET), base_url="https://testserver") as c:
        yield c
