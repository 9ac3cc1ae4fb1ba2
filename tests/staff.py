"""Staff users for tests: created through the real library (argon2 hash, audited), signed in
through a real server-side session."""

from __future__ import annotations

from typing import Any

from headcount.auth.roles import Role
from headcount.auth.sessions import COOKIE, open_session
from headcount.auth.users import add_user, find_user
from headcount.store import Store

PASSWORD = "correct horse battery staple"


def make_user(store: Store, username: str, role: Role | str, agency: str | None = None) -> None:
    with store.begin() as s:
        if find_user(s, username) is None:
            add_user(s, username, Role(role), PASSWORD, agency=agency, actor="test")


def token_for(store: Store, role: Role | str, agency: str | None = None) -> str:
    """A live session id for a user of `role` (named after role and agency)."""
    username = f"{Role(role).value}-{agency or 'all'}".lower()
    make_user(store, username, role, agency)
    with store.begin() as s:
        user = find_user(s, username)
        assert user is not None
        return open_session(s, user.id)


def sign_in(client: Any, store: Store, role: Role | str, agency: str | None = None) -> str:
    """Give a TestClient the session cookie of a user of `role`; returns the session id."""
    token = token_for(store, role, agency)
    client.cookies.set(COOKIE, token)
    return token


def csrf_of(html: str) -> str:
    """The CSRF token in a rendered form."""
    import re

    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)
