"""Submitting a reply: 3-5 bullets, checked by the guard, before the deadline, idempotent.

One row per recipient (a unique key); a resubmission replaces the text and bumps
`revision`, and a retried request carrying the same `submission_id` changes nothing — done
in one INSERT … ON CONFLICT statement, so concurrent submits cannot make two rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from headcount.checkins.models import Campaign, CampaignAgency, Recipient, Reply, ReplySource
from headcount.i18n import N_, translations
from headcount.matching.sensitive import ADVICE, SensitiveHit, check
from headcount.store import utcnow

MIN_BULLETS, MAX_BULLETS, MAX_BULLET_CHARS = 3, 5, 500
EXEMPT_MESSAGE = N_(
    "Your agency has told its staff not to reply to this request; nothing was kept."
)
DEADLINE_MESSAGE = N_("The deadline for this check-in has passed.")
COUNT_MESSAGE = N_("Please write between {low} and {high} bullets (you wrote {count}).")
LENGTH_MESSAGE = N_("Each bullet can be at most {limit} characters.")


class ReplyError(Exception):
    """A reply that cannot be accepted; the message says why (never quoting the reply).
    `str()` is English; `text(lang)` the same in another language."""

    def __init__(self, message: str, code: str, **params: object) -> None:
        self.code, self.message, self.params = code, message, params
        super().__init__(message.format(**params) if params else message)

    def text(self, lang: str | None = None) -> str:
        words = translations(lang).gettext(self.message)
        return words.format(**self.params) if self.params else words


class SensitiveDataError(ReplyError):
    def __init__(self, findings: list[SensitiveHit]) -> None:
        self.findings = findings
        lines = " ".join(f.explanation for f in findings)
        super().__init__(f"{lines} {ADVICE}", "sensitive_data")

    def text(self, lang: str | None = None) -> str:
        lines = " ".join(f.explanation_in(lang) for f in self.findings)
        return f"{lines} {translations(lang).gettext(ADVICE)}"


@dataclass(frozen=True)
class Saved:
    bullets: list[str]
    revision: int
    submitted_at: datetime
    updated_at: datetime
    deadline: datetime


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean_submission_id(value: str | None) -> str | None:
    """Printable ASCII only (a NUL byte cannot even be stored in PostgreSQL), 64 at most."""
    if not value:
        return None
    kept = "".join(ch for ch in value if "!" <= ch <= "~")[:64]
    return kept or None


def clean_bullets(raw: list[str]) -> list[str]:
    """Trim, turn control characters, line breaks and blank runs into single spaces, drop
    empty bullets; enforce 3-5."""
    bullets = [" ".join(_CONTROL.sub(" ", b).split()) for b in raw]
    bullets = [b.removeprefix("- ").removeprefix("* ").strip() for b in bullets if b]
    bullets = [b for b in bullets if b]
    if not MIN_BULLETS <= len(bullets) <= MAX_BULLETS:
        raise ReplyError(
            COUNT_MESSAGE, "bullet_count", low=MIN_BULLETS, high=MAX_BULLETS, count=len(bullets)
        )
    if any(len(b) > MAX_BULLET_CHARS for b in bullets):
        raise ReplyError(LENGTH_MESSAGE, "bullet_length", limit=MAX_BULLET_CHARS)
    return bullets


def split_text(text: str) -> list[str]:
    return text.split("\n") if text else []


def submit(
    session: Session,
    recipient_id: int,
    raw_bullets: list[str],
    *,
    source: ReplySource,
    submission_id: str | None = None,
    now: datetime | None = None,
) -> Saved:
    """Check and save a reply. Raises ReplyError / SensitiveDataError, storing nothing."""
    now = now or utcnow()
    bullets = clean_bullets(raw_bullets)
    submission_id = clean_submission_id(submission_id)
    findings = check(bullets)
    if findings:
        raise SensitiveDataError(findings)
    row = session.execute(
        select(Campaign.deadline, CampaignAgency.policy)
        .select_from(Recipient)
        .join(Campaign, Campaign.id == Recipient.campaign_id)
        .join(
            CampaignAgency,
            (CampaignAgency.campaign_id == Recipient.campaign_id)
            & (CampaignAgency.agency == Recipient.agency),
        )
        .where(Recipient.id == recipient_id)
    ).one()
    deadline, policy = row
    if policy == "exempt":
        raise ReplyError(EXEMPT_MESSAGE, "exempt")
    if now >= deadline:
        raise ReplyError(DEADLINE_MESSAGE, "deadline_passed")
    text = "\n".join(bullets)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Reply).values(
        recipient_id=recipient_id,
        text=text,
        source=source.value,
        submitted_at=now,
        updated_at=now,
        revision=1,
        submission_id=submission_id,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[Reply.recipient_id],
        set_={
            "text": stmt.excluded.text,
            "source": stmt.excluded.source,
            "updated_at": stmt.excluded.updated_at,
            "revision": Reply.revision + 1,
            "submission_id": stmt.excluded.submission_id,
        },
        # A retry of the same submission is a no-op; a submission without an id always counts.
        where=(
            Reply.submission_id.is_(None)
            | Reply.submission_id.is_distinct_from(stmt.excluded.submission_id)
        ),
    )
    session.execute(stmt)
    reply = session.execute(
        select(Reply.text, Reply.revision, Reply.submitted_at, Reply.updated_at).where(
            Reply.recipient_id == recipient_id
        )
    ).one()
    return Saved(
        split_text(reply.text), reply.revision, reply.submitted_at, reply.updated_at, deadline
    )


def current(session: Session, recipient_id: int) -> Reply | None:
    return session.scalars(select(Reply).where(Reply.recipient_id == recipient_id)).first()
