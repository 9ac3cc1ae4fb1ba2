"""The burst path of POST /api/v1/replies on both backends: the lean route still runs the
app-wide dependencies and validates like FastAPI without echoing the input; batches give
every reply its own answer (saved, used, invalid, expired, exempt, late) and never save one
twice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.testclient import TestClient
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select

from checkins.conftest import SECRET
from headcount.checkins import burst
from headcount.checkins.links import LinkError, Signer, issue_link, read_token
from headcount.checkins.models import Campaign, Link, Recipient, Reply
from headcount.checkins.replies import ReplyError
from headcount.checkins.sessions import recipient_for
from headcount.store import Store, utcnow
from headcount.web import api, create_app
from headcount.web.batcher import Batcher

BULLETS = ["Closed 12 tickets", "Reviewed two contracts", "Trained a new colleague"]
seen: list[str] = []
Dependency = Callable[[Request], Awaitable[None]]
MakeApp = Callable[[Dependency], FastAPI]


async def refuse(request: Request) -> None:
    seen.append(request.method)
    raise HTTPException(403, "Refused by policy.")


async def admit(request: Request) -> None:
    seen.append(request.method)


def _replies(store: Store) -> int:
    with store.begin() as s:
        return s.scalar(select(func.count()).select_from(Reply)) or 0


@pytest.fixture
def policy_app(store: Store) -> MakeApp:
    """The API router alone behind one app-wide dependency (the shape of the route policy)."""

    def make(dependency: Dependency) -> FastAPI:
        app = FastAPI(dependencies=[Depends(dependency)])
        app.state.store, app.state.signer = store, Signer(SECRET)
        app.state.batcher = Batcher(store, app.state.signer)
        app.include_router(api.router)
        return app

    seen.clear()
    return make


def test_app_wide_dependencies_still_run_on_the_reply_route(
    policy_app: MakeApp, links: dict[str, str], store: Store
) -> None:
    body = {"token": links["VA1"], "bullets": BULLETS}
    with TestClient(policy_app(refuse)) as client:
        refused = client.post("/api/v1/replies", json=body)
    assert refused.status_code == 403 and seen == ["POST"] and _replies(store) == 0
    with TestClient(policy_app(admit)) as client:
        assert client.post("/api/v1/replies", json=body).status_code == 201
    assert seen == ["POST", "POST"] and _replies(store) == 1


def test_an_overridden_dependency_is_honoured(
    policy_app: MakeApp, links: dict[str, str], store: Store
) -> None:
    app = policy_app(admit)
    app.dependency_overrides[admit] = refuse
    with TestClient(app) as client:
        body = {"token": links["VA1"], "bullets": BULLETS}
        assert client.post("/api/v1/replies", json=body).status_code == 403
    assert seen == ["POST"] and _replies(store) == 0


def test_invalid_bodies_are_refused_without_echoing_them(
    store: Store, links: dict[str, str]
) -> None:
    ssn = "219-45-6781"
    with TestClient(create_app(store, SECRET), base_url="https://testserver") as client:
        too_many = {"token": links["VA1"], "bullets": [f"SSN {ssn}"] * 11}
        answers = {
            "too many bullets": client.post("/api/v1/replies", json=too_many),
            "not JSON": client.post(
                "/api/v1/replies", content=b'{"token": "' + ssn.encode(),
                headers={"Content-Type": "application/json"},
            ),
            "not declared JSON": client.post(
                "/api/v1/replies", content=b"{}", headers={"Content-Type": "text/plain"}
            ),
            "empty": client.post("/api/v1/replies", content=b""),
        }  # fmt: skip
    for what, answer in answers.items():
        assert answer.status_code == 422, what
        problem = answer.json()
        assert problem["code"] == "invalid_request", what
        assert all(d["loc"][0] == "body" for d in problem["detail"]), what
        assert ssn not in answer.text, what
    # The lean handler (not FastAPI's) answered, with the real app's route policy in front.
    assert answers["not declared JSON"].json()["detail"][0]["type"] == "content_type"
    assert _replies(store) == 0


def _item(token: str, submission_id: str | None = None) -> burst.LinkReply:
    return burst.prepare(token, BULLETS, submission_id)


def test_a_batch_answers_each_reply_on_its_own(
    store: Store, links: dict[str, str], signer: Signer
) -> None:
    with store.begin() as s:
        dod1 = s.scalars(select(Recipient).where(Recipient.employee_id == "DOD1")).one()
        exempt = issue_link(s, signer, dod1.id, utcnow() + timedelta(days=1))
        va3 = s.scalars(select(Recipient).where(Recipient.employee_id == "VA3")).one()
        expired = signer.dumps([va3.id, "no-such-jti", int(utcnow().timestamp()) - 60])
    batch = [
        _item(links["VA1"], "a"),  # saved
        _item(links["VA1"], "a"),  # the same link again in the batch: one of the two wins
        _item(links["VA2"]),  # saved, no submission id
        _item(links["GSA1"][:-2] + "xx"),  # forged signature
        _item(expired),
        _item(exempt),
    ]
    outcomes = burst.apply_batch(store, signer, batch)
    answers = [o.reason if isinstance(o, LinkError) else o for o in outcomes]
    assert sorted(answers[:2], key=str)[1] == "used"
    assert isinstance(answers[2], tuple) and answers[2][0].revision == 1
    assert answers[3:5] == ["invalid", "expired"]
    assert isinstance(outcomes[5], ReplyError) and outcomes[5].code == "exempt"
    saved = [o for o in outcomes if isinstance(o, tuple)]
    assert len(saved) == 2 and all(o[0].bullets == BULLETS for o in saved)
    assert len({secret for _, secret in saved}) == 2
    with store.begin() as s:
        assert recipient_for(s, saved[0][1]) is not None
    assert _replies(store) == 2
    # A later batch: the spent link is refused as used; nothing changes.
    (again,) = burst.apply_batch(store, signer, [_item(links["VA1"], "a")])
    assert isinstance(again, LinkError) and again.reason == "used" and _replies(store) == 2


def test_two_links_of_one_employee_in_one_batch(
    store: Store, links: dict[str, str], signer: Signer
) -> None:
    with store.begin() as s:
        va1 = s.scalars(select(Recipient).where(Recipient.employee_id == "VA1")).one()
        second = issue_link(s, signer, va1.id, utcnow() + timedelta(days=1))
    outcomes = burst.apply_batch(store, signer, [_item(links["VA1"], "a"), _item(second, "b")])
    revisions = sorted(o[0].revision for o in outcomes if isinstance(o, tuple))
    assert revisions == [1, 2]  # both saved, one after the other: still one reply
    assert _replies(store) == 1


def test_late_replies_leave_links_unspent(
    store: Store, links: dict[str, str], signer: Signer
) -> None:
    with store.begin() as s:
        campaign = s.get(Campaign, "wk8")
        assert campaign is not None
        campaign.deadline = utcnow() - timedelta(minutes=1)
    (late,) = burst.apply_batch(store, signer, [_item(links["VA1"])])
    assert isinstance(late, ReplyError) and late.code == "deadline_passed"
    with store.begin() as s:
        link = s.get(Link, read_token(signer, links["VA1"]).jti)
        assert link is not None and link.used_at is None
    assert _replies(store) == 0


def test_the_cached_key_check_accepts_exactly_what_itsdangerous_accepts() -> None:
    reference = URLSafeSerializer(SECRET, salt="headcount.checkin-link")
    signer = Signer(SECRET)
    for value in ([42, "jti-a", 2_000_000_000], "x" * 300):  # the second one is compressed
        token = reference.dumps(value)
        assert signer.loads(token) == value
        assert Signer(b"another-key" * 4).dumps(value) != token
        with pytest.raises(LinkError):
            Signer(b"another-key" * 4).loads(token)
        variants = [token[:-1], token + "A", token.replace(".", ""), "." + token, token + "."]
        variants += [
            token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
            for i in range(len(token))
        ]
        for variant in variants:
            try:
                expected: object = reference.loads(variant)
            except BadSignature:
                expected = LinkError
            try:
                got: object = signer.loads(variant)
            except LinkError:
                got = LinkError
            assert got == expected, variant
