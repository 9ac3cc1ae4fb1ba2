"""The store fixtures of the check-in tests (SQLite and PostgreSQL) for the PII tests."""

from __future__ import annotations

import checkins.conftest as checkin_fixtures

postgres_url = checkin_fixtures.postgres_url
database_url = checkin_fixtures.database_url
store = checkin_fixtures.store
roster = checkin_fixtures.roster
