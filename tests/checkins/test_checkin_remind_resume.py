"""`campaign remind` killed with SIGKILL midway, then run again: every person gets one
reminder, counted in the SMTP sink — never two. A finished round, run again, is a new
round (one more reminder each)."""

from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path

from smtp_sink import smtp_server
from sqlalchemy import select
from test_checkin_send_resume import CONNECTIONS, PEOPLE, _campaign, _send, in_flight_bounds

from headcount.checkins.models import Campaign, Delivery, Recipient
from headcount.store import Store


def _reminders(sink: object) -> Counter[str]:
    messages = getattr(sink, "messages", [])
    return Counter(str(m["To"]) for m in messages if str(m["Subject"]).startswith("Reminder: "))


def test_a_remind_killed_midway_and_rerun_reminds_nobody_twice(tmp_path: Path) -> None:
    url = _campaign(tmp_path)
    with smtp_server() as (sink, port, _):
        invited = _send(url, port, tmp_path)
        _, err = invited.communicate(timeout=300)
        assert invited.returncode == 0, err.decode()
        assert len(sink.messages) == PEOPLE
        first = _send(url, port, tmp_path, "remind")
        deadline = time.monotonic() + 300
        while sum(_reminders(sink).values()) < PEOPLE // 3 and first.poll() is None:
            assert time.monotonic() < deadline, "the reminders never got going"
            time.sleep(0.002)
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed_at = sum(_reminders(sink).values())
        assert first.returncode == -signal.SIGKILL and killed_at < PEOPLE  # killed midway
        second = _send(url, port, tmp_path, "remind")
        out, err = second.communicate(timeout=300)
        assert second.returncode == 0, err.decode()
        received = _reminders(sink)
        assert max(received.values()) == 1  # nobody got two reminders
        assert "finished the reminder round an earlier run left unfinished" in out.decode()
        store = Store.open(url)
        with store.begin() as s:
            rows = s.execute(
                select(Recipient.work_email, Delivery.status)
                .join(Delivery)
                .where(Delivery.kind == "reminder")
            ).all()
            assert s.scalar(select(Campaign.reminding_since)) is None  # the round is over
        store.close()
        states = {str(address): str(status) for address, status in rows}
        assert len(rows) == PEOPLE  # one reminder delivery each, across both runs
        most_left, most_lost = in_flight_bounds(CONNECTIONS)
        in_flight = {address for address, status in states.items() if status == "sending"}
        assert len(in_flight) <= most_left
        missing = {a for a in states if a not in received}
        assert missing <= in_flight and len(missing) <= most_lost
        assert set(states.values()) <= {"sent", "sending"}
        assert len(received) + len(missing) == PEOPLE
        # A finished round run again is a new round: one more reminder to each person the
        # earlier round reached (those left `sending` included: their invitation arrived).
        third = _send(url, port, tmp_path, "remind")
        out, err = third.communicate(timeout=300)
        assert third.returncode == 0, err.decode()
        again = _reminders(sink)
        assert "earlier run left unfinished" not in out.decode()
    assert sum(again.values()) - sum(received.values()) == PEOPLE
    assert max(again.values()) == 2
