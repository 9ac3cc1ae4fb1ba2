"""Every route that takes a body refuses one past its limit with 413, counted as it streams
(no Content-Length) and answered in the route's own kind: a page, or JSON on the API."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from headcount.auth.policy import rule_for
from headcount.auth.roles import Role
from headcount.auth.sessions import COOKIE
from headcount.store import Store
from headcount.web.guard import route_methods
from headcount.web.middleware import BODY_LIMITS, DEFAULT_BODY_LIMIT
from staff import token_for

BODY_METHODS = ("POST", "PUT", "PATCH")
FORM = "application/x-www-form-urlencoded"


def _body_routes(client: TestClient) -> list[tuple[str, str]]:
    app = client.app
    routes = [(m, p) for m, p, _ in route_methods(app) if m in BODY_METHODS]  # type: ignore[arg-type]
    assert ("POST", "/notice/{token}/contest") in routes and ("PUT", "/api/v1/checkin") in routes
    return routes


def _streamed(size: int) -> Iterator[bytes]:
    """`size` bytes in 64 KiB pieces: sent chunked, without a Content-Length."""
    piece = b"a" * 65536
    for _ in range(size // len(piece)):
        yield piece
    yield b"a" * (size % len(piece))


def _token_for(store: Store, method: str, template: str, tokens: dict[Role, str]) -> str:
    """A session of a role the route allows (an admin where it may), so that role routes
    get as far as reading the body."""
    rule = rule_for(method, template)
    roles = sorted(rule) if isinstance(rule, frozenset) else [Role.ADMIN]
    role = Role.ADMIN if Role.ADMIN in roles else roles[0]
    if role not in tokens:
        tokens[role] = token_for(store, role)
    return tokens[role]


def test_every_body_route_refuses_past_its_limit(client: TestClient, store: Store) -> None:
    tokens: dict[Role, str] = {}
    for method, template in _body_routes(client):
        token = _token_for(store, method, template, tokens)
        # Every path parameter filled: ids (case, debt, pair, item …) with 1, the rest with x.
        path = re.sub(r"\{(\w+_id)\}", "1", template)
        path = re.sub(r"\{\w+\}", "x", path)
        limit = BODY_LIMITS.get((method, template), DEFAULT_BODY_LIMIT)
        # Each in the type its route reads (a form route never reads a JSON body at all).
        kind = "application/json" if template.startswith("/api/") else FORM
        headers = {"Authorization": f"Bearer {token}", "Content-Type": kind}
        client.cookies.set(COOKIE, token)
        over = client.request(method, path, content=_streamed(limit + 1), headers=headers)
        if over.status_code == 404 and "_id}" in template:
            continue  # no such record: refused before a byte of the body was read
        assert over.status_code == 413, (method, template)
        assert "Too much was sent" in over.text
        if template.startswith("/api/"):
            assert over.json()["code"] == "error"
        else:
            assert over.headers["content-type"].startswith("text/html")
        assert over.headers["connection"] == "close"  # the rest is not read
        at = client.request(method, path, content=_streamed(limit), headers=headers)
        assert at.status_code != 413, (method, template)


def test_a_declared_length_past_the_limit_is_refused_unread(client: TestClient) -> None:
    body = b"{}" + b" " * DEFAULT_BODY_LIMIT
    refused = client.post(
        "/api/v1/replies", content=body, headers={"Content-Type": "application/json"}
    )
    assert refused.status_code == 413


@pytest.mark.parametrize("size", [0, 10, DEFAULT_BODY_LIMIT // 2])
def test_ordinary_bodies_pass(client: TestClient, size: int) -> None:
    """The limit leaves the app's own answers alone (here: the JSON is not a reply)."""
    body = b"[" + b" " * size + b"]"
    answer = client.post(
        "/api/v1/replies", content=body, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 422
