"""The app's pure-ASGI layers (no extra task or body copy on the hot reply path):

- `BodyLimit`: every request body is counted as it streams in and refused with 413 the
  moment it passes its route's limit, whether or not it declared a Content-Length;
- `HeadersAndLog`: security headers on every response and one request-log line per request;
- `trusted_proxies`: the addresses whose X-Forwarded-For is believed (none by default).

The request log names the client, the method, the path (its template, with only record ids
filled in: a link's token stays `{token}`), the status and the duration: never a query
string, body, header or cookie.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from headcount.cases.contests import MAX_FILE_BYTES, MAX_FILES
from headcount.web.security import HEADERS

request_log = logging.getLogger("headcount.web.access")

# Enough for any form or JSON body the app takes (ten 2,000-character bullets in JSON's
# 12-byte escapes are 240 KB); the contest form carries its attachments on top.
DEFAULT_BODY_LIMIT = 1024 * 1024
BODY_LIMITS = {("POST", "/notice/{token}/contest"): MAX_FILES * MAX_FILE_BYTES + 1024 * 1024}
# Path parameters whose values the request log may show (record ids, step names); any
# other, such as a link's token, is written as its name. Deny by default: a new route's
# parameter stays out of the log until it is listed here.
LOGGED_PARAMS = frozenset({"campaign_id", "case_id", "notice_id", "attachment_id", "step"})
PLAIN_VALUE = re.compile(r"[A-Za-z0-9._-]{1,64}")


class BodyTooLarge(HTTPException):
    """Raised from `receive`, so the app's own error handler answers (a page or JSON)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Too much was sent: at most {limit / 2**20:g} MB here.")


def body_limit(scope: Scope) -> int:
    """The route is known by the time the app first reads the body (routing sets it)."""
    template = getattr(scope.get("route"), "path", "")
    return BODY_LIMITS.get((scope["method"], template), DEFAULT_BODY_LIMIT)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class BodyLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = 0
        received = 0
        refused = False

        async def counted() -> Message:
            nonlocal limit, received, refused
            if not limit:
                limit = body_limit(scope)
                declared = _declared_length(scope)
                if declared is not None and declared > limit:
                    refused = True  # before reading a byte (or sending 100 Continue)
                    raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    raise BodyTooLarge(limit)
            return message

        async def closing(message: Message) -> None:
            # After a refusal the rest of the body is not wanted: uvicorn closes the
            # connection instead of reading (and discarding) it to keep the connection alive.
            if refused and message["type"] == "http.response.start":
                MutableHeaders(scope=message)["connection"] = "close"
            await send(message)

        await self.app(scope, counted, closing)


def logged_path(scope: Scope) -> str:
    """The route template with the listed parameters filled in when their values are plain;
    an unmatched path is not written at all (it may be a mistyped link)."""
    route = scope.get("route")
    if route is None:
        # A mount (the static files) sets no route, only its endpoint and its prefix.
        return scope["root_path"] + "/{path}" if "endpoint" in scope else "<unmatched>"
    path: str = route.path
    for name, value in scope.get("path_params", {}).items():
        if name in LOGGED_PARAMS and PLAIN_VALUE.fullmatch(str(value)):
            path = path.replace("{" + name + "}", str(value))
    return path


def _client(scope: Scope) -> str:
    client = scope.get("client")
    # Escaped, as a forwarded address is whatever a trusted proxy passed on.
    return quote(client[0], safe=":.[]") if client else "-"


class HeadersAndLog:
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
            request_log.info(
                "%s %s %s %s %.1fms",
                _client(scope),
                scope["method"],
                logged_path(scope),
                status,
                (time.perf_counter() - started) * 1000,
            )


def trusted_proxies(values: Iterable[str]) -> list[str]:
    """Addresses and networks (`10.0.0.5`, `10.0.0.0/8`, `::1`), comma- or space-separated,
    normalised; ValueError names an entry that is neither."""
    out: list[str] = []
    for value in values:
        for item in value.replace(",", " ").split():
            try:
                network = ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"trusted proxy {item!r} is not an IP address or network (10.0.0.0/8)"
                ) from None
            out.append(str(network.network_address if network.num_addresses == 1 else network))
    return out


def log_config(request_log_file: Path | None, base: dict[str, Any]) -> dict[str, Any]:
    """uvicorn's logging configuration (`base`) plus the request log: one line per request
    to `request_log_file` (appended; reopened if rotated away) or to standard error."""
    handler: dict[str, Any] = (
        {"class": "logging.handlers.WatchedFileHandler", "filename": str(request_log_file)}
        if request_log_file is not None
        else {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}
    )
    return {
        **base,
        "formatters": {
            **base["formatters"],
            "headcount.requests": {"format": "%(asctime)s %(message)s"},
        },
        "handlers": {
            **base["handlers"],
            "headcount.requests": {**handler, "formatter": "headcount.requests"},
        },
        "loggers": {
            **base["loggers"],
            request_log.name: {
                "handlers": ["headcount.requests"],
                "level": "INFO",
                "propagate": False,
            },
        },
    }
