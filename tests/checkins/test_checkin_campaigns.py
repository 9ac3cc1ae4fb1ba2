"""Campaigns from a roster: policies per agency, who is in the snapshot, who may be contacted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from headcount.checkins.campaigns import (
    CampaignError,
    CampaignSummary,
    contactable_filter,
    create_campaign,
    parse_deadline,
)
from headcount.checkins.models import CampaignAgency, Policy, Recipient
from headcount.checkins.policy import NO_CONSEQUENCE, parse_policies, policy_statement
from headcount.ingest import DatasetError
from headcount.store import Store, utcnow

POLICIES = {"VA": Policy.MANDATORY, "DOD": Policy.EXEMPT}


def _create(store: Store, roster: Path) -> CampaignSummary:
    deadline = utcnow() + timedelta(days=3)
    return create_campaign(store, "wk8", roster, deadline=deadline, policies=POLICIES)


def test_snapshot_holds_everyone_in_service_with_their_agencys_policy(
    store: Store, roster: Path
) -> None:
    summary = _create(store, roster)
    assert summary.recipients == 7  # VA9 has left
    assert summary.agencies == {
        "DOD": Policy.EXEMPT,
        "GSA": Policy.VOLUNTARY,  # the default: nobody is told a reply is required by accident
        "VA": Policy.MANDATORY,
    }
    with store.begin() as s:
        ids = set(s.scalars(select(Recipient.employee_id)))
        assert ids == {"VA1", "VA2", "VA3", "GSA1", "GSA2", "DOD1", "DOD2"}
        rows = {a.agency: a.policy for a in s.scalars(select(CampaignAgency))}
        assert rows == {"DOD": "exempt", "GSA": "voluntary", "VA": "mandatory"}


def test_exempt_agencies_and_missing_emails_are_never_contactable(
    store: Store, roster: Path
) -> None:
    summary = _create(store, roster)
    assert summary.contactable == 4  # VA1-3, GSA1
    with store.begin() as s:
        reachable = set(s.scalars(select(Recipient.employee_id).where(*contactable_filter("wk8"))))
    assert reachable == {"VA1", "VA2", "VA3", "GSA1"}


def test_bad_requests_are_refused_and_leave_nothing_behind(store: Store, roster: Path) -> None:
    deadline = utcnow() + timedelta(days=1)
    with pytest.raises(CampaignError, match="not in the roster: NASA"):
        create_campaign(store, "x", roster, deadline=deadline, policies={"NASA": Policy.EXEMPT})
    with pytest.raises(CampaignError, match="future"):
        create_campaign(store, "x", roster, deadline=utcnow() - timedelta(days=1))
    with pytest.raises(CampaignError, match="campaign id"):
        create_campaign(store, "no spaces", roster, deadline=deadline)
    with pytest.raises(DatasetError, match="no such file"):
        create_campaign(store, "x", roster / "nope.csv", deadline=deadline)
    with store.begin() as s:
        assert s.scalars(select(Recipient)).first() is None
    _create(store, roster)
    with pytest.raises(CampaignError, match="already exists"):
        _create(store, roster)


def test_a_roster_file_is_read_with_ingests_checks(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "roster.csv"
    bad.write_text("employee_id,agency\nE1,VA\nE1,VA\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"roster\.csv"):
        create_campaign(store, "x", bad, deadline=utcnow() + timedelta(days=1))


def test_every_policy_statement_says_silence_has_no_consequence() -> None:
    for policy in Policy:
        text = policy_statement(policy, "VA")
        assert "VA" in text and text.endswith(NO_CONSEQUENCE)
    assert "voluntary" in policy_statement(Policy.VOLUNTARY, "VA")
    assert "asked all of its staff" in policy_statement(Policy.MANDATORY, "VA")


def test_policy_and_deadline_parsing() -> None:
    assert parse_policies(["VA=Mandatory", " DOD = exempt "]) == {
        "VA": Policy.MANDATORY,
        "DOD": Policy.EXEMPT,
    }
    with pytest.raises(ValueError, match="one of"):
        parse_policies(["VA=required"])
    with pytest.raises(ValueError, match="AGENCY=POLICY"):
        parse_policies(["VA"])
    assert parse_deadline("2025-02-24") == datetime(2025, 2, 24, 23, 59, 59, tzinfo=UTC)
    assert parse_deadline("2025-02-24T17:00:00-05:00") == datetime(2025, 2, 24, 22, tzinfo=UTC)
    with pytest.raises(CampaignError):
        parse_deadline("next monday")
