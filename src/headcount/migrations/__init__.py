"""The store's schema, one Alembic revision at a time, for every domain's tables.

It stands above the domains (check-ins, users and the audit log, cases, PII) because its
environment imports all of their models into one metadata; the store below knows none of
them. `upgrade(store)` is the one way a schema is created or brought up to date.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from headcount.store import Store

SCRIPTS = Path(__file__).parent


def alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    return config


def upgrade(store: Store, revision: str = "head") -> None:
    """Bring the schema to `revision` (idempotent; safe on an empty database)."""
    from alembic import command

    with store.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(store: Store) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with store.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
