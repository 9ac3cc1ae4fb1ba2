"""The debt state machine, enforced here whatever the caller (page, API, CLI):

    established -> notified -> repaying -> referred -> satisfied
                            \\-----------/

- open_debt: an `improper_overpayment` determination opens the debt (cases/determinations.py).
- send_notice: the notice of debt (amount, reason, the rights to inspect the records, to
  request a waiver and a hearing, to propose a schedule), stored and queued for delivery;
  payment is due 30 days after it is delivered (cases/delivery/record.py), and neither a
  salary offset nor a referral is possible before it is.
- agree: a repayment agreement (instalment, first due date, interval); a new one replaces it.
- pay: money received (repayment; Treasury offset once referred). Never more than the balance.
- offset: a salary offset while the person is employed, at least 30 days after the notice,
  not while a waiver request is pending, at most 15% of the period's disposable pay in all.
- request_waiver / decide_waiver: a waiver request puts the debt in dispute until decided;
  the decision waives part, all or none of the balance.
- refer: to the Treasury Offset Program, once delinquent 120 days and not in dispute.
- A balance of $0, by payments or waiver, satisfies the debt.

Every step writes a debt event and an audit-log entry in the same transaction, and keeps
`balance = principal - received - waived` (the table checks it too).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from headcount import audit
from headcount.cases.access import (
    DEBT_READERS,
    DEBT_WORKERS,
    Actor,
    CaseError,
    CaseNotFound,
    Forbidden,
    require,
    storable_id,
)
from headcount.cases.debts.models import (
    Agreement,
    Debt,
    DebtEvent,
    DebtPayment,
    DebtState,
    Method,
    Waiver,
    WaiverDecision,
)
from headcount.cases.debts.schedule import REFERRAL_DAYS, days_delinquent, in_dispute
from headcount.cases.models import Case, Person
from headcount.cases.money import ZERO, parse_money
from headcount.cases.workflow import clean_text
from headcount.store.types import utcnow

PAY_DAYS = 30  # the notice's date to pay in full or agree a schedule
OFFSET_NOTICE_DAYS = 30  # 5 U.S.C. 5514(a)(2): written notice at least 30 days before
OFFSET_SHARE = Decimal("0.15")  # of disposable pay per pay period, 5 U.S.C. 5514(a)(1)
NOT_DELIVERED = (
    "the notice of debt has not been delivered yet (emailed, or recorded as mailed): the "
    "periods before a salary offset or a referral count from its delivery"
)
COLLECTING = frozenset({DebtState.NOTIFIED, DebtState.REPAYING, DebtState.REFERRED})
OPEN = frozenset({DebtState.ESTABLISHED, *COLLECTING})


class DebtNotFound(CaseNotFound):
    """No such debt, or not one this user may see."""


def scoped(query: Select[Debt], actor: Actor) -> Select[Debt]:
    if actor.agency is None:
        return query
    return query.join(Person, Person.id == Debt.person_id).where(Person.agency == actor.agency)


def get_debt(session: Session, debt_id: int, actor: Actor, *, lock: bool = False) -> Debt:
    require(actor, DEBT_READERS, "read debts")
    if not storable_id(debt_id):
        raise DebtNotFound(f"no debt {debt_id}")
    query = scoped(select(Debt).where(Debt.id == debt_id), actor)
    if lock:
        query = query.with_for_update(of=Debt)
    debt = session.scalars(query).one_or_none()
    if debt is None:
        raise DebtNotFound(f"no debt {debt_id}")
    return debt


def list_debts(session: Session, actor: Actor, state: str | None = None) -> list[Debt]:
    require(actor, DEBT_READERS, "read debts")
    query = scoped(select(Debt), actor).order_by(Debt.id)
    if state:
        query = query.where(Debt.state == _state_code(state))
    return list(session.scalars(query))


def _state_code(value: str) -> str:
    try:
        return DebtState(value).value
    except ValueError:
        allowed = ", ".join(s.value for s in DebtState)
        raise CaseError(f"unknown debt state {value!r}: use one of {allowed}") from None


def _worked(session: Session, debt_id: int, actor: Actor, what: str) -> Debt:
    require(actor, DEBT_WORKERS, what)
    return get_debt(session, debt_id, actor, lock=True)


def _expect(debt: Debt, allowed: frozenset[DebtState], what: str) -> None:
    if DebtState(debt.state) not in allowed:
        raise CaseError(f"cannot {what} a debt that is {debt.state}: {_next_step(debt)}")


def _next_step(debt: Debt) -> str:
    return {
        DebtState.ESTABLISHED: "send the notice of debt first",
        DebtState.SATISFIED: "nothing is left to recover",
        DebtState.REFERRED: "it has been referred to the Treasury Offset Program",
    }.get(DebtState(debt.state), f"not possible from {debt.state}")


def _step(
    session: Session, debt: Debt, actor: str, action: str, *, now: datetime,
    to: DebtState | None = None, amount: Decimal | None = None, note: str = "",
    client: str | None = None, detail: audit.Detail | None = None,
) -> None:  # fmt: skip
    """Settle the state (satisfied at a zero balance), add the history line and the audit
    entry, all in the caller's transaction."""
    before = debt.state
    after = to or DebtState(debt.state)
    if debt.balance == 0 and debt.principal > 0:
        after = DebtState.SATISFIED
    debt.state, debt.updated_at = after.value, now
    debt.events.append(DebtEvent(at=now, actor=actor, action=action, from_state=before,
                                 to_state=after.value, amount=amount, balance=debt.balance,
                                 note=note))  # fmt: skip
    audit.record(
        session, actor=actor, action=f"debt.{action}", target_type="debt", target_id=debt.id,
        client=client, detail={
            "case": debt.case_id, "from": before, "to": after.value,
            "amount": None if amount is None else str(amount), "balance": str(debt.balance),
            **(detail or {}),
        },
    )  # fmt: skip


