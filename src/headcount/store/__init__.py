"""The store: one SQLAlchemy 2 data layer over SQLite (the default) or PostgreSQL.

Each domain keeps its own tables (`checkins/models.py`, `auth/models.py`, `audit/models.py`,
`cases/models.py`, `pii/models.py`) on the one `Base`; `headcount.migrations` creates and
upgrades the schema. SQLAlchemy comes with the `web` extra, so the names that need it are
imported on first use: the CLI can name the store's settings without it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

ENV_URL = "HEADCOUNT_DATABASE_URL"
DEFAULT_URL = "sqlite:///headcount.db"

if TYPE_CHECKING:
    from headcount.store.db import Store, StoreError, database_url, redact
    from headcount.store.models import Base
    from headcount.store.types import utcnow

_LAZY = {
    "Store": "headcount.store.db",
    "StoreError": "headcount.store.db",
    "database_url": "headcount.store.db",
    "redact": "headcount.store.db",
    "Base": "headcount.store.models",
    "utcnow": "headcount.store.types",
}

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


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'headcount.store' has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name]), name)
    globals()[name] = value
    return value
