"""The printed-letter path: a person without a work email types the code from their letter
and gets the same check-in form a link opens (headcount.checkins.letters)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from headcount.auth.throttle import client_key
from headcount.checkins.letters import CODE_PATH, CodeError, redeem_code
from headcount.web.guard import app_store, client_address
from headcount.web.language import public
from headcount.web.pages import EXPIRED_FORM, error_page, render
from headcount.web.security import CSRF_FIELD, csrf_ok, set_session_cookie

router = APIRouter(include_in_schema=False)


@router.get(CODE_PATH, response_class=HTMLResponse)
def code_page(request: Request) -> HTMLResponse:
    return render(request, "code.html.j2", **public(request))


@router.post(CODE_PATH, response_class=HTMLResponse)
async def open_code(request: Request) -> Response:
    form = await request.form()
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return error_page(request, 403, EXPIRED_FORM)
    typed = str(form.get("code") or "")[:64]
    try:
        secret, expires = redeem_code(
            app_store(request),
            request.app.state.signer.secret,
            typed,
            client_key(client_address(request)),
        )
    except CodeError as exc:
        status = 429 if exc.reason == "throttled" else 400
        # The typed code is not shown back: a wrong one is nobody's to see.
        where = public(request, here=CODE_PATH)
        return render(request, "code.html.j2", status, error=exc.text(where["lang"]), **where)
    response = RedirectResponse("/checkin", status_code=303)
    set_session_cookie(request, response, secret, expires)
    return response
