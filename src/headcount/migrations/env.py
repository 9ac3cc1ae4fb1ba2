"""Alembic environment: always run with a connection handed in by headcount.migrations.upgrade()."""

from __future__ import annotations

from alembic import context

# Every domain's tables join the one metadata when their models are imported.
import headcount.audit.models
import headcount.auth.models
import headcount.cases.debts.models
import headcount.cases.delivery.models
import headcount.cases.models
import headcount.checkins.models
import headcount.linkage.review
import headcount.pii.models  # noqa: F401
from headcount.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only upgrade() runs migrations
    raise RuntimeError("run migrations through headcount.migrations.upgrade(store)")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