def open_debt(
    session: Session, case: Case, person: Person, amount: Decimal, actor: Actor, *,
    now: datetime,
) -> Debt:  # fmt: skip
    """The debt an overpayment determination establishes (called by it, in its transaction)."""
    debt = Debt(case_id=case.id, person_id=person.id, state=DebtState.ESTABLISHED.value,
                principal=amount, received=ZERO, waived=ZERO, balance=amount,
                reason=case.determination_reason or "", opened_at=now, opened_by=actor.username,
                updated_at=now, employed=True, notice_html="")  # fmt: skip
    session.add(debt)
    session.flush()
    _step(session, debt, actor.username, "open", now=now, to=DebtState.ESTABLISHED,
          amount=amount, note=f"overpayment determined on case {case.id}",
          client=actor.client)  # fmt: skip
    return debt


def send_notice(
    session: Session, debt_id: int, actor: Actor, *, now: datetime | None = None
) -> Debt:
    from headcount.cases.debts.letters import notice_html, reference
    from headcount.cases.delivery.models import LetterKind
    from headcount.cases.delivery.queue import queue_letter
    from headcount.cases.letters import letter_pdf
    from headcount.cases.notices import agency_terms

    debt = _worked(session, debt_id, actor, "send a notice of debt")
    _expect(debt, frozenset({DebtState.ESTABLISHED}), "send the notice of")
    now = now or utcnow()
    debt.notice_sent_at, debt.payment_due = now, now.date() + timedelta(days=PAY_DAYS)
    contact = agency_terms(session, {debt.person.agency}).contact
    debt.notice_html = notice_html(debt, sent_at=now, contact=contact)
    debt.notice_pdf = letter_pdf(debt.notice_html)
    queue_letter(session, LetterKind.DEBT_NOTICE, debt.case, debt.person, html=debt.notice_html,
                 pdf=debt.notice_pdf, reference=reference(debt), now=now,
                 debt_id=debt.id)  # fmt: skip
    _step(session, debt, actor.username, "notice", now=now, to=DebtState.NOTIFIED,
          note=f"payment due {debt.payment_due:%Y-%m-%d}", client=actor.client)  # fmt: skip
    return debt


