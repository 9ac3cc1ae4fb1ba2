"""Server-rendered pages: the link page, the reply form, the confirmation, the dashboard.

Everything works without JavaScript (there is none), every value is autoescaped by Jinja2,
and a refused reply is shown back only to the person who typed it, in a no-store response,
so they can remove what the guard found — it is never stored or logged.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from headcount.auth.policy import AUDIT, CASES_READ, CASES_WORK, DEBTS_READ
from headcount.checkins import replies, sessions
from headcount.checkins.campaigns import CampaignError
from headcount.checkins.links import LinkError, check_unused
from headcount.checkins.messages import deadline_text
from headcount.checkins.models import CampaignAgency, ReplySource
from headcount.checkins.policy import NO_CONSEQUENCE, policy_statement
from headcount.checkins.stats import response_rates
from headcount.i18n import N_, SOURCE, install_jinja, translations
from headcount.matching.sensitive import ADVICE
from headcount.store import utcnow
from headcount.web import charts
from headcount.web.guard import app_store, principal
from headcount.web.language import public, remember
from headcount.web.security import (
    CSRF_FIELD,
    SESSION_COOKIE,
    csrf_ok,
    csrf_token,
    set_csrf_cookie,
    set_session_cookie,
)

router = APIRouter(include_in_schema=False)
templates = Environment(
    loader=PackageLoader("headcount.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
templates.globals.update(NO_CONSEQUENCE=NO_CONSEQUENCE, deadline_text=deadline_text)
install_jinja(templates)  # `_()` and `{% trans %}` in the context's `lang` (English by default)


def detail_words(detail: str | None) -> list[tuple[str, str]]:
    """An audit entry's JSON detail as (label, value) lines a person can read."""
    try:
        value = json.loads(detail or "{}")
    except ValueError:
        return [("detail", str(detail))]
    if not isinstance(value, dict):
        return [("detail", str(value))]
    return [
        (key.replace("_", " "), ", ".join(map(str, v)) if isinstance(v, list) else str(v))
        for key, v in value.items()
        if v is not None
    ]


templates.filters["detail_words"] = detail_words


def staff_nav(request: Request) -> dict[str, Any]:
    """The signed-in staff user (on role routes) and the places their role may go, for the
    header every staff page shares."""
    user = getattr(request.state, "principal", None)
    if user is None:
        return {"user": None, "nav": []}
    nav = [("/home", "Home")]
    if user.role in CASES_READ:
        nav.append(("/cases", "Cases"))
        nav.append(("/outcomes", "Outcomes"))
    if user.role in DEBTS_READ:
        nav.append(("/debts", "Debts"))
    if user.role in CASES_WORK:
        nav.append(("/review", "Review queue"))
    if user.role in AUDIT:
        nav.append(("/audit", "Audit log"))
    path = request.url.path
    active = next((href for href, _ in reversed(nav) if path.startswith(href)), None)
    return {"user": user, "nav": nav, "active": active}


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("lang", SOURCE)
    context.setdefault("csrf", csrf_token(request))
    context.setdefault("csrf_field", CSRF_FIELD)
    for key, value in staff_nav(request).items():
        context.setdefault(key, value)
    response = HTMLResponse(templates.get_template(name).render(**context), status_code=status_code)
    set_csrf_cookie(request, response)
    remember(request, response)
    return response


# The heading of an error page by status; the message under it says what to do next.
ERROR_TITLES = {
    400: N_("This request cannot be used"),
    401: N_("Sign in first"),
    403: N_("Not allowed"),
    404: N_("Page not found"),
    405: N_("This address cannot be opened directly"),
    409: N_("Not done"),
    410: N_("This link has expired"),
    413: N_("Too much was sent"),
    422: N_("Not done"),
    429: N_("Too many attempts"),
}
UNKNOWN_ERROR = N_("Something went wrong")
EXPIRED_FORM = N_("This form has expired. Reload the page and try again.")
EXPIRED_LINK_FORM = N_("This form has expired. Open your link again.")


