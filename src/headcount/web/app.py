"""The FastAPI application: pages, API, static files, security headers, quiet logging.

    app = create_app(store, secret)                 # tests, embedding
    uvicorn headcount.web.app:app_from_env --factory  # what `headcount serve` runs

Access log lines name the route *template* (`GET /c/{token} 200`), never the path, so a
link's token, a query string or anything typed into a URL is never written to a log.
"""

from __future__ import annotations

import gc
import logging
import time
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import headcount
from headcount.checkins.links import Signer
from headcount.pii import Keyring
from headcount.secrets import load_secret
from headcount.store import Store
from headcount.web.batcher import Batcher
from headcount.web.security import HEADERS

access_log = logging.getLogger("headcount.web.access")
STATIC = Path(__file__).parent / "static"


class HeadersAndLog:
    """Security headers on every response and one access-log line per request (pure ASGI:
    the hot reply path pays for no extra task or body copy)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    if name not in headers:
                        headers.append(name, value)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            route = scope.get("route")
            access_log.info(
                "%s %s %s %.1fms",
                scope.get("method", ""),
                getattr(route, "path", "<unmatched>"),
                status,
                (time.perf_counter() - started) * 1000,
            )


def create_app(store: Store, secret: bytes, keyring: Keyring | None = None) -> FastAPI:
    """`keyring`: the PII keyring (default: loaded as the CLI finds it, headcount.pii.keyring,
    when a case page first needs it)."""
    from fastapi import Depends

    from headcount.auth import guard
    from headcount.cases.notices import contest_signer
    from headcount.web import audit_pages, auth_pages, case_pages, contest_pages
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
    app.include_router(auth_pages.api_router)
    app.include_router(auth_pages.router)
    app.include_router(audit_pages.router)
    app.state.keyring = keyring
    app.state.contest_signer = contest_signer(secret)
    app.include_router(case_pages.router)
    app.include_router(contest_pages.router)
    guard.install(app)  # after the last router: fails if any route has no policy entry

    app.add_middleware(HeadersAndLog)

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
        return error_page(request, exc.status_code, str(exc.detail))

    return app


def app_from_env() -> FastAPI:
    """The app for uvicorn workers: database from HEADCOUNT_DATABASE_URL, key as the CLI finds
    it (HEADCOUNT_SECRET_KEY / HEADCOUNT_SECRET_FILE / ./headcount.key)."""
    import os

    pool = int(os.environ.get("HEADCOUNT_DB_POOL", "10"))
    app = create_app(Store.open(pool_size=pool), load_secret())
    # Everything alive after start-up (modules, routes, models) lives as long as the worker:
    # frozen, the cyclic GC stops rescanning it. Full collections over it paused a worker
    # for tens of milliseconds, the burst benchmark's p99 (docs/benchmarks.md).
    gc.collect()
    gc.freeze()
    return app