def agree(
    session: Session, debt_id: int, actor: Actor, *, instalment: str | Decimal,
    first_due: date, interval_days: int = 14, now: datetime | None = None,
) -> Agreement:  # fmt: skip
    debt = _worked(session, debt_id, actor, "record a repayment agreement")
    _expect(debt, frozenset({DebtState.NOTIFIED, DebtState.REPAYING}), "agree a schedule for")
    now = now or utcnow()
    amount = parse_money(instalment, "the instalment")
    if not 1 <= interval_days <= 366:
        raise CaseError("instalments fall due every 1 to 366 days")
    if debt.notice_sent_at is not None and first_due < debt.notice_sent_at.date():
        raise CaseError("the first instalment cannot fall due before the notice of debt")
    agreement = Agreement(debt_id=debt.id, made_at=now, balance_at=debt.balance,
                          instalment=amount, first_due=first_due, interval_days=interval_days,
                          recorded_by=actor.username)  # fmt: skip
    debt.agreements.append(agreement)
    count = -(-debt.balance // amount)
    _step(session, debt, actor.username, "agreement", now=now, to=DebtState.REPAYING,
          amount=amount, client=actor.client,
          note=f"{count} instalment(s) of up to ${amount:,.2f} every {interval_days} days from "
          f"{first_due:%Y-%m-%d}")  # fmt: skip
    return agreement


def _receive(debt: Debt, amount: Decimal) -> None:
    if amount > debt.balance:
        raise CaseError(
            f"${amount:,.2f} is more than the balance of ${debt.balance:,.2f}: record at most "
            "the balance (a refund of the difference is outside headcount)"
        )
    debt.received += amount
    debt.balance = debt.principal - debt.received - debt.waived


def pay(
    session: Session, debt_id: int, actor: Actor, *, amount: str | Decimal,
    method: str = Method.REPAYMENT.value, reference: str = "",
    received_at: datetime | None = None, now: datetime | None = None,
) -> DebtPayment:  # fmt: skip
    debt = _worked(session, debt_id, actor, "record a payment")
    _expect(debt, OPEN, "record a payment on")
    now = now or utcnow()
    kind = Method(method) if method in {m.value for m in Method} else None
    if kind is None or kind is Method.SALARY_OFFSET:
        raise CaseError("the method is repayment or treasury_offset (salary offsets: offset)")
    if kind is Method.TREASURY_OFFSET and debt.state != DebtState.REFERRED:
        raise CaseError("a Treasury offset comes only after the referral to Treasury")
    value = parse_money(amount, "the payment")
    _receive(debt, value)
    payment = DebtPayment(debt_id=debt.id, received_at=received_at or now, amount=value,
                          method=kind.value, reference=clean_text("The reference", reference,
                          required=False, limit=200), recorded_by=actor.username)  # fmt: skip
    debt.payments.append(payment)
    _step(session, debt, actor.username, "payment", now=now, amount=value, client=actor.client,
          note=kind.value)  # fmt: skip
    return payment


def offset_limit(debt: Debt, disposable_pay: Decimal, period_end: date) -> Decimal:
    """What may still be offset from one pay period: 15% of its disposable pay, less the
    offsets already taken from it, and never more than the balance."""
    cap = (disposable_pay * OFFSET_SHARE).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    taken = sum(
        (p.amount for p in debt.payments
         if p.method == Method.SALARY_OFFSET.value and p.pay_period_end == period_end),
        ZERO,
    )  # fmt: skip
    return max(ZERO, min(cap - taken, debt.balance))


def offset(
    session: Session, debt_id: int, actor: Actor, *, disposable_pay: str | Decimal,
    pay_period_end: date, amount: str | Decimal | None = None, now: datetime | None = None,
) -> DebtPayment:  # fmt: skip
    """Deduct from one period's pay; `amount` defaults to the most allowed."""
    debt = _worked(session, debt_id, actor, "record a salary offset")
    _expect(debt, COLLECTING, "offset salary for")
    now = now or utcnow()
    if not debt.employed:
        raise CaseError("salary offset is only possible while the person is employed")
    if debt.notice_provided_at is None:
        raise CaseError(NOT_DELIVERED)
    allowed_from = debt.notice_provided_at + timedelta(days=OFFSET_NOTICE_DAYS)
    if now < allowed_from:
        raise CaseError(
            f"salary offset may start {allowed_from:%Y-%m-%d} (30 days after the notice of debt "
            "was delivered)"
        )
    if in_dispute(debt):
        raise CaseError("no salary offset while a waiver request awaits its decision")
    pay_text = parse_money(disposable_pay, "the disposable pay")
    limit = offset_limit(debt, pay_text, pay_period_end)
    value = limit if amount in (None, "") else parse_money(amount, "the offset")
    if value <= 0 or value > limit:
        raise CaseError(
            f"at most ${limit:,.2f} may be offset from the period ending {pay_period_end:%Y-%m-%d}"
            f" (15% of ${pay_text:,.2f} disposable pay, less offsets already taken from it)"
        )
    _receive(debt, value)
    payment = DebtPayment(debt_id=debt.id, received_at=now, amount=value,
                          method=Method.SALARY_OFFSET.value, reference="",
                          pay_period_end=pay_period_end, disposable_pay=pay_text,
                          recorded_by=actor.username)  # fmt: skip
    debt.payments.append(payment)
    _step(session, debt, actor.username, "offset", now=now, amount=value, client=actor.client,
          note=f"pay period ending {pay_period_end:%Y-%m-%d}")  # fmt: skip
    return payment


def request_waiver(
    session: Session, debt_id: int, actor: Actor, *, reason: str, now: datetime | None = None
) -> Waiver:
    debt = _worked(session, debt_id, actor, "record a waiver request")
    _expect(debt, OPEN, "request a waiver of")
    if in_dispute(debt):
        raise CaseError("a waiver request already awaits its decision")
    now = now or utcnow()
    waiver = Waiver(debt_id=debt.id, requested_at=now, reason=clean_text("The reason", reason),
                    recorded_by=actor.username)  # fmt: skip
    debt.waivers.append(waiver)
    _step(session, debt, actor.username, "waiver_request", now=now, note=waiver.reason,
          client=actor.client)  # fmt: skip
    return waiver


def decide_waiver(
    session: Session, debt_id: int, actor: Actor, *, amount: str | Decimal, reason: str,
    now: datetime | None = None,
) -> Waiver:  # fmt: skip
    """Waive `amount` (0: denied; the whole balance: granted; between: partial)."""
    debt = _worked(session, debt_id, actor, "decide a waiver request")
    pending = next((w for w in debt.waivers if w.decision is None), None)
    if pending is None:
        raise CaseError("there is no waiver request awaiting a decision")
    if pending.recorded_by == actor.username:
        raise Forbidden("the user who recorded a waiver request cannot decide it")
    now = now or utcnow()
    value = parse_money(amount, "the amount waived", zero=True)
    if value > debt.balance:
        raise CaseError(f"at most the balance (${debt.balance:,.2f}) can be waived")
    decision = (
        WaiverDecision.DENIED if value == 0
        else WaiverDecision.GRANTED if value == debt.balance else WaiverDecision.PARTIAL
    )  # fmt: skip
    pending.decision, pending.amount = decision.value, value
    pending.decided_at, pending.decided_by = now, actor.username
    pending.decision_reason = clean_text("The reason", reason)
    debt.waived += value
    debt.balance = debt.principal - debt.received - debt.waived
    _step(session, debt, actor.username, "waiver_decision", now=now, amount=value,
          note=f"{decision.value}: {pending.decision_reason}", client=actor.client)  # fmt: skip
    return pending


def separate(session: Session, debt_id: int, actor: Actor, *, now: datetime | None = None) -> Debt:
    """Record that the person has left service: salary offset stops being possible."""
    debt = _worked(session, debt_id, actor, "record a separation")
    _expect(debt, OPEN, "record a separation on")
    if not debt.employed:
        raise CaseError("the separation is already recorded")
    debt.employed = False
    _step(session, debt, actor.username, "separation", now=now or utcnow(),
          note="no longer employed: no salary offset", client=actor.client)  # fmt: skip
    return debt


def refer(session: Session, debt_id: int, actor: Actor, *, now: datetime | None = None) -> Debt:
    debt = _worked(session, debt_id, actor, "refer a debt to Treasury")
    _expect(debt, frozenset({DebtState.NOTIFIED, DebtState.REPAYING}), "refer")
    now = now or utcnow()
    if in_dispute(debt):
        raise CaseError(
            "a debt in dispute (a waiver request awaits its decision) cannot be referred"
        )
    if debt.notice_provided_at is None:
        raise CaseError(NOT_DELIVERED)
    days = days_delinquent(debt, now.date())
    if days < REFERRAL_DAYS:
        raise CaseError(
            f"a debt is referred to the Treasury Offset Program once delinquent {REFERRAL_DAYS} "
            f"days; this one is delinquent {days} day(s)"
        )
    debt.referred_at = now
    _step(session, debt, actor.username, "refer", now=now, to=DebtState.REFERRED,
          note=f"delinquent {days} days", client=actor.client)  # fmt: skip
    return debt
