"""Reply with an emailed link in one request: spend the link, open a session, save the reply —
all or nothing. This is the path a burst of millions of replies takes.

`apply_batch` applies many replies in one transaction and one commit (group commit in the
application; no reply is acknowledged before its batch commits). On PostgreSQL a batch is
one set-based statement on a pooled psycopg connection (no ORM): the replies travel as one
JSON parameter, and data-modifying CTEs spend each link only when its reply will be saved
(agency not exempt, deadline not passed), open the sessions and upsert the replies. Elsewhere the
same three steps run one reply at a time, each inside a savepoint. Both give the same
answers and are tested by the same tests.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.orm import Session

from headcount.checkins import replies, sessions
from headcount.checkins.links import Claims, LinkError, Signer, read_token
from headcount.checkins.models import ReplySource
from headcount.matching.sensitive import check
from headcount.secrets import hash_secret
from headcount.store import Store, utcnow

if TYPE_CHECKING:
    import psycopg

# One row of `input` per reply (`i` is its place in the batch), sent as one JSON parameter:
# psycopg dumps seven Python lists as arrays at several times the CPU. A link is spent only
# if the reply will be saved. Two replies spending the same link: one wins, the other is not in
# `spent`. Two links of one employee in a batch make the upsert fail, and the batch is then
# applied one reply at a time.
_BATCH = """
WITH input AS (
    SELECT * FROM json_to_recordset(%(replies)s::json) AS t(
        i int, jti text, rid bigint, session_hash text, expires timestamptz, text text,
        submission_id text)
), spent AS (
    UPDATE links SET used_at = %(now)s
    FROM input CROSS JOIN LATERAL (
        SELECT c.deadline FROM recipients r
        JOIN campaigns c ON c.id = r.campaign_id
        JOIN campaign_agencies a ON a.campaign_id = r.campaign_id AND a.agency = r.agency
        WHERE r.id = input.rid AND a.policy <> 'exempt' AND c.deadline > %(now)s
        OFFSET 0  -- stays a lookup by primary key per reply, whatever the row estimates
    ) open
    WHERE links.jti = input.jti AND links.recipient_id = input.rid AND links.used_at IS NULL
      AND links.expires_at > %(now)s
    RETURNING input.i, links.recipient_id, input.session_hash, input.expires, input.text,
              input.submission_id, open.deadline
), opened AS (
    INSERT INTO checkin_sessions (id_hash, recipient_id, created_at, expires_at)
    SELECT session_hash, recipient_id, %(now)s, expires FROM spent
), saved AS (
    INSERT INTO replies (recipient_id, text, source, submitted_at, updated_at, revision,
                         submission_id)
    SELECT recipient_id, text, 'web', %(now)s, %(now)s, 1, submission_id FROM spent
    ON CONFLICT (recipient_id) DO UPDATE SET
        text = excluded.text, source = excluded.source, updated_at = excluded.updated_at,
        revision = replies.revision + 1, submission_id = excluded.submission_id
    WHERE replies.submission_id IS NULL
       OR replies.submission_id IS DISTINCT FROM excluded.submission_id
    RETURNING recipient_id, revision, submitted_at, updated_at
)
SELECT spent.i, spent.recipient_id, spent.deadline, saved.revision, saved.submitted_at,
       saved.updated_at
