"""Sign-in through the real app and store (SQLite and PostgreSQL): CSRF, session fixation,
logout ending the session on the server, idle and absolute expiry, and throttling per account
and per address, counted in the database so separate workers share it."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from headcount.audit import AuditEntry
from headcount.auth import login as logins
from headcount.auth import throttle
from headcount.auth.models import UserSession
from headcount.auth.sessions import ABSOLUTE, COOKIE, IDLE, principal_for
from headcount.secrets import hash_secret
from headcount.store import Store, utcnow
from staff import PASSWORD, csrf_of, make_user


def _login(client: TestClient, username: str, password: str = PASSWORD) -> object:
    csrf = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"csrf_token": csrf, "username": username, "password": password},
        follow_redirects=False,
    )


def _actions(store: Store) -> list[str]:
    with store.begin() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_login_home_logout(client: TestClient, store: Store) -> None:
    make_user(store, "ana", "analyst", "VA")
    response = _login(client, "ana")
    assert response.status_code == 303 and response.headers["location"] == "/home"  # type: ignore[attr-defined]
    cookie = response.headers["set-cookie"]  # type: ignore[attr-defined]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" in cookie
    home = client.get("/home")
    assert home.status_code == 200 and "agency <strong>VA</strong> only" in home.text
    secret = client.cookies.get(COOKIE)
    out = client.post("/logout", data={"csrf_token": csrf_of(home.text)})
    assert out.status_code == 200 and "You are signed out" in out.text
    with store.begin() as s:
        assert s.get(UserSession, hash_secret(secret or "")) is None  # ended on the server
    client.cookies.set(COOKIE, secret or "")  # replaying the old cookie gets nowhere
    assert client.get("/home", follow_redirects=False).status_code == 303
    assert _actions(store)[-2:] == ["login.success", "logout"]


def test_every_form_needs_its_csrf_token(client: TestClient, store: Store) -> None:
    make_user(store, "aud", "auditor")
    bare = client.post("/login", data={"username": "aud", "password": PASSWORD})
    assert bare.status_code == 403 and COOKIE not in client.cookies
    assert _login(client, "aud").status_code == 303  # type: ignore[attr-defined]
    forged = {"csrf_token": "x" * 43}
    assert client.post("/logout", data=forged).status_code == 403
    assert client.get("/home").status_code == 200  # still signed in
    assert client.post("/audit/export", data=forged).status_code == 403
    assert "audit.export" not in _actions(store)


def _issued(response: object) -> str:
    """The session id a response sets (from its Set-Cookie header, not the client's jar)."""
    header = response.headers["set-cookie"]  # type: ignore[attr-defined]
    assert header.startswith(f"{COOKIE}=")
    return str(header.split(";")[0].split("=", 1)[1])


def test_a_planted_session_cookie_is_never_adopted(client: TestClient, store: Store) -> None:
    """Session fixation: an attacker's cookie (even a live session of their own) is ended at
    login and replaced by a new id; the planted value never becomes the victim's session."""
    make_user(store, "mallory", "employee")
    make_user(store, "victim", "admin")
    planted = _issued(_login(client, "mallory"))
    client.cookies.clear()
    for value in (planted, "attacker-chosen-" + "a" * 30):
        client.cookies.set(COOKIE, value)
        fresh = _issued(_login(client, "victim"))
        client.cookies.clear()
        assert fresh != value
        with store.begin() as s:
            assert principal_for(s, value) is None
            victim = principal_for(s, fresh)
        assert victim is not None and victim.username == "victim"


def test_sessions_expire_when_idle_and_absolutely(store: Store) -> None:
    make_user(store, "sup", "supervisor")
    start = utcnow()
    with store.begin() as s:
        result = logins.login(s, "sup", PASSWORD, "10.0.0.1", now=start)
    secret = result.secret
    step = IDLE - timedelta(minutes=1)
    now = start
    with store.begin() as s:
        while now + step < start + ABSOLUTE:  # active use keeps it alive...
            now += step
            assert principal_for(s, secret, now) is not None
    with store.begin() as s:  # ...until the absolute limit
        assert principal_for(s, secret, start + ABSOLUTE) is None
    with store.begin() as s:
        idle = logins.login(s, "sup", PASSWORD, "10.0.0.1", now=start).secret
    with store.begin() as s:
        assert principal_for(s, idle, start + IDLE) is None
        assert s.scalar(select(func.count()).select_from(UserSession)) == 0


def test_the_nth_failure_locks_the_account_even_for_the_right_password(
    client: TestClient, store: Store
) -> None:
    make_user(store, "ana", "analyst")
    make_user(store, "bob", "analyst")
    for _ in range(throttle.ACCOUNT_LIMIT):
        assert _login(client, "ana", "wrong password!").status_code == 401  # type: ignore[attr-defined]
    refused = _login(client, "ana")
    assert refused.status_code == 429 and COOKIE not in client.cookies  # type: ignore[attr-defined]
    assert "Too many failed sign-ins" in refused.text  # type: ignore[attr-defined]
    assert _login(client, "bob").status_code == 303  # type: ignore[attr-defined]  # per account
    actions = _actions(store)
    assert actions.count("login.failure") == throttle.ACCOUNT_LIMIT
    assert "login.throttled" in actions


def test_throttle_per_address_is_shared_by_workers(store: Store, database_url: str) -> None:
    """Two Store objects (two engines, as two uvicorn workers would have) see one count."""
    make_user(store, "ana", "analyst")
    other_worker = Store.open(database_url)
    try:
        for n in range(throttle.CLIENT_LIMIT):
            worker = store if n % 2 else other_worker
            with worker.begin() as s:
                assert logins.login(s, f"guess{n}", "nope", "10.9.9.9").refused == "invalid"
        with other_worker.begin() as s:
            assert logins.login(s, "ana", PASSWORD, "10.9.9.9").refused == "throttled"
        with store.begin() as s:
            assert logins.login(s, "ana", PASSWORD, "10.1.1.1").secret is not None
    finally:
        other_worker.close()


def test_failed_names_are_not_logged_unless_the_user_exists(store: Store) -> None:
    typed_password = "hunter2-is-my-password"
    with store.begin() as s:
        logins.login(s, typed_password, "x", "10.0.0.3")
    with store.begin() as s:
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None and entry.action == "login.failure"
    assert typed_password not in f"{entry.actor}{entry.target_id}{entry.detail}"
