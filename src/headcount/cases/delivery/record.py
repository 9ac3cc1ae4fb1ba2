"""A letter's delivery, step by step, and the periods that count from it.

Each change is a case event (shown on the case page) and an audit entry, in the caller's
transaction. The period a letter starts counts from `provided_at`, the moment it was
"mailed or otherwise provided" (5 U.S.C. 552a(p)(1)(C)(ii)):

- email: when the SMTP server accepted it (the reply to the final dot);
- post: the start of the day it was recorded as mailed (a date, as a mailroom knows it);
- a letter recorded as delivered without either: the delivery.

A period of N days then ends at the end of the Nth day after that day (UTC) — one day more
than the statute's "30-day period beginning on the date" it was mailed, so no time zone
shortens it — and never before the date the letter itself states (it was made earlier,
so the dates it prints are the earliest the period can end).

- a notice of findings: the notice's deadline; once every person named has been provided
  their notice, the case's contest deadline (the latest). Until then the case has none, and
  no determination against anyone may be recorded (cases/workflow.py).
- a notice of debt: the date to pay or agree a schedule (that day + 30), and the 30 days
  before a salary offset may start (cases/debts/ledger.py).

A bounce undoes the provision: the period no longer runs until the letter goes out again.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from headcount import audit
from headcount.auth.roles import Role
from headcount.cases.access import (
    DEBT_WORKERS,
    WORKERS,
    Actor,
    CaseError,
    CaseNotFound,
    get_case,
    require,
    storable_id,
)
from headcount.cases.delivery.models import Channel, Letter, LetterKind, LetterState
from headcount.cases.delivery.periods import period_end, start_of
from headcount.cases.models import Case, CaseEvent, Notice, State
from headcount.store.types import utcnow

PAY_DAYS = 30  # a notice of debt's date to pay in full or agree a schedule

# Which recorded steps each state allows.
MAILABLE = frozenset({LetterState.PRINTED})
DELIVERABLE = frozenset({LetterState.SENT, LetterState.PRINTED, LetterState.MAILED})
BOUNCEABLE = frozenset({LetterState.SENT, LetterState.DELIVERED})


def workers_for_kind(kind: LetterKind) -> frozenset[Role]:
    """Case workers deliver case letters; finance, the notices of debt."""
    return DEBT_WORKERS if kind is LetterKind.DEBT_NOTICE else WORKERS


def workers_for(letter: Letter) -> frozenset[Role]:
    return workers_for_kind(LetterKind(letter.kind))


def get_letter(session: Session, letter_id: int, actor: Actor, *, lock: bool = False) -> Letter:
    """The letter, if the actor may see its case (404-alike otherwise, like a case)."""
    found = session.get(Letter, letter_id, with_for_update=lock) if storable_id(letter_id) else None
    if found is None:
        raise CaseNotFound(f"no letter {letter_id}")
    get_case(session, found.case_id, actor)  # scope: a case of another agency is "not found"
    return found


def worked_letter(session: Session, letter_id: int, actor: Actor, what: str) -> Letter:
    letter = get_letter(session, letter_id, actor, lock=True)
    require(actor, workers_for(letter), what)
    return letter


def change(
    session: Session, letter: Letter, to: LetterState, *, actor: str, now: datetime,
    how: str, client: str | None = None,
) -> None:  # fmt: skip
    """Move the letter, add the case's history line and the audit entry."""
    before = letter.state
    letter.state, letter.state_at = to.value, now
    case = letter.case
    note = f"{letter.kind.replace('_', ' ')} letter {letter.id} to {letter.person.employee_id}: "
    case.events.append(
        CaseEvent(at=now, actor=actor, action=f"letter_{to.value}", from_state=case.state,
                  to_state=case.state, note=note + how)
    )  # fmt: skip
    audit.record(
        session, actor=actor, action=f"letter.{to.value}", target_type="letter",
        target_id=letter.id, client=client,
        detail={"case": case.id, "kind": letter.kind, "from": before, "to": to.value,
                "channel": letter.channel, "how": how},
    )  # fmt: skip


def provide(session: Session, letter: Letter, moment: datetime) -> None:
    """The letter reached its reader at `moment`: start what counts from it (once)."""
    if letter.provided_at is not None:
        return
    letter.provided_at = moment
    if letter.kind == LetterKind.NOTICE and letter.notice_id is not None:
        notice = session.get_one(Notice, letter.notice_id)
        notice.delivered_at = moment
        notice.deadline = max(notice.deadline, period_end(moment, _contest_days(session, letter)))
        settle_case_clock(letter.case)
    elif letter.kind == LetterKind.DEBT_NOTICE and letter.debt_id is not None:
        from headcount.cases.debts.models import Debt

        debt = session.get_one(Debt, letter.debt_id)
        debt.notice_provided_at = moment
        due = moment.astimezone(UTC).date() + timedelta(days=PAY_DAYS)
        debt.payment_due = max(debt.payment_due or due, due)


