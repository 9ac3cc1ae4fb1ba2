"""The letters of a case and their delivery in the JSON API: each letter's state, and the
steps a mailroom reports (mailed, delivered) or a bounce, under the same route policy, roles
and audit as the case API (web/case_api.py). Letters are sent by `headcount cases deliver`
(email and print batches, docs/cases.md); nothing here returns a name or an address.
"""

# No `from __future__ import annotations`: FastAPI reads the body models' real annotations.

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from headcount.cases.access import CaseError, CaseNotFound, Forbidden, get_case
from headcount.cases.delivery import record
from headcount.cases.delivery.models import Letter
from headcount.cases.delivery.queue import letters_of
from headcount.web.case_api import ERRORS, _actor, _problem
from headcount.web.case_api_models import Empty
from headcount.web.guard import app_store

router = APIRouter(prefix="/api/v1", tags=["cases and debts"])


class LetterOut(BaseModel):
    id: int
    kind: str  # notice, decision or debt_notice
    reference: str
    case_id: int
    debt_id: int | None
    employee_id: str
    state: str  # queued, sent, delivered, bounced, printed or mailed
    channel: str | None  # email or post
    created_at: datetime
    sent_at: datetime | None
    printed_at: datetime | None
    batch: str | None
    mailed_on: date | None
    delivered_at: datetime | None
    provided_at: datetime | None  # what the letter's period counts from
    failure: str


class DayIn(BaseModel):
    on: date


def letter_out(letter: Letter) -> LetterOut:
    return LetterOut(
        id=letter.id, kind=letter.kind, reference=letter.reference, case_id=letter.case_id,
        debt_id=letter.debt_id, employee_id=letter.person.employee_id, state=letter.state,
        channel=letter.channel, created_at=letter.created_at, sent_at=letter.sent_at,
        printed_at=letter.printed_at, batch=letter.batch, mailed_on=letter.mailed_on,
        delivered_at=letter.delivered_at, provided_at=letter.provided_at,
        failure=letter.failure,
    )  # fmt: skip


@router.get("/cases/{case_id}/letters", response_model=list[LetterOut], responses=ERRORS)
def case_letters(case_id: int, request: Request) -> list[LetterOut] | JSONResponse:
    """Every letter of a case (notices, decisions, notices of debt) and its delivery."""
    try:
        with app_store(request).begin() as s:
            get_case(s, case_id, _actor(request))
            return [letter_out(letter) for letter in letters_of(s, case_id)]
    except (CaseNotFound, Forbidden) as exc:
        return _problem(exc)


LetterStep = Callable[..., Letter]
STEPS: dict[str, tuple[type[BaseModel], LetterStep, str]] = {
    "mailed": (DayIn, lambda s, i, a, b: record.record_mailed(s, i, a, on=b.on),
               "Record the day a printed letter was mailed: its period counts from that day"),
    "delivered": (DayIn, lambda s, i, a, b: record.record_delivered(s, i, a, on=b.on),
                  "Record the day a letter is known to have arrived"),
    "bounce": (Empty, lambda s, i, a, b: record.record_bounce(s, i, a),
               "Record that an emailed letter bounced: it goes in the next print batch"),
}  # fmt: skip


def _route(model: type[BaseModel], step: LetterStep) -> Callable[..., Any]:
    def endpoint(letter_id: int, body: model, request: Request) -> Any:  # type: ignore[valid-type]
        who = _actor(request)
        try:
            with app_store(request).begin() as s:
                return letter_out(step(s, letter_id, who, body))
        except (CaseError, CaseNotFound, Forbidden) as exc:
            return _problem(exc)

    return endpoint


for _name, (_model, _step, _summary) in STEPS.items():
    router.add_api_route(
        f"/letters/{{letter_id}}/{_name}", _route(_model, _step), methods=["POST"],
        response_model=LetterOut, responses=ERRORS, summary=_summary,
    )  # fmt: skip
