"""Submitting replies on both backends: 3-5 bullets, edits, idempotent retries, deadline,
the guard (nothing stored on refusal), sessions opened by a link's first use."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from headcount.checkins.campaigns import create_campaign
from headcount.checkins.links import LinkError, Signer, issue_link
from headcount.checkins.models import Recipient, Reply, ReplySource
from headcount.checkins.replies import ReplyError, SensitiveDataError, submit
from headcount.checkins.sessions import recipient_for, redeem_link
from headcount.contract.policy import Policy
from headcount.store import Store, utcnow

BULLETS = ["Closed 12 tickets", "Reviewed two contracts", "Trained a new colleague"]


def _setup(store: Store, roster: Path) -> dict[str, int]:
    create_campaign(
        store,
        "wk8",
        roster,
        deadline=utcnow() + timedelta(days=2),
        policies={"DOD": Policy.EXEMPT},
    )
    with store.begin() as s:
        return {r.employee_id: r.id for r in s.scalars(select(Recipient))}


def _replies(store: Store) -> list[Reply]:
    with store.begin() as s:
        return list(s.scalars(select(Reply)))


def test_edit_replaces_and_a_retry_is_a_no_op(store: Store, roster: Path) -> None:
    ids = _setup(store, roster)
    with store.begin() as s:
        first = submit(s, ids["VA1"], BULLETS, source=ReplySource.WEB, submission_id="a")
    assert first.revision == 1 and first.bullets == BULLETS
    with store.begin() as s:
        again = submit(s, ids["VA1"], BULLETS, source=ReplySource.WEB, submission_id="a")
    assert again.revision == 1  # the same submission retried
    with store.begin() as s:
        edited = submit(
            s, ids["VA1"], [*BULLETS, "Wrote docs"], source=ReplySource.WEB, submission_id="b"
        )
    assert edited.revision == 2 and edited.submitted_at == first.submitted_at
    (reply,) = _replies(store)
    assert reply.text.split("\n") == [*BULLETS, "Wrote docs"]


def test_bullets_are_cleaned_and_counted(store: Store, roster: Path) -> None:
    ids = _setup(store, roster)
    with store.begin() as s:
        saved = submit(
            s, ids["VA1"], ["- one\nline", "  ", "* two", "three", ""], source=ReplySource.WEB
        )
    assert saved.bullets == ["one line", "two", "three"]
    for count in (2, 6):
        with pytest.raises(ReplyError, match="between 3 and 5"), store.begin() as s:
            submit(s, ids["VA2"], [f"b{i}" for i in range(count)], source=ReplySource.WEB)


def test_sensitive_replies_are_refused_and_nothing_is_stored(store: Store, roster: Path) -> None:
    ids = _setup(store, roster)
    with pytest.raises(SensitiveDataError) as caught, store.begin() as s:
        submit(s, ids["VA1"], [*BULLETS[:2], "SSN 219-45-6781"], source=ReplySource.WEB)
    assert "Bullet 3 appears to contain a Social Security number" in str(caught.value)
    assert "219-45" not in str(caught.value)
    assert _replies(store) == []
    # An edit that adds sensitive text leaves the earlier reply as it was.
    with store.begin() as s:
        submit(s, ids["VA1"], BULLETS, source=ReplySource.WEB)
    with pytest.raises(SensitiveDataError), store.begin() as s:
        submit(s, ids["VA1"], [*BULLETS, "SECRET//NOFORN"], source=ReplySource.WEB)
    assert [r.text for r in _replies(store)] == ["\n".join(BULLETS)]


def test_deadline_and_exempt_agencies(store: Store, roster: Path) -> None:
    ids = _setup(store, roster)
    late = utcnow() + timedelta(days=3)
    with pytest.raises(ReplyError, match="deadline"), store.begin() as s:
        submit(s, ids["VA1"], BULLETS, source=ReplySource.WEB, now=late)
    with pytest.raises(ReplyError, match="not to reply"), store.begin() as s:
        submit(s, ids["DOD1"], BULLETS, source=ReplySource.EMAIL)
    assert _replies(store) == []


def test_concurrent_submits_never_make_two_rows(store: Store, roster: Path) -> None:
    ids = _setup(store, roster)

    def one(n: int) -> int:
        with store.begin() as s:
            return submit(
                s, ids["VA1"], BULLETS, source=ReplySource.WEB, submission_id=f"s{n}"
            ).revision

    with ThreadPoolExecutor(8) as pool:
        revisions = sorted(pool.map(one, range(16)))
    assert revisions[-1] == 16
    with store.begin() as s:
        assert s.scalar(select(func.count()).select_from(Reply)) == 1


def test_a_link_opens_one_session_once(store: Store, roster: Path, signer: Signer) -> None:
    ids = _setup(store, roster)
    with store.begin() as s:
        token = issue_link(s, signer, ids["VA1"], utcnow() + timedelta(days=2))

    def spend(_: int) -> str:
        try:
            with store.begin() as s:
                return redeem_link(s, signer, token)[1]
        except LinkError as exc:
            return exc.reason

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(spend, range(6)))
    secrets = [o for o in outcomes if o != "used"]
    assert len(secrets) == 1 and outcomes.count("used") == 5
    with store.begin() as s:
        assert recipient_for(s, secrets[0]) == ids["VA1"]
        assert recipient_for(s, "forged") is None
        assert recipient_for(s, secrets[0], now=utcnow() + timedelta(days=3)) is None


def test_control_characters_never_reach_the_database(store: Store, roster: Path) -> None:
    ids = _setup(store, roster)
    with store.begin() as s:
        saved = submit(
            s,
            ids["VA1"],
            ["a\x00b", "c\x1bd", "e\tf"],
            source=ReplySource.WEB,
            submission_id="x\x00y",
        )
    assert saved.bullets == ["a b", "c d", "e f"]
    (reply,) = _replies(store)
    assert reply.submission_id == "xy"
