"""Reading the audit log: filter by actor, action and date range, page through it, write it
as CSV. Filters are bound parameters, never spliced into SQL."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import IO

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from headcount.audit.chain import Detail
from headcount.audit.models import AuditEntry

PAGE_SIZE = 50
COLUMNS = (
    "seq", "at", "actor", "action", "target_type", "target_id", "client", "detail",
    "prev_hash", "hash",
)  # fmt: skip


DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class FilterError(ValueError):
    """A date that is not YYYY-MM-DD, or a range that ends before it starts."""


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    since: date | None = None  # first day included (UTC)
    until: date | None = None  # last day included (UTC)

    @classmethod
    def parse(
        cls, actor: str | None, action: str | None, since: str | None, until: str | None
    ) -> AuditFilter:
        made = cls(
            _text(actor, "actor", 128),
            _text(action, "action", 64),
            _day(since, "since"),
            _day(until, "until"),
        )
        if made.since and made.until and made.until < made.since:
            raise FilterError("'until' is before 'since'")
        return made

    def where(self) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = []
        if self.actor:
            clauses.append(AuditEntry.actor == self.actor)
        if self.action:
            # "login" matches login.success, login.failure, …; an exact name matches itself.
            clauses.append(
                (AuditEntry.action == self.action)
                | AuditEntry.action.startswith(self.action + ".", autoescape=True)
            )
        if self.since:
            clauses.append(AuditEntry.at >= datetime.combine(self.since, time(), UTC))
        # The last representable day has no next day to stop before: it bounds nothing.
        if self.until and self.until < date.max:
            end = datetime.combine(self.until + timedelta(days=1), time(), UTC)
            clauses.append(AuditEntry.at < end)
        return clauses

    def as_detail(self) -> Detail:
        return {
            "actor": self.actor,
            "action": self.action,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


def _text(value: str | None, name: str, limit: int) -> str | None:
    value = (value or "").strip()
    # Lone surrogates: bytes a shell passed that are not UTF-8; no database would take them.
    if any(ord(c) < 32 or ord(c) == 127 or 0xD800 <= ord(c) < 0xE000 for c in value):
        raise FilterError(f"'{name}' must be UTF-8 text without control characters")
    return value[:limit] or None


def _day(value: str | None, name: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    # Only the documented form: fromisoformat alone also takes week dates (2026-W05-1).
    if DAY.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:  # 2026-02-30, year 0000
            pass
    raise FilterError(f"'{name}' must be a date like 2026-01-31 (YYYY-MM-DD, year 0001-9999)")


def _query(filters: AuditFilter) -> Select[AuditEntry]:
    return select(AuditEntry).where(*filters.where())


def page(
    session: Session, filters: AuditFilter, number: int, size: int = PAGE_SIZE
) -> tuple[list[AuditEntry], int]:
    """Entries of page `number` (1-based, newest first) and the number of matching entries."""
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*filters.where()))
    rows = session.scalars(
        _query(filters).order_by(AuditEntry.seq.desc()).offset((number - 1) * size).limit(size)
    )
    return list(rows), total or 0


def entries(session: Session, filters: AuditFilter) -> Iterator[AuditEntry]:
    """Matching entries, oldest first, streamed."""
    yield from session.scalars(
        _query(filters).order_by(AuditEntry.seq).execution_options(yield_per=5000)
    )


def _cell(value: str | None) -> str:
    # A cell opening with = + - @ would run as a formula in a spreadsheet: quote it.
    text = value or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_csv(rows: Iterable[AuditEntry], out: IO[str]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for e in rows:
        writer.writerow(
            [
                e.seq, e.at.isoformat(), _cell(e.actor), _cell(e.action), _cell(e.target_type),
                _cell(e.target_id), _cell(e.client), _cell(e.detail), e.prev_hash, e.hash,
            ]
        )  # fmt: skip
        count += 1
    return count
