"""The burst path of POST /api/v1/replies on both backends: the lean route still runs the
app-wide dependencies and validates like FastAPI without echoing the input; batches give
every reply its own answer (saved, used, invalid, expired, exempt, late) and never save one
twice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from conftest import SECRET
from headcount.checkins.links import Signer
from headcount.store import Reply, Store
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
