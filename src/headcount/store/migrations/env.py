"""Alembic environment: always run with a connection handed in by Store.upgrade()."""

from __future__ import annotations

from alembic import context

# Tables defined outside headcount.store join the same metadata when imported.
import headcount.audit.models
import headcount.auth.models
import headcount.cases.models
import headcount.pii.models  # noqa: F401
from headcount.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only Store.upgrade() runs migrations
    raise RuntimeError("run migrations through headcount.store.Store.upgrade()")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
