"""Finance's debt pages: the list, a debt with its balance, schedule, payments, waivers and
history, each step as a CSRF-protected form (cases/debts/steps.py), and the notice of debt.

The library enforces roles, agency scope and the legal order; a debt of another agency
answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from headcount.cases.access import DEBT_WORKERS, CaseError, Forbidden
from headcount.cases.debts import ledger, schedule
from headcount.cases.debts.ledger import OFFSET_NOTICE_DAYS
from headcount.cases.debts.letters import reference
from headcount.cases.debts.models import Debt, DebtState
from headcount.cases.debts.schedule import REFERRAL_DAYS
from headcount.cases.debts.steps import STEPS, take_step
from headcount.cases.letters import money
from headcount.store import utcnow
from headcount.web.case_pages import actor, sentence
from headcount.web.guard import app_store
from headcount.web.pages import error_page, render
from headcount.web.security import CSRF_FIELD, csrf_ok

router = APIRouter(include_in_schema=False)
NOT_FOUND = "There is no debt with that id."
# The fields each step needs, checked here first so that a missing one is named next to its
# box (the library checks again): (form name, field id on the page, message).
STEP_FIELDS: dict[str, list[tuple[str, str, str]]] = {
    "agreement": [
        ("instalment", "instalment", "Enter the instalment in dollars."),
        ("first_due", "first_due", "Enter the date the first instalment is due."),
    ],
    "payment": [("amount", "amount", "Enter the amount received.")],
    "offset": [
        ("disposable_pay", "disposable_pay", "Enter the period's disposable pay."),
        ("pay_period_end", "pay_period_end", "Enter the last day of the pay period."),
    ],
    "waiver-decision": [
        ("amount", "waived-amount", "Enter the amount waived (0 to deny)."),
        ("reason", "decision-reason", "Enter the reason for the decision."),
    ],
    "waiver-request": [("reason", "waiver-reason", "Enter what the person asks and why.")],
}


def offset_blocked(debt: Debt, now: datetime) -> str:
    """Why no salary offset can be recorded now ("" when one can): the library's rules."""
    if debt.notice_sent_at is not None:
        start = debt.notice_sent_at + timedelta(days=OFFSET_NOTICE_DAYS)
        if now < start:
            return (
                f"Salary offset may start on {start:%Y-%m-%d}, {OFFSET_NOTICE_DAYS} days after "
                "the notice of debt."
            )
    if schedule.in_dispute(debt):
        return "No salary offset while a waiver request awaits its decision."
    return ""


def refer_blocked(debt: Debt, today: date) -> str:
    if schedule.in_dispute(debt):
        return "A debt in dispute cannot be referred until the waiver request is decided."
    days = schedule.days_delinquent(debt, today)
    if days < REFERRAL_DAYS:
        return (
            f"A referral becomes possible once the debt is {REFERRAL_DAYS} days delinquent; "
            f"it is {days} day{'' if days == 1 else 's'} delinquent now."
        )
    return ""


@router.get("/debts", response_class=HTMLResponse)
def debt_list(request: Request) -> HTMLResponse:
    who = actor(request)
    state = request.query_params.get("state") or None
    try:
        with app_store(request).begin() as s:
            rows = [(d, d.person.employee_id, d.case.finding_id)
                    for d in ledger.list_debts(s, who, state)]  # fmt: skip
            return render(request, "debts.html.j2", rows=rows, user=who, money=money,
                          states=[x.value for x in DebtState], state=state or "")  # fmt: skip
    except CaseError as exc:
        return error_page(request, 422, str(exc))


def _detail(request: Request, debt_id: int, status: int = 200, **extra: Any) -> HTMLResponse:
    who = actor(request)
    for key, default in (("errors", {}), ("typed", {}), ("failed_step", ""), ("error", "")):
        extra.setdefault(key, default)
    try:
        with app_store(request).begin() as s:
            debt = ledger.get_debt(s, debt_id, who)
            today = utcnow().date()
            agreement = schedule.agreement_in_force(debt)
            return render(
                request, "debt.html.j2", status, user=who, debt=debt, money=money,
                may_work=who.role in DEBT_WORKERS, reference=reference(debt),
                person=debt.person, case=debt.case, payments=list(debt.payments),
                waivers=list(debt.waivers), events=list(debt.events), agreement=agreement,
                instalments=list(schedule.instalments(agreement)) if agreement else [],
                next_due=schedule.next_due(debt), in_dispute=schedule.in_dispute(debt),
                delinquent=schedule.days_delinquent(debt, today), today=today,
                offset_blocked=offset_blocked(debt, utcnow()),
                refer_blocked=refer_blocked(debt, today), **extra,
            )  # fmt: skip
    except ledger.DebtNotFound:
        return error_page(request, 404, NOT_FOUND)


@router.get("/debts/{debt_id}", response_class=HTMLResponse)
def debt_detail(request: Request, debt_id: int) -> HTMLResponse:
    return _detail(request, debt_id)


@router.post("/debts/{debt_id}/steps/{step}", response_class=HTMLResponse)
async def debt_step(request: Request, debt_id: int, step: str) -> Response:
    form = await request.form()
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return error_page(request, 403, "This form has expired. Reload the page and try again.")
    if step not in STEPS:
        return error_page(request, 404, "There is no such step.")
    who = actor(request)
    fields = {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}
    missing = {
        field_id: message
        for name, field_id, message in STEP_FIELDS.get(step, [])
        if not fields.get(name, "").strip()
    }
    if missing:
        return await to_thread.run_sync(
            lambda: _detail(request, debt_id, 422, errors=missing, typed=fields, failed_step=step)
        )

    def run() -> None:
        with app_store(request).begin() as s:
            take_step(s, debt_id, who, step, fields)

    try:
        await to_thread.run_sync(run)
    except ledger.DebtNotFound:
        return error_page(request, 404, NOT_FOUND)
    except Forbidden as exc:
        return error_page(request, 403, str(exc).capitalize() + ".")
    except CaseError as exc:
        message = sentence(str(exc))
        return await to_thread.run_sync(
            lambda: _detail(request, debt_id, 409, error=message, typed=fields, failed_step=step)
        )
    return RedirectResponse(f"/debts/{debt_id}", status_code=303)


@router.get("/debts/{debt_id}/notice/pdf")
def debt_notice_pdf(request: Request, debt_id: int) -> Response:
    try:
        with app_store(request).begin() as s:
            debt = ledger.get_debt(s, debt_id, actor(request))
            pdf = debt.notice_pdf
    except ledger.DebtNotFound:
        pdf = None
    if not pdf:
        return error_page(request, 404, "This debt has no notice yet.")
    return Response(
        pdf, media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="debt-{debt_id}-notice.pdf"'},
    )  # fmt: skip
