"""Enforcing the route policy in one place: an app-wide FastAPI dependency.

Every route is looked up in auth/policy.py by its method and path template. PUBLIC and
CHECKIN_LINK routes pass straight through (the check-in hot path pays one dict lookup); a
role route needs a live staff session whose role the rule lists. A route with no rule is
refused, and `check_policy_covers` makes `create_app` fail if the app has one.

Credentials: pages read the session cookie; the JSON API reads `Authorization: Bearer`, and
accepts the cookie only for GET/HEAD, so another site cannot make a browser change anything
through the API with the user's cookie.
"""

from __future__ import annotations

from anyio import to_thread
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute, Mount

from headcount.auth.policy import Access, rule_for
from headcount.auth.roles import Principal
from headcount.auth.sessions import COOKIE, principal_for
from headcount.i18n import N_
from headcount.store import Store
from headcount.web.security import bearer

SAFE_METHODS = frozenset({"GET", "HEAD"})
# Shown on the error page, in the reader's language (web/pages.py error_page).
NO_RULE = N_("This address has no access rule, so it is refused.")
ROLE_REFUSED = N_("Your role does not allow this.")


class LoginRequired(Exception):
    """No live staff session on a route that needs one."""


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def credential(request: Request) -> str | None:
    if not is_api(request):
        return request.cookies.get(COOKIE)
    token = bearer(request)
    if token is None and request.method in SAFE_METHODS:
        return request.cookies.get(COOKIE)
    return token


def app_store(request: Request) -> Store:
    """The store the app was created with (web/app.py)."""
    store: Store = request.app.state.store
    return store


def client_address(request: Request) -> str:
    """The peer's address, or the client a trusted proxy forwarded (create_app's `trusted`);
    an X-Forwarded-For from anyone else never gets this far."""
    return request.client.host if request.client else "unknown"


def _load(store: Store, secret: str | None) -> Principal | None:
    with store.begin() as s:
        return principal_for(s, secret)


async def authorize(request: Request) -> None:
    route = request.scope.get("route")
    rule = rule_for(request.method, getattr(route, "path", ""))
    if rule is None:
        raise HTTPException(403, NO_RULE)
    if isinstance(rule, Access):
        return
    secret = credential(request)
    principal = await to_thread.run_sync(_load, request.app.state.store, secret) if secret else None
    if principal is None:
        raise LoginRequired
    # Set before the role check too: the refusal page is a staff page (navigation, the way
    # back to the user's home, whom to ask), not the public one.
    request.state.principal = principal
    if principal.role not in rule:
        raise HTTPException(403, ROLE_REFUSED)


def principal(request: Request) -> Principal:
    """The signed-in user of a role route (set by `authorize`)."""
    found: Principal = request.state.principal
    return found


def route_methods(app: FastAPI) -> list[tuple[str, str, BaseRoute]]:
    """(method, path template, route) for every route of the app, HEAD folded into GET."""
    out: list[tuple[str, str, BaseRoute]] = []
    for context in iter_route_contexts(app.routes):
        route, path = context.original_route, context.path or ""
        methods = ["GET"] if isinstance(route, Mount) else sorted(context.methods or set())
        out.extend((m, path, route) for m in methods if m != "HEAD")
    return out


def check_policy_covers(app: FastAPI) -> None:
    """Every route has a rule; routes outside FastAPI's dependency system (static files, the
    OpenAPI document) bypass `authorize`, so they may only be PUBLIC. `authorize` reads the
    route's own path, so routers must be included without a prefix (give it to APIRouter)."""
    for method, path, route in route_methods(app):
        rule = rule_for(method, path)
        if rule is None:
            raise RuntimeError(f"{method} {path} has no rule in headcount/auth/policy.py")
        if isinstance(route, APIRoute):
            if route.path != path:
                raise RuntimeError(f"{path}: include its router without a prefix")
        elif rule is not Access.PUBLIC:
            raise RuntimeError(f"{method} {path} is not a FastAPI route: it can only be public")


async def login_required(request: Request, exc: Exception) -> Response:
    if is_api(request):
        return JSONResponse(
            {"code": "login_required", "message": "Sign in: a valid session token is required."},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    return RedirectResponse("/login", status_code=303)


def install(app: FastAPI) -> None:
    """Call after every router is included (the dependency itself is set on FastAPI())."""
    check_policy_covers(app)
    app.add_exception_handler(LoginRequired, login_required)
