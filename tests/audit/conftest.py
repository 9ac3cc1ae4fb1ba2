"""The auth tests' fixtures (a store on SQLite and PostgreSQL, a campaign, a TestClient)."""

from __future__ import annotations

from auth.conftest import SECRET, client, database_url, links, postgres_url, roster, store

__all__ = ["SECRET", "client", "database_url", "links", "postgres_url", "roster", "store"]
