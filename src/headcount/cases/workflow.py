"""The due-process state machine, enforced here whatever the caller:

    open -> verified -> notice_sent -> contested | not_contested -> determined -> closed

- verify: an analyst records the independent verification and its source.
- send_notice (cases/notices.py): a letter to each person named, queued for delivery;
  deadline = the recorded delivery + the agency's contest period (30 days unless its rules
  set more), set once every letter is delivered (cases/delivery/record.py).
- contested: a person named contests through their link before the deadline.
- not_contested: recorded only once the deadline has passed without a contest.
- determine (cases/determinations.py): a coded outcome, cause and dollars. Anything but
  `proper` only after the notice and its contest period, unless a public-health-or-safety
  exception was approved by two users other than the one who asked for it; the case must
  still have been verified. `proper` (the lead is dropped: no action against anyone) may
  end any open case.
- close: after a determination.

Every step writes a case event and an audit-log entry in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from headcount import audit
from headcount.cases.access import (
    WORKERS,
    Actor,
    CaseError,
    Forbidden,
    get_case,
    require,
    storable_id,
)
from headcount.cases.models import (
    Case,
    CaseEvent,
    ExceptionApproval,
    SafetyException,
    State,
)
from headcount.matching.sensitive import scan_text
from headcount.store.types import utcnow

APPROVALS_NEEDED = 2
PERSONAL = frozenset({"ssn", "routing", "account", "card"})
OPEN_STATES = frozenset(
    {State.OPEN, State.VERIFIED, State.NOTICE_SENT, State.CONTESTED, State.NOT_CONTESTED}
)
# Where confirming is possible at all: after the notice period (the normal path) ...
AFTER_NOTICE = frozenset({State.CONTESTED, State.NOT_CONTESTED})
# ... or, under an approved exception, any time after the independent verification.
UNDER_EXCEPTION = frozenset(
    {State.VERIFIED, State.NOTICE_SENT, State.CONTESTED, State.NOT_CONTESTED}
)
NOT_DELIVERED = (
    "the notice has not been delivered to every person named yet: the contest period starts "
    "when each letter's delivery is recorded (emailed, or mailed)"
)
NEXT_STEP = {
    State.OPEN: "record the independent verification first",
    State.VERIFIED: "send the notice first",
    State.NOTICE_SENT: "wait for a contest or for the contest deadline to pass",
    State.DETERMINED: "the case is already determined",
    State.CLOSED: "the case is closed",
}


def clean_text(label: str, text: str, *, required: bool = True, limit: int = 4000) -> str:
    """A free-text field an analyst typed: trimmed, bounded, and never an SSN or account
    number (the store must hold none in clear text; the form says why it was refused)."""
    text = text.replace("\x00", "").strip()
    if required and not text:
        raise CaseError(f"{label} is required")
    if len(text) > limit:
        raise CaseError(f"{label} is {len(text)} characters; at most {limit}")
    found = scan_text(text) & PERSONAL
    if found:
        kinds = ", ".join(sorted(found))
        raise CaseError(f"{label} appears to contain personal data ({kinds}): remove it")
    return text


def transition(
    session: Session,
    case: Case,
    actor_name: str,
    action: str,
    to: State,
    *,
    now: datetime,
    note: str = "",
    client: str | None = None,
    detail: audit.Detail | None = None,
) -> None:
    """Move the case, add its history line and the audit entry (one transaction)."""
    before = case.state
    case.state = to.value
    case.updated_at = now
    case.events.append(
        CaseEvent(
            at=now, actor=actor_name, action=action, from_state=before, to_state=to.value, note=note
        )
    )
    audit.record(
        session, actor=actor_name, action=f"case.{action}", target_type="case",
        target_id=case.id, client=client,
        detail={"finding_id": case.finding_id, "from": before, "to": to.value, **(detail or {})},
    )  # fmt: skip


def _state(case: Case) -> State:
    return State(case.state)


def expect_state(case: Case, allowed: frozenset[State], what: str) -> None:
    state = _state(case)
    if state not in allowed:
        step = NEXT_STEP.get(state, f"not possible from {state.value}")
        raise CaseError(f"cannot {what} a case that is {state.value}: {step}")


def worked_case(session: Session, case_id: int, actor: Actor, what: str) -> Case:
    require(actor, WORKERS, what)
    return get_case(session, case_id, actor, lock=True)


def verify(
    session: Session, case_id: int, actor: Actor, *, source: str, note: str = "",
    now: datetime | None = None,
) -> Case:  # fmt: skip
    case = worked_case(session, case_id, actor, "record a verification")
    expect_state(case, frozenset({State.OPEN}), "verify")
    now = now or utcnow()
    case.verification_source = clean_text("The verification source", source, limit=500)
    case.verification_note = clean_text("The note", note, required=False)
    case.verified_by, case.verified_at = actor.username, now
    transition(
        session, case, actor.username, "verify", State.VERIFIED, now=now,
        note=case.verification_source, client=actor.client,
    )  # fmt: skip
    return case


def record_no_contest(
    session: Session, case_id: int, actor: Actor, *, now: datetime | None = None
) -> Case:
    case = worked_case(session, case_id, actor, "record that no contest came")
    expect_state(case, frozenset({State.NOTICE_SENT}), "record no contest on")
    now = now or utcnow()
    if case.contest_deadline is None:
        raise CaseError(NOT_DELIVERED)
    if not contest_period_over(case, now):
        raise CaseError(
            f"the contest period runs until {case.contest_deadline:%Y-%m-%d %H:%M} UTC: "
            "'not contested' can only be recorded after it"
        )
    transition(
        session, case, actor.username, "no_contest", State.NOT_CONTESTED, now=now,
        client=actor.client,
    )  # fmt: skip
    return case


def approved_exception(case: Case, session: Session) -> SafetyException | None:
    for exc in session.scalars(select(SafetyException).where(SafetyException.case_id == case.id)):
        approvers = {a.approver for a in exc.approvals} - {exc.requested_by}
        if len(approvers) >= APPROVALS_NEEDED:
            return exc
    return None


def may_take_adverse_step(session: Session, case: Case, now: datetime) -> SafetyException | None:
    """Whether a determination against someone may be recorded now: after the notice and its
    contest period, or under an approved exception (returned). CaseError says why not."""
    state = _state(case)
    allowed, exception = adverse_step_allowed(session, case, now)
    if not allowed:
        raise CaseError(_why_not_yet(case, state))
    return exception


def contest_period_over(case: Case, now: datetime) -> bool:
    return case.contest_deadline is not None and now >= case.contest_deadline


def adverse_step_allowed(
    session: Session, case: Case, now: datetime
) -> tuple[bool, SafetyException | None]:
    """Whether a determination against someone may be recorded now, and under which
    approved exception (None on the normal path: after the notice and its contest period).
    The case page asks this too, so it never offers a step that would be refused."""
    state = _state(case)
    if state in AFTER_NOTICE and contest_period_over(case, now):
        return True, None
    exception = approved_exception(case, session) if state in UNDER_EXCEPTION else None
    return exception is not None, exception


def _why_not_yet(case: Case, state: State) -> str:
    prefix = "this determination cannot be recorded yet"
    if state is State.NOTICE_SENT and case.contest_deadline is None:
        return f"{prefix}: {NOT_DELIVERED}"
    if state in AFTER_NOTICE and case.contest_deadline is not None:
        return (
            f"{prefix}: the person has until {case.contest_deadline:%Y-%m-%d %H:%M} UTC to "
            "contest (notice + the contest period), and no public-health-or-safety exception "
            "has been approved by two other users"
        )
    return f"{prefix}: {NEXT_STEP.get(state, 'not possible from ' + state.value)}"


def close(session: Session, case_id: int, actor: Actor, *, now: datetime | None = None) -> Case:
    case = worked_case(session, case_id, actor, "close a case")
    expect_state(case, frozenset({State.DETERMINED}), "close")
    now = now or utcnow()
    case.closed_at = now
    transition(session, case, actor.username, "close", State.CLOSED, now=now, client=actor.client)
    return case


def request_exception(
    session: Session, case_id: int, actor: Actor, *, justification: str,
    now: datetime | None = None,
) -> SafetyException:  # fmt: skip
    case = worked_case(session, case_id, actor, "ask for an exception")
    expect_state(case, UNDER_EXCEPTION, "ask for an exception on")
    now = now or utcnow()
    exc = SafetyException(
        case_id=case.id, requested_by=actor.username, requested_at=now,
        justification=clean_text("The justification", justification),
    )  # fmt: skip
    session.add(exc)
    session.flush()
    case.events.append(
        CaseEvent(at=now, actor=actor.username, action="exception_request", from_state=case.state,
                  to_state=case.state, note=exc.justification)
    )  # fmt: skip
    audit.record(
        session, actor=actor.username, action="case.exception_request", target_type="case",
        target_id=case.id, client=actor.client, detail={"exception": exc.id},
    )  # fmt: skip
    return exc


def approve_exception(
    session: Session, case_id: int, exception_id: int, actor: Actor, *,
    now: datetime | None = None,
) -> SafetyException:  # fmt: skip
    case = worked_case(session, case_id, actor, "approve an exception")
    exc = session.get(SafetyException, exception_id) if storable_id(exception_id) else None
    if exc is None or exc.case_id != case.id:
        raise CaseError(f"case {case.id} has no exception {exception_id}")
    if exc.requested_by == actor.username:
        raise Forbidden("the user who asked for an exception cannot approve it")
    if any(a.approver == actor.username for a in exc.approvals):
        raise Forbidden("each approval must come from a different user: you have approved it")
    now = now or utcnow()
    exc.approvals.append(ExceptionApproval(approver=actor.username, approved_at=now))
    session.flush()
    case.events.append(
        CaseEvent(at=now, actor=actor.username, action="exception_approve", from_state=case.state,
                  to_state=case.state, note=f"approval {len(exc.approvals)} of {APPROVALS_NEEDED}")
    )  # fmt: skip
    audit.record(
        session, actor=actor.username, action="case.exception_approve", target_type="case",
        target_id=case.id, client=actor.client,
        detail={"exception": exc.id, "approvals": len(exc.approvals)},
    )  # fmt: skip
    return exc
