"""The person named in a finding: their signed link opens the notice, the PDF, and the form
to contest it with a statement and attachments (until the deadline). No staff sign-in: the
link is the credential, checked on every request; it never reaches a log (the access log
names the route template) nor a Referer (Referrer-Policy: no-referrer)."""

from __future__ import annotations

import json

from anyio import to_thread
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import UploadFile

from headcount.cases.access import CaseError
from headcount.cases.contests import MAX_FILE_BYTES, MAX_FILES, Upload, can_contest, submit_contest
from headcount.cases.letters import ATTACHMENT_RULES, evidence_in_words, money, rule_title
from headcount.cases.notices import notice_for_token
from headcount.checkins.links import LinkError
from headcount.store import Store, utcnow
from headcount.web.case_pages import pdf_response
from headcount.web.guard import client_address
from headcount.web.pages import error_page, render
from headcount.web.security import CSRF_FIELD, csrf_ok

router = APIRouter(include_in_schema=False)
LINK_MESSAGES = {
    "invalid": "This link is not valid. Use the link from your letter exactly as printed.",
    "expired": "This link has expired. Write to the address in your letter.",
}


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _page(request: Request, token: str, status: int = 200, **extra: object) -> HTMLResponse:
    try:
        with _store(request).begin() as s:
            notice = notice_for_token(s, request.app.state.contest_signer, token)
            case = notice.case
            why, facts, payments = evidence_in_words(json.loads(case.evidence))
            return render(
                request, "contest.html.j2", status, token=token, money=money,
                attachment_rules=ATTACHMENT_RULES, notice=notice, case=case,
                person=notice.person, why=why, facts=facts, payments=payments,
                contests=list(notice.contests), open=can_contest(notice, utcnow()),
                title=rule_title(case.rule), **extra,
            )  # fmt: skip
    except LinkError as exc:
        return _link_error(request, exc)


def _link_error(request: Request, exc: LinkError) -> HTMLResponse:
    return error_page(request, 400 if exc.reason == "invalid" else 410, LINK_MESSAGES[exc.reason])


@router.get("/notice/{token}", response_class=HTMLResponse)
def notice_page(request: Request, token: str) -> HTMLResponse:
    return _page(request, token)


@router.get("/notice/{token}/pdf")
def notice_pdf(request: Request, token: str) -> Response:
    try:
        with _store(request).begin() as s:
            notice = notice_for_token(s, request.app.state.contest_signer, token)
            return pdf_response(notice)
    except LinkError as exc:
        return error_page(
            request, 400 if exc.reason == "invalid" else 410, LINK_MESSAGES[exc.reason]
        )


@router.post("/notice/{token}/contest", response_class=HTMLResponse)
async def contest(request: Request, token: str) -> Response:
    form = await request.form(max_files=MAX_FILES + 1, max_fields=10)
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return error_page(request, 403, "This form has expired. Reload the page and try again.")
    statement = form.get("statement")
    uploads = [
        Upload(item.filename or "", await item.read(MAX_FILE_BYTES + 1))
        for item in form.getlist("attachments")
        if isinstance(item, UploadFile)
    ]
    client = client_address(request)

    def run() -> None:
        with _store(request).begin() as s:
            notice = notice_for_token(s, request.app.state.contest_signer, token)
            text = statement if isinstance(statement, str) else ""
            submit_contest(s, notice, text, uploads, client=client)

    try:
        await to_thread.run_sync(run)
    except LinkError as exc:
        return error_page(
            request, 400 if exc.reason == "invalid" else 410, LINK_MESSAGES[exc.reason]
        )
    except CaseError as exc:
        message = str(exc)
        typed = statement if isinstance(statement, str) else ""
        return await to_thread.run_sync(
            lambda: _page(request, token, 422, error=message, typed=typed)
        )
    return RedirectResponse(f"/notice/{token}?sent=1", status_code=303)
