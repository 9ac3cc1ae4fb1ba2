"""Who is acting on a case, and what each role may do with one.

Enforced here, in the library, whatever calls it (web page, API, CLI): the web layer's route
policy is the first door, these checks the second.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from headcount.auth.roles import Principal, Role
from headcount.cases.models import Case, CasePerson, Person

# Read cases: analysts, integrity officers and finance (their agency), auditors and admins
# (every agency).
VIEWERS = frozenset({Role.ANALYST, Role.INTEGRITY, Role.FINANCE, Role.AUDITOR, Role.ADMIN})
# Move a case on, approve an exception, reveal an SSN or account: analysts, integrity
# officers and admins only.
WORKERS = frozenset({Role.ANALYST, Role.INTEGRITY, Role.ADMIN})
# Refer a case to the inspector general as suspected fraud (and approve such a referral).
REFERRERS = frozenset({Role.INTEGRITY})
# Debts: read (the case workers and auditors too) and act on (finance and admins).
DEBT_READERS = VIEWERS
DEBT_WORKERS = frozenset({Role.FINANCE, Role.ADMIN})


MAX_ID = 2**63 - 1


class CaseError(ValueError):
    """A step the case cannot take now: says which step is missing or when it may be taken."""


class CaseNotFound(LookupError):
    """No such case, or not one this user may see (the same answer, so ids cannot be probed)."""


class Forbidden(PermissionError):
    """The user's role may not do this."""


@dataclass(frozen=True)
class Actor:
    username: str
    role: Role
    agency: str | None  # None: every agency
    client: str | None = None  # where the request came from, for the audit log

    @classmethod
    def of(cls, principal: Principal, client: str | None = None) -> Actor:
        return cls(principal.username, principal.role, principal.agency, client)

    def sees(self, agency: str) -> bool:
        return self.agency is None or self.agency == agency


def require(actor: Actor, roles: frozenset[Role], what: str) -> None:
    if actor.role not in roles:
        raise Forbidden(f"a {actor.role.value} may not {what}")


def scoped(query: Select[Case], actor: Actor) -> Select[Case]:
    """Only the cases naming someone of the actor's agency (all for agency-wide roles). A case
    naming people of two agencies is visible to analysts of both: each must verify its own."""
    if actor.agency is None:
        return query
    return query.where(
        exists(
            select(CasePerson.case_id)
            .join(Person, Person.id == CasePerson.person_id)
            .where(CasePerson.case_id == Case.id, Person.agency == actor.agency)
        )
    )


def storable_id(value: int) -> bool:
    """Whether `value` can be a row id at all (a bigger one overflows the database driver;
    it names no record, so it is answered like any id that does not exist)."""
    return 0 < value <= MAX_ID


def get_case(session: Session, case_id: int, actor: Actor, *, lock: bool = False) -> Case:
    require(actor, VIEWERS, "read cases")
    if not storable_id(case_id):
        raise CaseNotFound(f"no case {case_id}")
    query = scoped(select(Case).where(Case.id == case_id), actor)
    if lock:
        query = query.with_for_update()
    case = session.scalars(query).one_or_none()
    if case is None:
        raise CaseNotFound(f"no case {case_id}")
    return case
