"""Staff sign-in: the login form, logout, each user's home page, and the same login for the
JSON API (a Bearer token instead of a cookie).

A login always opens a new session and ends any the browser presented (no session
fixation); the cookie is HttpOnly and SameSite=Strict.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from headcount.auth import login as logins
from headcount.auth.policy import AUDIT, CASES_READ, CASES_WORK, DASHBOARD, DEBTS_READ
from headcount.auth.sessions import ABSOLUTE, COOKIE, IDLE
from headcount.checkins.models import Campaign, CampaignAgency
from headcount.store import utcnow
from headcount.web.guard import app_store, client_address, credential, principal
from headcount.web.pages import error_page, render
from headcount.web.security import CSRF_FIELD, csrf_ok

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["staff sessions"])
REFUSED = {
    "invalid": (401, "That user name and password do not match."),
    "throttled": (429, "Too many failed sign-ins. Wait 15 minutes and try again."),
}


def _login(request: Request, username: str, password: str) -> logins.LoginResult:
    with app_store(request).begin() as s:
        return logins.login(
            s, username, password, client_address(request), previous=request.cookies.get(COOKIE)
        )


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return render(request, "login.html.j2")


@router.post("/login", response_class=HTMLResponse)
async def login_submit(request: Request) -> Response:
    form = await request.form()
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return error_page(request, 403, "This form has expired. Reload the page and try again.")
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    missing = {
        field: message
        for field, value, message in (
            ("username", username.strip(), "Enter your user name"),
            ("password", password, "Enter your password"),
        )
        if not value
    }
    if missing:
        return render(request, "login.html.j2", 422, errors=missing, username=username[:64])
    result = await to_thread.run_sync(_login, request, username, password)
    if result.secret is None:
        status, message = REFUSED[result.refused or "invalid"]
        return render(request, "login.html.j2", status, error=message, username=username[:64])
    response = RedirectResponse("/home", status_code=303)
    response.set_cookie(
        COOKIE, result.secret, httponly=True, samesite="strict",
        secure=request.url.scheme == "https", path="/",
    )  # fmt: skip
    return response


def _logout(request: Request) -> None:
    with app_store(request).begin() as s:
        logins.logout(s, credential(request), client_address(request))


@router.post("/logout", response_class=HTMLResponse)
async def logout_submit(request: Request) -> Response:
    form = await request.form()
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return error_page(request, 403, "This form has expired. Reload the page and try again.")
    await to_thread.run_sync(_logout, request)
    response = render(request, "login.html.j2", signed_out=True)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/home", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    user = principal(request)
    campaigns: list[Campaign] = []
    if user.role in DASHBOARD:
        query = select(Campaign).order_by(Campaign.created_at.desc())
        if user.agency is not None:
            query = query.where(
                Campaign.id.in_(
                    select(CampaignAgency.campaign_id).where(CampaignAgency.agency == user.agency)
                )
            )
        with app_store(request).begin() as s:
            campaigns = list(s.scalars(query))
    return render(
        request, "home.html.j2", user=user, campaigns=campaigns,
        sees_dashboard=user.role in DASHBOARD, sees_audit=user.role in AUDIT,
        sees_cases=user.role in CASES_READ, sees_debts=user.role in DEBTS_READ,
        sees_review=user.role in CASES_WORK,
    )  # fmt: skip


class LoginIn(BaseModel):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class SessionOut(BaseModel):
    token: str
    expires_at: datetime
    idle_timeout_seconds: int


class Problem(BaseModel):
    code: str
    message: str


@api_router.post(
    "/session",
    response_model=SessionOut,
    status_code=201,
    responses={
        400: {"model": Problem, "description": "The body is not JSON"},
        401: {"model": Problem, "description": "Wrong user name or password"},
        429: {"model": Problem, "description": "Too many failed attempts"},
    },
)
async def api_login(body: LoginIn, request: Request) -> SessionOut | JSONResponse:
    """Sign in; send the token as `Authorization: Bearer …` on later calls. Throttled like
    the login page, and audited."""
    result = await to_thread.run_sync(_login, request, body.username, body.password)
    if result.secret is None:
        reason = result.refused or "invalid"
        status, message = REFUSED[reason]
        return JSONResponse({"code": reason, "message": message}, status)
    return SessionOut(
        token=result.secret,
        expires_at=utcnow() + ABSOLUTE,
        idle_timeout_seconds=int(IDLE.total_seconds()),
    )


@api_router.delete(
    "/session",
    status_code=204,
    responses={401: {"model": Problem, "description": "No valid session"}},
)
def api_logout(request: Request) -> Response:
    """End the session whose token is sent."""
    _logout(request)
    return Response(status_code=204)