FROM spent LEFT JOIN saved ON saved.recipient_id = spent.recipient_id
"""

# Why the links of replies that were not saved were refused (rare in a burst: one query
# for all of them, after the batch statement, in its transaction).
_REFUSALS = """
SELECT l.jti, l.recipient_id, l.used_at, l.expires_at, a.policy, c.deadline
FROM links l
JOIN recipients r ON r.id = l.recipient_id
JOIN campaigns c ON c.id = r.campaign_id
JOIN campaign_agencies a ON a.campaign_id = r.campaign_id AND a.agency = r.agency
WHERE l.jti = ANY(%s)
"""

# The saved reply, when a retried submission was already saved through another link.
_CURRENT = """
SELECT recipient_id, revision, submitted_at, updated_at FROM replies
WHERE recipient_id = ANY(%s)
"""


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


def apply_batch(store: Store, signer: Signer, items: list[LinkReply]) -> list[Outcome]:
    """Apply many replies in one transaction and one commit; an outcome per item. If the
    transaction as a whole fails (a deadlock between batches, two links of one employee),
    each item is retried alone."""
    now = utcnow()
    try:
        if store.backend == "postgresql":
            return _apply_postgres_batch(store, signer, items, now)
        with store.begin() as session:
            return [_apply(session, signer, item, now) for item in items]
    except Exception:
        if len(items) == 1:
            raise
        return [apply_batch(store, signer, [item])[0] for item in items]


def _apply(session: Session, signer: Signer, item: LinkReply, now: datetime) -> Outcome:
    try:
        with session.begin_nested():  # a refusal rolls back this reply only
            claims, secret = sessions.redeem_link(session, signer, item.token)
            saved = replies.submit(
                session, claims.recipient_id, item.bullets, source=ReplySource.WEB,
                submission_id=item.submission_id, now=now,
            )  # fmt: skip
        return saved, secret
    except (LinkError, replies.ReplyError) as exc:
        return exc


def _apply_postgres_batch(
    store: Store, signer: Signer, items: list[LinkReply], now: datetime
) -> list[Outcome]:
    outcomes: list[Outcome | None] = [None] * len(items)
    claimed: dict[int, tuple[Claims, str]] = {}  # item -> (its link's claims, session secret)
    for i, item in enumerate(items):
        try:
            claimed[i] = (read_token(signer, item.token, now), secrets.token_urlsafe(32))
        except LinkError as exc:
            outcomes[i] = exc
    if claimed:
        pooled = store.engine.raw_connection()  # a pooled psycopg connection, no ORM session
        connection = cast("psycopg.Connection[tuple[Any, ...]]", pooled.driver_connection)
        try:
            _run_batch(connection, items, claimed, outcomes, now)
            connection.commit()
        except BaseException:
            if connection.broken:
                pooled.invalidate()
            raise
        finally:
            pooled.close()  # back to the pool, which rolls back anything not committed
    return [o if o is not None else LinkError("invalid") for o in outcomes]


def _run_batch(
    connection: psycopg.Connection[tuple[Any, ...]],
    items: list[LinkReply],
    claimed: dict[int, tuple[Claims, str]],
    outcomes: list[Outcome | None],
    now: datetime,
) -> None:
    """The batch statement, then the few follow-up reads; fills in `outcomes`."""
    batch = [
        {
            "i": i, "jti": claims.jti, "rid": claims.recipient_id,
            "session_hash": hash_secret(secret),
            "expires": claims.expires_at.isoformat(), "text": "\n".join(items[i].bullets),
            "submission_id": items[i].submission_id,
        }
        for i, (claims, secret) in claimed.items()
    ]  # fmt: skip
    params = {"now": now, "replies": json.dumps(batch, ensure_ascii=False)}
    rows = connection.execute(_BATCH, params).fetchall()
    unsaved = [r[1] for r in rows if r[3] is None]
    current = {}
    if unsaved:  # the same submission was already saved (through another link): a retry
        current = {r[0]: r[1:] for r in connection.execute(_CURRENT, [unsaved])}
    for i, recipient_id, deadline, revision, submitted_at, updated_at in rows:
        if revision is None:
            revision, submitted_at, updated_at = current[recipient_id]
        saved = replies.Saved(
            items[i].bullets, revision, submitted_at.astimezone(UTC),
            updated_at.astimezone(UTC), deadline.astimezone(UTC),
        )  # fmt: skip
        outcomes[i] = (saved, claimed[i][1])
    refused = [i for i in claimed if outcomes[i] is None]
    if refused:
        jtis = [claimed[i][0].jti for i in refused]
        links = {r[0]: r[1:] for r in connection.execute(_REFUSALS, [jtis])}
        for i in refused:
            claims = claimed[i][0]
            outcomes[i] = _refusal(links.get(claims.jti), claims.recipient_id, now)


def _refusal(link: tuple[Any, ...] | None, recipient_id: int, now: datetime) -> Exception:
    """Why a reply's link was not spent, from the link row as this transaction sees it."""
    if link is None or link[0] != recipient_id:
        return LinkError("invalid")
    _, used_at, expires_at, policy, deadline = link
    if used_at is not None:  # by an earlier reply, by another in this batch, or concurrently
        return LinkError("used")
    if expires_at <= now:
        return LinkError("expired")
    if policy == "exempt":
        return replies.ReplyError(replies.EXEMPT_MESSAGE, "exempt")
    if deadline <= now:
        return replies.ReplyError(replies.DEADLINE_MESSAGE, "deadline_passed")
    return LinkError("used")  # spent by a concurrent batch that committed meanwhile
