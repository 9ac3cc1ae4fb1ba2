"""Reply with an emailed link in one request: spend the link, open a session, save the reply —
all or nothing. This is the path a burst of millions of replies takes.

On PostgreSQL each reply is one statement (data-modifying CTEs) that spends the link only
when the reply will be saved (agency not exempt, deadline not passed), so replies can share
a transaction: `apply_batch` runs many in one commit (group commit in the application; no
reply is acknowledged before its batch commits). Elsewhere the same three steps run one by
one, each reply inside a savepoint. Both give the same answers and are tested by the same
tests.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from headcount.checkins import replies, sessions
from headcount.checkins.guard import check
from headcount.checkins.links import Claims, LinkError, Signer, read_token
from headcount.store import Campaign, CampaignAgency, Link, Recipient, Source, Store, utcnow

_ONE_STATEMENT = text(
    """
WITH spent AS (
    UPDATE links SET used_at = :now
    FROM recipients r
    JOIN campaigns c ON c.id = r.campaign_id
    JOIN campaign_agencies a ON a.campaign_id = r.campaign_id AND a.agency = r.agency
    WHERE links.jti = :jti AND links.recipient_id = :rid AND links.used_at IS NULL
      AND links.expires_at > :now AND r.id = links.recipient_id
      AND a.policy <> 'exempt' AND c.deadline > :now
    RETURNING links.recipient_id, c.deadline
), opened AS (
    INSERT INTO checkin_sessions (id_hash, recipient_id, created_at, expires_at)
    SELECT :session_hash, recipient_id, :now, :expires FROM spent
), saved AS (
    INSERT INTO replies (recipient_id, text, source, submitted_at, updated_at, revision,
                         submission_id)
    SELECT recipient_id, :text, 'web', :now, :now, 1, :submission_id FROM spent
    ON CONFLICT (recipient_id) DO UPDATE SET
        text = excluded.text, source = excluded.source, updated_at = excluded.updated_at,
        revision = replies.revision + 1, submission_id = excluded.submission_id
    WHERE replies.submission_id IS NULL
       OR replies.submission_id IS DISTINCT FROM excluded.submission_id
    RETURNING revision, submitted_at, updated_at
)
SELECT spent.deadline, saved.revision, saved.submitted_at, saved.updated_at
FROM spent LEFT JOIN saved ON true
"""
)


# The same statement in psycopg's parameter style, for executemany in pipeline mode.
_PIPELINED = _ONE_STATEMENT.text.replace(":now", "%(now)s")
for _name in ("jti", "rid", "session_hash", "expires", "text", "submission_id"):
    _PIPELINED = _PIPELINED.replace(f":{_name}", f"%({_name})s")


@dataclass(frozen=True)
class LinkReply:
    token: str
    bullets: list[str]  # already cleaned and checked by `prepare`
    submission_id: str | None


Outcome = tuple[replies.Saved, str] | Exception


def prepare(token: str, raw_bullets: list[str], submission_id: str | None) -> LinkReply:
    """Everything that needs no database: bullet rules and the guard. Raises ReplyError."""
    bullets = replies.clean_bullets(raw_bullets)
    findings = check(bullets)
    if findings:
        raise replies.SensitiveDataError(findings)
    return LinkReply(token, bullets, replies.clean_submission_id(submission_id))


def reply_with_link(
    session: Session,
    signer: Signer,
    token: str,
    raw_bullets: list[str],
    *,
    submission_id: str | None = None,
    now: datetime | None = None,
) -> tuple[replies.Saved, str]:
    """(the saved reply, a new session secret). Raises LinkError, ReplyError or
    SensitiveDataError, having changed nothing."""
    item = prepare(token, raw_bullets, submission_id)
    outcome = _apply(session, signer, item, now or utcnow())
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def apply_batch(store: Store, signer: Signer, items: list[LinkReply]) -> list[Outcome]:
    """Apply many replies in one transaction and one commit; an outcome per item. If the
    transaction as a whole fails (a deadlock between batches), each item is retried alone."""
    now = utcnow()
    try:
        with store.begin() as session:
            if store.backend == "postgresql":
                return _apply_postgres_batch(session, signer, items, now)
            return [_apply(session, signer, item, now) for item in items]
    except Exception:
        if len(items) == 1:
            raise
        return [apply_batch(store, signer, [item])[0] for item in items]


def _apply(session: Session, signer: Signer, item: LinkReply, now: datetime) -> Outcome:
    try:
        if session.get_bind().dialect.name != "postgresql":
            with session.begin_nested():  # a refusal rolls back this reply only
                claims, secret = sessions.redeem_link(session, signer, item.token)
                saved = replies.submit(
                    session, claims.recipient_id, item.bullets, source=Source.WEB,
                    submission_id=item.submission_id, now=now,
                )  # fmt: skip
            return saved, secret
        return _apply_postgres(session, signer, item, now)
    except (LinkError, replies.ReplyError) as exc:
        return exc


def _apply_postgres(
    session: Session, signer: Signer, item: LinkReply, now: datetime
) -> tuple[replies.Saved, str]:
    claims = read_token(signer, item.token, now)
    secret = secrets.token_urlsafe(32)
    row = session.execute(
        _ONE_STATEMENT,
        {
            "now": now, "jti": claims.jti, "rid": claims.recipient_id,
            "session_hash": sessions.hash_secret(secret), "expires": claims.expires_at,
            "text": "\n".join(item.bullets), "submission_id": item.submission_id,
        },
    ).first()  # fmt: skip
    if row is None:
        raise _why_not(session, claims.jti, claims.recipient_id, now)
    deadline, revision, submitted_at, updated_at = row
    if revision is None:  # the same submission was already saved: a retried request
        current = replies.current(session, claims.recipient_id)
        assert current is not None
        revision, submitted_at, updated_at = (
            current.revision, current.submitted_at, current.updated_at,
        )  # fmt: skip
    return replies.Saved(item.bullets, revision, submitted_at, updated_at, deadline), secret


def _apply_postgres_batch(
    session: Session, signer: Signer, items: list[LinkReply], now: datetime
) -> list[Outcome]:
    """Every reply's statement sent in one pipeline (one round trip), then each answer read."""
    outcomes: list[Outcome | None] = [None] * len(items)
    pending: list[tuple[int, Claims, str]] = []
    params: list[dict[str, object]] = []
    for i, item in enumerate(items):
        try:
            claims = read_token(signer, item.token, now)
        except LinkError as exc:
            outcomes[i] = exc
            continue
        secret = secrets.token_urlsafe(32)
        pending.append((i, claims, secret))
        params.append(
            {
                "now": now, "jti": claims.jti, "rid": claims.recipient_id,
                "session_hash": sessions.hash_secret(secret), "expires": claims.expires_at,
                "text": "\n".join(item.bullets), "submission_id": item.submission_id,
            }
        )  # fmt: skip
    rows: list[Any] = []
    if params:
        raw: Any = session.connection().connection.driver_connection
        with raw.cursor() as cursor:
            cursor.executemany(_PIPELINED, params, returning=True)
            while True:
                rows.append(cursor.fetchone())
                if not cursor.nextset():
                    break
    for (i, claims, secret), row in zip(pending, rows, strict=True):
        if row is None:
            outcomes[i] = _why_not(session, claims.jti, claims.recipient_id, now)
            continue
        deadline, revision, submitted_at, updated_at = row
        if revision is None:  # the same submission was already saved: a retried request
            current = replies.current(session, claims.recipient_id)
            assert current is not None
            revision, submitted_at, updated_at = (
                current.revision, current.submitted_at, current.updated_at,
            )  # fmt: skip
        saved = replies.Saved(
            items[i].bullets, revision, submitted_at.astimezone(UTC),
            updated_at.astimezone(UTC), deadline.astimezone(UTC),
        )  # fmt: skip
        outcomes[i] = (saved, secret)
    return [o if o is not None else LinkError("invalid") for o in outcomes]


def _why_not(session: Session, jti: str, recipient_id: int, now: datetime) -> Exception:
    link = session.get(Link, jti)
    if link is None or link.recipient_id != recipient_id:
        return LinkError("invalid")
    if link.used_at is not None:
        return LinkError("used")
    if link.expires_at <= now:
        return LinkError("expired")
    policy = session.execute(
        select(CampaignAgency.policy)
        .select_from(Recipient)
        .join(Campaign, Campaign.id == Recipient.campaign_id)
        .join(
            CampaignAgency,
            (CampaignAgency.campaign_id == Recipient.campaign_id)
            & (CampaignAgency.agency == Recipient.agency),
        )
        .where(Recipient.id == recipient_id)
    ).scalar_one()
    if policy == "exempt":
        return replies.ReplyError(replies.EXEMPT_MESSAGE, "exempt")
    return replies.ReplyError(replies.DEADLINE_MESSAGE, "deadline_passed")
