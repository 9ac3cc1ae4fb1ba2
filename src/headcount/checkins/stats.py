"""Response rates by agency, organisation and over time — counts only, never names.

"Asked" is everyone who could be contacted: not exempt, with a work email or a printed
letter. "Reached" is who the request demonstrably got to: an email the relay accepted and
that did not bounce, a printed letter, or a reply (which proves it). The response rate is
replies over people reached — a bounced address is not silence — and says so. Exempt
agencies are listed with their policy and no rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, case, exists, func, or_, select
from sqlalchemy.orm import Session

from headcount.checkins.campaigns import CampaignError, get_campaign, not_exempt_filter
from headcount.checkins.models import (
    REACHED,
    CampaignAgency,
    DeliveryStatus,
    LetterCode,
    Recipient,
    Reply,
)

NOT_REACHED = (
    DeliveryStatus.BOUNCED_HARD.value,
    DeliveryStatus.BOUNCED_SOFT.value,
    DeliveryStatus.DEFERRED.value,
)


@dataclass(frozen=True)
class Rate:
    label: str
    policy: str
    asked: int
    replied: int
    reached: int = 0  # the denominator of `rate`
    emailed: int = 0  # an email was handed to the relay (whatever became of it)
    delivered: int = 0  # ... and did not bounce
    not_reached: int = 0  # bounced, or still deferred
    lettered: int = 0  # given a printed letter with a code

    @property
    def rate(self) -> float | None:
        return self.replied / self.reached if self.reached else None

    def __add__(self, other: Rate) -> Rate:
        return Rate(
            self.label,
            self.policy,
            *(
                getattr(self, f) + getattr(other, f)
                for f in ("asked", "replied", "reached", "emailed", "delivered", "not_reached",
                          "lettered")
            ),
        )  # fmt: skip


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
    replied = Reply.id.is_not(None)
    lettered = exists().where(LetterCode.recipient_id == Recipient.id)
    delivered = Recipient.reach.in_((*REACHED, DeliveryStatus.SENDING.value))
    emailed = Recipient.reach.is_not(None) & (Recipient.reach != DeliveryStatus.QUEUED.value)
    counts = (
        select(
            Recipient.agency,
            Recipient.org_code,
            _count(Recipient.work_email.is_not(None) | lettered),
            _count(replied),
            _count(or_(delivered, lettered, replied)),
            _count(emailed),
            _count(delivered),
            _count(Recipient.reach.in_(NOT_REACHED)),
            _count(lettered),
        )
        .select_from(Recipient)
        .outerjoin(Reply, Reply.recipient_id == Recipient.id)
        .where(*not_exempt_filter(campaign_id), *only)
        .group_by(Recipient.agency, Recipient.org_code)
        .order_by(Recipient.agency, Recipient.org_code)
    )
    by_org: list[Rate] = []
    agency_totals = {a: Rate(a, p, 0, 0) for a, p in policies.items()}
    for name, org, *numbers in session.execute(counts):
        if not numbers[0]:
            continue  # nobody there could be asked (no email, no letter)
        row = Rate(f"{name} {org}".strip(), policies[name], *(int(n or 0) for n in numbers))
        by_org.append(row)
        agency_totals[name] = agency_totals[name] + row
    by_agency = [agency_totals[a] for a in sorted(policies)]
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
    total = sum(by_agency, Rate(agency or "All agencies", "", 0, 0))
    return Rates(campaign_id, campaign.title, total, by_agency, by_org, over_time)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))
