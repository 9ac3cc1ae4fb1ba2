"""Creating users, changing roles, listing them; every change is audited."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from headcount import audit
from headcount.auth.models import User
from headcount.auth.passwords import check_rules, hash_password
from headcount.auth.roles import AGENCY_SCOPED, Role, RoleError, check_agency
from headcount.auth.sessions import end_user_sessions

USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
AGENCY = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")


class UserError(ValueError):
    """A bad user name or agency, a taken name, or no such user."""


def _check_agency_name(agency: str | None) -> None:
    if agency is not None and not AGENCY.fullmatch(agency):
        raise UserError(f"agency {agency!r}: letters, digits, space . _ - only (at most 64)")


def add_user(
    session: Session,
    username: str,
    role: Role,
    password: str,
    *,
    agency: str | None,
    actor: str,
    client: str | None = None,
) -> User:
    if not USERNAME.fullmatch(username):
        raise UserError(
            f"user name {username!r}: 1-64 letters, digits, . _ @ - (starting with a letter "
            "or digit)"
        )
    _check_agency_name(agency)
    check_agency(role, agency)
    check_rules(password, username)
    if find_user(session, username) is not None:
        raise UserError(f"there is already a user named {username!r}")
    user = User(username=username, password_hash=hash_password(password), role=role.value)
    user.agency = agency
    session.add(user)
    session.flush()
    audit.record(
        session, actor=actor, action="user.create", target_type="user", target_id=username,
        client=client, detail={"role": role.value, "agency": agency},
    )  # fmt: skip
    return user


def find_user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()


def set_role(
    session: Session,
    username: str,
    role: Role,
    *,
    agency: str | None = None,
    actor: str,
    client: str | None = None,
) -> User:
    """Give `username` a new role. An auditor or admin sees every agency, so their agency is
    cleared; otherwise a given agency replaces the old one and none keeps it. The user's
    sessions end: the next request must sign in again under the new role."""
    user = find_user(session, username)
    if user is None:
        raise UserError(f"there is no user named {username!r}")
    _check_agency_name(agency)
    check_agency(role, agency)
    old_role, old_agency = user.role, user.agency
    user.role = role.value
    if role not in AGENCY_SCOPED:
        user.agency = None
    elif agency is not None:
        user.agency = agency
    if (old_role, old_agency) == (user.role, user.agency):
        raise RoleError(f"{username} is already {role.value} with that agency")
    end_user_sessions(session, user.id)
    audit.record(
        session, actor=actor, action="user.role", target_type="user", target_id=username,
        client=client,
        detail={"from": old_role, "to": user.role, "agency_from": old_agency,
                "agency_to": user.agency},
    )  # fmt: skip
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))
