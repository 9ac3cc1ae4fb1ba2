"""The person named in a finding: their signed link opens the notice, the PDF, the decision
letter once there is one, and the form to contest it with a statement and attachments (until
the deadline). No staff sign-in: the link is the credential, checked on every request; it
never reaches a log (the access log names the route template) nor a Referer
(Referrer-Policy: no-referrer). The letter prints a short link (`/n/{code}`) that opens it.

The page always says where the person stands: waiting for the deadline, contest received,
contest period over, or the decision — never two of them at once."""

from __future__ import annotations

import json
from dataclasses import dataclass

from anyio import to_thread
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import UploadFile

from headcount.cases.access import CaseError
from headcount.cases.contests import (
    MAX_FILE_BYTES,
    MAX_FILES,
    Upload,
    attachment_rules,
    can_contest,
)
from headcount.cases.held import Refused, contest_or_hold, held_files, hold, remove_held
from headcount.cases.letters import (
    evidence_in_words,
    money,
    rule_title,
    summary_for,
)
from headcount.cases.notices import notice_for_token, token_for_short_code
from headcount.checkins.links import LinkError
from headcount.store import utcnow
from headcount.web.case_pages import contact_of, decision_pdf_of, pdf_download, pdf_response
from headcount.web.guard import app_store, client_address
from headcount.web.pages import error_page, render
from headcount.web.security import CSRF_FIELD, csrf_ok

router = APIRouter(include_in_schema=False)
LINK_MESSAGES = {
    "invalid": "This link is not valid. Type the address exactly as it is printed in your "
    "letter. If it still does not work, write to the contact named at the end of your letter, "
    "quoting the reference printed at the top.",
    "expired": "Your notice link works until 60 days after the contest deadline, and that "
    "day has passed. To ask about your case, write to the contact named at the end of your "
    "letter, quoting the reference printed at the top.",
}


def _page(request: Request, token: str, status: int = 200, **extra: object) -> HTMLResponse:
    try:
        with app_store(request).begin() as s:
            notice = notice_for_token(s, request.app.state.contest_signer, token)
            case = notice.case
            why, facts, payments = evidence_in_words(json.loads(case.evidence))
            held = held_files(s, notice)
            return render(
                request, "contest.html.j2", status, token=token, money=money,
                notice=notice, case=case,
                person=notice.person, why=why, facts=facts, payments=payments,
                summary=summary_for(case, notice.person), contact=contact_of(s, notice),
                contests=list(notice.contests), open=can_contest(notice, utcnow()),
                title=rule_title(case.rule), sent=request.query_params.get("sent") == "1",
                held=held, attachment_rules=attachment_rules(len(held)), **extra,
            )  # fmt: skip
    except LinkError as exc:
        return _link_error(request, exc)


def _link_error(request: Request, exc: LinkError) -> HTMLResponse:
    return error_page(
        request, 400 if exc.reason == "invalid" else 410, LINK_MESSAGES[exc.reason],
        back=("/", "Go to the start page"),
    )  # fmt: skip


@router.get("/n/{code}")
def short(request: Request, code: str) -> Response:
    """The short link printed in a letter: opens the notice's own link."""
    try:
        with app_store(request).begin() as s:
            token = token_for_short_code(s, request.app.state.contest_signer, code)
    except LinkError as exc:
        return _link_error(request, exc)
    return RedirectResponse(f"/notice/{token}", status_code=303)


@router.get("/notice/{token}", response_class=HTMLResponse)
def notice_page(request: Request, token: str) -> HTMLResponse:
    return _page(request, token)


@router.get("/notice/{token}/pdf")
def notice_pdf(request: Request, token: str) -> Response:
    try:
        with app_store(request).begin() as s:
            notice = notice_for_token(s, request.app.state.contest_signer, token)
            return pdf_response(notice)
    except LinkError as exc:
        return _link_error(request, exc)


@router.get("/notice/{token}/decision")
def decision_pdf(request: Request, token: str) -> Response:
    try:
        with app_store(request).begin() as s:
            notice = notice_for_token(s, request.app.state.contest_signer, token)
            pdf = decision_pdf_of(request, s, notice)
    except LinkError as exc:
        return _link_error(request, exc)
    except CaseError as exc:
        return error_page(
            request,
            404,
            str(exc).capitalize() + ".",
            back=(f"/notice/{token}", "Back to your notice"),
        )
    return pdf_download(pdf, f"decision-{notice.id}.pdf")


@dataclass(frozen=True)
class Removed:
    name: str | None  # None: it was already gone (sent, expired, or removed in another tab)
    problems: str  # what is wrong with files chosen at the same time ("" when nothing is)


@router.post("/notice/{token}/contest", response_class=HTMLResponse)
async def contest(request: Request, token: str) -> Response:
    """Send the contest, or (the form's "Remove" buttons) remove a held file. Whatever is
    refused, the good files chosen are held and listed again (cases/held.py)."""
    form = await request.form(max_files=MAX_FILES + 1, max_fields=12)
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return error_page(
            request, 403, "This form has expired. Go back to your notice and send it again.",
            back=(f"/notice/{token}", "Back to your notice"),
        )  # fmt: skip
    statement = form.get("statement")
    text = statement if isinstance(statement, str) else ""
    remove = form.get("remove")
    uploads = [
        Upload(item.filename or "", await item.read(MAX_FILE_BYTES + 1))
        for item in form.getlist("attachments")
        if isinstance(item, UploadFile)
    ]
    client = client_address(request)

    def run() -> Refused | Removed | None:
        with app_store(request).begin() as s:
            notice = notice_for_token(s, request.app.state.contest_signer, token)
            if isinstance(remove, str):
                number = int(remove) if remove.isdigit() and len(remove) < 19 else 0
                return Removed(remove_held(s, notice, number), hold(s, notice, uploads))
            outcome = contest_or_hold(s, notice, text, uploads, client=client)
            return outcome if isinstance(outcome, Refused) else None

    try:
        result = await to_thread.run_sync(run)
    except LinkError as exc:
        return _link_error(request, exc)
    if isinstance(result, Removed):
        errors = {"attachments": result.problems} if result.problems else {}
        return await to_thread.run_sync(
            lambda: _page(request, token, 422 if errors else 200, errors=errors, typed=text,
                          removed=result.name or "That document")
        )  # fmt: skip
    if isinstance(result, Refused):
        refused = result
        return await to_thread.run_sync(
            lambda: _page(request, token, 422, errors=refused.fields, error=refused.message,
                          typed=text)
        )  # fmt: skip
    return RedirectResponse(f"/notice/{token}?sent=1#sent", status_code=303)
