"""Page views, summarised (audit/views.py): the first view of a record by a user on a day is
a chain entry; later ones that day only count; another day, user or record is new again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from headcount import audit
from headcount.audit.models import AuditView
from headcount.audit.views import record_view, views_between
from headcount.store import Store

MORNING = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _view(store: Store, actor: str, case: int, at: datetime) -> None:
    with store.begin() as s:
        record_view(s, actor=actor, action="case.view", target_type="case", target_id=case, now=at)


def test_repeated_views_are_counted_not_chained(store: Store) -> None:
    for minutes in range(5):
        _view(store, "ana", 7, MORNING + timedelta(minutes=minutes))
    _view(store, "bob", 7, MORNING)
    _view(store, "ana", 8, MORNING)
    _view(store, "ana", 7, MORNING + timedelta(days=1))
    with store.begin() as s:
        chained = s.scalars(
            select(audit.AuditEntry.actor + ":" + audit.AuditEntry.target_id)
            .where(audit.AuditEntry.action == "case.view")
            .order_by(audit.AuditEntry.seq)
        ).all()
        assert chained == ["ana:7", "bob:7", "ana:8", "ana:7"]
        first = s.scalars(
            select(AuditView).where(AuditView.actor == "ana", AuditView.target_id == "7")
        ).first()
        assert first is not None and first.views == 5
        assert first.last_at == MORNING + timedelta(minutes=4)
        assert s.scalar(select(func.sum(AuditView.views))) == 8
        shown = views_between(s, MORNING.date(), MORNING.date(), "ana")
        assert [(v.target_id, v.views) for v in shown] == [("7", 5), ("8", 1)]
        assert audit.verify_chain(s, audit.audit_key()).ok
