"""Page views, summarised: the first time a user views a record on a day is an entry in the
hash-chained log (so every person whose record was looked at, by whom and when, is there);
later views that day only add to a counter in `audit_views`. The chain keeps its meaning
— changes and first looks — instead of being mostly page loads.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from headcount.audit.chain import record
from headcount.audit.models import AuditView
from headcount.store.types import utcnow


def record_view(
    session: Session, *, actor: str, action: str, target_type: str | None = None,
    target_id: str | int | None = None, client: str | None = None, now: datetime | None = None,
) -> None:  # fmt: skip
    """Count a view; the first of the day for this user and record also goes in the chain."""
    now = now or utcnow()
    key = {
        "actor": actor, "action": action, "target_type": target_type or "",
        "target_id": "" if target_id is None else str(target_id), "day": now.date(),
    }  # fmt: skip
    if _count(session, key, now):
        return
    try:
        with session.begin_nested():
            entry = record(
                session, actor=actor, action=action, target_type=target_type,
                target_id=target_id, client=client,
                detail={"views": "first of the day; later ones are counted in audit_views"},
            )  # fmt: skip
            session.add(AuditView(**key, views=1, first_at=now, last_at=now, seq=entry.seq))
    except IntegrityError:  # another request counted the first view at the same moment
        _count(session, key, now)


def _count(session: Session, key: dict[str, object], now: datetime) -> bool:
    where = [getattr(AuditView, name) == value for name, value in key.items()]
    done = session.execute(
        update(AuditView).where(*where).values(views=AuditView.views + 1, last_at=now)
    )
    return bool(getattr(done, "rowcount", 0))


def views_between(
    session: Session, since: date | None, until: date | None, actor: str | None, limit: int = 50
) -> list[AuditView]:
    """The summarised views of a date range (newest days first) for the audit page."""
    query = select(AuditView).order_by(AuditView.day.desc(), AuditView.last_at.desc())
    if since is not None:
        query = query.where(AuditView.day >= since)
    if until is not None:
        query = query.where(AuditView.day <= until)
    if actor:
        query = query.where(AuditView.actor == actor)
    return list(session.scalars(query.limit(limit)))
