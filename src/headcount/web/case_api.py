"""The case and debt JSON API: every step the case and debt pages offer, for an agency's own
systems (OpenAPI at /openapi.json), under the same route policy, roles and audit.

Sign in with `POST /api/v1/session` and send `Authorization: Bearer <token>`. Money is a
string of dollars (exact: "1234.56"), never a float. Nothing here returns an SSN, an account
or a name: people appear by employee number. Errors are `{"code", "message"}`: 404 for a case
or debt that does not exist or is another agency's, 403 for a role that may not, 409 for a
step the case or debt cannot take now (the message says why).
"""

# No `from __future__ import annotations`: the step routes are made in a loop, and FastAPI
# reads each endpoint's body model from its real (not string) annotation.

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from headcount import audit
from headcount.cases import determinations, notices, workflow
from headcount.cases.access import Actor, CaseError, CaseNotFound, Forbidden, get_case
from headcount.cases.debts import ledger, schedule
from headcount.cases.debts.models import Debt
from headcount.cases.debts.steps import take_step
from headcount.cases.models import Case
from headcount.cases.search import CaseFilter, search_cases
from headcount.store import utcnow
from headcount.web.case_api_models import (
    AgreementIn,
    AgreementOut,
    CaseDetailOut,
    CaseListOut,
    CaseOut,
    DebtDetailOut,
    DebtOut,
    DetermineIn,
    Empty,
    EventOut,
    JustificationIn,
    OffsetIn,
    PaymentIn,
    PaymentOut,
    Problem,
    ReasonIn,
    VerifyIn,
    WaiverDecisionIn,
    WaiverOut,
)
from headcount.web.guard import app_store, client_address, principal

router = APIRouter(prefix="/api/v1", tags=["cases and debts"])
Id = Annotated[int, Field(ge=1, le=2**62)]


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The body is not JSON"},
    401: {"model": Problem, "description": "Not signed in"},
    403: {"model": Problem, "description": "Role not allowed"},
    404: {"model": Problem, "description": "No such case or debt (for your agency)"},
    409: {"model": Problem, "description": "Not possible now, or not valid: the message says why"},
    422: {"model": Problem, "description": "Invalid request"},
}


def _actor(request: Request) -> Actor:
    return Actor.of(principal(request), client_address(request))


def _problem(exc: Exception) -> JSONResponse:
    if isinstance(exc, CaseNotFound):
        return JSONResponse({"code": "not_found", "message": str(exc)}, 404)
    if isinstance(exc, Forbidden):
        return JSONResponse({"code": "forbidden", "message": str(exc)}, 403)
    return JSONResponse({"code": "not_possible", "message": str(exc)}, 409)


def _events(rows: list[Any]) -> list[EventOut]:
    return [EventOut(at=e.at, actor=e.actor, action=e.action, to_state=e.to_state, note=e.note)
            for e in rows]  # fmt: skip


def case_out(s: Session, case: Case, detail: bool = False) -> CaseOut:
    debt_id = s.scalars(select(Debt.id).where(Debt.case_id == case.id)).first()
    fields: dict[str, Any] = dict(
        id=case.id, finding_id=case.finding_id, rule=case.rule, severity=case.severity,
        state=case.state, amount_at_risk=case.amount_at_risk, summary=case.summary,
        employee_ids=[p.employee_id for p in case.people], contest_deadline=case.contest_deadline,
        outcome=case.outcome, cause=case.cause, identified=case.identified,
        prevented=case.prevented, overpayment=case.overpayment, debt_id=debt_id,
    )  # fmt: skip
    if not detail:
        return CaseOut(**fields)
    return CaseDetailOut(**fields, determination_reason=case.determination_reason,
                         legacy_outcome=case.legacy_outcome, events=_events(case.events))  # fmt: skip


