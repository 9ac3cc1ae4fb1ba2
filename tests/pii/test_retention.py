"""Check-in text retention: `headcount purge` removes reply text after the campaign's
period, keeps what the response rates count, is audited, and leaves the text nowhere in the
database (on SQLite, not even in the file's free pages or write-ahead log)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select, text, update

from headcount.audit import AuditEntry
from headcount.cases.models import Case
from headcount.cases.retention import DEFAULT_DAYS, purge
from headcount.checkins.campaigns import create_campaign
from headcount.checkins.models import Campaign, Recipient, Reply, ReplySource
from headcount.checkins.replies import submit
from headcount.checkins.stats import response_rates
from headcount.migrations import upgrade
from headcount.store import Store, utcnow

HEADCOUNT = str(Path(sys.executable).with_name("headcount"))
MARKER = "Quarterly zebra reconciliation"


def _campaign(store: Store, roster: Path, campaign_id: str) -> None:
    create_campaign(store, campaign_id, roster, deadline=utcnow() + timedelta(days=1))
    with store.begin() as s:
        for r in s.scalars(select(Recipient).where(Recipient.campaign_id == campaign_id)):
            if r.agency == "VA" and r.work_email:
                bullets = [
                    f"{MARKER} {campaign_id} {r.employee_id}",
                    "Closed tickets",
                    "Wrote docs",
                ]
                submit(s, r.id, bullets, source=ReplySource.WEB)


def _rates(store: Store, campaign_id: str) -> tuple[object, ...]:
    with store.begin() as s:
        r = response_rates(s, campaign_id)
        return (r.overall, r.by_agency, r.by_org, r.over_time)


def test_purge_after_the_period_keeps_the_rates(store: Store, roster: Path) -> None:
    _campaign(store, roster, "old")
    _campaign(store, roster, "new")
    with store.begin() as s:
        deadline = s.get_one(Campaign, "old").deadline
    rates = _rates(store, "old")
    before = deadline + timedelta(days=DEFAULT_DAYS) - timedelta(seconds=1)
    assert purge(store, actor="t", now=before).replies == 0
    with store.begin() as s:  # "new" keeps its text for longer: 400 days
        s.get_one(Campaign, "new").retention_days = 400
    report = purge(store, actor="t", now=deadline + timedelta(days=DEFAULT_DAYS))
    assert [(c.campaign_id, c.replies) for c in report.campaigns] == [("old", 3)]
    assert _rates(store, "old") == rates
    with store.begin() as s:
        texts = dict(
            s.execute(
                select(Recipient.campaign_id, func.count())
                .join(Reply, Reply.recipient_id == Recipient.id)
                .where(Reply.text.like(f"%{MARKER}%"))
                .group_by(Recipient.campaign_id)
            ).all()
        )
        assert texts == {"new": 3}
        assert s.scalar(select(func.count()).where(Reply.purged_at.is_not(None))) == 3
        runs = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "checkins.purge").order_by(AuditEntry.seq)
        ).all()
        assert ['"replies":0' in runs[0].detail, '"replies":3' in runs[1].detail] == [True, True]


def test_purge_cli_dry_run_then_gone_from_the_file(tmp_path: Path, roster: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hc.db'}"
    store = Store.open(url)
    upgrade(store)
    _campaign(store, roster, "wk8")
    with store.begin() as s:  # the campaign ended long ago
        s.execute(update(Campaign).values(deadline=utcnow() - timedelta(days=2)))
    store.close()
    env = {**os.environ, "HEADCOUNT_DATABASE_URL": url}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [HEADCOUNT, *args], capture_output=True, text=True, env=env, timeout=120
        )

    assert run("retention", "wk8", "1").returncode == 0
    dry = run("purge", "--dry-run")
    assert dry.returncode == 0 and "Would remove the text of 3 replies" in dry.stdout
    assert run("retention", "nope", "1").returncode == 2
    done = run("purge")
    assert done.returncode == 0 and "Removed the text of 3 replies" in done.stdout
    store = Store.open(url)
    with store.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM replies WHERE text <> ''")).scalar() == 0
    store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("hc.db*"))
    assert MARKER.encode() not in raw


def test_purge_removes_the_reply_quoted_in_template_case_evidence(
    store: Store, roster: Path
) -> None:
    _campaign(store, roster, "old")
    _campaign(store, roster, "new")
    with store.begin() as s:
        s.get_one(Campaign, "new").retention_days = 400
        deadline = s.get_one(Campaign, "old").deadline
        for n, campaign_id in enumerate(("old", "new")):
            evidence = {"campaign_id": campaign_id, "senders": 6, "example_text": MARKER}
            s.add(
                Case(
                    finding_id=f"HC-00000000000{n}", rule="CHECKIN_TEMPLATE", severity="medium",
                    amount_at_risk=Decimal(0), summary="6 people sent the same reply",
                    evidence=json.dumps(evidence), source="results",
                )
            )  # fmt: skip
    report = purge(store, actor="t", now=deadline + timedelta(days=DEFAULT_DAYS))
    assert [(c.campaign_id, c.case_quotes) for c in report.campaigns] == [("old", 1)]
    with store.begin() as s:
        quotes = {
            json.loads(c.evidence)["campaign_id"]: json.loads(c.evidence)["example_text"]
            for c in s.scalars(select(Case))
        }
    assert quotes == {"old": "", "new": MARKER}
