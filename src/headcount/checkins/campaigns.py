"""Campaigns: created from a roster with a policy per agency and a deadline.

    campaign = create_campaign(store, "2025-02-wk", Path("agency/roster.csv"),
                               deadline=..., policies={"VA": Policy.MANDATORY})

Everyone in service goes into the campaign's roster snapshot (so response rates have an
honest denominator); only recipients in agencies whose policy is not `exempt`, and who have
a work email, are ever contacted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy import ColumnElement, func, insert, select
from sqlalchemy.orm import Session

from headcount.checkins.models import Campaign, CampaignAgency, Recipient
from headcount.checkins.roster import BATCH, RosterRow, read_roster
from headcount.contract.policy import Policy
from headcount.i18n import N_
from headcount.store import Store, utcnow

DEFAULT_TITLE = N_("What did you accomplish last week?")
# The default title and question are in the catalogues, so each person reads them in their
# language; a campaign's own title or question is shown as written.
DEFAULT_QUESTION = N_(
    "What did you accomplish last week? Please list three to five short bullets about your "
    "work. Do not include anything classified or sensitive: no Social Security numbers, bank "
    "or card numbers, or classification markings."
)
CAMPAIGN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class CampaignError(Exception):
    """A campaign request that cannot be carried out as asked (bad id, policy, deadline)."""


@dataclass(frozen=True)
class CampaignSummary:
    campaign_id: str
    deadline: datetime
    agencies: dict[str, Policy]
    recipients: int  # in the roster snapshot
    contactable: int  # not exempt and with a work email

    @property
    def exempt(self) -> int:
        return self.recipients - self.contactable


def parse_deadline(text: str) -> datetime:
    """ISO 8601 timestamp, or a date meaning the end of that day in UTC; naive means UTC."""
    try:
        if len(text.strip()) == 10:
            return datetime.combine(date.fromisoformat(text.strip()), time(23, 59, 59), UTC)
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise CampaignError(f"deadline {text!r} is not a date or ISO 8601 timestamp") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def create_campaign(
    store: Store,
    campaign_id: str,
    roster: Path,
    *,
    deadline: datetime,
    policies: dict[str, Policy] | None = None,
    default_policy: Policy = Policy.VOLUNTARY,
    title: str = DEFAULT_TITLE,
    question: str = DEFAULT_QUESTION,
    contact_email: str = "",
    now: datetime | None = None,
) -> CampaignSummary:
    """Create a campaign and its roster snapshot. Raises CampaignError or DatasetError."""
    now = now or utcnow()
    policies = dict(policies or {})
    if not CAMPAIGN_ID.match(campaign_id):
        raise CampaignError(
            f"campaign id {campaign_id!r}: use 1-64 letters, digits, '.', '_' or '-'"
        )
    if deadline <= now:
        raise CampaignError("the deadline must be in the future")
    with store.begin() as session:
        if session.get(Campaign, campaign_id) is not None:
            raise CampaignError(f"campaign {campaign_id!r} already exists")
        session.add(
            Campaign(
                id=campaign_id,
                title=title,
                question=question,
                deadline=deadline,
                roster_source=roster.name,
                contact_email=contact_email,
                created_at=now,
            )
        )
        session.flush()
        agencies = _insert_recipients(
            session, campaign_id, read_roster(roster, active_on=now.date())
        )
        unknown = sorted(set(policies) - agencies)
        if unknown:
            raise CampaignError(
                f"policy given for agencies not in the roster: {', '.join(unknown)}"
            )
        chosen = {a: policies.get(a, default_policy) for a in sorted(agencies)}
        session.add_all(
            CampaignAgency(campaign_id=campaign_id, agency=a, policy=p.value)
            for a, p in chosen.items()
        )
    return summarise(store, campaign_id)


def _insert_recipients(session: Session, campaign_id: str, rows: Iterable[RosterRow]) -> set[str]:
    agencies: set[str] = set()
    batch: list[dict[str, object]] = []
    for row in rows:
        agencies.add(row.agency)
        batch.append(
            {
                "campaign_id": campaign_id,
                "employee_id": row.employee_id,
                "first_name": row.first_name,
                "last_name": row.last_name,
                "work_email": row.work_email,
                "agency": row.agency,
                "org_code": row.org_code,
                "language": row.language,
            }
        )
        if len(batch) >= BATCH:
            session.execute(insert(Recipient), batch)
            batch = []
    if batch:
        session.execute(insert(Recipient), batch)
    if not agencies:
        raise CampaignError("the roster has nobody in service to ask")
    return agencies


def not_exempt_filter(campaign_id: str) -> list[ColumnElement[bool]]:
    """WHERE terms for the campaign's recipients outside exempt agencies."""
    exempt = select(CampaignAgency.agency).where(
        CampaignAgency.campaign_id == campaign_id, CampaignAgency.policy == Policy.EXEMPT.value
    )
    return [Recipient.campaign_id == campaign_id, Recipient.agency.not_in(exempt)]


def contactable_filter(campaign_id: str) -> list[ColumnElement[bool]]:
    """WHERE terms for recipients who may be emailed: not exempt, with a work email."""
    return [*not_exempt_filter(campaign_id), Recipient.work_email.is_not(None)]


def get_campaign(session: Session, campaign_id: str) -> Campaign:
    # Ids are validated on creation; anything else (a NUL byte would even be a PostgreSQL
    # error) is simply not a campaign.
    campaign = session.get(Campaign, campaign_id) if CAMPAIGN_ID.match(campaign_id) else None
    if campaign is None:
        raise CampaignError(f"no campaign {campaign_id!r}")
    return campaign


def summarise(store: Store, campaign_id: str) -> CampaignSummary:
    with store.begin() as session:
        campaign = get_campaign(session, campaign_id)
        agencies = {a.agency: Policy(a.policy) for a in campaign.agencies}
        total = session.scalar(select(func.count()).where(Recipient.campaign_id == campaign_id))
        reachable = session.scalar(
            select(func.count()).select_from(Recipient).where(*contactable_filter(campaign_id))
        )
        return CampaignSummary(campaign_id, campaign.deadline, agencies, total or 0, reachable or 0)
