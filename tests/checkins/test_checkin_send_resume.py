"""`campaign send` killed with SIGKILL midway, then run again: every person gets one
message, counted in the SMTP sink — never two. On SQLite with the default connections and
on PostgreSQL with more, each connection sending batches of BATCH marked in one commit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from smtp_sink import smtp_server
from sqlalchemy import select

from headcount.checkins.campaigns import create_campaign
from headcount.checkins.models import Delivery, Recipient
from headcount.checkins.outbox import BATCH
from headcount.contract.policy import Policy
from headcount.migrations import upgrade
from headcount.store import Store, utcnow

HEADCOUNT = str(Path(sys.executable).parent / "headcount")
PEOPLE = 300
CONNECTIONS = 4  # the default


def in_flight_bounds(connections: int) -> tuple[int, int]:
    """(most deliveries a kill can leave `sending`, most of those never handed over). Each
    connection has one batch marked and being sent, and the outcomes of the one before it
    wait for that mark's commit: those were all handed over. Of the batch being sent, the
    journal sends again each message never begun: only the one each connection had in hand
    when it was killed can be lost (the relay drops it without its final dot)."""
    return 2 * connections * BATCH, connections


def _campaign(tmp_path: Path, url: str | None = None) -> str:
    from builders import Agency

    agency = Agency(tmp_path / "agency")
    for n in range(PEOPLE):
        agency.employee(f"P{n:04d}", agency="VA")
    url = url or f"sqlite:///{tmp_path / 'headcount.db'}"
    store = Store.open(url)
    upgrade(store)
    create_campaign(
        store, "wk8", agency.write(), deadline=utcnow() + timedelta(days=2),
        policies={"VA": Policy.MANDATORY},
    )  # fmt: skip
    store.close()
    return url


def _send(
    url: str, port: int, tmp_path: Path, command: str = "send", connections: int = CONNECTIONS
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HEADCOUNT_SECRET_KEY": "k" * 48, "HEADCOUNT_DATABASE_URL": url}
    return subprocess.Popen(
        [HEADCOUNT, "campaign", command, "wk8", "--smtp-host", "127.0.0.1",
         "--smtp-port", str(port), "--base-url", "https://hc.example.gov",
         "--smtp-connections", str(connections)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


@pytest.mark.parametrize(("backend", "connections"), [("sqlite", CONNECTIONS), ("postgresql", 8)])
def test_a_send_killed_midway_and_rerun_sends_nobody_two_messages(
    tmp_path: Path, request: pytest.FixtureRequest, backend: str, connections: int
) -> None:
    given = str(request.getfixturevalue("postgres_url")) if backend == "postgresql" else None
    url = _campaign(tmp_path, given)
    with smtp_server() as (sink, port, _):
        first = _send(url, port, tmp_path, connections=connections)
        deadline = time.monotonic() + 300
        while len(sink.messages) < PEOPLE // 3 and first.poll() is None:
            assert time.monotonic() < deadline, "the send never got going"
            time.sleep(0.002)
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed_at = len(sink.messages)
        assert first.returncode == -signal.SIGKILL and killed_at < PEOPLE  # killed midway
        second = _send(url, port, tmp_path, connections=connections)
        out, err = second.communicate(timeout=300)
        assert second.returncode == 0, err.decode()
        received = Counter(str(m["To"]) for m in sink.messages)
    assert max(received.values()) == 1  # nobody got two messages
    store = Store.open(url)
    with store.begin() as s:
        rows = s.execute(select(Recipient.work_email, Delivery.status).join(Delivery))
        states = {str(address): str(status) for address, status in rows}
    store.close()
    # Killed, a run leaves `sending` the batches it was sending (each marked in one commit
    # before its first message) and the outcomes not yet committed. The rerun sends those
    # its journal shows were never begun; the begun ones are never sent again.
    most_left, most_lost = in_flight_bounds(connections)
    in_flight = {address for address, status in states.items() if status == "sending"}
    assert len(in_flight) <= most_left
    missing = {a for a in states if a not in received}
    assert missing <= in_flight and len(missing) <= most_lost
    assert set(states.values()) <= {"sent", "sending"}
    assert len(received) + len(missing) == PEOPLE
    assert "Invitations sent:" in out.decode()
    if "never begun were sent by this run" not in out.decode():  # a kill between batches
        assert not missing