def error_page(
    request: Request, status: int, message: str, *, back: tuple[str, str] | None = None
) -> HTMLResponse:
    """`back`: (href, label) of the way back; by default the staff home for a signed-in
    user, the start page for anyone else. Anyone not signed in as staff reads the page in
    their language; `message` is translated if the catalogues have it."""
    staff = bool(staff_nav(request)["user"])
    where = {"lang": SOURCE} if staff else public(request, here="/")
    _ = translations(where["lang"]).gettext
    if back is None:
        back = ("/home", "Go to your home page") if staff else ("/", _("Go to the start page"))
    return render(
        request, "error.html.j2", status, status=status, message=_(message), back=back,
        heading=_(ERROR_TITLES.get(status, UNKNOWN_ERROR)), **where,
    )  # fmt: skip


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    return render(request, "index.html.j2", **public(request))


@router.get("/c/{token}", response_class=HTMLResponse)
def link_page(request: Request, token: str) -> HTMLResponse:
    """Shows a button rather than spending the link on GET: mail scanners that fetch links
    must not use up an employee's one click."""
    try:
        with app_store(request).begin() as s:
            claims = check_unused(s, request.app.state.signer, token)
            where = public(request, sessions.language_of(s, claims.recipient_id))
    except LinkError as exc:
        where = public(request)
        return render(
            request, "link_error.html.j2", 400 if exc.reason == "invalid" else 410,
            message=exc.text(where["lang"]), reason=exc.reason, **where,
        )  # fmt: skip
    return render(request, "link.html.j2", token=token, **where)


@router.post("/c", response_class=HTMLResponse)
async def open_link(request: Request) -> Response:
    form = await request.form()
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return error_page(request, 403, EXPIRED_LINK_FORM)
    token = form.get("token")
    where = public(request)
    if not isinstance(token, str):
        return render(
            request, "link_error.html.j2", 400, message=LinkError("invalid").text(where["lang"]),
            reason="invalid", **where,
        )  # fmt: skip
    try:
        with app_store(request).begin() as s:
            claims, secret = sessions.redeem_link(s, request.app.state.signer, token)
    except LinkError as exc:
        return render(
            request, "link_error.html.j2", 400 if exc.reason == "invalid" else 410,
            message=exc.text(where["lang"]), reason=exc.reason, **where,
        )  # fmt: skip
    response = RedirectResponse("/checkin", status_code=303)
    set_session_cookie(request, response, secret, claims.expires_at)
    return response


def _form_context(request: Request, s: Any, recipient_id: int) -> dict[str, Any]:
    recipient, campaign = sessions.context_for(s, recipient_id)
    policy = s.get(CampaignAgency, (campaign.id, recipient.agency)).policy
    reply = replies.current(s, recipient_id)
    where = public(request, recipient.language, here="/checkin")
    _ = translations(where["lang"]).gettext
    return {
        "campaign": campaign,
        "title": _(campaign.title),  # the default title and question are in the catalogues
        "question": _(campaign.question),
        "first_name": recipient.first_name,
        "policy_text": policy_statement(policy, recipient.agency, where["lang"]),
        "bullets": replies.split_text(reply.text) if reply else [],
        "reply": reply,
        "open": utcnow() < campaign.deadline,
        **where,
    }


@router.get("/checkin", response_class=HTMLResponse)
def checkin_form(request: Request) -> HTMLResponse:
    with app_store(request).begin() as s:
        recipient_id = sessions.recipient_for(s, request.cookies.get(SESSION_COOKIE))
        if recipient_id is None:
            return render(request, "signed_out.html.j2", 401, **public(request))
        context = _form_context(request, s, recipient_id)
    return render(request, "form.html.j2", submission_id=uuid.uuid4().hex, **context)


