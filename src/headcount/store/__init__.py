"""The store: campaigns and check-ins (issue 5), later users, cases and the audit log (issue 6),
in SQLite by default or PostgreSQL, behind SQLAlchemy 2 with Alembic migrations."""

from headcount.store.db import DEFAULT_URL, ENV_URL, Store, StoreError, database_url, redact
from headcount.store.models import (
    Base,
    Campaign,
    CampaignAgency,
    CheckinSession,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    InboundMessage,
    Link,
    Policy,
    Recipient,
    Reply,
    Source,
)
from headcount.store.types import utcnow

__all__ = [
    "DEFAULT_URL",
    "ENV_URL",
    "Base",
    "Campaign",
    "CampaignAgency",
    "CheckinSession",
    "Delivery",
    "DeliveryKind",
    "DeliveryStatus",
    "InboundMessage",
    "Link",
    "Policy",
    "Recipient",
    "Reply",
    "Source",
    "Store",
    "StoreError",
    "database_url",
    "redact",
    "utcnow",
]
