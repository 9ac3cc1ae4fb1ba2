"""Fixtures: the check-in tests' migrated store on SQLite and PostgreSQL, its small agency
and campaign, and a TestClient of the real app over it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import checkins.conftest as checkin_fixtures
from headcount.store import Store
from headcount.web import create_app

# The check-in tests' helper modules (live_server, smtp_sink) import each other by bare name.
sys.path.append(str(Path(__file__).resolve().parents[1] / "checkins"))

postgres_url = checkin_fixtures.postgres_url
database_url = checkin_fixtures.database_url
store = checkin_fixtures.store
roster = checkin_fixtures.roster
links = checkin_fixtures.links
SECRET = checkin_fixtures.SECRET


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store, SECRET), base_url="https://testserver") as c:
        yield c
