"""Every debt step by name, from text fields: the one translation the page's forms, the JSON
API and the CLI share (amounts stay text until cases.money parses them exactly)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from sqlalchemy.orm import Session

from headcount.cases.access import Actor, CaseError
from headcount.cases.debts import ledger

Fields = Mapping[str, str | None]
Step = Callable[[Session, int, Actor, Fields], object]


def text(fields: Fields, name: str) -> str:
    return (fields.get(name) or "").strip()


def day(fields: Fields, name: str, label: str) -> date:
    value = text(fields, name)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CaseError(f"{label} must be a date, YYYY-MM-DD") from None


def whole(fields: Fields, name: str, label: str, default: int) -> int:
    value = text(fields, name)
    if not value:
        return default
    if not value.isdigit() or len(value) > 4:
        raise CaseError(f"{label} must be a whole number of days")
    return int(value)


STEPS: dict[str, Step] = {
    "notice": lambda s, d, a, f: ledger.send_notice(s, d, a),
    "agreement": lambda s, d, a, f: ledger.agree(
        s,
        d,
        a,
        instalment=text(f, "instalment"),
        first_due=day(f, "first_due", "the first due date"),
        interval_days=whole(f, "interval_days", "the interval", 14),
    ),
    "payment": lambda s, d, a, f: ledger.pay(
        s,
        d,
        a,
        amount=text(f, "amount"),
        method=text(f, "method") or "repayment",
        reference=text(f, "reference"),
    ),
    "offset": lambda s, d, a, f: ledger.offset(
        s,
        d,
        a,
        disposable_pay=text(f, "disposable_pay"),
        pay_period_end=day(f, "pay_period_end", "the pay period's end"),
        amount=text(f, "amount") or None,
    ),
    "waiver-request": lambda s, d, a, f: ledger.request_waiver(s, d, a, reason=text(f, "reason")),
    "waiver-decision": lambda s, d, a, f: ledger.decide_waiver(
        s, d, a, amount=text(f, "amount"), reason=text(f, "reason")
    ),
    "separation": lambda s, d, a, f: ledger.separate(s, d, a),
    "referral": lambda s, d, a, f: ledger.refer(s, d, a),
}


def take_step(session: Session, debt_id: int, actor: Actor, step: str, fields: Fields) -> object:
    take = STEPS.get(step)
    if take is None:
        raise CaseError(f"there is no debt step {step!r}: use one of {', '.join(STEPS)}")
    return take(session, debt_id, actor, fields)
