"""The seven roles. What each may reach is the route policy (auth/policy.py); what each may
see inside a page (one agency or all) is `Principal.agency`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    EMPLOYEE = "employee"
    SUPERVISOR = "supervisor"
    ANALYST = "analyst"
    AUDITOR = "auditor"
    ADMIN = "admin"
    # Overpayment debts: notices of debt, repayment agreements, payments, waivers, offsets,
    # Treasury Offset referrals (cases/debts/).
    FINANCE = "finance"
    # A program-integrity officer: works cases like an analyst and is the one role that may
    # refer a case to the inspector general as suspected fraud (with a second such officer).
    INTEGRITY = "integrity"


# Roles whose view is limited to their own agency when the user has one. Auditors and
# admins oversee everything, so an agency on their account is refused.
AGENCY_SCOPED = frozenset(
    {Role.EMPLOYEE, Role.SUPERVISOR, Role.ANALYST, Role.FINANCE, Role.INTEGRITY}
)


class RoleError(ValueError):
    """An unknown role, or an agency on a role that sees every agency."""


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise RoleError(f"unknown role {value!r}: use one of {allowed}") from None


def check_agency(role: Role, agency: str | None) -> None:
    if agency is not None and role not in AGENCY_SCOPED:
        raise RoleError(f"the {role.value} role sees every agency: do not give one an agency")


@dataclass(frozen=True)
class Principal:
    """The signed-in user of one request (request.state.principal)."""

    user_id: int
    username: str
    role: Role
    agency: str | None  # None: every agency
    session_hash: str

    def sees_agency(self, agency: str) -> bool:
        return self.agency is None or self.agency == agency
