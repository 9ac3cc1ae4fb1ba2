"""The send loop's bookkeeping: the run's one database connection, shared by the sending
threads, and the outcomes of messages sent written in the same commit that marks the next
batch `sending` (smtp.py says why that mark comes before the final dot).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import cast

from sqlalchemy import bindparam, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from headcount.checkins.models import Campaign, DeliveryKind, DeliveryStatus
from headcount.store import utcnow
from headcount.store.types import UTCDateTime

# Written once per message, so plain SQL compiled once: building the statements each time
# cost more than sending the message.
_SENDING = text("UPDATE deliveries SET status = 'sending' WHERE id IN :b_ids").bindparams(
    bindparam("b_ids", expanding=True)
)
# A delivery of a batch marked `sending` that the run stopped before trying (no MAIL
# command was written for it): back to the state it had, for the next run.
_UNMARK = text("UPDATE deliveries SET status = :b_status WHERE id = :b_id AND status = 'sending'")
# Outcomes alike (nearly all: sent, first try, the batch's time) go in one statement per
# table rather than one per message: on PostgreSQL each statement is a round trip.
_OUTCOME = text(
    "UPDATE deliveries SET status = :b_status, attempts = attempts + :b_tries, "
    "last_error = :b_error, sent_at = COALESCE(:b_sent, sent_at) WHERE id IN :b_ids"
).bindparams(
    bindparam("b_sent", type_=UTCDateTime(timezone=True)), bindparam("b_ids", expanding=True)
)
_REACH = text(
    "UPDATE recipients SET reach = :b_status WHERE id IN :b_rids "
    "AND (reach IS NULL OR reach NOT IN ('bounced_hard', 'complained'))"
).bindparams(bindparam("b_rids", expanding=True))


class Ledger:
    """The run's one database connection (opening one per message would cost more than the
    message) and the outcomes not yet written: each goes into the next message's commit."""

    def __init__(self, connection: Connection, campaign_id: str, kind: DeliveryKind) -> None:
        self.connection, self.campaign_id, self.kind = connection, campaign_id, kind
        self.outcomes: list[dict[str, object]] = []
        self.untried: list[dict[str, object]] = []
        self.marked_sent = False
        self.lock = threading.Lock()  # the sending threads share the connection

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A transaction on the run's connection, for Core statements."""
        with self.lock, self.connection.begin():
            yield self.connection

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """A transaction on the run's connection."""
        with (
            self.lock,
            Session(bind=self.connection, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    def note(self, delivery_id: int, recipient_id: int, status: DeliveryStatus, tries: int,
             error: str | None, at: datetime | None = None) -> None:  # fmt: skip
        with self.lock:
            self.outcomes.append(
                {"b_id": delivery_id, "b_rid": recipient_id, "b_status": status.value,
                 "b_tries": tries, "b_error": error,
                 "b_sent": (at or utcnow()) if status is DeliveryStatus.SENT else None}
            )  # fmt: skip

    def unmark(self, delivery_id: int, status: str) -> None:
        with self.lock:
            self.untried.append({"b_id": delivery_id, "b_status": status})

    def commit(self, sending: Sequence[int] = ()) -> None:
        """Write the outcomes so far and mark these deliveries `sending`, in one
        transaction: a run killed afterwards leaves at most the marked batches `sending`."""
        with self.lock, self.connection.begin():
            if self.outcomes:
                for alike in _grouped(self.outcomes):
                    self.connection.execute(_OUTCOME, alike)
                    self.connection.execute(_REACH, alike)
                self._mark_campaign_sent()
                self.outcomes = []
            if self.untried:
                self.connection.execute(_UNMARK, self.untried)
                self.untried = []
            if sending:
                self.connection.execute(_SENDING, {"b_ids": list(sending)})

    def _mark_campaign_sent(self) -> None:
        first = next((o["b_sent"] for o in self.outcomes if o["b_sent"] is not None), None)
        if first is not None and self.kind is DeliveryKind.INVITATION and not self.marked_sent:
            self.connection.execute(
                update(Campaign)
                .where(Campaign.id == self.campaign_id, Campaign.sent_at.is_(None))
                .values(sent_at=first)
            )
            self.marked_sent = True


def _grouped(outcomes: list[dict[str, object]]) -> list[dict[str, object]]:
    """The outcomes as one parameter set per (status, tries, error, time sent)."""
    groups: dict[tuple[object, ...], dict[str, object]] = {}
    for o in outcomes:
        key = (o["b_status"], o["b_tries"], o["b_error"], o["b_sent"])
        group = groups.setdefault(
            key, {"b_status": key[0], "b_tries": key[1], "b_error": key[2], "b_sent": key[3],
                  "b_ids": [], "b_rids": []},
        )  # fmt: skip
        cast(list[object], group["b_ids"]).append(o["b_id"])
        cast(list[object], group["b_rids"]).append(o["b_rid"])
    return list(groups.values())
