"""Analysts' case pages: the list (search, filters), a case with its evidence and history,
each step of due process as a CSRF-protected form, the letters, attachments, and revealing
an SSN or account (role + reason, audited).

The library (headcount.cases) enforces the state machine, roles and agency scope; a case of
another agency answers 404, exactly like a case that does not exist.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from headcount import audit
from headcount.cases import determinations, notices, workflow
from headcount.cases.access import WORKERS, Actor, CaseError, CaseNotFound, Forbidden, get_case
from headcount.cases.debts.models import Debt
from headcount.cases.letters import evidence_in_words, money, rule_title
from headcount.cases.models import Attachment, Cause, Notice, Outcome, SafetyException, State
from headcount.cases.reveal import identifiers, reveal_identifier
from headcount.cases.search import PAGE_SIZE, CaseFilter, search_cases
from headcount.pii import Keyring
from headcount.pipeline.payees import EVIDENCE_DESCRIPTIONS
from headcount.rules import all_rules
from headcount.store import Store
from headcount.web.guard import client_address, principal
from headcount.web.pages import error_page, render
from headcount.web.security import CSRF_FIELD, csrf_ok

router = APIRouter(include_in_schema=False)
# The letter is a stand-alone document with its own inline styles, and no script.
LETTER_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
)
Step = Callable[[Session, int, Actor, FormData, Request], object]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def keyring(request: Request) -> Keyring:
    ring: Keyring | None = request.app.state.keyring
    if ring is None:
        ring = request.app.state.keyring = Keyring.load()
    return ring


def actor(request: Request) -> Actor:
    return Actor.of(principal(request), client_address(request))


def _base_url(request: Request) -> str:
    return str(getattr(request.app.state, "base_url", None) or request.base_url)


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _id(form: FormData, name: str) -> int:
    text = _field(form, name)
    return int(text) if text.isdigit() and len(text) < 19 else 0


STEPS: dict[str, Step] = {
    "verify": lambda s, cid, a, f, r: workflow.verify(
        s, cid, a, source=_field(f, "source"), note=_field(f, "note")
    ),
    "notice": lambda s, cid, a, f, r: notices.send_notice(
        s, cid, a, signer=r.app.state.contest_signer, base_url=_base_url(r)
    ),
    "no-contest": lambda s, cid, a, f, r: workflow.record_no_contest(s, cid, a),
    "determine": lambda s, cid, a, f, r: determinations.determine(
        s,
        cid,
        a,
        outcome=_field(f, "outcome"),
        cause=_field(f, "cause") or None,
        identified=_field(f, "identified"),
        prevented=_field(f, "prevented"),
        overpayment=_field(f, "overpayment"),
        reason=_field(f, "reason"),
        debtor=_field(f, "debtor") or None,
    ),
    "dismiss": lambda s, cid, a, f, r: determinations.dismiss(
        s, cid, a, reason=_field(f, "reason")
    ),
    "referral": lambda s, cid, a, f, r: determinations.request_referral(
        s, cid, a, justification=_field(f, "justification")
    ),
    "approve-referral": lambda s, cid, a, f, r: determinations.approve_referral(
        s, cid, _id(f, "referral_id"), a
    ),
    "close": lambda s, cid, a, f, r: workflow.close(s, cid, a),
    "exception": lambda s, cid, a, f, r: workflow.request_exception(
        s, cid, a, justification=_field(f, "justification")
    ),
    "approve": lambda s, cid, a, f, r: workflow.approve_exception(
        s, cid, _id(f, "exception_id"), a
    ),
}


@router.get("/cases", response_class=HTMLResponse)
def case_list(request: Request) -> HTMLResponse:
    filters = CaseFilter.of(dict(request.query_params))
    page_text = request.query_params.get("page") or "1"
    page = int(page_text) if page_text.isdigit() and len(page_text) < 7 else 1
    who = actor(request)
    with _store(request).begin() as s:
        rows, total = search_cases(s, who, filters, page)
        listed = [(c, [p.employee_id for p in c.people]) for c in rows]
    return render(
        request, "cases.html.j2", rows=listed, total=total, filters=filters, page=page,
        pages=max(1, -(-total // PAGE_SIZE)), states=[s.value for s in State],
        rules=[r.code for r in all_rules()], user=who, money=money,
    )  # fmt: skip


def _detail(request: Request, case_id: int, status: int = 200, **extra: Any) -> HTMLResponse:
    """The case page, rendered inside its transaction (the template walks relationships)."""
    who = actor(request)
    try:
        with _store(request).begin() as s:
            case = get_case(s, case_id, who)
            why, facts, payments = evidence_in_words(json.loads(case.evidence))
            audit.record(
                s, actor=who.username, action="case.view", target_type="case", target_id=case.id,
                client=who.client,
            )  # fmt: skip
            exceptions = s.scalars(
                select(SafetyException).where(SafetyException.case_id == case.id)
            )
            return render(
                request, "case.html.j2", status, user=who, may_work=who.role in WORKERS,
                title=rule_title(case.rule), money=money, evidence_words=EVIDENCE_DESCRIPTIONS,
                case=case, people=list(case.people), events=list(case.events),
                notices=list(case.notices),
                contests=[(n, c, list(c.attachments)) for n in case.notices for c in n.contests],
                exceptions=list(exceptions), ids=identifiers(s, keyring(request), case, who),
                referrals=determinations.referrals(s, case), outcomes=list(Outcome),
                causes=list(Cause), debt=s.scalars(select(Debt).where(Debt.case_id == case.id)).first(),
                why=why, facts=facts, evidence_payments=payments,
                evidence=json.loads(case.evidence), **extra,
            )  # fmt: skip
    except CaseNotFound:
        return error_page(request, 404, "There is no case with that id.")


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_detail(request: Request, case_id: int) -> HTMLResponse:
    return _detail(request, case_id)


@router.post("/cases/{case_id}/steps/{step}", response_class=HTMLResponse)
async def case_step(request: Request, case_id: int, step: str) -> Response:
    form = await request.form()
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return error_page(request, 403, "This form has expired. Reload the page and try again.")
    take = STEPS.get(step)
    if take is None:
        return error_page(request, 404, "There is no such step.")
    who = actor(request)

    def run() -> None:
        with _store(request).begin() as s:
            take(s, case_id, who, form, request)

    try:
        await to_thread.run_sync(run)
    except CaseNotFound:
        return error_page(request, 404, "There is no case with that id.")
    except Forbidden as exc:
        return error_page(request, 403, str(exc).capitalize() + ".")
    except (CaseError, ValueError) as exc:
        message = str(exc)
        return await to_thread.run_sync(lambda: _detail(request, case_id, 409, error=message))
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/reveal", response_class=HTMLResponse)
async def case_reveal(request: Request, case_id: int) -> Response:
    form = await request.form()
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return error_page(request, 403, "This form has expired. Reload the page and try again.")
    value_id = _field(form, "value_id")
    who = actor(request)
    try:
        with _store(request).begin() as s:
            person, label, clear = reveal_identifier(
                s, keyring(request), case_id, int(value_id) if value_id.isdigit() else 0,
                who, _field(form, "reason"),
            )  # fmt: skip
            revealed = {"employee_id": person.employee_id, "label": label, "value": clear}
    except CaseNotFound:
        return error_page(request, 404, "There is no such case or identifier.")
    except Forbidden as exc:
        return error_page(request, 403, str(exc).capitalize() + ".")
    except (CaseError, ValueError) as exc:
        return _detail(request, case_id, 422, error=str(exc))
    return _detail(request, case_id, revealed=revealed)


def _notice(request: Request, case_id: int, notice_id: int) -> Notice | None:
    with _store(request).begin() as s:
        case = get_case(s, case_id, actor(request))
        notice = s.get(Notice, notice_id)
        if notice is None or notice.case_id != case.id:
            return None
        s.expunge(notice)
        return notice


def _notice_or_404(
    request: Request, case_id: int, notice_id: int, respond: Callable[[Notice], Response]
) -> Response:
    try:
        notice = _notice(request, case_id, notice_id)
    except CaseNotFound:
        notice = None
    if notice is None:
        return error_page(request, 404, "There is no such notice.")
    return respond(notice)


@router.get("/cases/{case_id}/notices/{notice_id}", response_class=HTMLResponse)
def notice_letter(request: Request, case_id: int, notice_id: int) -> Response:
    return _notice_or_404(
        request, case_id, notice_id,
        lambda n: HTMLResponse(n.html, headers={"Content-Security-Policy": LETTER_CSP}),
    )  # fmt: skip


@router.get("/cases/{case_id}/notices/{notice_id}/pdf")
def notice_pdf(request: Request, case_id: int, notice_id: int) -> Response:
    return _notice_or_404(request, case_id, notice_id, pdf_response)


def pdf_response(notice: Notice) -> Response:
    name = f"notice-{notice.id}.pdf"
    return Response(
        notice.pdf, media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )  # fmt: skip


@router.get("/cases/{case_id}/attachments/{attachment_id}")
def attachment(request: Request, case_id: int, attachment_id: int) -> Response:
    with _store(request).begin() as s:
        try:
            case = get_case(s, case_id, actor(request))
        except CaseNotFound:
            return error_page(request, 404, "There is no such attachment.")
        found = s.get(Attachment, attachment_id)
        owner = {c.id for n in case.notices for c in n.contests}
        if found is None or found.contest_id not in owner:
            return error_page(request, 404, "There is no such attachment.")
        return contests_download(found)


def contests_download(found: Attachment) -> Response:
    """Always a download, never rendered in the browser, whatever its type."""
    return Response(
        found.data, media_type=found.content_type,
        headers={"Content-Disposition": f'attachment; filename="{found.filename}"'},
    )  # fmt: skip
