"""Staff users, roles, password logins, server-side sessions, throttling, and the route
policy that the web app enforces on every request (auth/policy.py, web/guard.py)."""

from headcount.auth.models import LoginFailure, User, UserSession
from headcount.auth.policy import POLICY, Access, Rule, allows, rule_for
from headcount.auth.roles import Principal, Role, RoleError

__all__ = [
    "POLICY",
    "Access",
    "LoginFailure",
    "Principal",
    "Role",
    "RoleError",
    "Rule",
    "User",
    "UserSession",
    "allows",
    "rule_for",
]