def debt_out(debt: Debt, detail: bool = False) -> DebtOut:
    today = utcnow().date()
    fields: dict[str, Any] = dict(
        id=debt.id, case_id=debt.case_id, employee_id=debt.person.employee_id, state=debt.state,
        principal=debt.principal, received=debt.received, waived=debt.waived,
        balance=debt.balance, employed=debt.employed, notice_sent_at=debt.notice_sent_at,
        payment_due=debt.payment_due, referred_at=debt.referred_at,
        in_dispute=schedule.in_dispute(debt), days_delinquent=schedule.days_delinquent(debt, today),
    )  # fmt: skip
    if not detail:
        return DebtOut(**fields)
    agreement = schedule.agreement_in_force(debt)
    return DebtDetailOut(
        **fields,
        agreement=None if agreement is None else AgreementOut(
            instalment=agreement.instalment, first_due=agreement.first_due,
            interval_days=agreement.interval_days, balance_at=agreement.balance_at,
        ),
        payments=[PaymentOut(received_at=p.received_at, amount=p.amount, method=p.method,
                             reference=p.reference, pay_period_end=p.pay_period_end)
                  for p in debt.payments],
        waivers=[WaiverOut(requested_at=w.requested_at, reason=w.reason, decision=w.decision,
                           amount=w.amount) for w in debt.waivers],
        events=_events(debt.events),
    )  # fmt: skip