def withdraw(session: Session, letter: Letter) -> None:
    """A bounce: the letter did not reach its reader after all."""
    letter.provided_at = None
    if letter.kind == LetterKind.NOTICE and letter.notice_id is not None:
        session.get_one(Notice, letter.notice_id).delivered_at = None
        settle_case_clock(letter.case)
    elif letter.kind == LetterKind.DEBT_NOTICE and letter.debt_id is not None:
        from headcount.cases.debts.models import Debt

        session.get_one(Debt, letter.debt_id).notice_provided_at = None


def _contest_days(session: Session, letter: Letter) -> int:
    from headcount.cases.notices import agency_terms

    return agency_terms(session, {p.agency for p in letter.case.people}).days


def settle_case_clock(case: Case) -> None:
    """The case's contest deadline: the latest notice's, once every notice is provided; none
    before (a decided case keeps the deadline it was decided under)."""
    if case.state not in (State.NOTICE_SENT, State.CONTESTED, State.NOT_CONTESTED):
        return
    if case.notices and all(n.delivered_at is not None for n in case.notices):
        case.contest_deadline = max(n.deadline for n in case.notices)
    elif case.state != State.NOT_CONTESTED:
        case.contest_deadline = None


def record_sent(
    session: Session, letter: Letter, *, actor: str, accepted_at: datetime,
    client: str | None = None,
) -> None:  # fmt: skip
    """The SMTP server accepted the email (called by the sender, never by hand)."""
    letter.channel, letter.sent_at, letter.failure = Channel.EMAIL.value, accepted_at, ""
    change(session, letter, LetterState.SENT, actor=actor, now=accepted_at,
           how="email accepted by the mail server", client=client)  # fmt: skip
    provide(session, letter, accepted_at)


def record_mailed(
    session: Session, letter_id: int, actor: Actor, *, on: date, now: datetime | None = None
) -> Letter:
    """A printed letter was posted on `on`: its period counts from that day."""
    letter = worked_letter(session, letter_id, actor, "record a letter as mailed")
    now = now or utcnow()
    if LetterState(letter.state) not in MAILABLE:
        raise CaseError(
            f"letter {letter.id} is {letter.state}: only a printed letter can be recorded as "
            "mailed (print it in a batch first)"
        )
    if on > now.date():
        raise CaseError(f"the mailing date {on:%Y-%m-%d} is in the future")
    if letter.printed_at is not None and on < letter.printed_at.date():
        raise CaseError(
            f"the mailing date {on:%Y-%m-%d} is before the letter was printed "
            f"({letter.printed_at:%Y-%m-%d})"
        )
    letter.mailed_on = on
    change(session, letter, LetterState.MAILED, actor=actor.username, now=now,
           how=f"mailed {on:%Y-%m-%d}", client=actor.client)  # fmt: skip
    provide(session, letter, start_of(on))
    return letter


def record_delivered(
    session: Session, letter_id: int, actor: Actor, *, on: date, now: datetime | None = None
) -> Letter:
    """The letter is known to have arrived on `on` (a return receipt, a hand delivery)."""
    letter = worked_letter(session, letter_id, actor, "record a letter as delivered")
    now = now or utcnow()
    if LetterState(letter.state) not in DELIVERABLE:
        raise CaseError(f"letter {letter.id} is {letter.state}: it was not sent or printed")
    if on > now.date():
        raise CaseError(f"the delivery date {on:%Y-%m-%d} is in the future")
    went = letter.mailed_on or (letter.sent_at.date() if letter.sent_at else None)
    if went is not None and on < went:
        raise CaseError(f"the delivery date {on:%Y-%m-%d} is before the letter went out")
    letter.delivered_at = start_of(on)
    change(session, letter, LetterState.DELIVERED, actor=actor.username, now=now,
           how=f"delivered {on:%Y-%m-%d}", client=actor.client)  # fmt: skip
    provide(session, letter, start_of(on))
    return letter


def record_bounce(
    session: Session, letter_id: int, actor: Actor, *, now: datetime | None = None
) -> Letter:
    """The email came back: the period stops until the letter is printed and mailed."""
    letter = worked_letter(session, letter_id, actor, "record a bounced letter")
    now = now or utcnow()
    if LetterState(letter.state) not in BOUNCEABLE or letter.channel != Channel.EMAIL:
        raise CaseError(f"letter {letter.id} is {letter.state}: only a sent email can bounce")
    change(session, letter, LetterState.BOUNCED, actor=actor.username, now=now,
           how="email bounced; it goes in the next print batch", client=actor.client)  # fmt: skip
    withdraw(session, letter)
    return letter
