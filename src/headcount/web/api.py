"""The JSON API (OpenAPI at /openapi.json): reply with a link, read and edit a reply with a
session token, read a campaign's response rates.

Credentials travel only in the body (the one-time link token) or the Authorization header
(the session token), never in a URL or a cookie. Errors never quote what was sent.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from headcount.checkins import burst, replies, sessions
from headcount.checkins.campaigns import CampaignError
from headcount.checkins.links import LinkError, Signer, read_token
from headcount.checkins.models import CampaignAgency, Link, Reply, ReplySource
from headcount.checkins.policy import NO_CONSEQUENCE, policy_statement
from headcount.checkins.stats import Rate, response_rates
from headcount.i18n import accept_language, negotiate, translations
from headcount.store import Store
from headcount.web.guard import app_store, principal
from headcount.web.json_route import JsonBodyRoute
from headcount.web.security import bearer

router = APIRouter(prefix="/api/v1", tags=["check-ins"])
Bullet = Annotated[str, Field(max_length=2000)]


class ReplyIn(BaseModel):
    bullets: Annotated[list[Bullet], Field(min_length=1, max_length=10)]
    submission_id: Annotated[str | None, Field(max_length=64)] = None


class LinkReplyIn(ReplyIn):
    token: Annotated[str, Field(min_length=1, max_length=512)]


class ReplyOut(BaseModel):
    bullets: list[str]
    revision: int
    submitted_at: datetime
    updated_at: datetime
    deadline: datetime
    session_token: str | None = None
    note: str = NO_CONSEQUENCE


class CheckinOut(BaseModel):
    campaign_id: str
    title: str
    question: str
    deadline: datetime
    policy: str
    policy_statement: str
    reply: ReplyOut | None


class Problem(BaseModel):
    code: str
    message: str
    findings: list[dict[str, int | str]] = []
    detail: list[dict[str, object]] = []


class RateOut(BaseModel):
    label: str
    policy: str
    asked: int
    replied: int
    reached: int = Field(description="Delivered email, printed letter, or a reply: the rate's base")
    emailed: int
    delivered: int
    not_reached: int = Field(description="Email bounced or still deferred")
    lettered: int
    rate: float | None = Field(description="replied / reached")


class RatesOut(BaseModel):
    campaign_id: str
    overall: RateOut
    by_agency: list[RateOut]
    by_org: list[RateOut]
    over_time: list[tuple[str, int]]
    note: str = NO_CONSEQUENCE


ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": Problem, "description": "Invalid link"},
    401: {"model": Problem, "description": "No valid session"},
    409: {"model": Problem, "description": "Deadline passed or agency exempt"},
    410: {"model": Problem, "description": "Link used or expired"},
    422: {"model": Problem, "description": "Refused: sensitive data, or not 3-5 bullets"},
}


def language(request: Request, preferred: str | None = None) -> str:
    """The language of a response's words: the client's Accept-Language, else the roster's
    language of the person (`preferred`), else English. Codes never change with it."""
    return negotiate(*accept_language(request.headers.get("accept-language")), preferred)


def _problem(exc: Exception, lang: str) -> JSONResponse:
    said = {"Content-Language": lang}
    if isinstance(exc, LinkError):
        status = 400 if exc.reason == "invalid" else 410
        link = {"code": f"link_{exc.reason}", "message": exc.text(lang)}
        return JSONResponse(link, status, headers=said)
    if isinstance(exc, replies.SensitiveDataError):
        findings = [{"bullet": f.bullet, "kind": f.kind} for f in exc.findings]
        found = {"code": exc.code, "message": exc.text(lang), "findings": findings}
        return JSONResponse(found, 422, headers=said)
    assert isinstance(exc, replies.ReplyError)
    status = 409 if exc.code in ("deadline_passed", "exempt") else 422
    return JSONResponse({"code": exc.code, "message": exc.text(lang)}, status, headers=said)


def _out(saved: replies.Saved, session_token: str | None = None) -> ReplyOut:
    return ReplyOut(
        bullets=saved.bullets,
        revision=saved.revision,
        submitted_at=saved.submitted_at,
        updated_at=saved.updated_at,
        deadline=saved.deadline,
        session_token=session_token,
    )


async def reply_with_link(body: LinkReplyIn, request: Request) -> Response:
    """Reply in one request with the emailed link's token. Spends the link and returns a
    session token for later edits. Retrying with the same `submission_id` after the link
    was spent returns the saved reply (200) instead of an error."""
    try:
        item = burst.prepare(body.token, body.bullets, body.submission_id)
    except replies.ReplyError as exc:
        return _problem(exc, language(request))
    outcome = await request.app.state.batcher.apply(item)
    if isinstance(outcome, LinkError) and outcome.reason == "used":
        store, signer = app_store(request), request.app.state.signer
        retry = await to_thread.run_sync(_retried, store, signer, body)
        if retry is not None:
            return _json(retry, 200)
    if isinstance(outcome, Exception):
        return _problem(outcome, language(request))
    saved, secret = outcome
    return _json(_out(saved, secret), 201)


def _json(out: ReplyOut, status: int) -> Response:
    # Serialised once by pydantic-core: FastAPI would validate the model a second time and
    # encode it through the stdlib, costs every reply of a burst pays.
    return Response(out.model_dump_json(), status, media_type="application/json")


router.add_api_route(
    "/replies", reply_with_link, methods=["POST"], response_model=ReplyOut, status_code=201,
    responses=ERRORS, route_class_override=JsonBodyRoute,
)  # fmt: skip


def _retried(store: Store, signer: Signer, body: LinkReplyIn) -> ReplyOut | None:
    if not body.submission_id:
        return None
    claims = read_token(signer, body.token)
    with store.begin() as s:
        link = s.get(Link, claims.jti)
        reply = replies.current(s, claims.recipient_id)
        if link is None or reply is None or reply.submission_id != body.submission_id:
            return None
        _, campaign = sessions.context_for(s, claims.recipient_id)
        return _out(
            replies.Saved(
                replies.split_text(reply.text), reply.revision, reply.submitted_at,
                reply.updated_at, campaign.deadline,
            )
        )  # fmt: skip


def session_recipient(request: Request) -> int:
    with app_store(request).begin() as s:
        recipient_id = sessions.recipient_for(s, bearer(request))
    if recipient_id is None:
        raise HTTPException(
            401, "A valid session token is required.", {"WWW-Authenticate": "Bearer"}
        )
    return recipient_id


@router.get("/checkin", response_model=CheckinOut, responses=ERRORS)
def read_checkin(
    request: Request, response: Response,
    recipient_id: Annotated[int, Depends(session_recipient)],
) -> CheckinOut:  # fmt: skip
    """The campaign, its policy in plain words, and the reply so far, worded in the
    Accept-Language, else the person's roster language (Content-Language says which)."""
    with app_store(request).begin() as s:
        recipient, campaign = sessions.context_for(s, recipient_id)
        lang = language(request, recipient.language)
        _ = translations(lang).gettext  # the default title and question are in the catalogues
        response.headers["Content-Language"] = lang
        agency = s.get(CampaignAgency, (campaign.id, recipient.agency))
        assert agency is not None
        reply: Reply | None = replies.current(s, recipient_id)
        out = None
        if reply is not None:
            out = _out(
                replies.Saved(
                    replies.split_text(reply.text), reply.revision, reply.submitted_at,
                    reply.updated_at, campaign.deadline,
                )
            )  # fmt: skip
        return CheckinOut(
            campaign_id=campaign.id,
            title=_(campaign.title),
            question=_(campaign.question),
            deadline=campaign.deadline,
            policy=agency.policy,
            policy_statement=policy_statement(agency.policy, recipient.agency, lang),
            reply=out,
        )


