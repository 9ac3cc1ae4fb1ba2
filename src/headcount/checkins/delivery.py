"""Bounces and complaints read back in, recorded against the delivery they are about.

The delivery is found by our Message-ID in the returned original (signed: it cannot be
forged or mistaken), else by the failed address among the campaign's recipients. A hard
bounce or a complaint suppresses the person from every later message of the campaign; a
delay notice changes nothing that would send again (the relay is still trying).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from headcount.checkins.links import LinkError, Signer
from headcount.checkins.mail_kind import Classified, Notice
from headcount.checkins.models import SUPPRESSED, Delivery, DeliveryStatus, Recipient
from headcount.store import utcnow


def reference_ids(signer: Signer, reference: str) -> tuple[int, int | None] | None:
    """(recipient id, delivery id or None) from a signed Message-ID reference (a bare
    recipient id in messages sent before deliveries were named)."""
    try:
        value = signer.loads(reference)
    except LinkError:
        return None
    if isinstance(value, int):
        return value, None
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return value[0], value[1]
    return None


def record(session: Session, campaign_id: str, found: Classified, signer: Signer) -> str:
    """Apply a bounce's or complaint's notices; return the outcome to keep (<= 32 chars)."""
    if not found.notices:
        return "delivery report (ignored)"
    targets = [
        ids
        for ref in found.references
        if (ids := reference_ids(signer, ref)) is not None
        and (r := session.get(Recipient, ids[0])) is not None
        and r.campaign_id == campaign_id
    ]
    outcome = f"{found.kind.value}: unknown recipient"
    for notice in found.notices:
        target = _target(session, campaign_id, notice, targets, len(found.notices))
        if target is not None:
            _apply(session, *target, notice.status)
            outcome = f"{found.kind.value}: {notice.status.value}"
    return outcome


def _target(
    session: Session,
    campaign_id: str,
    notice: Notice,
    references: list[tuple[int, int | None]],
    notices: int,
) -> tuple[Recipient, Delivery | None] | None:
    for recipient_id, delivery_id in references:
        recipient = session.get(Recipient, recipient_id)
        assert recipient is not None
        # Forwarding may change the address a bounce reports; a lone notice is the one
        # the returned original names.
        if notices == 1 or notice.address in ("", (recipient.work_email or "").lower()):
            delivery = session.get(Delivery, delivery_id) if delivery_id is not None else None
            if delivery is None or delivery.recipient_id != recipient.id:
                delivery = _latest(session, recipient.id)
            return recipient, delivery
    if not notice.address:
        return None
    recipient = session.scalars(
        select(Recipient).where(
            Recipient.campaign_id == campaign_id, Recipient.work_email == notice.address
        )
    ).first()
    return None if recipient is None else (recipient, _latest(session, recipient.id))


def _latest(session: Session, recipient_id: int) -> Delivery | None:
    return session.scalars(
        select(Delivery).where(Delivery.recipient_id == recipient_id).order_by(Delivery.id.desc())
    ).first()


def _apply(
    session: Session, recipient: Recipient, delivery: Delivery | None, status: DeliveryStatus
) -> None:
    latest = delivery is None or delivery.id == getattr(
        _latest(session, recipient.id), "id", delivery.id
    )
    if delivery is not None and status is not DeliveryStatus.DEFERRED:
        if delivery.status not in SUPPRESSED:
            delivery.status = status.value
        delivery.bounced_at = utcnow()
    if status.value in SUPPRESSED or (latest and recipient.reach not in SUPPRESSED):
        recipient.reach = status.value
