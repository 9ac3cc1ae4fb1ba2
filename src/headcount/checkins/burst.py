"""Reply with an emailed link in one request: spend the link, open a session, save the reply —
all or nothing. This is the path a burst of millions of replies takes, so on PostgreSQL it
is one statement (data-modifying CTEs) and one commit; elsewhere it is the same three steps
done one by one. Both give the same answers and are tested by the same tests.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from headcount.checkins import replies, sessions
from headcount.checkins.guard import check
from headcount.checkins.links import LinkError, Signer, read_token
from headcount.store import Link, Source, utcnow

# One round trip: spend the link (only if unused and unexpired) joined to its campaign and
# agency policy; open the session; upsert the reply unless the agency is exempt or the
# deadline has passed. If the reply is not written the caller raises, and the rollback
# un-spends the link and drops the session.
_ONE_STATEMENT = text(
    """
WITH spent AS (
    UPDATE links SET used_at = :now
    FROM recipients r
    JOIN campaigns c ON c.id = r.campaign_id
    JOIN campaign_agencies a ON a.campaign_id = r.campaign_id AND a.agency = r.agency
    WHERE links.jti = :jti AND links.recipient_id = :rid AND links.used_at IS NULL
      AND links.expires_at > :now AND r.id = links.recipient_id
    RETURNING links.recipient_id, c.deadline, a.policy
), opened AS (
    INSERT INTO checkin_sessions (id_hash, recipient_id, created_at, expires_at)
    SELECT :session_hash, recipient_id, :now, :expires FROM spent
), saved AS (
    INSERT INTO replies (recipient_id, text, source, submitted_at, updated_at, revision,
                         submission_id)
    SELECT recipient_id, :text, 'web', :now, :now, 1, :submission_id FROM spent
    WHERE policy <> 'exempt' AND deadline > :now
    ON CONFLICT (recipient_id) DO UPDATE SET
        text = excluded.text, source = excluded.source, updated_at = excluded.updated_at,
        revision = replies.revision + 1, submission_id = excluded.submission_id
    WHERE replies.submission_id IS NULL
       OR replies.submission_id IS DISTINCT FROM excluded.submission_id
    RETURNING revision, submitted_at, updated_at
)
SELECT spent.deadline, spent.policy, saved.revision, saved.submitted_at, saved.updated_at
FROM spent LEFT JOIN saved ON true
"""
)


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
    SensitiveDataError; on any of them the caller's transaction must roll back."""
    now = now or utcnow()
    bullets = replies.clean_bullets(raw_bullets)
    findings = check(bullets)
    if findings:
        raise replies.SensitiveDataError(findings)
    if session.get_bind().dialect.name != "postgresql":
        claims, secret = sessions.redeem_link(session, signer, token)
        saved = replies.submit(
            session, claims.recipient_id, bullets, source=Source.WEB,
            submission_id=submission_id, now=now,
        )  # fmt: skip
        return saved, secret
    claims = read_token(signer, token, now)
    secret = secrets.token_urlsafe(32)
    row = session.execute(
        _ONE_STATEMENT,
        {
            "now": now, "jti": claims.jti, "rid": claims.recipient_id,
            "session_hash": sessions.hash_secret(secret), "expires": claims.expires_at,
            "text": "\n".join(bullets), "submission_id": submission_id,
        },
    ).first()  # fmt: skip
    if row is None:
        raise LinkError("used" if session.get(Link, claims.jti) is not None else "invalid")
    deadline, policy, revision, submitted_at, updated_at = row
    if revision is None:
        if policy == "exempt":
            raise replies.ReplyError(replies.EXEMPT_MESSAGE, "exempt")
        if now >= deadline:
            raise replies.ReplyError(replies.DEADLINE_MESSAGE, "deadline_passed")
        # The same submission was already saved (a retried request with a new link).
        current = replies.current(session, claims.recipient_id)
        assert current is not None
        revision, submitted_at, updated_at = (
            current.revision, current.submitted_at, current.updated_at,
        )  # fmt: skip
    saved = replies.Saved(bullets, revision, submitted_at, updated_at, deadline)
    return saved, secret
