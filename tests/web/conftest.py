"""The web tests' fixtures: the auth tests' store (SQLite and PostgreSQL) and TestClient."""

from __future__ import annotations

from auth.conftest import SECRET, client, database_url, postgres_url, store

__all__ = ["SECRET", "client", "database_url", "postgres_url", "store"]
