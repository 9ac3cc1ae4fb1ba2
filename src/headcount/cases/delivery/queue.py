"""Letters made: each is stored, exactly as it will be sent, and queued for delivery.

Called in the transaction of the step that makes the letter: the notice (cases/notices.py),
the determination (cases/determinations.py: a decision letter for each person named) and the
notice of debt (cases/debts/ledger.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from headcount.cases.delivery.models import Channel, Letter, LetterKind, LetterState
from headcount.cases.models import Case, Person


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
    (it prints the short link of the person's notice, when one was sent)."""
    from headcount.cases.letters import decision_html, letter_pdf

    links = {n.person_id: n.link or "" for n in case.notices}
    out = []
    for person in case.people:
        html = decision_html(case, person, agency_contact=contact, link=links.get(person.id, ""))
        out.append(
            queue_letter(session, LetterKind.DECISION, case, person, html=html,
                         pdf=letter_pdf(html), reference=case.finding_id, now=now)
        )  # fmt: skip
    return out