@router.get("/cases", response_model=CaseListOut, responses=ERRORS)
def list_cases(
    request: Request,
    state: Annotated[str, Query(max_length=32)] = "",
    rule: Annotated[str, Query(max_length=64)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> CaseListOut | JSONResponse:
    """Cases of your agency (all for auditors and admins), 50 a page."""
    try:
        with app_store(request).begin() as s:
            rows, total = search_cases(
                s, _actor(request), CaseFilter.of({"state": state, "rule": rule, "q": q}), page
            )
            return CaseListOut(total=total, page=page, cases=[case_out(s, c) for c in rows])
    except (CaseError, Forbidden) as exc:
        return _problem(exc)


def _read_case(request: Request, case_id: int) -> CaseOut | JSONResponse:
    who = _actor(request)
    try:
        with app_store(request).begin() as s:
            case = get_case(s, case_id, who)
            audit.record(s, actor=who.username, action="case.view", target_type="case",
                         target_id=case.id, client=who.client, detail={"via": "api"})  # fmt: skip
            return case_out(s, case, detail=True)
    except (CaseNotFound, Forbidden) as exc:
        return _problem(exc)


router.add_api_route(
    "/cases/{case_id}", _read_case, methods=["GET"], response_model=CaseDetailOut,
    responses=ERRORS, summary="A case with its determination and history",
)  # fmt: skip

CaseStep = Callable[[Session, int, Actor, Any, Request], object]
CASE_STEPS: dict[str, tuple[type[BaseModel], CaseStep, str]] = {
    "verify": (VerifyIn, lambda s, c, a, b, r: workflow.verify(
        s, c, a, source=b.source, note=b.note), "Record the independent verification"),
    "notice": (Empty, lambda s, c, a, b, r: notices.send_notice(
        s, c, a, signer=r.app.state.contest_signer,
        base_url=str(getattr(r.app.state, "base_url", None) or r.base_url),
    ), "Send the notice letters; the contest period starts"),
    "no-contest": (Empty, lambda s, c, a, b, r: workflow.record_no_contest(s, c, a),
                   "Record that no contest came by the deadline"),
    "determination": (DetermineIn, lambda s, c, a, b, r: determinations.determine(
        s, c, a, outcome=b.outcome, cause=b.cause, identified=b.identified,
        prevented=b.prevented, overpayment=b.overpayment, reason=b.reason, debtor=b.debtor,
    ), "Record the coded determination (an overpayment opens a debt)"),
    "dismissal": (ReasonIn, lambda s, c, a, b, r: determinations.dismiss(
        s, c, a, reason=b.reason), "Drop the lead: determined proper"),
    "close": (Empty, lambda s, c, a, b, r: workflow.close(s, c, a), "Close a determined case"),
    "exceptions": (JustificationIn, lambda s, c, a, b, r: workflow.request_exception(
        s, c, a, justification=b.justification), "Ask for a public-health-or-safety exception"),
    "referrals": (JustificationIn, lambda s, c, a, b, r: determinations.request_referral(
        s, c, a, justification=b.justification), "Ask for a fraud referral (integrity role)"),
}  # fmt: skip


def _case_route(model: type[BaseModel], step: CaseStep) -> Callable[..., Any]:
    def endpoint(case_id: int, body: model, request: Request) -> Any:  # type: ignore[valid-type]
        who = _actor(request)
        try:
            with app_store(request).begin() as s:
                step(s, case_id, who, body, request)
        except (CaseError, CaseNotFound, Forbidden) as exc:
            return _problem(exc)
        return _read_case(request, case_id)

    return endpoint


for _name, (_model, _step, _summary) in CASE_STEPS.items():
    router.add_api_route(
        f"/cases/{{case_id}}/{_name}", _case_route(_model, _step), methods=["POST"],
        response_model=CaseDetailOut, responses=ERRORS, summary=_summary,
    )  # fmt: skip


def _approval(kind: str) -> Callable[..., Any]:
    approve = (
        workflow.approve_exception if kind == "exceptions" else determinations.approve_referral
    )

    def endpoint(case_id: int, item_id: Id, request: Request) -> Any:
        who = _actor(request)
        try:
            with app_store(request).begin() as s:
                approve(s, case_id, item_id, who)
        except (CaseError, CaseNotFound, Forbidden) as exc:
            return _problem(exc)
        return _read_case(request, case_id)

    return endpoint


for _kind in ("exceptions", "referrals"):
    router.add_api_route(
        f"/cases/{{case_id}}/{_kind}/{{item_id}}/approval", _approval(_kind), methods=["POST"],
        response_model=CaseDetailOut, responses=ERRORS, summary=f"Approve one of the {_kind}",
    )  # fmt: skip


@router.get("/debts", response_model=list[DebtOut], responses=ERRORS)
def list_debts(
    request: Request, state: Annotated[str, Query(max_length=32)] = ""
) -> list[DebtOut] | JSONResponse:
    """Debts of your agency (all for auditors and admins)."""
    try:
        with app_store(request).begin() as s:
            return [debt_out(d) for d in ledger.list_debts(s, _actor(request), state or None)]
    except (CaseError, Forbidden) as exc:
        return _problem(exc)


def _read_debt(request: Request, debt_id: int) -> DebtOut | JSONResponse:
    try:
        with app_store(request).begin() as s:
            return debt_out(ledger.get_debt(s, debt_id, _actor(request)), detail=True)
    except (CaseNotFound, Forbidden) as exc:
        return _problem(exc)


router.add_api_route(
    "/debts/{debt_id}", _read_debt, methods=["GET"], response_model=DebtDetailOut,
    responses=ERRORS, summary="A debt with its schedule, payments, waivers and history",
)  # fmt: skip

DEBT_STEPS: dict[str, tuple[type[BaseModel], str]] = {
    "notice": (Empty, "Send the notice of debt; payment falls due 30 days later"),
    "agreement": (AgreementIn, "Record a repayment agreement (replaces any earlier one)"),
    "payment": (PaymentIn, "Record money received (repayment, or Treasury offset once referred)"),
    "offset": (OffsetIn, "Record a salary offset (at most 15% of the period's disposable pay)"),
    "waiver-request": (ReasonIn, "Record a waiver request (the debt is then in dispute)"),
    "waiver-decision": (WaiverDecisionIn, "Record the waiver decision: the amount waived"),
    "separation": (Empty, "Record that the person left service (no more salary offset)"),
    "referral": (Empty, "Refer to the Treasury Offset Program (120 days delinquent)"),
}


def _debt_route(step: str, model: type[BaseModel]) -> Callable[..., Any]:
    def endpoint(debt_id: int, body: model, request: Request) -> Any:  # type: ignore[valid-type]
        who = _actor(request)
        data: BaseModel = body
        fields = {k: None if v is None else str(v) for k, v in data.model_dump().items()}

        try:
            with app_store(request).begin() as s:
                take_step(s, debt_id, who, step, fields)
        except (CaseError, CaseNotFound, Forbidden) as exc:
            return _problem(exc)
        return _read_debt(request, debt_id)

    return endpoint


for _name, (_model, _summary) in DEBT_STEPS.items():
    router.add_api_route(
        f"/debts/{{debt_id}}/{_name}", _debt_route(_name, _model), methods=["POST"],
        response_model=DebtDetailOut, responses=ERRORS, summary=_summary,
    )  # fmt: skip
