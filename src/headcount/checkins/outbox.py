"""The queue a send run works through: the deliveries it creates and finds due, what an
earlier run left `sending`, and each chunk's messages read with their links issued.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import exists, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from headcount.checkins.campaigns import contactable_filter
from headcount.checkins.journal import Journal
from headcount.checkins.ledger import Ledger
from headcount.checkins.links import Signer, issue_links
from headcount.checkins.models import (
    SUPPRESSED,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Recipient,
    Reply,
)
from headcount.store import utcnow

MAX_ATTEMPTS = 5
# Messages marked `sending` by one commit, sent one after another on one connection. A run
# killed midway leaves up to 2 x BATCH deliveries a connection `sending`; the journal
# (checkins/journal.py) tells the next run which were never begun, and those are sent then.
# At 20, one commit per 20 messages: a few per cent of the CPU.
BATCH = 20


def not_suppressed() -> Any:
    return or_(Recipient.reach.is_(None), Recipient.reach.not_in(SUPPRESSED))


def prepare(
    session: Session, campaign_id: str, kind: DeliveryKind, new_round: bool = True
) -> list[int]:
    """Create the deliveries this run should attempt (none for a reminder round being
    finished); return the ids of those due. The new deliveries are written by one INSERT …
    SELECT: 2.4 million rows never pass through Python (nor as parameters of one IN)."""
    retryable = (DeliveryStatus.QUEUED.value, DeliveryStatus.DEFERRED.value)
    base = select(Recipient.id).where(*contactable_filter(campaign_id), not_suppressed())
    replied = exists().where(Reply.recipient_id == Recipient.id)
    if new_round:
        if kind is DeliveryKind.INVITATION:
            targets = base.where(
                ~exists().where(Delivery.recipient_id == Recipient.id, Delivery.kind == kind.value)
            )
        else:
            invited = exists().where(
                Delivery.recipient_id == Recipient.id,
                Delivery.kind == DeliveryKind.INVITATION.value,
                Delivery.status.in_((DeliveryStatus.SENT.value, DeliveryStatus.SENDING.value)),
            )
            unfinished = select(Delivery.recipient_id).where(
                Delivery.kind == kind.value, Delivery.status.in_(retryable)
            )
            targets = base.where(invited, ~replied, Recipient.id.not_in(unfinished))
        created = Delivery.__table__.c.created_at
        session.execute(
            insert(Delivery).from_select(
                ["recipient_id", "kind", "status", "attempts", "created_at"],
                targets.add_columns(
                    literal(kind.value), literal(DeliveryStatus.QUEUED.value), literal(0),
                    literal(utcnow(), created.type),
                ),
            )
        )  # fmt: skip
        session.execute(
            update(Recipient)
            .where(
                Recipient.campaign_id == campaign_id,
                Recipient.reach.is_(None),
                Recipient.id.in_(
                    select(Delivery.recipient_id).where(
                        Delivery.kind == kind.value,
                        Delivery.status == DeliveryStatus.QUEUED.value,
                    )
                ),
            )
            .values(reach=DeliveryStatus.QUEUED.value)
            .execution_options(synchronize_session=False)
        )
    due = (
        select(Delivery.id)
        .join(Recipient)
        .where(
            *contactable_filter(campaign_id),
            not_suppressed(),
            Delivery.kind == kind.value,
            Delivery.status.in_(retryable),
            Delivery.attempts < MAX_ATTEMPTS,
        )
    )
    if kind is DeliveryKind.REMINDER:
        due = due.where(~replied)
    return list(session.scalars(due.order_by(Delivery.id)))


class Item(NamedTuple):
    """One message to send, read with its link issued before any is sent."""

    delivery_id: int
    attempts: int  # before this run
    status: str  # before this run: queued or deferred
    recipient_id: int
    first_name: str
    to: str
    agency: str
    language: str | None
    token: str


def still_sending(session: Session, campaign_id: str, kind: DeliveryKind) -> list[tuple[int, int]]:
    """(delivery id, attempts) of each delivery of this kind left `sending`."""
    rows = session.execute(
        select(Delivery.id, Delivery.attempts)
        .join(Recipient)
        .where(
            Recipient.campaign_id == campaign_id,
            Delivery.kind == kind.value,
            Delivery.status == DeliveryStatus.SENDING.value,
        )
    )
    return [(d, a) for d, a in rows]


def requeue_untried(
    session: Session, journal: Journal, campaign_id: str, kind: DeliveryKind
) -> int:
    """Deliveries an earlier run marked `sending` but, by its journal, never began: back to
    `queued` (or `deferred` after earlier attempts) so this run sends them. The journal is
    then cut to the deliveries left in doubt. Returns how many were requeued."""
    untried = journal.untried()
    left = still_sending(session, campaign_id, kind)
    again = [(d, a) for d, a in left if (d, a) in untried]
    for status, ids in (
        (DeliveryStatus.QUEUED, [d for d, a in again if a == 0]),
        (DeliveryStatus.DEFERRED, [d for d, a in again if a > 0]),
    ):
        for start in range(0, len(ids), 10_000):  # bounded IN lists
            session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids[start : start + 10_000]))
                .values(status=status.value)
                .execution_options(synchronize_session=False)
            )
    journal.keep_only([(d, a) for d, a in left if (d, a) not in untried])
    return len(again)


def left_alone(session: Session, campaign_id: str, kind: DeliveryKind) -> tuple[int, int]:
    """(deliveries a stopped run left `sending`, recipients suppressed by a bounce). Their
    recipients' reach becomes `sending` too (it is written with a message's outcome, which
    a killed run never got to write)."""
    left = select(Delivery.recipient_id).where(Delivery.status == DeliveryStatus.SENDING.value)
    session.execute(
        update(Recipient)
        .where(
            Recipient.campaign_id == campaign_id,
            Recipient.reach == DeliveryStatus.QUEUED.value,
            Recipient.id.in_(left),
        )
        .values(reach=DeliveryStatus.SENDING.value)
        .execution_options(synchronize_session=False)
    )
    in_flight = session.scalar(
        select(func.count())
        .select_from(Delivery)
        .join(Recipient)
        .where(
            Recipient.campaign_id == campaign_id,
            Delivery.kind == kind.value,
            Delivery.status == DeliveryStatus.SENDING.value,
        )
    )
    suppressed = session.scalar(
        select(func.count())
        .select_from(Recipient)
        .where(Recipient.campaign_id == campaign_id, Recipient.reach.in_(SUPPRESSED))
    )
    return in_flight or 0, suppressed or 0


def read_chunk(ledger: Ledger, signer: Signer, ids: list[int], deadline: datetime) -> list[Item]:
    """The chunk's messages, each with a fresh link token, the links committed."""
    with ledger.transaction() as connection:
        rows = connection.execute(
            select(
                Delivery.id, Delivery.attempts, Delivery.status, Recipient.id,
                Recipient.first_name, Recipient.work_email, Recipient.agency,
                Recipient.language,
            )
            .join(Recipient, Recipient.id == Delivery.recipient_id)
            .where(Delivery.id.in_(ids))
            .order_by(Delivery.id)
        ).all()  # fmt: skip
        tokens = issue_links(connection, signer, [row[3] for row in rows], deadline)
    return [
        Item(d, attempts, status, rid, first or "", to or "", agency, language, token)
        for (d, attempts, status, rid, first, to, agency, language), token in zip(
            rows, tokens, strict=True
        )
    ]


def batches(items: list[Item], connections: int) -> list[list[Item]]:
    """At most BATCH messages each, and enough batches for every connection to have one."""
    size = max(1, min(BATCH, -(-len(items) // connections)))
    return [items[i : i + size] for i in range(0, len(items), size)]
