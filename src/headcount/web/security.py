"""CSRF tokens, cookies and response headers.

Forms use the double-submit pattern: a random token in a SameSite=Strict, HttpOnly cookie
and the same value in a hidden field; a POST whose two values differ is refused. The JSON
API takes credentials only from the Authorization header (never a cookie), so a third-party
page cannot make the browser call it with the employee's authority.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

from fastapi import Request, Response

CSRF_COOKIE = "hc_csrf"
CSRF_FIELD = "csrf_token"
SESSION_COOKIE = "hc_checkin"

# No script runs on these pages at all; styles, fonts and images come from this server only
# (USWDS is vendored under static/uswds/).
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # The check-in link carries a token in its path: never send it on as a Referer.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def csrf_token(request: Request) -> str:
    """The token for this browser, reusing its cookie; remembered on request.state."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token or len(token) != 43:
        token = secrets.token_urlsafe(32)
    request.state.csrf = token
    return token


def set_csrf_cookie(request: Request, response: Response) -> None:
    token = getattr(request.state, "csrf", None)
    if token and request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(
            CSRF_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )


def csrf_ok(request: Request, submitted: object) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    return (
        isinstance(submitted, str)
        and bool(cookie)
        and hmac.compare_digest(cookie.encode(), submitted.encode())  # type: ignore[union-attr]
    )


def set_session_cookie(
    request: Request, response: Response, secret: str, expires: datetime
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
        expires=expires,
    )


def bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    scheme, _, credential = value.partition(" ")
    return credential.strip() or None if scheme.lower() == "bearer" else None
