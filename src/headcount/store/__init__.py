"""The store: one SQLAlchemy 2 data layer over SQLite (the default) or PostgreSQL.

Each domain keeps its own tables (`checkins/models.py`, `auth/models.py`, `audit/models.py`,
`cases/models.py`, `pii/models.py`) on the one `Base`; `headcount.migrations` creates and
upgrades the schema.
"""

from headcount.store.db import DEFAULT_URL, ENV_URL, Store, StoreError, database_url, redact
from headcount.store.models import Base
from headcount.store.types import utcnow

__all__ = [
    "DEFAULT_URL",
    "ENV_URL",
    "Base",
    "Store",
    "StoreError",
    "database_url",
    "redact",
    "utcnow",
]