@router.post("/checkin", response_class=HTMLResponse)
async def checkin_submit(request: Request) -> Response:
    form = await request.form()
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return error_page(request, 403, EXPIRED_FORM)
    bullets = [str(form.get(f"bullet{i}") or "") for i in range(1, replies.MAX_BULLETS + 1)]
    submission_id = str(form.get("submission_id") or "")[:64] or None
    store = app_store(request)
    with store.begin() as s:
        recipient_id = sessions.recipient_for(s, request.cookies.get(SESSION_COOKIE))
        if recipient_id is None:
            return render(request, "signed_out.html.j2", 401, **public(request))
        context = _form_context(request, s, recipient_id)
    try:
        with store.begin() as s:
            replies.submit(
                s, recipient_id, bullets, source=ReplySource.WEB, submission_id=submission_id
            )
    except replies.ReplyError as exc:
        # The guard's advice (what to remove, and that nothing was kept) heads the summary;
        # each find is listed under it and shown by its box.
        lang = context["lang"]
        advice = (
            translations(lang).gettext(ADVICE)
            if isinstance(exc, replies.SensitiveDataError)
            else ""
        )
        return render(
            request, "form.html.j2", 422, submission_id=uuid.uuid4().hex,
            errors=reply_errors(exc, bullets, lang), error=advice, typed=bullets, **context,
        )  # fmt: skip
    return RedirectResponse("/checkin/done", status_code=303)


def reply_errors(
    exc: replies.ReplyError, bullets: list[str], lang: str | None = None
) -> dict[str, str]:
    """Each refusal against the box it is about: the guard's finds against their bullet, a
    count or length problem against the first box it concerns."""
    if isinstance(exc, replies.SensitiveDataError):
        errors: dict[str, str] = {}
        for hit in exc.findings:
            key, found = f"bullet{hit.bullet}", hit.explanation_in(lang)
            errors[key] = f"{errors[key]} {found}" if key in errors else found
        return errors
    too_long = [i for i, b in enumerate(bullets, 1) if len(b) > replies.MAX_BULLET_CHARS]
    empty = [i for i, b in enumerate(bullets, 1) if not b.strip()]
    first = too_long[0] if too_long else (empty[0] if empty else 1)
    return {f"bullet{first}": exc.text(lang)}


@router.get("/checkin/done", response_class=HTMLResponse)
def checkin_done(request: Request) -> HTMLResponse:
    with app_store(request).begin() as s:
        recipient_id = sessions.recipient_for(s, request.cookies.get(SESSION_COOKIE))
        if recipient_id is None:
            return render(request, "signed_out.html.j2", 401, **public(request))
        context = _form_context(request, s, recipient_id)
    return render(request, "done.html.j2", **context)


@router.post("/signout", response_class=HTMLResponse)
async def sign_out(request: Request) -> Response:
    form = await request.form()
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return error_page(request, 403, EXPIRED_FORM)
    with app_store(request).begin() as s:
        ended = sessions.end_session(s, request.cookies.get(SESSION_COOKIE))
        language, deadline = (ended[0].language, ended[1].deadline) if ended else (None, None)
    response = render(
        request, "signed_out.html.j2", signed_out=True, deadline=deadline,
        still_open=deadline is not None and utcnow() < deadline, **public(request, language),
    )  # fmt: skip
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def dashboard(request: Request, campaign_id: str) -> HTMLResponse:
    try:
        with app_store(request).begin() as s:
            rates = response_rates(s, campaign_id, principal(request).agency)
    except CampaignError:
        return error_page(request, 404, "There is no campaign with that id.")
    return render(
        request,
        "dashboard.html.j2",
        rates=rates,
        agency_chart=charts.rate_bars(rates.by_agency, "Response rate by agency"),
        org_chart=charts.rate_bars(rates.by_org, "Response rate by organisation"),
        time_chart=charts.cumulative_line(
            rates.over_time,
            rates.overall.reached,
            "Share of those reached who had replied, by hour",
        ),
    )
