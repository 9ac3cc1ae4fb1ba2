"""Opening the store: one URL names SQLite or PostgreSQL; migrations run through Alembic.

    store = Store.open("sqlite:///headcount.db")      # or postgresql://user@host/db
    headcount.migrations.upgrade(store)                # create/upgrade the schema
    with store.begin() as s: ...                       # one transaction

The URL comes from `--database`, else `HEADCOUNT_DATABASE_URL`, else `sqlite:///headcount.db`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

ENV_URL = "HEADCOUNT_DATABASE_URL"
DEFAULT_URL = "sqlite:///headcount.db"


class StoreError(Exception):
    """The database URL is unusable or the database cannot be reached; says which, never the
    password."""


def database_url(explicit: str | None = None) -> str:
    return explicit or os.environ.get(ENV_URL) or DEFAULT_URL


def normalise_url(url: str) -> URL:
    """`postgresql://` means psycopg 3 here; SQLite and explicit drivers pass through."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {redact(url)}") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(f"unsupported database {parsed.drivername!r}: use sqlite or postgresql")
    return parsed


def redact(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the writer; busy_timeout waits for the lock instead of
    # failing; the sqlite3 module's own transaction handling is off so that "begin" below
    # can take the write lock up front (no deadlocked read-then-write upgrades).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        "busy_timeout=30000",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed, connect_args={"check_same_thread": False, "timeout": 30}, poolclass=NullPool
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(parsed, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)


class Store:
    """A database engine with a session factory; the one way code reaches the store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str | None = None, *, pool_size: int = 10) -> Store:
        return cls(make_engine(database_url(url), pool_size=pool_size))

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """One transaction: committed on normal exit, rolled back on an exception."""
        with self._sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()


def check_connection(store: Store) -> None:
    """Connect once, turning a driver error into a StoreError naming the (redacted) URL."""
    from sqlalchemy.exc import OperationalError

    try:
        with store.engine.connect():
            pass
    except OperationalError as exc:
        url = store.engine.url.render_as_string(hide_password=True)
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise StoreError(f"cannot open the database {url}: {reason}") from exc
