"""Every route of the app by every role and nobody: the server answers exactly as the policy
table says, and the table is what docs/security.md documents. Routes come from `app.routes`,
so a new route without a rule fails here (and `create_app` refuses to build)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Response
from fastapi.testclient import TestClient

from auth.conftest import SECRET
from headcount.auth.policy import POLICY, Access, Rule, allows
from headcount.auth.roles import Role
from headcount.store import Store
from headcount.web import create_app
from headcount.web.guard import check_policy_covers, route_methods
from staff import token_for

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
ROLE_DENIED = "Your role does not allow this."
WHO: list[Role | None] = [None, *Role]


def concrete(path: str) -> str:
    # wk8 is the fixture campaign; other ids need not exist (a 404 still proves the door).
    return re.sub(r"\{[^}]+\}", lambda m: "wk8" if m.group(0) == "{campaign_id}" else "1", path)


def refused_at_the_door(method: str, path: str, response: httpx.Response) -> str | None:
    """Which refusal the policy gave ("login" or "role"), or None if it let the request in."""
    status = response.status_code
    location = response.headers.get("location", "")
    body = response.text
    if status == 401 and path.startswith("/api/") and '"login_required"' in body:
        return "login"
    if status == 303 and location == "/login":
        return "login"
    if status == 403 and ROLE_DENIED in body:
        return "role"
    return None


def expected(rule: Rule, who: Role | None) -> str | None:
    if isinstance(rule, Access) or allows(rule, who):
        return None
    return "login" if who is None else "role"


def test_every_route_times_every_role(store: Store, links: dict[str, str]) -> None:
    app = create_app(store, SECRET)
    routes = route_methods(app)
    assert len(routes) >= 20
    failures = []
    with TestClient(app, base_url="https://testserver") as client:
        for who in WHO:
            for method, path, _ in routes:
                rule = POLICY.get((method, path))
                assert rule is not None, f"{method} {path} has no rule"
                client.cookies.clear()
                headers = {}
                if who is not None:  # a fresh session each time: one of the routes logs out
                    token = token_for(store, who)
                    headers["Authorization"] = f"Bearer {token}"
                    client.cookies.set("hc_session", token)
                url = concrete(path) + ("/style.css" if path == "/static" else "")
                # An empty JSON object to the API's writes, no body otherwise.
                body: dict[str, object] | None = (
                    {} if path.startswith("/api/") and method != "GET" else None
                )
                response = client.request(
                    method, url, headers=headers, follow_redirects=False, json=body
                )
                got = refused_at_the_door(method, path, response)
                if got != expected(rule, who):
                    failures.append((method, path, who, got, response.status_code))
    assert failures == []


def test_a_route_without_a_rule_is_refused(store: Store) -> None:
    app = create_app(store, SECRET)

    @app.get("/unlisted")
    def unlisted() -> dict[str, str]:
        return {"secret": "data"}

    with pytest.raises(RuntimeError, match="GET /unlisted has no rule"):
        check_policy_covers(app)
    token = token_for(store, Role.ADMIN)
    with TestClient(app, base_url="https://testserver") as client:
        client.cookies.set("hc_session", token)
        response = client.get("/unlisted")
    assert response.status_code == 403 and "secret" not in response.text


def test_a_static_route_must_be_public(store: Store) -> None:
    app = create_app(store, SECRET)
    app.add_route("/audit", lambda request: Response(), methods=["GET"])  # bypasses dependencies
    with pytest.raises(RuntimeError, match="can only be public"):
        check_policy_covers(app)


def _documented() -> dict[tuple[str, str], str]:
    rows = re.findall(
        r"^\| `(GET|POST|PUT|PATCH|DELETE) ([^`]+)` \| ([^|]+) \|", DOC.read_text(), re.M
    )
    return {(m, p): who.strip() for m, p, who in rows}


def _describe(rule: Rule) -> str:
    if isinstance(rule, Access):
        return rule.value
    return ", ".join(r.value for r in Role if r in rule)


def test_the_security_guide_documents_every_rule() -> None:
    """docs/security.md lists each route with who may reach it, exactly as POLICY says."""
    assert _documented() == {key: _describe(rule) for key, rule in POLICY.items()}


def test_policy_names_only_routes_that_exist(store: Store) -> None:
    app: FastAPI = create_app(store, SECRET)
    assert set(POLICY) == {(m, p) for m, p, _ in route_methods(app)}