@router.put("/checkin", response_model=ReplyOut, responses=ERRORS)
def edit_checkin(
    body: ReplyIn, request: Request, recipient_id: Annotated[int, Depends(session_recipient)]
) -> ReplyOut | JSONResponse:
    """Create or replace the reply until the deadline (idempotent per `submission_id`).
    Refusals are worded in the Accept-Language, else the person's roster language."""
    try:
        with app_store(request).begin() as s:
            preferred = sessions.language_of(s, recipient_id)
            saved = replies.submit(
                s,
                recipient_id,
                body.bullets,
                source=ReplySource.WEB,
                submission_id=body.submission_id,
            )
    except replies.ReplyError as exc:
        return _problem(exc, language(request, preferred))
    return _out(saved)


@router.get(
    "/campaigns/{campaign_id}/rates",
    response_model=RatesOut,
    responses={
        401: {"model": Problem, "description": "Not signed in"},
        403: {"model": Problem, "description": "Role not allowed"},
        404: {"model": Problem, "description": "No such campaign (for your agency)"},
        422: {"model": Problem, "description": "Invalid campaign id"},
    },
)
def rates(campaign_id: Annotated[str, Field(max_length=64)], request: Request) -> RatesOut:
    """Response rates (counts only). Not replying has no consequence."""
    try:
        with app_store(request).begin() as s:
            r = response_rates(s, campaign_id, principal(request).agency)
    except CampaignError:
        raise HTTPException(404, "There is no campaign with that id.") from None

    def one(x: Rate) -> RateOut:
        return RateOut(**{f.name: getattr(x, f.name) for f in fields(x)}, rate=x.rate)

    return RatesOut(
        campaign_id=r.campaign_id,
        overall=one(r.overall),
        by_agency=[one(x) for x in r.by_agency],
        by_org=[one(x) for x in r.by_org],
        over_time=r.over_time,
    )


@router.get("/health", include_in_schema=True)
def health() -> dict[str, str]:
    return {"status": "ok"}
