"""Exporting the summarised page views (`audit_views`, audit/views.py) as CSV or JSON, for
auditors: who looked at which record, on which day, how many times, first and last. The
export is itself an entry in the hash-chained log, written before the rows are read.

Who may export is decided by the callers (the route table in auth/policy.py, and the CLI's
`--as` user), both from `auth.policy.VIEWS_EXPORT`; this module only reads and writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from headcount.audit.chain import record
from headcount.audit.models import AuditView
from headcount.audit.query import AuditFilter
from headcount.contract.csvout import write_rows
from headcount.store import Store

FORMATS = ("csv", "json")
COLUMNS = (
    "day", "actor", "action", "target_type", "target_id", "views", "first_at", "last_at",
    "first_seq",
)  # fmt: skip
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


class ExportError(ValueError):
    """A format that is not csv or json."""


def view_rows(session: Session, filters: AuditFilter) -> Iterator[AuditView]:
    """The summarised views in the filter's days (and actor, action), oldest first."""
    query = select(AuditView)
    if filters.since is not None:
        query = query.where(AuditView.day >= filters.since)
    if filters.until is not None:
        query = query.where(AuditView.day <= filters.until)
    if filters.actor:
        query = query.where(AuditView.actor == filters.actor)
    if filters.action:
        query = query.where(
            (AuditView.action == filters.action)
            | AuditView.action.startswith(filters.action + ".", autoescape=True)
        )
    ordered = query.order_by(AuditView.day, AuditView.first_at, AuditView.id)
    yield from session.scalars(ordered.execution_options(yield_per=5000))


def as_record(view: AuditView) -> dict[str, Any]:
    return {
        "day": view.day.isoformat(), "actor": view.actor, "action": view.action,
        "target_type": view.target_type, "target_id": view.target_id, "views": view.views,
        "first_at": view.first_at.isoformat(), "last_at": view.last_at.isoformat(),
        "first_seq": view.seq,
    }  # fmt: skip


def write_views(rows: Iterable[AuditView], fmt: str, out: IO[str]) -> int:
    """Write the rows as CSV (the one CSV writer: formula cells escaped) or as a JSON array
    of objects with the same keys; returns the number of rows."""
    if fmt == "csv":
        records = (as_record(v) for v in rows)
        return write_rows(out, COLUMNS, ([r[c] for c in COLUMNS] for r in records))
    if fmt != "json":
        raise ExportError(f"format {fmt!r}: use csv or json")
    count = 0
    out.write("[")
    for view in rows:
        out.write(("," if count else "") + "\n  " + json.dumps(as_record(view)))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def export_views(
    store: Store, filters: AuditFilter, fmt: str, out: IO[str], *, actor: str,
    client: str | None,
) -> int:  # fmt: skip
    """Audit the export (`audit.export`, kind page_views), then write the rows to `out`."""
    if fmt not in FORMATS:
        raise ExportError(f"format {fmt!r}: use csv or json")
    with store.begin() as s:
        record(
            s, actor=actor, action="audit.export", target_type="audit_views", client=client,
            detail={**filters.as_detail(), "kind": "page_views", "format": fmt},
        )  # fmt: skip
    with store.begin() as s:
        return write_views(view_rows(s, filters), fmt, out)
