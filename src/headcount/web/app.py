"""The FastAPI application: pages, API, static files, and the layers of web/middleware.py
(body limit, security headers, request log, trusted proxies).

    app = create_app(store, secret)                 # tests, embedding
    uvicorn headcount.web.app:app_from_env --factory --no-proxy-headers  # `headcount serve`

Request log lines name the path with link tokens replaced (`GET /c/{token} 200`), so a
link's token, a query string or anything typed into an unknown URL is never written to a log.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from http import HTTPStatus
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import headcount
from headcount.checkins.links import Signer
from headcount.i18n import N_
from headcount.pii import Keyring
from headcount.secrets import load_secret
from headcount.store import Store
from headcount.web.batcher import Batcher
from headcount.web.middleware import BodyLimit, HeadersAndLog, trusted_proxies

STATIC = Path(__file__).parent / "static"
ENV_TRUSTED_PROXIES = "HEADCOUNT_TRUSTED_PROXIES"


def create_app(
    store: Store,
    secret: bytes,
    keyring: Keyring | None = None,
    trusted: Sequence[str] = (),
) -> FastAPI:
    """`keyring`: the PII keyring (default: loaded as the CLI finds it, headcount.pii.keyring,
    when a case page first needs it). `trusted`: the proxies (addresses, networks) whose
    X-Forwarded-For and X-Forwarded-Proto are believed; from anyone else they are ignored, so
    a client cannot choose the address the audit log and the login throttle see."""
    from fastapi import Depends

    from headcount.cases.notices import contest_signer
    from headcount.web import (
        audit_pages,
        auth_pages,
        case_api,
        case_pages,
        code_pages,
        contest_pages,
        debt_pages,
        guard,
        letter_api,
        letter_pages,
        outcome_pages,
        review_pages,
    )
    from headcount.web.api import router as api_router
    from headcount.web.pages import error_page
    from headcount.web.pages import router as pages_router

    app = FastAPI(
        title="headcount check-ins",
        version=headcount.__version__,
        description="Accomplishment check-ins. Not replying is never a finding and has no "
        "consequence in this system.",
        docs_url=None,  # the interactive docs page loads scripts from a CDN
        redoc_url=None,
        # No spans or metrics: a configured global provider would record request paths,
        # which carry link tokens, and the reply path pays ~5 µs a request to check for one.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        # Every route passes the central policy (headcount/auth/policy.py), deny by default.
        dependencies=[Depends(guard.authorize)],
    )
    app.state.store = store
    app.state.signer = Signer(secret)
    app.state.batcher = Batcher(store, app.state.signer)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api_router)
    app.include_router(pages_router)
    app.include_router(code_pages.router)
    app.include_router(auth_pages.api_router)
    app.include_router(auth_pages.router)
    app.include_router(audit_pages.router)
    app.state.keyring = keyring
    app.state.contest_signer = contest_signer(secret)
    app.include_router(case_pages.router)
    app.include_router(contest_pages.router)
    app.include_router(review_pages.router)
    app.include_router(debt_pages.router)
    app.include_router(case_api.router)
    app.include_router(outcome_pages.router)
    app.include_router(outcome_pages.api_router)
    app.include_router(letter_api.router)
    app.include_router(letter_pages.router)
    guard.install(app)  # after the last router: fails if any route has no policy entry

    # Last added runs first: the client address is settled before anything reads it.
    app.add_middleware(BodyLimit)
    app.add_middleware(HeadersAndLog)
    if trusted:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(trusted))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        # FastAPI's default echoes the input back; a refused reply must not travel anywhere.
        detail = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return JSONResponse(
            {"code": "invalid_request", "message": "The request is not valid.", "detail": detail},
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse(
                {"code": "error", "message": str(exc.detail)},
                status_code=exc.status_code,
                headers=getattr(exc, "headers", None),
            )
        return error_page(request, exc.status_code, page_message(request, exc))

    return app


# What to do next, for the errors the framework raises with only a status phrase.
# error_page translates them for anyone not signed in as staff.
PAGE_MESSAGES = {
    404: N_(
        "There is no page at this address. Check the address for typing mistakes, or start "
        "again from the page below."
    ),
    405: N_(
        "This address only works from a button on the site, so it cannot be opened by "
        "itself. Go back to the page you came from and use its button."
    ),
}
CHECKIN_405 = N_(
    "This address is only used by the “Continue to my check-in” button. Open the personal "
    "link from your check-in email again, exactly as it was sent."
)


def page_message(request: Request, exc: StarletteHTTPException) -> str:
    """The page's message: the route's own words, or plain ones instead of a bare phrase
    such as "Not Found" (a mistyped or truncated link must still say what to do)."""
    detail = str(exc.detail)
    if detail != HTTPStatus(exc.status_code).phrase:
        return detail
    if exc.status_code == 405 and request.url.path.rstrip("/") == "/c":
        return CHECKIN_405
    return PAGE_MESSAGES.get(exc.status_code, detail)


def app_from_env() -> FastAPI:
    """The app for uvicorn workers: database from HEADCOUNT_DATABASE_URL, key as the CLI finds
    it (HEADCOUNT_SECRET_KEY / HEADCOUNT_SECRET_FILE / ./headcount.key), trusted proxies from
    HEADCOUNT_TRUSTED_PROXIES (comma-separated; none by default)."""
    import os

    pool = int(os.environ.get("HEADCOUNT_DB_POOL", "10"))
    trusted = trusted_proxies([os.environ.get(ENV_TRUSTED_PROXIES, "")])
    app = create_app(Store.open(pool_size=pool), load_secret(), trusted=trusted)
    # Everything alive after start-up (modules, routes, models) lives as long as the worker:
    # frozen, the cyclic GC stops rescanning it. Full collections over it paused a worker
    # for tens of milliseconds, the burst benchmark's p99 (docs/benchmarks.md).
    gc.collect()
    gc.freeze()
    return app
