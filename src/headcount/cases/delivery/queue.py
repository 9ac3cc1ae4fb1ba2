"""Letters made: each is stored, exactly as it will be sent, and queued for delivery.

Called in the transaction of the step that makes the letter: the notice (cases/notices.py),
the determination (cases/determinations.py: a decision letter for each person named) and the
notice of debt (cases/debts/ledger.py).
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from headcount import audit
from headcount.cases.access import WORKERS, Actor, CaseError, CaseNotFound, require
from headcount.cases.delivery.models import Channel, Letter, LetterKind, LetterState
from headcount.cases.models import Case, Outcome, Person

EMAIL = re.compile(r"[^@\s<>,;\x00-\x1f]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}")


def queue_letter(
    session: Session, kind: LetterKind, case: Case, person: Person, *, html: str, pdf: bytes,
    reference: str, now: datetime, notice_id: int | None = None, debt_id: int | None = None,
) -> Letter:  # fmt: skip
    letter = Letter(
        kind=kind.value, case_id=case.id, person_id=person.id, notice_id=notice_id,
        debt_id=debt_id, reference=reference, created_at=now, html=html, pdf=pdf,
        state=LetterState.QUEUED.value, state_at=now, channel=channel_for(person).value,
        failure="",
    )  # fmt: skip
    session.add(letter)
    session.flush()
    return letter


def channel_for(person: Person) -> Channel:
    """Email to the work address when there is one and post was not chosen; post otherwise."""
    return Channel.EMAIL if person.email and not person.by_post else Channel.POST


def letters_of(session: Session, case_id: int) -> list[Letter]:
    query = select(Letter).where(Letter.case_id == case_id).order_by(Letter.id)
    return list(session.scalars(query))


def queue_decision_letters(
    session: Session, case: Case, *, contact: str, now: datetime
) -> list[Letter]:
    """The decision letter of each person named, stored when the determination is recorded
    (it prints the short link of the person's notice, when one was sent). A lead found
    proper is not written to anyone who was never sent a notice: they were never told of
    a finding, and a letter closing one would only alarm them."""
    from headcount.cases.letters import decision_html, letter_pdf

    links = {n.person_id: n.link or "" for n in case.notices}
    told = {n.person_id for n in case.notices}
    out = []
    for person in case.people:
        if case.outcome == Outcome.PROPER.value and person.id not in told:
            continue
        html = decision_html(case, person, agency_contact=contact, link=links.get(person.id, ""))
        out.append(
            queue_letter(session, LetterKind.DECISION, case, person, html=html,
                         pdf=letter_pdf(html), reference=case.finding_id, now=now)
        )  # fmt: skip
    return out


def set_recipient(
    session: Session, actor: Actor, employee_id: str, *, email: str | None = None,
    by_post: bool | None = None,
) -> Person:  # fmt: skip
    """Where a person's letters go: a work address (`email`, "" to remove it) and/or post.
    Letters still queued follow the change; the audit entry says what changed, not the
    address."""
    require(actor, WORKERS, "change where a person's letters go")
    person = session.scalars(
        select(Person).where(Person.employee_id == employee_id.strip())
    ).one_or_none()
    if person is None or not actor.sees(person.agency):
        raise CaseNotFound(f"no person {employee_id!r} is named in a case")
    if email is not None:
        address = email.strip()
        if address and not EMAIL.fullmatch(address):
            raise CaseError("the email address is not one address (name@domain)")
        person.email = address or None
    if by_post is not None:
        person.by_post = by_post
    for letter in session.scalars(
        select(Letter).where(Letter.person_id == person.id,
                             Letter.state == LetterState.QUEUED.value)
    ):  # fmt: skip
        letter.channel = channel_for(person).value
    audit.record(
        session, actor=actor.username, action="person.recipient", target_type="person",
        target_id=person.id, client=actor.client,
        detail={"email": bool(person.email), "by_post": person.by_post},
    )  # fmt: skip
    return person


def stored_letter(
    session: Session, case_id: int, person_id: int, kind: LetterKind
) -> Letter | None:
    """The latest letter of this kind the case made for this person, as it was sent."""
    query = select(Letter).where(
        Letter.case_id == case_id, Letter.person_id == person_id, Letter.kind == kind.value
    )
    return session.scalars(query.order_by(Letter.id.desc())).first()
