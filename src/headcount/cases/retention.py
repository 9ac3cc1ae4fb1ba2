"""Check-in reply text is kept for a retention period, then `headcount purge` removes it.

The period runs from the campaign's deadline: `campaigns.retention_days`, or DEFAULT_DAYS
when the campaign sets none. Purging empties the reply's text and stamps `purged_at`; the
row stays, with its recipient, source and submission time, because that is all the response
rates (and their hourly curve) count — so the dashboard reads the same before and after.
A CHECKIN_TEMPLATE case quotes one of the templated replies in its evidence
(`example_text`); that copy of the campaign's text is removed at the same time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from headcount import audit
from headcount.cases.models import Case, HeldUpload
from headcount.checkins.models import Campaign, Recipient, Reply
from headcount.store import Store
from headcount.store.types import utcnow

DEFAULT_DAYS = 90
QUOTING_RULE, QUOTE = "CHECKIN_TEMPLATE", "example_text"
MAX_DAYS = 3650


class RetentionError(ValueError):
    """An unknown campaign or an impossible period."""


@dataclass(frozen=True)
class CampaignPurge:
    campaign_id: str
    purge_after: datetime
    replies: int
    case_quotes: int = 0  # CHECKIN_TEMPLATE case evidence quoting the campaign's replies


@dataclass(frozen=True)
class PurgeReport:
    dry_run: bool
    campaigns: list[CampaignPurge]
    held_files: int = 0  # expired files held for a refused contest form (cases/held.py)

    @property
    def replies(self) -> int:
        return sum(c.replies for c in self.campaigns)


def purge_after(campaign: Campaign) -> datetime:
    days = DEFAULT_DAYS if campaign.retention_days is None else campaign.retention_days
    return campaign.deadline + timedelta(days=days)


def set_retention(store: Store, campaign_id: str, days: int | None, *, actor: str) -> Campaign:
    if days is not None and not 0 <= days <= MAX_DAYS:
        raise RetentionError(f"a retention period is 0 to {MAX_DAYS} days")
    with store.begin() as s:
        campaign = s.get(Campaign, campaign_id)
        if campaign is None:
            raise RetentionError(f"no campaign {campaign_id!r}")
        campaign.retention_days = days
        audit.record(
            s, actor=actor, action="checkins.retention", target_type="campaign",
            target_id=campaign_id, detail={"days": days, "default": DEFAULT_DAYS},
        )  # fmt: skip
        return campaign


def purge(
    store: Store, *, actor: str, dry_run: bool = False, now: datetime | None = None
) -> PurgeReport:
    """Empty the text of every reply whose campaign's retention period has ended."""
    now = now or utcnow()
    found: list[CampaignPurge] = []
    sqlite = store.backend == "sqlite"
    with store.begin() as s:
        if sqlite and not dry_run:
            # Overwrite freed pages with zeros, so the text is not left in the file's free list.
            s.execute(text("PRAGMA secure_delete = ON"))
        for campaign in s.scalars(select(Campaign).order_by(Campaign.id)):
            after = purge_after(campaign)
            if now < after:
                continue
            of_campaign = (
                Reply.recipient_id.in_(
                    select(Recipient.id).where(Recipient.campaign_id == campaign.id)
                ),
                Reply.purged_at.is_(None),
            )
            count = s.scalar(select(func.count()).select_from(Reply).where(*of_campaign)) or 0
            if count and not dry_run:
                s.execute(
                    update(Reply).where(*of_campaign).values(text="", purged_at=now)
                    .execution_options(synchronize_session=False)
                )  # fmt: skip
            quotes = _purge_case_quotes(s, campaign.id, dry_run)
            found.append(CampaignPurge(campaign.id, after, count, quotes))
        expired = HeldUpload.expires_at <= now
        held = s.scalar(select(func.count()).select_from(HeldUpload).where(expired)) or 0
        if not dry_run:
            s.execute(delete(HeldUpload).where(expired))
            audit.record(
                s, actor=actor, action="checkins.purge", target_type="replies",
                detail={"campaigns": [c.campaign_id for c in found if c.replies],
                        "replies": sum(c.replies for c in found),
                        "case_quotes": sum(c.case_quotes for c in found), "held_files": held},
            )  # fmt: skip
    if sqlite and not dry_run:
        # Copy the WAL back into the database file and empty it: the old pages live there too.
        # Outside any transaction (the store's connections begin one at once), hence raw.
        raw = store.engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    return PurgeReport(dry_run, found, held)


def _purge_case_quotes(s: Session, campaign_id: str, dry_run: bool) -> int:
    """Blank the reply text quoted by CHECKIN_TEMPLATE cases of this campaign."""
    quoted = 0
    for case in s.scalars(select(Case).where(Case.rule == QUOTING_RULE)):
        evidence = json.loads(case.evidence)
        if evidence.get("campaign_id") != campaign_id or not evidence.get(QUOTE):
            continue
        quoted += 1
        if not dry_run:
            evidence[QUOTE] = ""
            case.evidence = json.dumps(evidence)
    return quoted
