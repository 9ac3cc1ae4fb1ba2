"""The language of a public page: the person's choice on the page, else the roster's
preferred language, else the browser's, else English (headcount.i18n).

The choice is a link to the same page with `?lang=es` (the USWDS language selector, with no
script): it names a language and nothing else, so no personal data or token is added to any
address. It is kept in a cookie that holds the tag alone, so the pages that follow (the form
after a code, the confirmation after a reply) stay in that language.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from headcount.i18n import COOKIE, accept_language, language_name, languages, negotiate, pick

QUERY = "lang"


def chosen(request: Request) -> str | None:
    """A language picked on the page: this request's `?lang=`, else the cookie's."""
    return pick(request.query_params.get(QUERY)) or pick(request.cookies.get(COOKIE))


def page_language(request: Request, preferred: str | None = None) -> str:
    """The page's language; `preferred` is the roster's language of the signed-in person."""
    return negotiate(
        chosen(request), preferred, *accept_language(request.headers.get("accept-language"))
    )


def public(
    request: Request, preferred: str | None = None, here: str | None = None
) -> dict[str, Any]:
    """Context for a public page: its language and the switch to each other language.
    `here` is the GET address the switch links to (default: this one, if a GET)."""
    lang = page_language(request, preferred)
    path = here or (request.url.path if request.method in ("GET", "HEAD") else None)
    switch = (
        [(tag, language_name(tag), f"{path}?{QUERY}={tag}") for tag in languages() if tag != lang]
        if path
        else []
    )
    return {"lang": lang, "switch": switch}


def remember(request: Request, response: Response) -> None:
    """Keep a language picked with `?lang=` for the pages that follow."""
    picked = pick(request.query_params.get(QUERY))
    if picked and picked != request.cookies.get(COOKIE):
        response.set_cookie(
            COOKIE,
            picked,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
            max_age=365 * 24 * 3600,
        )
