"""Response rates by agency, organisation and over time — counts only, never names.

"Asked" is everyone who could be contacted (not exempt, with a work email); replies from
anyone else cannot exist. Exempt agencies are listed with their policy and no rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from headcount.checkins.campaigns import CampaignError, contactable_filter, get_campaign
from headcount.checkins.models import CampaignAgency, Recipient, Reply


@dataclass(frozen=True)
class Rate:
    label: str
    policy: str
    asked: int
    replied: int

    @property
    def rate(self) -> float | None:
        return self.replied / self.asked if self.asked else None


@dataclass
class Rates:
    campaign_id: str
    title: str
    overall: Rate
    by_agency: list[Rate] = field(default_factory=list)
    by_org: list[Rate] = field(default_factory=list)
    over_time: list[tuple[str, int]] = field(default_factory=list)  # (UTC hour, cumulative)


def _bucket(session: Session) -> object:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", Reply.submitted_at), 'YYYY-MM-DD"T"HH24":00Z"')
    return func.substr(Reply.submitted_at, 1, 13).op("||")(":00Z")


def response_rates(session: Session, campaign_id: str, agency: str | None = None) -> Rates:
    """Rates for the whole campaign, or for one `agency` only (a CampaignError if the
    campaign did not go to it: a user scoped to an agency sees no other)."""
    campaign = get_campaign(session, campaign_id)
    only = (Recipient.agency == agency,) if agency is not None else ()
    policies: dict[str, str] = {
        name: policy
        for name, policy in session.execute(
            select(CampaignAgency.agency, CampaignAgency.policy).where(
                CampaignAgency.campaign_id == campaign_id,
                *((CampaignAgency.agency == agency,) if agency is not None else ()),
            )
        )
    }
    if not policies:
        raise CampaignError(f"there is no campaign {campaign_id!r} for agency {agency!r}")
    asked = (
        select(
            Recipient.agency,
            Recipient.org_code,
            func.count().label("asked"),
            func.count(Reply.id).label("replied"),
        )
        .select_from(Recipient)
        .outerjoin(Reply, Reply.recipient_id == Recipient.id)
        .where(*contactable_filter(campaign_id), *only)
        .group_by(Recipient.agency, Recipient.org_code)
        .order_by(Recipient.agency, Recipient.org_code)
    )
    by_org: list[Rate] = []
    agency_totals: dict[str, list[int]] = {a: [0, 0] for a in policies}
    for name, org, n_asked, n_replied in session.execute(asked):
        by_org.append(Rate(f"{name} {org}".strip(), policies[name], n_asked, n_replied))
        agency_totals[name][0] += n_asked
        agency_totals[name][1] += n_replied
    by_agency = [Rate(a, policies[a], *agency_totals[a]) for a in sorted(policies)]
    bucket = _bucket(session)
    hourly = session.execute(
        select(bucket, func.count())  # type: ignore[call-overload]
        .select_from(Reply)
        .join(Recipient, Recipient.id == Reply.recipient_id)
        .where(Recipient.campaign_id == campaign_id, *only)
        .group_by(bucket)
        .order_by(bucket)
    )
    over_time: list[tuple[str, int]] = []
    running = 0
    for hour, count in hourly:
        running += count
        over_time.append((str(hour).replace(" ", "T"), running))
    total = Rate(
        agency or "All agencies",
        "",
        sum(r.asked for r in by_agency),
        sum(r.replied for r in by_agency),
    )
    return Rates(campaign_id, campaign.title, total, by_agency, by_org, over_time)
