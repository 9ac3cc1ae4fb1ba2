"""A synthetic check-in campaign inserted in bulk, shared by the check-in benchmarks."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert

from headcount.checkins.models import Campaign, CampaignAgency, Recipient
from headcount.store import Store, utcnow

AGENCIES = ("VA", "GSA", "DOI", "SSA")
BATCH = 20_000


def make_campaign(
    store: Store, campaign_id: str, n: int, *, letter: str, question: str,
    contact_email: str = "", sent_at: datetime | None = None,
) -> datetime:  # fmt: skip
    """The campaign, and N recipients `<letter>00000000`… in four agencies; its deadline."""
    deadline = utcnow() + timedelta(days=1)
    with store.begin() as s:
        s.add(
            Campaign(
                id=campaign_id, title=question.split("?")[0] + "?", question=question,
                deadline=deadline, roster_source="synthetic", contact_email=contact_email,
                sent_at=sent_at,
                agencies=[CampaignAgency(agency=a, policy="voluntary") for a in AGENCIES],
            )
        )  # fmt: skip
    for start in range(0, n, BATCH):
        with store.begin() as s:
            s.execute(
                insert(Recipient),
                [
                    {
                        "campaign_id": campaign_id, "employee_id": f"{letter}{i:08d}",
                        "first_name": "Sam", "last_name": f"Tester{i}",
                        "work_email": f"{letter.lower()}{i:08d}@bench.example.gov",
                        "agency": AGENCIES[i % 4], "org_code": f"ORG{i % 40:02d}",
                    }
                    for i in range(start, min(n, start + BATCH))
                ],
            )  # fmt: skip
    return deadline
