"""The case and debt API's bodies and answers (web/case_api.py): money as exact decimals
(strings in JSON), people by employee number only."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

Text = Annotated[str, Field(max_length=4000)]
Dollars = Annotated[str, Field(max_length=32, pattern=r"^\$?[0-9][0-9,]*(\.[0-9]{1,2})?$")]


class Problem(BaseModel):
    code: str
    message: str


class EventOut(BaseModel):
    at: datetime
    actor: str
    action: str
    to_state: str
    note: str


class CaseOut(BaseModel):
    id: int
    finding_id: str
    rule: str
    severity: str
    state: str
    amount_at_risk: Decimal
    summary: str
    employee_ids: list[str]
    contest_deadline: datetime | None
    outcome: str | None
    cause: str | None
    identified: Decimal | None
    prevented: Decimal | None
    overpayment: Decimal | None
    debt_id: int | None


class CaseDetailOut(CaseOut):
    determination_reason: str | None
    legacy_outcome: str | None
    events: list[EventOut]


class CaseListOut(BaseModel):
    total: int
    page: int
    cases: list[CaseOut]


class PaymentOut(BaseModel):
    received_at: datetime
    amount: Decimal
    method: str
    reference: str
    pay_period_end: date | None


class WaiverOut(BaseModel):
    requested_at: datetime
    reason: str
    decision: str | None
    amount: Decimal | None


class AgreementOut(BaseModel):
    instalment: Decimal
    first_due: date
    interval_days: int
    balance_at: Decimal


class DebtOut(BaseModel):
    id: int
    case_id: int
    employee_id: str
    state: str
    principal: Decimal
    received: Decimal
    waived: Decimal
    balance: Decimal
    employed: bool
    notice_sent_at: datetime | None
    payment_due: date | None
    referred_at: datetime | None
    in_dispute: bool
    days_delinquent: int


class DebtDetailOut(DebtOut):
    agreement: AgreementOut | None
    payments: list[PaymentOut]
    waivers: list[WaiverOut]
    events: list[EventOut]


class VerifyIn(BaseModel):
    source: Annotated[str, Field(max_length=500)]
    note: Text = ""


class DetermineIn(BaseModel):
    outcome: Annotated[str, Field(max_length=40)]
    cause: Annotated[str | None, Field(max_length=40)] = None
    identified: Dollars | None = None
    prevented: Dollars | None = None
    overpayment: Dollars | None = None
    reason: Text
    debtor: Annotated[str | None, Field(max_length=64)] = None


class ReasonIn(BaseModel):
    reason: Text


class JustificationIn(BaseModel):
    justification: Text


class Empty(BaseModel):
    pass


class AgreementIn(BaseModel):
    instalment: Dollars
    first_due: date
    interval_days: Annotated[int, Field(ge=1, le=366)] = 14


class PaymentIn(BaseModel):
    amount: Dollars
    method: Annotated[str, Field(max_length=20)] = "repayment"
    reference: Annotated[str, Field(max_length=200)] = ""


class OffsetIn(BaseModel):
    disposable_pay: Dollars
    pay_period_end: date
    amount: Dollars | None = None


class WaiverDecisionIn(BaseModel):
    amount: Dollars
    reason: Text
