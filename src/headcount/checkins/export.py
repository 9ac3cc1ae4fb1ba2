"""`campaigns.csv` and `checkins.csv` in the data contract's format, for `headcount verify`.

Written into OUT beside any other dataset files (so a dataset folder can hold roster,
payroll and the check-ins together); each file is written to a temporary name and renamed,
so a reader never sees half a file. `submitted_at` is when the reply was first sent; `text`
is its current version, one bullet per line.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from headcount import audit
from headcount.checkins.campaigns import get_campaign
from headcount.checkins.models import CampaignAgency, Recipient, Reply
from headcount.contract.tables import CAMPAIGNS, CHECKINS
from headcount.store import Store


@dataclass(frozen=True)
class Exported:
    campaigns_csv: Path
    checkins_csv: Path
    agencies: int
    checkins: int


def _ts(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def _write(path: Path, header: tuple[str, ...], rows: Iterable[tuple[object, ...]]) -> int:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    count = 0
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            for row in rows:
                writer.writerow(row)
                count += 1
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


def export_campaign(store: Store, campaign_id: str, out: Path) -> Exported:
    out.mkdir(parents=True, exist_ok=True)
    with store.begin() as session:
        campaign = get_campaign(session, campaign_id)
        agencies = session.scalars(
            select(CampaignAgency)
            .where(CampaignAgency.campaign_id == campaign_id)
            .order_by(CampaignAgency.agency)
        ).all()
        n_agencies = _write(
            out / "campaigns.csv",
            CAMPAIGNS.column_names,
            (
                (campaign_id, _ts(campaign.sent_at), _ts(campaign.deadline), a.agency, a.policy)
                for a in agencies
            ),
        )
        rows = session.execute(
            select(
                Recipient.employee_id,
                Recipient.work_email,
                Reply.submitted_at,
                Reply.text,
                Reply.source,
            )
            .join(Reply, Reply.recipient_id == Recipient.id)
            .where(Recipient.campaign_id == campaign_id)
            .order_by(Recipient.employee_id)
            .execution_options(yield_per=10_000)
        )
        n_checkins = _write(
            out / "checkins.csv",
            CHECKINS.column_names,
            (
                (campaign_id, employee_id, email or "", _ts(submitted), text, source)
                for employee_id, email, submitted, text, source in rows
            ),
        )
        audit.record(
            session, actor=audit.local_actor(), action="campaign.export",
            target_type="campaign", target_id=campaign_id, detail={"checkins": n_checkins},
        )  # fmt: skip
    return Exported(out / "campaigns.csv", out / "checkins.csv", n_agencies, n_checkins)
