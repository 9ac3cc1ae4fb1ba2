"""The store on both backends: migrations, constraints, time zones, URLs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from headcount.checkins.models import Campaign, CampaignAgency, Recipient, Reply
from headcount.migrations import alembic_config, current_revision, upgrade
from headcount.store import Base, Store, StoreError, redact
from headcount.store.db import normalise_url

TABLES = {
    "alembic_version",
    "campaigns",
    "campaign_agencies",
    "recipients",
    "deliveries",
    "links",
    "checkin_sessions",
    "replies",
    "inbound_messages",
}


def _campaign(store: Store, campaign_id: str = "c1") -> int:
    with store.begin() as s:
        s.add(
            Campaign(
                id=campaign_id,
                title="Accomplishments",
                question="What did you accomplish last week?",
                deadline=datetime(2025, 2, 24, 23, 59, tzinfo=UTC),
                roster_source="roster.csv",
                contact_email="hr@agency.example",
                agencies=[CampaignAgency(agency="VA", policy="voluntary")],
            )
        )
        recipient = Recipient(campaign_id=campaign_id, employee_id="E1", agency="VA")
        s.add(recipient)
        s.flush()
        return recipient.id


def test_upgrade_creates_every_table_and_is_idempotent(store: Store) -> None:
    assert set(inspect(store.engine).get_table_names()) >= TABLES  # later issues add more
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert current_revision(store) == head
    upgrade(store)  # a second run changes nothing
    assert current_revision(store) == head


def test_migrations_match_the_models(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_timestamps_come_back_aware_in_utc(store: Store) -> None:
    _campaign(store)
    eastern = timezone(timedelta(hours=-5))
    with store.begin() as s:
        campaign = s.get(Campaign, "c1")
        assert campaign is not None
        campaign.sent_at = datetime(2025, 2, 22, 11, 45, tzinfo=eastern)
    with store.begin() as s:
        campaign = s.get(Campaign, "c1")
        assert campaign is not None and campaign.sent_at is not None
        assert campaign.sent_at == datetime(2025, 2, 22, 16, 45, tzinfo=UTC)
        assert campaign.sent_at.utcoffset() == timedelta(0)


def test_naive_timestamps_are_refused(store: Store) -> None:
    _campaign(store)
    with pytest.raises(Exception, match="timezone-aware"), store.begin() as s:
        campaign = s.get(Campaign, "c1")
        assert campaign is not None
        campaign.sent_at = datetime(2025, 2, 22, 16, 45)


def test_one_reply_per_recipient_is_enforced_by_the_database(store: Store) -> None:
    recipient_id = _campaign(store)
    with store.begin() as s:
        s.add(Reply(recipient_id=recipient_id, text="one", source="web"))
    with pytest.raises(IntegrityError), store.begin() as s:
        s.add(Reply(recipient_id=recipient_id, text="two", source="web"))
    with store.begin() as s:
        assert s.scalar(select(func.count()).select_from(Reply)) == 1


def test_policy_and_source_are_checked(store: Store) -> None:
    recipient_id = _campaign(store)
    with pytest.raises(IntegrityError), store.begin() as s:
        s.add(CampaignAgency(campaign_id="c1", agency="GSA", policy="required"))
    with pytest.raises(IntegrityError), store.begin() as s:
        s.add(Reply(recipient_id=recipient_id, text="x", source="fax"))


def test_deleting_a_campaign_deletes_its_recipients_and_replies(store: Store) -> None:
    recipient_id = _campaign(store)
    with store.begin() as s:
        s.add(Reply(recipient_id=recipient_id, text="x", source="web"))
    with store.begin() as s:
        campaign = s.get(Campaign, "c1")
        s.delete(campaign)
    with store.begin() as s:
        assert s.scalar(select(func.count()).select_from(Recipient)) == 0
        assert s.scalar(select(func.count()).select_from(Reply)) == 0


def test_urls() -> None:
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///x.db").drivername == "sqlite"
    with pytest.raises(StoreError, match="unsupported"):
        normalise_url("mysql://u@h/db")
    with pytest.raises(StoreError, match="not a database URL"):
        normalise_url("not a url")
    assert "s3cret" not in redact("postgresql://u:s3cret@h/db")


def test_unreachable_postgres_is_a_store_error_without_the_password() -> None:
    from headcount.store.db import check_connection

    store = Store.open("postgresql://u:s3cret@127.0.0.1:1/db")
    with pytest.raises(StoreError) as caught:
        check_connection(store)
    assert "s3cret" not in str(caught.value)
    assert "127.0.0.1" in str(caught.value)
