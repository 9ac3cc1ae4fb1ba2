"""The case list: search and filters, always inside the user's agency scope. Every value is
a bound parameter (never SQL text), and LIKE wildcards typed by the user are escaped."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from headcount.cases.access import VIEWERS, Actor, require, scoped
from headcount.cases.models import Case, CasePerson, Person

PAGE_SIZE = 50
FIELDS = ("q", "state", "rule", "severity", "agency")


@dataclass(frozen=True)
class CaseFilter:
    q: str = ""
    state: str = ""
    rule: str = ""
    severity: str = ""
    agency: str = ""

    @classmethod
    def of(cls, values: dict[str, str]) -> CaseFilter:
        # A control character (NUL above all, which PostgreSQL refuses in text) can be in no
        # stored value: it is dropped, so such a filter simply matches what the rest does.
        return cls(**{name: _printable(values.get(name) or "").strip()[:100] for name in FIELDS})


def _printable(text: str) -> str:
    return "".join(c for c in text if c.isprintable())


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_cases(
    session: Session, actor: Actor, f: CaseFilter, page: int = 1
) -> tuple[list[Case], int]:
    require(actor, VIEWERS, "read cases")
    query = scoped(select(Case), actor)
    person_match = select(CasePerson.case_id).join(Person, Person.id == CasePerson.person_id)
    if f.q:
        pattern = _like(f.q)
        query = query.where(
            or_(
                Case.finding_id.ilike(pattern, escape="\\"),
                Case.summary.ilike(pattern, escape="\\"),
                exists(
                    person_match.where(
                        CasePerson.case_id == Case.id,
                        or_(
                            Person.employee_id.ilike(pattern, escape="\\"),
                            Person.name.ilike(pattern, escape="\\"),
                        ),
                    )
                ),
            )
        )
    if f.state:
        query = query.where(Case.state == f.state)
    if f.rule:
        query = query.where(Case.rule == f.rule)
    if f.severity:
        query = query.where(Case.severity == f.severity)
    if f.agency:
        query = query.where(
            exists(person_match.where(CasePerson.case_id == Case.id, Person.agency == f.agency))
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Case.id).limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)
    ).all()
    return list(rows), total
