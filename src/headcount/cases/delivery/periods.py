"""When a period that counts from a letter's delivery ends (record.py explains the rule)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta


def period_end(provided_at: datetime, days: int) -> datetime:
    """The end of the `days`th day after the day of `provided_at` (UTC)."""
    day = provided_at.astimezone(UTC).date() + timedelta(days=days + 1)
    return datetime.combine(day, time(), tzinfo=UTC)


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)
